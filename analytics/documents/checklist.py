"""The deficit checklist («чек-лист по устранению дефицитов») a coordinator fills in with a school.

Regional roadmaps ask the municipal coordinator to interview each school's management team
within ten days of the results and draw up a checklist of its deficits. The checklist lists
exactly the school's deficits as `school_deficits` returns them (no more, no fewer), grouped by
track with the weakest track first, and leaves the measure, the person responsible and the
deadline for people to fill in. The xlsx and docx files are built from the same content, so
they never disagree.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
from docx.document import Document
from openpyxl.worksheet.worksheet import Worksheet

from analytics.credibility import flag_schools
from analytics.documents import docx_helpers as dx
from analytics.documents import xlsx_helpers as xl
from analytics.documents.common import (
    PROJECT_TITLE,
    format_points,
    goal_text,
    methodology_label,
    safe_file_name,
)
from analytics.documents.interview_support import (
    NO_NEXT_STEPS,
    NO_STRENGTHS,
    InterviewSupport,
    interview_support,
)
from analytics.documents.school_results import Deficit, SchoolResult, load_school_result, load_school_results
from analytics.errors import SamodiagError
from analytics.mentors import assign_mentors
from analytics.rounds import Round
from analytics.sql import query

Progress = Callable[[float, str], None]
FORMATS = ("xlsx", "docx")
TITLE = "Чек-лист по устранению дефицитов по результатам самодиагностики"
DEFICIT_COLUMNS = (
    "№ показателя",
    "Показатель",
    "Критический",
    "Текущий ответ",
    "Баллы сейчас",
    "Максимум баллов",
    "Что обеспечить",
    "Мера по устранению",
    "Ответственный",
    "Срок",
)
TRACK_COLUMNS = ("Направление", "Баллы", "Максимум", "Уровень", "Дефицитов")
SIGNATURE_ROLES = ("Руководитель образовательной организации", "Муниципальный координатор")
NO_DEFICITS = "Дефицитов нет: по всем показателям получен максимум баллов."
XLSX_WIDTHS = (12, 46, 13, 34, 9, 9, 34, 30, 20, 12)
TRACK_XLSX_SPANS = ((1, 2), (3, 3), (4, 4), (5, 6), (7, 7))
"""Columns (first, last) of the track summary's five fields within the deficit table's grid."""
DOCX_WIDTHS_CM = (1.7, 4.8, 2.3, 3.4, 1.4, 1.5, 3.4, 3.4, 2.6, 1.2)
STRENGTHS_TITLE = "Сильные стороны"
NEXT_STEPS_TITLE = "До следующего уровня: самые короткие пути"
MENTORS_TITLE = "Школа-наставник"
MENTOR_COLUMNS = ("Направление «ниже базового»", "Школа-наставник", "Почему")
MENTOR_XLSX_SPANS = ((1, 2), (3, 4), (5, 10))


@dataclass(frozen=True)
class DeficitGroup:
    title: str
    deficits: tuple[Deficit, ...]


@dataclass(frozen=True)
class ChecklistContent:
    """Everything a checklist prints, whatever the file format."""

    header: tuple[tuple[str, str], ...]
    methodology: str
    track_rows: tuple[tuple[str, int, int, str, int], ...]
    groups: tuple[DeficitGroup, ...]
    support: InterviewSupport


def checklist_content(school: SchoolResult, rnd: Round, support: InterviewSupport) -> ChecklistContent:
    """The header, the per-track summary, the interview support and the deficits grouped by
    track, weakest first."""
    deficits = school.deficits
    critical = sum(d.is_critical for d in deficits)
    header = (
        *school.identity_rows(),
        *school.result_rows(rnd),
        ("Дефицитов (показателей ниже максимума)", f"{len(deficits)}, из них по критическим: {critical}"),
    )
    by_track = {t.track.code: school.deficits_of(t.track.code) for t in school.tracks}
    track_rows = tuple(
        (t.track.title, t.points, t.points_max, t.level, len(by_track[t.track.code])) for t in school.tracks
    )
    groups = tuple(
        DeficitGroup(
            title=f"{t.track.title}: {format_points(t.points, t.points_max)} баллов, уровень «{t.level}»",
            deficits=tuple(by_track[t.track.code]),
        )
        for t in school.tracks_worst_first()
        if by_track[t.track.code]
    )
    return ChecklistContent(
        header=header,
        methodology=methodology_label(rnd.methodology),
        track_rows=track_rows,
        groups=groups,
        support=support,
    )


def critical_mark(deficit: Deficit) -> str:
    """«да, 0 баллов» for a failed critical indicator, «да» for another critical one, else empty."""
    if deficit.is_failed_critical:
        return "да, 0 баллов"
    return "да" if deficit.is_critical else ""


def checklist_xlsx(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> bytes:
    """The school's deficit checklist as an xlsx workbook."""
    return render_xlsx(_content_of(con, rnd, inn))


def checklist_docx(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> bytes:
    """The school's deficit checklist as a printable Word document with a signature block."""
    return render_docx(_content_of(con, rnd, inn))


def _content_of(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> ChecklistContent:
    school = load_school_result(con, rnd, inn)
    return checklist_content(school, rnd, interview_support(con, rnd, school))


def below_basic_inns(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> list[str]:
    """ИНН of the schools whose overall level is «ниже базового», by municipality and name."""
    rows = con.execute(
        query("below_basic_inns"),
        {"round_id": rnd.round_id, "municipality": municipality, "school_type": school_type},
    ).fetchall()
    return [inn for (inn,) in rows]


def checklists_zip(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    inns: list[str],
    fmt: str = "xlsx",
    progress: Progress | None = None,
) -> bytes:
    """A zip of one checklist per school, in folders by municipality; reports progress per school."""
    if fmt not in FORMATS:
        msg = f"формат чек-листов «{fmt}» не поддерживается: выберите xlsx или docx"
        raise SamodiagError(msg)
    if not inns:
        msg = f"нет школ для выгрузки чек-листов в раунде «{rnd.name}»"
        raise SamodiagError(msg)
    step = progress or _no_progress
    step(0.0, f"Чтение результатов школ: {len(inns)}")
    schools = load_school_results(con, rnd, inns)
    assignment = assign_mentors(con, rnd)
    flags = flag_schools(con, rnd)
    render = render_xlsx if fmt == "xlsx" else render_docx
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for done, inn in enumerate(dict.fromkeys(inns), start=1):
            school = schools[inn]
            support = interview_support(con, rnd, school, assignment[assignment["inn"] == inn], flags)
            archive.writestr(
                checklist_file_name(school, rnd, fmt), render(checklist_content(school, rnd, support))
            )
            step(done / len(schools), f"{done} из {len(schools)}: {school.name}")
    return buffer.getvalue()


def checklist_file_name(school: SchoolResult, rnd: Round, fmt: str) -> str:
    """«Кировский район/4723257880 МОБУ «СОШ №1» — чек-лист Весна 2026.xlsx»."""
    base = safe_file_name(f"{school.inn} {school.name} — чек-лист {rnd.name}", limit=120)
    return f"{safe_file_name(school.municipality)}/{base}.{fmt}"


def _no_progress(_fraction: float, _text: str) -> None:
    return None


def render_xlsx(content: ChecklistContent) -> bytes:
    workbook, ws = xl.new_workbook("Чек-лист", XLSX_WIDTHS)
    last = len(DEFICIT_COLUMNS)
    xl.put_span(ws, 1, 1, last, TITLE, style="title")
    xl.put_span(ws, 2, 1, last, PROJECT_TITLE)
    xl.put_span(ws, 3, 1, last, content.methodology, style="line_bold")
    row = 5
    for key, value in content.header:
        xl.put_span(ws, row, 1, 2, key, style="line_bold")
        xl.put_span(ws, row, 3, last, value)
        row += 1
    row = _xlsx_track_table(ws, content, row + 1)
    row = _xlsx_support(ws, content.support, row + 1)
    row = _xlsx_deficit_table(ws, content, row + 1)
    _xlsx_signatures(ws, row + 1)
    xl.landscape_a4(ws)
    xl.fit_row_heights(ws, XLSX_WIDTHS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_track_table(ws: Worksheet, content: ChecklistContent, row: int) -> int:
    """The per-track summary laid over the deficit table's columns (see TRACK_XLSX_SPANS)."""
    xl.put_span(ws, row, 1, len(DEFICIT_COLUMNS), "Результаты по направлениям", style="line_bold")
    row += 1
    for value, (first, last) in zip(TRACK_COLUMNS, TRACK_XLSX_SPANS, strict=True):
        xl.put_span(ws, row, first, last, value, style="header")
    for track_row in content.track_rows:
        row += 1
        for value, (first, last) in zip(track_row, TRACK_XLSX_SPANS, strict=True):
            xl.put_span(ws, row, first, last, value, style="text" if isinstance(value, str) else "number")
    return row + 1


def _xlsx_support(ws: Worksheet, support: InterviewSupport, row: int) -> int:
    """Strengths, the short way to the next level and the mentors, each a titled block."""
    last = len(DEFICIT_COLUMNS)
    xl.put_span(ws, row, 1, last, STRENGTHS_TITLE, style="line_bold")
    for text in support.strengths or (NO_STRENGTHS,):
        row += 1
        xl.put_span(ws, row, 1, last, text, style="text")
    row += 2
    xl.put_span(ws, row, 1, last, NEXT_STEPS_TITLE, style="line_bold")
    if not support.next_steps:
        row += 1
        xl.put_span(ws, row, 1, last, NO_NEXT_STEPS, style="text")
    for step in support.next_steps:
        row += 1
        xl.put_span(ws, row, 1, last, f"{step.scope_title}: {step.levels}", style="group")
        for change in step.changes:
            row += 1
            xl.put_span(ws, row, 1, last, change, style="text")
    if support.mentors:
        row += 2
        xl.put_span(ws, row, 1, last, MENTORS_TITLE, style="line_bold")
        row += 1
        for value, (first, span_last) in zip(MENTOR_COLUMNS, MENTOR_XLSX_SPANS, strict=True):
            xl.put_span(ws, row, first, span_last, value, style="header")
        for mentor_row in support.mentors:
            row += 1
            for value, (first, span_last) in zip(mentor_row, MENTOR_XLSX_SPANS, strict=True):
                xl.put_span(ws, row, first, span_last, value, style="text")
    return row + 1


def _xlsx_deficit_table(ws: Worksheet, content: ChecklistContent, row: int) -> int:
    last = len(DEFICIT_COLUMNS)
    xl.put_span(ws, row, 1, last, "Дефициты и меры по их устранению", style="line_bold")
    row += 1
    if not content.groups:
        xl.put_span(ws, row, 1, last, NO_DEFICITS)
        return row + 1
    for column, title in enumerate(DEFICIT_COLUMNS, start=1):
        xl.put(ws, row, column, title, "header")
    ws.print_title_rows = f"{row}:{row}"
    ws.freeze_panes = ws.cell(row + 1, 1)
    for group in content.groups:
        row += 1
        xl.put_span(ws, row, 1, last, group.title, style="group")
        for deficit in group.deficits:
            row += 1
            _xlsx_deficit_row(ws, row, deficit)
    return row + 1


def goal(deficit: Deficit) -> str:
    """What the school must achieve for the indicator («Обеспечить: …»)."""
    return goal_text(deficit.answer_best)


def _xlsx_deficit_row(ws: Worksheet, row: int, deficit: Deficit) -> None:
    prefix = "failed_" if deficit.is_failed_critical else ""
    values = (
        (deficit.number, f"{prefix}number"),
        (deficit.indicator, f"{prefix}text"),
        (critical_mark(deficit), f"{prefix}mark"),
        (deficit.answer_current, f"{prefix}text"),
        (deficit.points_current, f"{prefix}number"),
        (deficit.points_max, f"{prefix}number"),
        (goal(deficit), f"{prefix}text"),
        ("", "text"),
        ("", "text"),
        ("", "text"),
    )
    for column, (value, style) in enumerate(values, start=1):
        xl.put(ws, row, column, value, style)


def _xlsx_signatures(ws: Worksheet, row: int) -> None:
    for role in SIGNATURE_ROLES:
        row += 1
        xl.put_span(ws, row, 1, 3, role, style="line_bold")
        xl.put_span(ws, row, 4, 7, "_______________________ / _______________________ /")
    xl.put_span(ws, row + 2, 1, 3, "Дата: «____» ________________ 20____ г.")


def render_docx(content: ChecklistContent) -> bytes:
    doc = dx.new_document(content.methodology, landscape=True)
    dx.add_title(doc, TITLE)
    dx.add_text(doc, PROJECT_TITLE, center=True)
    dx.add_text(doc, content.methodology, bold=True, center=True)
    header_rows = [[dx.Cell(key, bold=True), value] for key, value in content.header]
    dx.add_table(doc, (8.0, 17.7), None, header_rows, font_size=11)
    dx.add_heading(doc, "Результаты по направлениям", 2)
    dx.add_table(doc, (11.7, 3.0, 3.0, 5.0, 3.0), TRACK_COLUMNS, content.track_rows)
    _docx_support(doc, content.support)
    dx.add_heading(doc, "Дефициты и меры по их устранению", 2)
    if content.groups:
        dx.add_table(doc, DOCX_WIDTHS_CM, DEFICIT_COLUMNS, _docx_deficit_rows(content), font_size=9)
    else:
        dx.add_text(doc, NO_DEFICITS)
    dx.add_signature_block(doc, SIGNATURE_ROLES)
    return dx.document_bytes(doc)


def _docx_support(doc: Document, support: InterviewSupport) -> None:
    dx.add_heading(doc, STRENGTHS_TITLE, 2)
    dx.add_bullets(doc, support.strengths or (NO_STRENGTHS,))
    dx.add_heading(doc, NEXT_STEPS_TITLE, 2)
    if not support.next_steps:
        dx.add_text(doc, NO_NEXT_STEPS)
    for step in support.next_steps:
        dx.add_text(doc, f"{step.scope_title}: {step.levels}", bold=True)
        dx.add_bullets(doc, step.changes)
    if support.mentors:
        dx.add_heading(doc, MENTORS_TITLE, 2)
        dx.add_table(doc, (6.0, 8.0, 11.7), MENTOR_COLUMNS, support.mentors)


def _docx_deficit_rows(content: ChecklistContent) -> list[list[dx.Cell | str | int]]:
    rows: list[list[dx.Cell | str | int]] = []
    for group in content.groups:
        title = dx.Cell(
            group.title, bold=True, fill=dx.GROUP_FILL, span=len(DEFICIT_COLUMNS), keep_with_next=True
        )
        rows.append([title])
        for deficit in group.deficits:
            fill = dx.CRITICAL_FILL if deficit.is_failed_critical else None
            rows.append(
                [
                    dx.Cell(str(deficit.number), fill=fill, center=True),
                    dx.Cell(deficit.indicator, fill=fill),
                    dx.Cell(
                        critical_mark(deficit), bold=True, color=dx.CRITICAL_COLOR, fill=fill, center=True
                    ),
                    dx.Cell(deficit.answer_current, fill=fill),
                    dx.Cell(str(deficit.points_current), fill=fill, center=True),
                    dx.Cell(str(deficit.points_max), fill=fill, center=True),
                    dx.Cell(goal(deficit), fill=fill),
                    "",
                    "",
                    "",
                ]
            )
    return rows
