"""Credibility: answers a regional operator should check before trusting a school's level.

All seven rules run as one query over the whole round (analytics/sql/cred_flags.sql), so that a
national round of 40,000 schools takes a fraction of a second, and each flag carries a plain
Russian reason and the evidence with the figures, so the operator can judge it without opening the
export. A flag is a question to put to the school, not a verdict.

One rule is milder than the others (MILD_RULES): «Уровень изменился из-за критического
показателя» (critical_switch) lists a school whose level moved two levels or more, or to or from
«ниже базового», while its points moved less than a jump, because a critical indicator scored 0 in
one round and not in the other. Nothing in the answers contradicts anything: the level is what
the rubric's critical rule gives, and the finding only asks what changed in that indicator. So it
is listed with the flags (page, CLI) but is not a credibility flag: it does not exclude a school
from being a mentor or an internship site. The exclusion set is `flagged_inns(flags)`, which
leaves the mild findings out; `flags["inn"]` would wrongly count them.

Each rule looks for a logical contradiction between answers (related indicators, a full track
beside a failed critical indicator) or a pattern that real schools seldom produce (a jump of two
levels in one round, full marks, answers identical to another school's, a total far outside similar
schools). Seldom is not never: honest schools trip the rules too (the demo region keeps them: in
its latest round about 8 % of the untagged schools carry a flag or a finding, most of them the mild
critical switch), so a flag is worded as a question («уточните …»), never as a verdict on a school.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

import duckdb
import pandas as pd

from analytics.config import RUBRIC_DIR
from analytics.datafiles import read_data_csv
from analytics.rounds import Round
from analytics.rubric import LEVELS
from analytics.sql import query
from analytics.text import normalize

FLAG_COLUMNS = ["inn", "name", "municipality", "rule", "reason", "evidence"]
RELATED_INDICATORS_FILE = "related_indicators.csv"

JUMP_LEVELS = 2
"""A move of this many levels or more since the school's previous round is flagged; one level is
ordinary progress between two rounds (the demo region moves about one school in eight by a level)."""
OUTLIER_Z = 3.5
"""Robust z-score beyond which a total is far from similar schools (Iglewicz and Hoaglin)."""
OUTLIER_MIN_GROUP = 10
"""Similar-school groups smaller than this give no verdict."""
SIZE_BANDS = (
    (0, "до 100 обучающихся"),
    (100, "100–499 обучающихся"),
    (500, "500–999 обучающихся"),
    (1000, "1000 обучающихся и более"),
)
"""Size bands of «similar schools»: (fewest pupils, label)."""

RULE_TITLES = {
    "related_contradiction": "Противоречие связанных показателей",
    "critical_contradiction": "Направление на максимуме при невыполненном критическом показателе",
    "all_max": "Все ответы на максимуме",
    "identical_answers": "Ответы совпадают с другой школой",
    "level_jump": "Скачок уровня с предыдущего раунда",
    "critical_switch": "Уровень изменился из-за критического показателя",
    "total_outlier": "Сумма далека от похожих школ",
}
"""Rule code → short Russian title, in the order flags are listed."""
MILD_RULES = frozenset({"critical_switch"})
"""Findings listed beside the flags but milder: a question to ask, not a credibility flag, so they
exclude no school from mentoring (see the module's docstring and `flagged_inns`)."""

REASON_CRITICAL = (
    "Все остальные показатели направления — на максимуме, а критический показатель этого "
    "направления не выполнен: ответы противоречат друг другу"
)
REASON_ALL_MAX = (
    "Все ответы — на максимальном уровне: так бывает редко, уточните у школы подтверждающие документы"
)
REASON_IDENTICAL = (
    "Ответы на все показатели совпадают с ответами другой школы: возможно, анкету заполнили по образцу"
)
REASON_JUMP = (
    "Уровень по сумме баллов {direction} сразу на {levels} с предыдущего раунда, который проходила "
    "школа: уточните, подтверждаются ли изменившиеся ответы"
)
REASON_SWITCH = (
    "Общий уровень изменился из-за критического показателя, а не из-за суммы баллов: уточните, "
    "что изменилось в этом показателе"
)
REASON_OUTLIER = (
    "Сумма баллов намного {direction}, чем у похожих школ (та же форма самодиагностики, "
    "тип местности и численность обучающихся)"
)


def flag_schools(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    *,
    school_type: str | None = None,
) -> pd.DataFrame:
    """Every flag of a round: inn, name, municipality, rule (code), reason and evidence in Russian.

    Similar schools and copies are looked for region-wide; the municipality and the school type
    only choose whose flags are listed.
    """
    pairs = _related_pairs(rnd.methodology)
    result = con.execute(
        query("cred_flags"),
        {
            "round_id": rnd.round_id,
            "municipality": municipality,
            "school_type": school_type,
            "pair_ids": list(range(len(pairs))),
            "pair_forms": [pair.form for pair in pairs],
            "pair_numbers_best": [pair.if_best for pair in pairs],
            "pair_numbers_zero": [pair.then_not_zero for pair in pairs],
            "min_levels": JUMP_LEVELS,
            "band_starts": [start for start, _ in SIZE_BANDS],
            "min_group": OUTLIER_MIN_GROUP,
            "z_threshold": OUTLIER_Z,
        },
    )
    names = [column[0] for column in result.description]
    found = sorted(
        (dict(zip(names, values, strict=True)) for values in result.fetchall()), key=_listing_order
    )
    context = _Context(rnd, [f"{pair.explanation}: {pair.why}" for pair in pairs])
    texts = [_DESCRIBERS[row["rule"]](row, context) for row in found]
    return pd.DataFrame(
        {
            "inn": [row["inn"] for row in found],
            "name": [row["name"] for row in found],
            "municipality": [row["municipality"] for row in found],
            "rule": [row["rule"] for row in found],
            "reason": [reason for reason, _ in texts],
            "evidence": [evidence for _, evidence in texts],
        },
        columns=FLAG_COLUMNS,
    )


def flagged_inns(flags: pd.DataFrame) -> set[str]:
    """The schools carrying a credibility flag, mild findings (MILD_RULES) left out: the schools that
    cannot be a mentor or an internship site in that round."""
    return set(flags.loc[~flags["rule"].isin(MILD_RULES), "inn"])


def count_flags_by_rule(flags: pd.DataFrame) -> pd.DataFrame:
    """Per rule (every rule, in order): its title and how many schools it flags."""
    counts = flags.groupby("rule")["inn"].nunique()
    return pd.DataFrame(
        {
            "rule": list(RULE_TITLES),
            "title": list(RULE_TITLES.values()),
            "count_schools": [int(counts.get(code, 0)) for code in RULE_TITLES],
        }
    )


def count_flags_by_municipality(flags: pd.DataFrame) -> pd.DataFrame:
    """Per municipality with flags: schools flagged and flags raised, most flagged first."""
    counts = flags.groupby("municipality").agg(count_schools=("inn", "nunique"), count_flags=("rule", "size"))
    return counts.reset_index().sort_values(
        ["count_schools", "municipality"], ascending=[False, True], ignore_index=True
    )


def related_indicator_pairs(version: str) -> pd.DataFrame:
    """The related-indicator pairs of a methodology: form, if_best, then_not_zero, explanation, why.

    Read from `related_indicators.csv` beside the rubric; a methodology without the file has none.
    """
    path = RUBRIC_DIR / version / RELATED_INDICATORS_FILE
    columns = ["form", "if_best", "then_not_zero", "explanation", "why"]
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    rows = [row for _, row in read_data_csv(path, ("version", *columns)) if row["version"] == version]
    pairs = pd.DataFrame(rows, columns=["version", *columns])[columns]
    return pairs.astype({"if_best": int, "then_not_zero": int}).reset_index(drop=True)


class _Pair(NamedTuple):
    form: str
    if_best: int
    then_not_zero: int
    explanation: str
    why: str
    """Why the two answers cannot both be right: the question the flag puts to the school."""


@cache
def _related_pairs(version: str) -> tuple[_Pair, ...]:
    """related_indicator_pairs as plain rows, read once per methodology (its files never change)."""
    return tuple(
        _Pair(row.form, int(row.if_best), int(row.then_not_zero), row.explanation, row.why)
        for row in related_indicator_pairs(version).itertuples(index=False)
    )


# --- the rules' reasons and evidence ----------------------------------------------------------
# cred_flags.sql returns each flag with the figures its rule quotes (the other rules' columns are
# None); each rule turns its figures into the Russian reason and evidence.


@dataclass(frozen=True)
class _Context:
    rnd: Round
    explanations: list[str]
    """The related pairs' explanations, by pair id."""


_Row = dict[str, Any]


def _listing_order(row: _Row) -> tuple[str, str, str, int, int, int]:
    """Flags by municipality, school and rule; a school's related pairs and tracks in rubric order."""
    return (
        row["municipality"],
        row["name"],
        row["inn"],
        _RULE_ORDER[row["rule"]],
        row["pair_id"] or 0,
        row["track_order"] or 0,
    )


def _related_contradiction(row: _Row, context: _Context) -> tuple[str, str]:
    evidence = (
        f"№{row['number_best']} «{row['indicator_best']}» — «{row['answer_best']}» "
        f"(максимум, {_points(row['points_best'])}); "
        f"№{row['number_zero']} «{row['indicator_zero']}» — «{row['answer_zero']}» (0 баллов)"
    )
    return context.explanations[row["pair_id"]], evidence


def _critical_contradiction(row: _Row, _context: _Context) -> tuple[str, str]:
    others = _count(
        row["count_others"], "остальной показатель", "остальных показателя", "остальных показателей"
    )
    evidence = (
        f"Направление «{row['track_name']}»: {others} на максимуме, а критический показатель "
        f"№{row['number']} «{row['indicator']}» — «{row['answer']}» (0 баллов)"
    )
    return REASON_CRITICAL, evidence


def _all_max(row: _Row, _context: _Context) -> tuple[str, str]:
    count = row["count_answers"]
    evidence = (
        f"На максимуме все ответы ({count} из {count}); сумма {_points(row['points'])} — наибольшая возможная"
    )
    return REASON_ALL_MAX, evidence


def _identical_answers(row: _Row, _context: _Context) -> tuple[str, str]:
    others = "; ".join(
        f"«{other['name']}» (ИНН {other['inn']}, {other['municipality']})" for other in row["other_schools"]
    )
    return REASON_IDENTICAL, f"Все ответы совпадают с ответами школ: {others}"


def _level_jump(row: _Row, context: _Context) -> tuple[str, str]:
    """The jump is read from points (level_by_points); the evidence also gives the levels as set."""
    before, now = row["level_by_points_before"], row["level_by_points_now"]
    reason = REASON_JUMP.format(
        direction="вырос" if now > before else "снизился",
        levels=_count(abs(now - before), "уровень", "уровня", "уровней"),
    )
    evidence = (
        f"«{row['round_before']}»: {LEVELS[row['level_rank_before']]}, {_points(row['points_before'])} → "
        f"«{context.rnd.name}»: {LEVELS[row['level_rank_now']]}, {_points(row['points_now'])}"
    )
    return reason, evidence


def _critical_switch(row: _Row, context: _Context) -> tuple[str, str]:
    """The critical indicators failed in one round and not in the other (matched by their text),
    then the points and the levels as set of both rounds."""
    before, now = row["round_before"], context.rnd.name
    failed_before = {normalize(f["indicator"]): f for f in row["failed_before"]}
    failed_now = {normalize(f["indicator"]): f for f in row["failed_now"]}
    switches = [
        f"Критический показатель №{f['number']} «{f['indicator']}» был не выполнен в «{before}», "
        f"выполнен в «{now}»"
        for key, f in failed_before.items()
        if key not in failed_now
    ] + [
        f"Критический показатель №{f['number']} «{f['indicator']}» был выполнен в «{before}», "
        f"не выполнен в «{now}»"
        for key, f in failed_now.items()
        if key not in failed_before
    ]
    evidence = "; ".join(
        [
            *switches,
            f"баллы {row['points_before']} → {row['points_now']}",
            f"уровень «{LEVELS[row['level_rank_before']]}» → «{LEVELS[row['level_rank_now']]}»",
        ]
    )
    return REASON_SWITCH, evidence


def _total_outlier(row: _Row, _context: _Context) -> tuple[str, str]:
    robust_z = row["robust_z"]
    similar = _count(row["count_schools"], "похожей школы", "похожих школ", "похожих школ")
    evidence = (
        f"Сумма {_points(row['points'])}; "
        f"у {similar} ({_group_label(row['locality'], row['size_band'])}) "
        f"медиана {_number(row['points_median'])}, "
        f"типичное отклонение (MAD) {_number(row['points_mad'])}; "
        f"робастная z-оценка {_number(round(robust_z, 1))} при пороге {_number(OUTLIER_Z)}"
    )
    return REASON_OUTLIER.format(direction="выше" if robust_z > 0 else "ниже"), evidence


_DESCRIBERS: dict[str, Callable[[_Row, _Context], tuple[str, str]]] = {
    "related_contradiction": _related_contradiction,
    "critical_contradiction": _critical_contradiction,
    "all_max": _all_max,
    "identical_answers": _identical_answers,
    "level_jump": _level_jump,
    "critical_switch": _critical_switch,
    "total_outlier": _total_outlier,
}
"""Rule code → its reason and evidence."""

_RULE_ORDER = {code: order for order, code in enumerate(RULE_TITLES)}


# --- Russian figures ---------------------------------------------------------------------------


def _group_label(locality: str, size_band: int) -> str:
    place = f"{locality} местность" if locality else "тип местности не указан"
    size = SIZE_BANDS[size_band - 1][1] if size_band else "численность не указана"
    return f"та же форма, {place}, {size}"


def _count(number: int, one: str, few: str, many: str) -> str:
    """«1 балл», «3 балла», «11 баллов»: a number with its noun in the right Russian form."""
    number = int(number)
    if number % 100 in range(11, 15):
        word = many
    elif number % 10 == 1:
        word = one
    elif number % 10 in range(2, 5):
        word = few
    else:
        word = many
    return f"{number} {word}"


def _points(number: int) -> str:
    return _count(number, "балл", "балла", "баллов")


def _number(value: float) -> str:
    """A figure as Russians write it: «64», «64,5», «−3,7»."""
    text = f"{value:g}" if float(value).is_integer() else f"{value:.1f}"
    return text.replace(".", ",").replace("-", "−")
