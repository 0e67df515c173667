"""Credibility: answers a regional operator should check before trusting a school's level.

Each rule is one query over the whole round, run in DuckDB so that 40,000 schools take seconds,
and each flag carries a plain Russian reason and the evidence with the figures, so the operator
can judge it without opening the export. A flag is a question to put to the school, not a verdict.

Honest answering rarely trips a rule: each needs a logical contradiction between answers (related
indicators, a full track beside a failed critical indicator) or a pattern that real schools seldom
produce (a jump of two levels in one round, full marks, answers identical to another school's, a
total far outside similar schools).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd

from analytics.config import RUBRIC_DIR
from analytics.rounds import Round
from analytics.rubric import LEVELS
from analytics.sql import query

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
    "total_outlier": "Сумма далека от похожих школ",
}
"""Rule code → short Russian title, in the order flags are listed."""

REASON_CRITICAL = (
    "Все остальные показатели направления — на максимуме, а критический показатель этого "
    "направления не выполнен: ответы противоречат друг другу"
)
REASON_ALL_MAX = (
    "Все ответы — на максимальном уровне: так бывает редко, проверьте подтверждающие документы"
)
REASON_IDENTICAL = (
    "Ответы на все показатели совпадают с ответами другой школы: возможно, анкету заполнили по образцу"
)
REASON_JUMP = (
    "Общий уровень {direction} сразу на {levels} с предыдущего раунда, который проходила школа: "
    "проверьте, подтверждаются ли изменившиеся ответы"
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
    rules: tuple[Callable[[duckdb.DuckDBPyConnection, Round, str | None], pd.DataFrame], ...] = (
        _related_contradictions,
        _critical_contradictions,
        _all_max,
        _identical_answers,
        _level_jumps,
        _total_outliers,
    )
    frames = [frame for frame in (rule(con, rnd, municipality) for rule in rules) if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    flags = pd.concat(frames, ignore_index=True)
    if school_type:
        of_type = _run(con, "school_types", {"school_type": school_type})
        flags = flags[flags["inn"].isin(of_type["inn"])]
    flags["rule_order"] = flags["rule"].map({code: k for k, code in enumerate(RULE_TITLES)})
    flags = flags.sort_values(["municipality", "name", "inn", "rule_order"], ignore_index=True)
    return flags[FLAG_COLUMNS]


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
    counts = flags.groupby("municipality").agg(
        count_schools=("inn", "nunique"), count_flags=("rule", "size")
    )
    return counts.reset_index().sort_values(
        ["count_schools", "municipality"], ascending=[False, True], ignore_index=True
    )


def related_indicator_pairs(version: str) -> pd.DataFrame:
    """The related-indicator pairs of a methodology: form, if_best, then_not_zero, explanation.

    Read from `related_indicators.csv` beside the rubric; a methodology without the file has none.
    """
    path = RUBRIC_DIR / version / RELATED_INDICATORS_FILE
    columns = ["form", "if_best", "then_not_zero", "explanation"]
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    pairs = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    pairs = pairs[pairs["version"] == version]
    return pairs[columns].astype({"if_best": int, "then_not_zero": int}).reset_index(drop=True)


# --- the rules ---------------------------------------------------------------------------------


def _run(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> pd.DataFrame:
    return con.execute(query(name), params).df()


def _flags(found: pd.DataFrame, rule: str, reasons: list[str], evidence: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "inn": found["inn"].to_numpy(),
            "name": found["name"].to_numpy(),
            "municipality": found["municipality"].to_numpy(),
            "rule": rule,
            "reason": reasons,
            "evidence": evidence,
        }
    )


def _related_contradictions(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None
) -> pd.DataFrame:
    pairs = related_indicator_pairs(rnd.methodology)
    if pairs.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    found = _run(
        con,
        "cred_related_contradictions",
        {
            "round_id": rnd.round_id,
            "municipality": municipality,
            "pair_ids": list(range(len(pairs))),
            "pair_forms": pairs["form"].tolist(),
            "pair_numbers_best": pairs["if_best"].tolist(),
            "pair_numbers_zero": pairs["then_not_zero"].tolist(),
        },
    )
    reasons = [pairs.at[pair_id, "explanation"] for pair_id in found["pair_id"]]
    evidence = [
        f"№{row.number_best} «{row.indicator_best}» — «{row.answer_best}» "
        f"(максимум, {_points(row.points_best)}); "
        f"№{row.number_zero} «{row.indicator_zero}» — «{row.answer_zero}» (0 баллов)"
        for row in found.itertuples()
    ]
    return _flags(found, "related_contradiction", reasons, evidence)


def _critical_contradictions(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None
) -> pd.DataFrame:
    params = {"round_id": rnd.round_id, "municipality": municipality}
    found = _run(con, "cred_critical_contradictions", params)
    evidence = [
        f"Направление «{row.track_name}»: "
        f"{_count(row.count_others, 'остальной показатель', 'остальных показателя', 'остальных показателей')}"
        f" на максимуме, а критический показатель №{row.number} «{row.indicator}» — "
        f"«{row.answer}» (0 баллов)"
        for row in found.itertuples()
    ]
    return _flags(found, "critical_contradiction", [REASON_CRITICAL] * len(found), evidence)


def _all_max(con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None) -> pd.DataFrame:
    found = _run(con, "cred_all_max", {"round_id": rnd.round_id, "municipality": municipality})
    evidence = [
        f"На максимуме все ответы ({row.count_answers} из {row.count_answers}); "
        f"сумма {_points(row.points)} — наибольшая возможная"
        for row in found.itertuples()
    ]
    return _flags(found, "all_max", [REASON_ALL_MAX] * len(found), evidence)


def _identical_answers(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None
) -> pd.DataFrame:
    pairs = _run(con, "cred_identical_answers", {"round_id": rnd.round_id, "municipality": municipality})
    if pairs.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    pairs["other"] = [
        f"«{row.other_name}» (ИНН {row.other_inn}, {row.other_municipality})" for row in pairs.itertuples()
    ]
    found = pairs.groupby(["inn", "name", "municipality"], sort=False)["other"].agg("; ".join).reset_index()
    evidence = [f"Все ответы совпадают с ответами школ: {others}" for others in found["other"]]
    return _flags(found, "identical_answers", [REASON_IDENTICAL] * len(found), evidence)


def _level_jumps(con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None) -> pd.DataFrame:
    found = _run(
        con,
        "cred_level_jumps",
        {"round_id": rnd.round_id, "min_levels": JUMP_LEVELS, "municipality": municipality},
    )
    reasons = [
        REASON_JUMP.format(
            direction="вырос" if row.level_rank_now > row.level_rank_before else "снизился",
            levels=_count(abs(row.level_rank_now - row.level_rank_before), "уровень", "уровня", "уровней"),
        )
        for row in found.itertuples()
    ]
    evidence = [
        f"«{row.round_before}»: {LEVELS[row.level_rank_before]}, {_points(row.points_before)} → "
        f"«{rnd.name}»: {LEVELS[row.level_rank_now]}, {_points(row.points_now)}"
        for row in found.itertuples()
    ]
    return _flags(found, "level_jump", reasons, evidence)


def _total_outliers(con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None) -> pd.DataFrame:
    found = _run(
        con,
        "cred_total_outliers",
        {
            "round_id": rnd.round_id,
            "municipality": municipality,
            "band_starts": [start for start, _ in SIZE_BANDS],
            "min_group": OUTLIER_MIN_GROUP,
            "z_threshold": OUTLIER_Z,
        },
    )
    reasons = [
        REASON_OUTLIER.format(direction="выше" if row.robust_z > 0 else "ниже") for row in found.itertuples()
    ]
    evidence = [
        f"Сумма {_points(row.points)}; "
        f"у {_count(row.count_schools, 'похожей школы', 'похожих школ', 'похожих школ')}"
        f" ({_group_label(row.locality, row.size_band)}) медиана {_number(row.points_median)}, "
        f"типичное отклонение (MAD) {_number(row.points_mad)}; "
        f"робастная z-оценка {_number(round(row.robust_z, 1))} при пороге {_number(OUTLIER_Z)}"
        for row in found.itertuples()
    ]
    return _flags(found, "total_outlier", reasons, evidence)


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
