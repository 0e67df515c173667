"""The agenda of the post-diagnostic interview with a school's management team.

Municipal coordinators must interview every school's management team within ten days of the
results; schools below basic get special attention and a mentor school. The agenda puts on one
page what the coordinator needs at the table: the school's profile, the tracks and critical
indicators to discuss, what changed since the last round, mentor schools and the questions
for each weak track. The questions are data (`data/documents/interview_questions.csv`), so a
methodologist edits them without touching code.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from docx.document import Document

from analytics.config import DATA_DIR
from analytics.datafiles import read_data_csv
from analytics.documents import docx_helpers as dx
from analytics.documents.change import SchoolChange, ScopeChange, school_change
from analytics.documents.common import (
    PROJECT_TITLE,
    count_phrase,
    format_delta,
    format_points,
    methodology_label,
)
from analytics.documents.interview_support import (
    NO_NEXT_STEPS,
    NO_STRENGTHS,
    InterviewSupport,
    interview_support,
)
from analytics.documents.school_results import SchoolResult, TrackResult, load_school_result
from analytics.errors import SamodiagError
from analytics.mentors import mentor_rules
from analytics.rounds import Round
from analytics.rubric import TOTAL_SCOPE

QUESTIONS_PATH = DATA_DIR / "documents" / "interview_questions.csv"
QUESTION_COLUMNS = ("track_code", "question")
TITLE = "Повестка собеседования с управленческой командой школы по результатам самодиагностики"
DISCUSS_MAX_RANK = 1
"""Tracks at «ниже базового» or «базовый» are discussed; so is any track with a failed critical."""
FALLBACK_TRACKS = 2
"""When every track is above basic, the two weakest tracks that still have deficits are discussed."""
DEFICITS_SHOWN = 5
DECISION_ROWS = 6


def interview_agenda_docx(
    con: duckdb.DuckDBPyConnection, rnd: Round, inn: str, *, questions_path: Path = QUESTIONS_PATH
) -> bytes:
    """The interview agenda for one school as a Word document."""
    school = load_school_result(con, rnd, inn)
    return render_agenda(con, rnd, school, interview_support(con, rnd, school), questions_path)


def render_agenda(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    school: SchoolResult,
    support: InterviewSupport,
    questions_path: Path = QUESTIONS_PATH,
) -> bytes:
    """The agenda of a school whose result and support a bulk export has gathered already."""
    questions = load_interview_questions(questions_path)
    change = school_change(con, rnd, school)
    details = _roster_details(con, school.inn)
    doc = dx.new_document(methodology_label(rnd.methodology))
    dx.add_title(doc, TITLE)
    dx.add_text(doc, PROJECT_TITLE, center=True)
    dx.add_text(doc, methodology_label(rnd.methodology), bold=True, center=True)
    _add_profile(doc, rnd, school, change, details)
    _add_change(doc, change)
    tracks = discussion_tracks(school)
    _add_discussion(doc, school, tracks)
    _add_support(doc, support)
    _add_questions(doc, questions, tracks, support.to_check)
    _add_mentors(doc, support)
    dx.add_heading(doc, "7. Решения по итогам собеседования")
    blank = [["", "", ""] for _ in range(DECISION_ROWS)]
    dx.add_table(
        doc, (9.5, 4.5, 3.0), ("Решение, мера по устранению дефицита", "Ответственный", "Срок"), blank
    )
    dx.add_signature_block(doc, ("Муниципальный координатор", "Руководитель образовательной организации"))
    return dx.document_bytes(doc)


def load_interview_questions(path: Path = QUESTIONS_PATH) -> dict[str, list[str]]:
    """Scope ('total' for every school, or a track code) → its questions, in file order."""
    rows = read_data_csv(path, QUESTION_COLUMNS)
    questions: dict[str, list[str]] = {}
    for line, row in rows:
        scope, question = row["track_code"].strip(), row["question"].strip()
        if not scope or not question:
            msg = f"Файл «{path.name}», строка {line}: нужны и код направления, и вопрос"
            raise SamodiagError(msg)
        questions.setdefault(scope, []).append(question)
    return questions


def discussion_tracks(school: SchoolResult) -> list[TrackResult]:
    """Tracks to discuss, weakest first: those at basic or below or with a failed critical."""
    weak = [
        t for t in school.tracks_worst_first() if t.level_rank <= DISCUSS_MAX_RANK or t.count_failed_critical
    ]
    if weak:
        return weak
    with_deficits = [t for t in school.tracks if school.deficits_of(t.track.code)]
    return sorted(with_deficits, key=lambda t: (t.points / t.points_max, t.track.order))[:FALLBACK_TRACKS]


def _add_profile(
    doc: Document, rnd: Round, school: SchoolResult, change: SchoolChange, details: list[tuple[str, str]]
) -> None:
    rows = [
        *school.identity_rows(),
        *details,
        *school.result_rows(rnd),
        ("Дефицитов (показателей ниже максимума)", str(len(school.deficits))),
        ("Дата и место собеседования", ""),
        ("Участники собеседования", ""),
    ]
    dx.add_heading(doc, "1. Профиль школы")
    dx.add_table(doc, (7.0, 10.0), None, [[dx.Cell(k, bold=True), v] for k, v in rows], font_size=11)
    dx.add_text(doc, "")
    previous = {c.scope: c for c in change.scopes}
    header = ("Направление", "Баллы", "Уровень", "Изменение баллов", "Уровень в прошлом раунде")
    table = [
        [
            t.track.title,
            format_points(t.points, t.points_max),
            t.level,
            _points_delta(previous.get(t.track.code), change),
            previous[t.track.code].level_prev if t.track.code in previous else "—",
        ]
        for t in school.tracks
    ]
    dx.add_table(doc, (6.4, 2.3, 2.8, 2.5, 3.0), header, table)


def _roster_details(con: duckdb.DuckDBPyConnection, inn: str) -> list[tuple[str, str]]:
    """Locality and pupils from the roster, when the roster has the school."""
    row = con.execute("select locality, pupils, is_in_roster from schools where inn = ?", [inn]).fetchone()
    if row is None or not row[2]:
        return []
    locality, pupils, _ = row
    details = []
    if locality:
        details.append(("Тип местности", locality))
    if pupils is not None:
        details.append(("Число обучающихся", str(pupils)))
    return details


def _points_delta(scope_change: ScopeChange | None, change: SchoolChange) -> str:
    if scope_change is None or not change.same_methodology:
        return "—"
    return format_delta(scope_change.points_delta)


def _add_change(doc: Document, change: SchoolChange) -> None:
    dx.add_heading(doc, "2. Изменения с прошлого раунда")
    dx.add_bullets(doc, describe_school_change(change))


def describe_school_change(change: SchoolChange) -> list[str]:
    """Sentences on the total, the tracks and the deficits since the previous round."""
    if change.previous is None:
        return ["Предыдущего раунда в базе нет: сравнивать не с чем."]
    name = change.previous.name
    if not change.was_present:
        return [f"В раунде «{name}» школа самодиагностику не проходила (данных нет)."]
    total = next(c for c in change.scopes if c.scope == TOTAL_SCOPE)
    lines = []
    if change.same_methodology:
        lines.append(
            f"Сумма баллов: {total.points_prev} в раунде «{name}», {total.points_now} сейчас "
            f"({format_delta(total.points_delta)})."
        )
    else:
        lines.append(f"Раунд «{name}» проведён по другой методике: сравниваются только уровни.")
    lines.append(_level_sentence("Общий уровень", total))
    tracks = [c for c in change.scopes if c.scope != TOTAL_SCOPE]
    rose = [c.title for c in tracks if c.rank_now > c.rank_prev]
    fell = [c.title for c in tracks if c.rank_now < c.rank_prev]
    lines.append("Уровень повысился по направлениям: " + (", ".join(rose) if rose else "нет") + ".")
    lines.append("Уровень понизился по направлениям: " + (", ".join(fell) if fell else "нет") + ".")
    if change.same_methodology:
        lines.append(
            f"Закрыто дефицитов с прошлого раунда: {len(change.deficits_closed)}; "
            f"новых дефицитов: {len(change.deficits_opened)}"
            + (
                f" (показатели № {', '.join(map(str, change.deficits_opened))})"
                if change.deficits_opened
                else ""
            )
            + "."
        )
    return lines


def _level_sentence(label: str, change: ScopeChange) -> str:
    if change.rank_now == change.rank_prev:
        return f"{label} не изменился: «{change.level_now}»."
    verb = "повысился" if change.rank_now > change.rank_prev else "понизился"
    return f"{label} {verb}: «{change.level_prev}» → «{change.level_now}»."


def _add_discussion(doc: Document, school: SchoolResult, tracks: list[TrackResult]) -> None:
    dx.add_heading(doc, "3. Направления и критические показатели для обсуждения")
    if not tracks:
        dx.add_text(doc, "Дефицитов нет: по всем показателям получен максимум баллов.")
        return
    for track in tracks:
        dx.add_heading(
            doc, f"{track.track.title}: {format_points(track.points, track.points_max)}, «{track.level}»", 2
        )
        deficits = school.deficits_of(track.track.code)
        failed = [d for d in deficits if d.is_failed_critical]
        items = [
            f"Критический показатель № {d.number} «{d.indicator}»: ответ «{d.answer_current}» — 0 баллов; "
            f"для выполнения нужен ответ «{d.answer_best}»."
            for d in failed
        ]
        others = [d for d in deficits if not d.is_failed_critical][:DEFICITS_SHOWN]
        items += [
            f"№ {d.number} «{d.indicator}»: «{d.answer_current}» ({d.points_current} из {d.points_max}) → "
            f"«{d.answer_best}»"
            for d in others
        ]
        rest = len(deficits) - len(failed) - len(others)
        if rest > 0:
            items.append(
                "и ещё " + count_phrase(rest, "дефицит", "дефицита", "дефицитов") + " (см. чек-лист)"
            )
        dx.add_bullets(doc, items or ["Дефицитов по направлению нет."])


def _add_questions(
    doc: Document, questions: dict[str, list[str]], tracks: list[TrackResult], to_check: tuple[str, ...]
) -> None:
    dx.add_heading(doc, "5. Вопросы для собеседования")
    if to_check:
        dx.add_heading(doc, "Что уточнить по ответам самодиагностики", 2)
        dx.add_bullets(doc, to_check)
    if questions.get(TOTAL_SCOPE):
        dx.add_heading(doc, "Общие вопросы", 2)
        dx.add_bullets(doc, questions[TOTAL_SCOPE])
    for track in tracks:
        if questions.get(track.track.code):
            dx.add_heading(doc, track.track.title, 2)
            dx.add_bullets(doc, questions[track.track.code])


def _add_support(doc: Document, support: InterviewSupport) -> None:
    dx.add_heading(doc, "4. На что опереться и самые короткие пути к следующему уровню")
    dx.add_text(doc, "Сильные стороны:", bold=True)
    dx.add_bullets(doc, support.strengths or (NO_STRENGTHS,))
    if not support.next_steps:
        dx.add_text(doc, NO_NEXT_STEPS)
    for step in support.next_steps:
        dx.add_text(doc, f"{step.scope_title}: {step.levels}", bold=True)
        dx.add_bullets(doc, step.changes)


def _add_mentors(doc: Document, support: InterviewSupport) -> None:
    """The mentor assigned for each track below basic, with why, or why there is none."""
    dx.add_heading(doc, "6. Школа-наставник")
    if not support.mentors:
        dx.add_text(doc, "Направлений на уровне «ниже базового» нет: школа-наставник не нужна.")
        return
    header = ("Направление", "Школа-наставник", "Почему")
    dx.add_table(doc, (3.2, 6.0, 7.8), header, support.mentors)
    dx.add_text(doc, mentor_rules().explained())
