"""The analytic report («аналитическая справка») on a round, for the region or one municipality.

Regional roadmaps ask the regional operator for an analytic report with management decisions
and targeted recommendations after every round. Every figure here comes from `ReportFacts`
(read from the store); the findings and recommendations are sentences from
`data/documents/findings.csv`, filled in by named rules, so the wording is the methodologist's
and the numbers are the store's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
from docx.document import Document

from analytics.documents import charts
from analytics.documents import docx_helpers as dx
from analytics.documents.common import (
    PROJECT_TITLE,
    format_share,
    methodology_label,
    round_label,
)
from analytics.documents.findings import FINDINGS_PATH, Finding, evaluate_findings, load_findings
from analytics.documents.region_facts import ReportFacts, gather_report_facts
from analytics.dynamics import TOO_FEW, VERDICT_NONE, VERDICT_NOT_SIGNIFICANT
from analytics.mentors import mentor_rules
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE

TITLE = "Аналитическая справка по результатам самодиагностики общеобразовательных организаций"
NO_ROSTER = "участие неизвестно: реестр школ не загружен"
TOP_DEFICITS = 10
CHART_WIDTH_CM = 16.0
RECOMMENDATION_COLUMNS = ("Рекомендация", "Ответственный", "Срок", "Целевое значение")
RECOMMENDATION_WIDTHS_CM = (6.6, 3.4, 3.0, 4.0)
"""Wide enough at 9 pt that no header breaks inside a word («Ответственный» needs ~2.6 cm)."""


def analytic_report_docx(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    *,
    findings_path: Path = FINDINGS_PATH,
) -> bytes:
    """The analytic report on a round for the region, or for one municipality, as Word."""
    templates = load_findings(findings_path)
    facts = gather_report_facts(con, rnd, municipality)
    findings = evaluate_findings(facts, templates)
    label = methodology_label(rnd.methodology)
    doc = dx.new_document(label)
    dx.add_title(doc, TITLE)
    dx.add_text(doc, PROJECT_TITLE, center=True)
    dx.add_text(doc, _scope_title(facts), bold=True, center=True)
    dx.add_text(doc, f"Раунд самодиагностики: {round_label(rnd)}", center=True)
    dx.add_text(doc, label, bold=True, center=True)
    dx.add_text(doc, f"Справка сформирована {dt.date.today():%d.%m.%Y}", italic=True, center=True)
    _add_participation(doc, facts)
    _add_levels(doc, facts)
    _add_below_basic(doc, facts)
    _add_frequent_deficits(doc, facts)
    _add_change(doc, facts)
    _add_findings(doc, "6. Выводы", [f for f in findings if f.section == "вывод"])
    _add_recommendations(doc, facts, [f for f in findings if f.section == "рекомендация"])
    dx.add_signature_block(doc, ("Справку подготовил(а)",))
    return dx.document_bytes(doc)


def _scope_title(facts: ReportFacts) -> str:
    if facts.municipality:
        return f"Муниципальное образование: {facts.municipality}"
    return f"Регион: {facts.region}" if facts.region else "Все муниципальные образования"


def describe_participation(facts: ReportFacts) -> str:
    """«Ожидалось школ (по реестру): 600; прошли самодиагностику: 540 (90,0 %)…», or «неизвестно»."""
    p = facts.participation
    if not p.has_roster:
        return f"Прошли самодиагностику школ: {p.count_passed}; {NO_ROSTER}."
    text = (
        f"Ожидалось школ (по реестру): {p.count_expected}; прошли самодиагностику: "
        f"{p.count_passed_expected} ({format_share(p.count_passed_expected, p.count_expected)}); "
        f"не прошли: {len(p.missing)}."
    )
    if p.count_not_in_roster:
        text += f" Кроме того, прошли самодиагностику школ, которых нет в реестре: {p.count_not_in_roster}."
    return text


def _add_participation(doc: Document, facts: ReportFacts) -> None:
    dx.add_heading(doc, "1. Участие в самодиагностике")
    dx.add_text(doc, describe_participation(facts))
    missing = facts.participation.missing
    if missing.empty:
        return
    if facts.municipality:
        dx.add_text(doc, "Школы из реестра, не прошедшие самодиагностику:")
        rows = [[row.name, row.inn] for row in missing.itertuples()]
        dx.add_table(doc, (13.0, 4.0), ("Образовательная организация", "ИНН"), rows)
        return
    dx.add_text(doc, "Школы из реестра, не прошедшие самодиагностику, по муниципальным образованиям:")
    counts = missing.groupby("municipality").size().sort_values(ascending=False)
    rows = [[name, int(count)] for name, count in counts.items()]
    dx.add_table(doc, (13.0, 4.0), ("Муниципальное образование", "Не прошли"), rows)


def _add_levels(doc: Document, facts: ReportFacts) -> None:
    dx.add_heading(doc, "2. Распределение школ по уровням")
    counts = facts.level_counts()
    total = facts.count_schools
    dx.add_text(doc, f"Школ с результатами в раунде: {total}.")
    rows = [[level, counts[rank], format_share(counts[rank], total)] for rank, level in enumerate(LEVELS)]
    dx.add_table(doc, (9.0, 4.0, 4.0), ("Общий уровень", "Школ", "Доля"), rows)
    if total:
        dx.add_picture(doc, charts.level_bars_png(counts, "Общий уровень школ"), CHART_WIDTH_CM)
    dx.add_heading(doc, "Уровни по направлениям", 2)
    track_counts = [facts.level_counts(t.code) for t in facts.tracks]
    rows = [
        [t.title, *c, format_share(c[0], sum(c))] for t, c in zip(facts.tracks, track_counts, strict=True)
    ]
    dx.add_table(doc, (6.2, 2.0, 2.0, 2.0, 2.0, 2.8), ("Направление", *LEVELS, "Доля ниже базового"), rows)
    if total:
        png = charts.stacked_levels_png(
            [t.name for t in facts.tracks], track_counts, "Уровни по направлениям"
        )
        dx.add_picture(doc, png, CHART_WIDTH_CM)
    if facts.municipality is None:
        _add_municipalities(doc, facts)


def _add_municipalities(doc: Document, facts: ReportFacts) -> None:
    totals = facts.totals
    if totals.empty:
        return
    dx.add_heading(doc, "Уровни по муниципальным образованиям", 2)
    table = (
        totals.groupby(["municipality", "level_rank"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=range(len(LEVELS)), fill_value=0)
    )
    rows = [
        [name, int(sum(c)), *map(int, c), format_share(int(c[0]), int(sum(c)))]
        for name, c in zip(table.index, table.to_numpy(), strict=True)
    ]
    dx.add_table(
        doc,
        (5.0, 1.6, 2.0, 2.0, 2.0, 2.0, 2.4),
        ("Муниципальное образование", "Школ", *LEVELS, "Доля ниже базового"),
        rows,
    )
    png = charts.stacked_levels_png(
        list(table.index), table.to_numpy().tolist(), "Общий уровень по муниципалитетам"
    )
    dx.add_picture(doc, png, CHART_WIDTH_CM)


def _add_below_basic(doc: Document, facts: ReportFacts) -> None:
    dx.add_heading(doc, "3. Школы уровня «ниже базового» и причины")
    below = facts.below_basic
    if below.empty:
        dx.add_text(doc, "Школ с общим уровнем «ниже базового» нет.")
        return
    only_critical = int(below["is_critical_only"].sum())
    dx.add_text(
        doc,
        f"Школ с общим уровнем «ниже базового»: {len(below)} из {facts.count_schools} "
        f"({format_share(len(below), facts.count_schools)}); из них набрали баллы базового уровня, "
        f"но не выполнили критический показатель: {only_critical}.",
    )
    rows = [
        [
            f"{row.name}\nИНН {row.inn}\n{row.municipality}",
            f"{row.points} из {row.points_max}",
            row.failing_tracks or "—",
            row.failed_critical or "—",
        ]
        for row in below.itertuples()
    ]
    header = (
        "Образовательная организация",
        "Баллы",
        "Направления «ниже базового»",
        "Невыполненные критические показатели",
    )
    dx.add_table(doc, (5.0, 1.8, 4.2, 6.0), header, rows, font_size=9)


def _add_frequent_deficits(doc: Document, facts: ReportFacts) -> None:
    dx.add_heading(doc, "4. Наиболее частые дефициты")
    frequency = facts.frequency[facts.frequency["count_deficits"] > 0].head(TOP_DEFICITS)
    if frequency.empty:
        dx.add_text(doc, "Дефицитов нет: все школы получили максимум баллов по всем показателям.")
        return
    dx.add_text(doc, "Показатели, по которым баллы потеряло наибольшее число школ:")
    rows = [
        [
            int(row.number),
            row.indicator + (" (критический)" if row.is_critical else ""),
            row.track_name,
            f"{int(row.count_deficits)} из {int(row.count_schools)}",
            format_share(int(row.count_deficits), int(row.count_schools)),
        ]
        for row in frequency.itertuples()
    ]
    header = ("№", "Показатель", "Направление", "Школ с дефицитом", "Доля")
    dx.add_table(doc, (1.0, 7.6, 3.4, 2.8, 2.2), header, rows, font_size=9)


def _add_change(doc: Document, facts: ReportFacts) -> None:
    dx.add_heading(doc, "5. Изменения с предыдущего раунда")
    change = facts.change
    if change.previous is None:
        dx.add_text(doc, "Предыдущего раунда в базе нет: сравнивать не с чем.")
        return
    before, now = change.previous.name, facts.rnd.name
    if not change.same_methodology:
        dx.add_text(doc, f"Раунд «{before}» проведён по другой методике: сравниваются только уровни.")
    rows = [
        [level, change.level_counts_prev[rank], change.level_counts_now[rank]]
        for rank, level in enumerate(LEVELS)
    ]
    rows.append([dx.Cell("Всего", bold=True), sum(change.level_counts_prev), sum(change.level_counts_now)])
    dx.add_table(doc, (9.0, 4.0, 4.0), ("Общий уровень", f"«{before}»", f"«{now}»"), rows)
    dx.add_picture(
        doc,
        charts.level_change_png(change.level_counts_prev, change.level_counts_now, before, now),
        CHART_WIDTH_CM,
    )
    unchanged = change.count_paired - change.count_rose - change.count_fell
    lines = [
        f"Прошли оба раунда школ: {change.count_paired}; повысили общий уровень: {change.count_rose}; "
        f"понизили: {change.count_fell}; без изменений: {unchanged}."
    ]
    if change.mean_points_prev is not None and change.mean_points_now is not None:
        lines.append(
            f"Средняя сумма баллов этих школ: {_decimal(change.mean_points_prev)} в раунде «{before}», "
            f"{_decimal(change.mean_points_now)} сейчас."
        )
    verdicts = change.below_basic_verdicts or {}
    if change.points_verdict:
        lines.append(
            f"Изменение суммы баллов: {_in_words(change.points_verdict)}; школ ниже базового уровня "
            f"в целом: {_in_words(verdicts.get(TOTAL_SCOPE, TOO_FEW))} "
            "(парные критерии Уилкоксона и Мак-Немара с поправкой Холма, как на странице «Динамика»)."
        )
    dx.add_bullets(doc, lines)
    rows = [
        [
            t.title,
            change.track_below_prev.get(t.code, 0),
            change.track_below_now.get(t.code, 0),
            _in_words(verdicts.get(t.code, TOO_FEW)),
        ]
        for t in facts.tracks
    ]
    dx.add_text(doc, "Школ на уровне «ниже базового» по направлениям:")
    dx.add_table(doc, (6.0, 3.0, 3.0, 5.0), ("Направление", f"«{before}»", f"«{now}»", "Вывод"), rows)


def _in_words(verdict: str) -> str:
    """A verdict as the report says it: no detected change is «в пределах случайных колебаний»."""
    return VERDICT_NOT_SIGNIFICANT if verdict == VERDICT_NONE else verdict


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _add_findings(doc: Document, heading: str, findings: list[Finding]) -> None:
    dx.add_heading(doc, heading)
    if findings:
        dx.add_bullets(doc, [f.text for f in findings])
    else:
        dx.add_text(doc, "Ни одно из правил выводов не сработало на данных раунда.")


def _add_recommendations(doc: Document, facts: ReportFacts, findings: list[Finding]) -> None:
    """Each recommendation with who acts, by when and to what end; then the mentor table."""
    dx.add_heading(doc, "7. Рекомендации")
    if not findings:
        dx.add_text(doc, "Ни одно из правил рекомендаций не сработало на данных раунда.")
    else:
        rows = [[f.text, f.owner, f.deadline, f.target] for f in findings]
        dx.add_table(doc, RECOMMENDATION_WIDTHS_CM, RECOMMENDATION_COLUMNS, rows, font_size=9)
    _add_mentor_table(doc, facts.mentors)


def _add_mentor_table(doc: Document, mentors: pd.DataFrame) -> None:
    """One row per below-basic school: per failing track the assigned mentor, or that none was
    found, and the rule the assignment follows."""
    if mentors.empty:
        return
    dx.add_heading(doc, "Школы, которым нужна школа-наставник", 2)
    rows = []
    for (name, municipality), group in mentors.groupby(["name", "municipality"], sort=False):
        assigned = "\n".join(
            f"{m.track_name}: не найден — нужна помощь региона"
            if pd.isna(m.mentor_inn)
            else f"{m.track_name}: {m.mentor_name} ({m.mentor_municipality})"
            for m in group.itertuples()
        )
        rows.append([f"{name}\n{municipality}", ", ".join(group["track_name"]), assigned])
    header = ("Школа уровня «ниже базового»", "Направления «ниже базового»", "Школа-наставник по направлению")
    dx.add_table(doc, (4.6, 4.4, 8.0), header, rows, font_size=9)
    dx.add_text(doc, mentor_rules().explained())
