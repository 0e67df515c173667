"""Round comparison: what changed between two rounds, for whom, and whether it is more than noise.

Only schools present in both rounds are paired; the others are counted and listed, never dropped
silently. Tracks are matched by code and indicators by their normalised text, so two rounds under
different methodology versions are compared on what they share, and the comparison says so.
Shares and tests over fewer than MIN_SCHOOLS schools read «мало данных»: a handful of schools
cannot carry a verdict.

Two rounds of 40,000 schools compare in about a second: the answers (2 × 2.7 million rows) are
paired inside DuckDB as per-school bit masks and come back counted per indicator and municipality;
the scores come back as plain integers laid out in numpy arrays (school × scope), on which every
table here is a vectorised step and every test one scipy call per track.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from analytics.errors import SamodiagError
from analytics.levels import track_names
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query
from analytics.text import normalize

MIN_SCHOOLS = 10
"""Below this many schools a share or a test is reported as «мало данных»."""
SIGNIFICANCE = 0.05
TOO_FEW = "мало данных"
TOTAL_NAME = "В целом"

CHANGE_UP = "рост"
CHANGE_SAME = "без изменений"
CHANGE_DOWN = "снижение"
CHANGES = (CHANGE_UP, CHANGE_SAME, CHANGE_DOWN)
ONLY_FROM = "только в первом раунде"
ONLY_TO = "только во втором раунде"

VERDICT_UP = "значимый рост"
VERDICT_DOWN = "значимое снижение"
VERDICT_FEWER_DEFICITS = "дефицит значимо реже"
VERDICT_MORE_DEFICITS = "дефицит значимо чаще"
VERDICT_NOT_SIGNIFICANT = "изменение не значимо"

_PAIR_COUNT_COLUMNS = ["n_pairs", "deficits_from", "deficits_to", "closed", "opened"]
_MUNICIPALITY_COUNT_COLUMNS = ["closed", "opened", "critical_closed", "critical_opened"]


@dataclass(frozen=True)
class RoundComparison:
    """Everything the «Динамика» page and the `compare` command show for two rounds."""

    from_round: Round
    to_round: Round
    transitions: pd.DataFrame
    """Level in the first round (rows) × level in the second (columns): counts of schools."""
    transition_shares: pd.DataFrame
    """The same as shares of each row; NaN for a row of fewer than MIN_SCHOOLS schools."""
    schools: pd.DataFrame
    """One row per school in either round: the `compare` CSV."""
    risers: pd.DataFrame
    fallers: pd.DataFrame
    only_in_from: pd.DataFrame
    only_in_to: pd.DataFrame
    track_changes: pd.DataFrame
    """Per scope (total, then tracks): paired points, Wilcoxon signed-rank test, effect size r."""
    indicator_changes: pd.DataFrame
    """Per indicator: deficits closed and opened, exact McNemar test."""
    deficits_by_municipality: pd.DataFrame
    status_change_grid: pd.DataFrame
    """Per scope and level now: how many schools rose, stayed and fell."""
    methodology_note: str | None


@dataclass(frozen=True)
class _SchoolPairs:
    """Both rounds' figures of every school in either round, as arrays: rows are schools, columns
    scopes (the total first, then the shared tracks); NaN where a school missed a round."""

    identity: pd.DataFrame
    scopes: dict[str, str]
    points_from: np.ndarray
    points_to: np.ndarray
    levels_from: np.ndarray
    levels_to: np.ndarray

    @property
    def in_from(self) -> np.ndarray:
        return ~np.isnan(self.levels_from[:, 0])

    @property
    def in_to(self) -> np.ndarray:
        return ~np.isnan(self.levels_to[:, 0])

    @property
    def paired(self) -> np.ndarray:
        return self.in_from & self.in_to


def compare_rounds(
    con: duckdb.DuckDBPyConnection,
    from_round: Round,
    to_round: Round,
    municipality: str | None = None,
    *,
    school_type: str | None = None,
) -> RoundComparison:
    """Compare two rounds for the region or one municipality (and one school type, if given)."""
    if from_round.round_id == to_round.round_id:
        msg = f"Для сравнения выберите два разных раунда, а не «{from_round.name}» дважды"
        raise SamodiagError(msg)
    pairs = _school_pairs(con, from_round, to_round, municipality, school_type)
    shared = _shared_indicators(con, from_round, to_round)
    deficits = _deficit_changes(con, from_round, to_round, pairs.identity["inn"].tolist(), shared.keys)
    transitions = _transitions(pairs)
    return RoundComparison(
        from_round=from_round,
        to_round=to_round,
        transitions=transitions,
        transition_shares=_row_shares(transitions),
        schools=_schools_table(pairs),
        risers=_movers(pairs, rising=True),
        fallers=_movers(pairs, rising=False),
        only_in_from=_one_round_schools(pairs, present="from"),
        only_in_to=_one_round_schools(pairs, present="to"),
        track_changes=_track_changes(pairs),
        indicator_changes=_indicator_changes(deficits, shared.catalogue),
        deficits_by_municipality=_deficits_by_municipality(deficits, pairs),
        status_change_grid=_status_change_grid(pairs),
        methodology_note=_methodology_note(con, from_round, to_round, shared),
    )


def school_history(con: duckdb.DuckDBPyConnection, inn: str) -> pd.DataFrame:
    """A school's points and level in every round it passed, per scope (total first), oldest first."""
    return con.execute(query("dyn_school_history"), {"inn": inn, "total_name": TOTAL_NAME}).df()


def format_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """Shares as Russian percentages («25,0 %»), with «мало данных» where there were too few schools."""
    return shares.apply(lambda column: column.map(_format_share)).astype(str)


def _format_share(share: float) -> str:
    if pd.isna(share):
        return TOO_FEW
    return f"{share * 100:.1f} %".replace(".", ",")


# --- what is comparable ------------------------------------------------------------------------


def _comparable_scopes(con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round) -> dict[str, str]:
    """Scope code → name: the total, then the tracks both methodologies have, in the later's order."""
    names_from = track_names(con, from_round.methodology)
    names_to = track_names(con, to_round.methodology)
    return {TOTAL_SCOPE: TOTAL_NAME} | {code: name for code, name in names_to.items() if code in names_from}


@dataclass(frozen=True)
class _SharedIndicators:
    """The indicators both methodologies have, matched by normalised text and numbered by key_id."""

    catalogue: pd.DataFrame
    """One row per shared indicator, indexed by key_id, as the second round's methodology has it."""
    keys: pd.DataFrame
    """(version, form, number) → key_id for every form of both versions."""
    count_unmatched: int
    """Indicators that only one of the two methodologies has."""


def _shared_indicators(
    con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round
) -> _SharedIndicators:
    rows = con.execute(
        """
        select i.version, i.form, i.number, i.track_code, t.track_name, t.track_order,
            i.indicator, i.is_critical,
        from indicators as i
        join tracks as t on t.version = i.version and t.track_code = i.track_code
        where i.version in (?, ?)
        """,
        [from_round.methodology, to_round.methodology],
    ).df()
    rows["indicator_key"] = rows["indicator"].map(normalize)
    in_from = set(rows.loc[rows["version"] == from_round.methodology, "indicator_key"])
    in_to = set(rows.loc[rows["version"] == to_round.methodology, "indicator_key"])
    key_ids = {key: k for k, key in enumerate(sorted(in_from & in_to))}
    rows["key_id"] = rows["indicator_key"].map(key_ids)
    keys = rows.dropna(subset=["key_id"]).astype({"key_id": int})
    # An indicator appears once per form; list it where the fullest form (highest number) puts it.
    catalogue = (
        keys[keys["version"] == to_round.methodology]
        .sort_values(["track_order", "number"], ascending=[True, False])
        .drop_duplicates("key_id")
        .sort_values(["track_order", "number"])
        .set_index("key_id")[["track_code", "track_name", "indicator", "is_critical"]]
    )
    return _SharedIndicators(
        catalogue, keys[["version", "form", "number", "key_id"]], count_unmatched=len(in_from ^ in_to)
    )


def _methodology_note(
    con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round, shared: _SharedIndicators
) -> str | None:
    if from_round.methodology == to_round.methodology:
        return None
    names_from = track_names(con, from_round.methodology)
    names_to = track_names(con, to_round.methodology)
    unmatched_tracks = [names_to[c] for c in names_to if c not in names_from] + [
        names_from[c] for c in names_from if c not in names_to
    ]
    note = (
        f"Раунды «{from_round.name}» и «{to_round.name}» проведены по разным методикам "
        f"({from_round.methodology} и {to_round.methodology}). Направления сопоставлены по коду, "
        f"показатели — по совпадению формулировки: сравниваются {len(shared.catalogue)} общих "
        f"показателей, {shared.count_unmatched} показателей есть только в одной из методик."
    )
    if unmatched_tracks:
        note += " Не сопоставлены направления: " + ", ".join(f"«{n}»" for n in unmatched_tracks) + "."
    return note + " Баллы и пороги методик могут различаться: изменение суммы баллов читайте с осторожностью."


# --- figures from the store --------------------------------------------------------------------


def _school_pairs(
    con: duckdb.DuckDBPyConnection,
    from_round: Round,
    to_round: Round,
    municipality: str | None,
    school_type: str | None,
) -> _SchoolPairs:
    scopes = _comparable_scopes(con, from_round, to_round)
    rounds = {"from_round_id": from_round.round_id, "to_round_id": to_round.round_id}
    identity = con.execute(
        query("dyn_schools_in_rounds"), {**rounds, "municipality": municipality, "school_type": school_type}
    ).df()
    scores = con.execute(
        query("dyn_school_scores"),
        {**rounds, "inns": identity["inn"].tolist(), "track_codes": list(scopes)[1:]},
    ).fetchnumpy()
    points = np.full((2, len(identity), len(scopes)), np.nan)
    levels = np.full((2, len(identity), len(scopes)), np.nan)
    cells = (scores["side"], scores["school_index"], scores["scope_index"])
    points[cells] = scores["points"]
    levels[cells] = scores["level_rank"]
    return _SchoolPairs(identity, scopes, points[0], points[1], levels[0], levels[1])


def _deficit_changes(
    con: duckdb.DuckDBPyConnection,
    from_round: Round,
    to_round: Round,
    inns: list[str],
    keys: pd.DataFrame,
) -> pd.DataFrame:
    """Deficit counts over the listed schools in both rounds: per indicator key, per municipality."""
    return con.execute(
        query("dyn_deficit_changes"),
        {
            "from_round_id": from_round.round_id,
            "to_round_id": to_round.round_id,
            "inns": inns,
            "key_versions": keys["version"].tolist(),
            "key_forms": keys["form"].tolist(),
            "key_numbers": keys["number"].astype(int).tolist(),
            "key_ids": keys["key_id"].tolist(),
        },
    ).df()


# --- levels: transitions, movers, the status-and-change grid -----------------------------------


def _level_names(ranks: np.ndarray) -> np.ndarray:
    """Level names for float ranks; None where the rank is NaN."""
    names = np.array([*LEVELS, None], dtype=object)
    return names[np.where(np.isnan(ranks), len(LEVELS), ranks).astype(int)]


def _change_labels(rank_from: np.ndarray, rank_to: np.ndarray) -> np.ndarray:
    step = rank_to - rank_from
    return np.select(
        [np.isnan(rank_from), np.isnan(rank_to), step > 0, step < 0],
        [ONLY_TO, ONLY_FROM, CHANGE_UP, CHANGE_DOWN],
        default=CHANGE_SAME,
    ).astype(object)


def _transitions(pairs: _SchoolPairs) -> pd.DataFrame:
    size = len(LEVELS)
    ranks_from = pairs.levels_from[pairs.paired, 0].astype(int)
    ranks_to = pairs.levels_to[pairs.paired, 0].astype(int)
    counts = np.bincount(ranks_from * size + ranks_to, minlength=size * size).reshape(size, size)
    return pd.DataFrame(
        counts, index=pd.Index(LEVELS, name="level_from"), columns=pd.Index(LEVELS, name="level_to")
    )


def _row_shares(counts: pd.DataFrame) -> pd.DataFrame:
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0), axis=0)
    return shares.where(totals >= MIN_SCHOOLS, axis=0)


def _movers(pairs: _SchoolPairs, *, rising: bool) -> pd.DataFrame:
    """Schools whose level rose (or fell) in the total or in a track, total first."""
    step = pairs.levels_to - pairs.levels_from
    moved = (step > 0) if rising else (step < 0)
    columns, rows = np.nonzero(moved.T)  # scope by scope, schools in listing order within each
    codes = np.array(list(pairs.scopes), dtype=object)
    names = np.array(list(pairs.scopes.values()), dtype=object)
    identity = pairs.identity.iloc[rows]
    return pd.DataFrame(
        {
            "inn": identity["inn"].to_numpy(),
            "name": identity["name"].to_numpy(),
            "municipality": identity["municipality"].to_numpy(),
            "scope": codes[columns],
            "scope_name": names[columns],
            "level_from": _level_names(pairs.levels_from[rows, columns]),
            "level_to": _level_names(pairs.levels_to[rows, columns]),
            "points_from": pairs.points_from[rows, columns].astype(int),
            "points_to": pairs.points_to[rows, columns].astype(int),
        }
    )


def _status_change_grid(pairs: _SchoolPairs) -> pd.DataFrame:
    """Per scope, level now (highest first) × rose / stayed / fell: counts of schools."""
    size = len(LEVELS)
    levels_from = pairs.levels_from[pairs.paired]
    levels_to = pairs.levels_to[pairs.paired]
    direction = 1 - np.sign(levels_to - levels_from).astype(int)  # 0 rose, 1 stayed, 2 fell
    rows = []
    for column, (code, name) in enumerate(pairs.scopes.items()):
        cells = levels_to[:, column].astype(int) * len(CHANGES) + direction[:, column]
        counts = np.bincount(cells, minlength=size * len(CHANGES)).reshape(size, len(CHANGES))
        rows += [
            {
                "scope": code,
                "scope_name": name,
                "level": LEVELS[rank],
                "count_up": int(counts[rank, 0]),
                "count_same": int(counts[rank, 1]),
                "count_down": int(counts[rank, 2]),
                "count_schools": int(counts[rank].sum()),
            }
            for rank in reversed(range(size))
        ]
    return pd.DataFrame(rows)


# --- the per-school table ----------------------------------------------------------------------


def _schools_table(pairs: _SchoolPairs) -> pd.DataFrame:
    """One row per school in either round: levels and totals of both rounds, per-track levels."""
    table = pairs.identity[["inn", "name", "municipality"]].assign(
        level_from=_level_names(pairs.levels_from[:, 0]),
        level_to=_level_names(pairs.levels_to[:, 0]),
        total_from=pd.array(pairs.points_from[:, 0], dtype="Float64").astype("Int64"),
        total_to=pd.array(pairs.points_to[:, 0], dtype="Float64").astype("Int64"),
        change=_change_labels(pairs.levels_from[:, 0], pairs.levels_to[:, 0]),
    )
    tracks = {}
    for column, code in enumerate(pairs.scopes):
        if column:
            tracks[f"{code}_level_from"] = _level_names(pairs.levels_from[:, column])
            tracks[f"{code}_level_to"] = _level_names(pairs.levels_to[:, column])
    return table.assign(**tracks)


def _one_round_schools(pairs: _SchoolPairs, *, present: str) -> pd.DataFrame:
    if present == "from":
        rows, points, levels = pairs.in_from & ~pairs.in_to, pairs.points_from, pairs.levels_from
    else:
        rows, points, levels = pairs.in_to & ~pairs.in_from, pairs.points_to, pairs.levels_to
    return pairs.identity[rows].assign(
        total=points[rows, 0].astype(int), level=_level_names(levels[rows, 0])
    ).reset_index(drop=True)


# --- paired tests ------------------------------------------------------------------------------


def _track_changes(pairs: _SchoolPairs) -> pd.DataFrame:
    """Per scope: mean points in each round and the Wilcoxon signed-rank test over the pairs."""
    points_from = pairs.points_from[pairs.paired]
    points_to = pairs.points_to[pairs.paired]
    step = np.sign(pairs.levels_to[pairs.paired] - pairs.levels_from[pairs.paired])
    return pd.DataFrame(
        [
            {
                "scope": code,
                "scope_name": name,
                **_paired_points_test(points_from[:, column], points_to[:, column]),
                "count_up": int((step[:, column] > 0).sum()),
                "count_same": int((step[:, column] == 0).sum()),
                "count_down": int((step[:, column] < 0).sum()),
            }
            for column, (code, name) in enumerate(pairs.scopes.items())
        ]
    )


def _paired_points_test(before: np.ndarray, after: np.ndarray) -> dict[str, object]:
    """Wilcoxon signed-rank test of after − before, with the matched-pairs rank-biserial r."""
    step = after - before
    count = len(step)
    result: dict[str, object] = {
        "n_pairs": count,
        "points_mean_from": before.mean() if count else np.nan,
        "points_mean_to": after.mean() if count else np.nan,
        "mean_change": step.mean() if count else np.nan,
        "statistic": np.nan,
        "p_value": np.nan,
        "effect_size_r": np.nan,
        "verdict": TOO_FEW,
    }
    if count < MIN_SCHOOLS:
        return result
    if not step.any():
        # scipy divides by zero here; with no change at all the answer is known.
        return result | {"statistic": 0.0, "p_value": 1.0, "effect_size_r": 0.0, "verdict": CHANGE_SAME}
    test = stats.wilcoxon(after, before)
    effect = _rank_biserial(step)
    return result | {
        "statistic": float(test.statistic),
        "p_value": float(test.pvalue),
        "effect_size_r": effect,
        "verdict": _points_verdict(test.pvalue, effect),
    }


def _rank_biserial(step: np.ndarray) -> float:
    """(R+ − R−) / (R+ + R−) over the non-zero differences: +1 all rose, −1 all fell."""
    nonzero = step[step != 0]
    ranks = stats.rankdata(np.abs(nonzero))
    return float((ranks[nonzero > 0].sum() - ranks[nonzero < 0].sum()) / ranks.sum())


def _points_verdict(p_value: float, effect: float) -> str:
    if p_value >= SIGNIFICANCE:
        return VERDICT_NOT_SIGNIFICANT
    return VERDICT_UP if effect > 0 else VERDICT_DOWN


def _indicator_changes(deficits: pd.DataFrame, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Per shared indicator: deficits in each round, closed and opened, exact McNemar test."""
    counts = (
        deficits[deficits["breakdown"] == "indicator"]
        .set_index("key_id")[_PAIR_COUNT_COLUMNS]
        .reindex(catalogue.index, fill_value=0)
        .astype(int)
    )
    table = catalogue.join(counts).reset_index(drop=True)
    enough = table["n_pairs"] >= MIN_SCHOOLS
    pairs = table["n_pairs"].where(enough)
    table["share_deficit_from"] = table["deficits_from"] / pairs
    table["share_deficit_to"] = table["deficits_to"] / pairs
    table["share_change"] = table["share_deficit_to"] - table["share_deficit_from"]
    table["p_value"] = _mcnemar_p_values(table["closed"].to_numpy(), table["opened"].to_numpy())
    table["verdict"] = np.select(
        [
            ~enough,
            table["closed"] + table["opened"] == 0,
            table["p_value"] >= SIGNIFICANCE,
            table["closed"] > table["opened"],
        ],
        [TOO_FEW, CHANGE_SAME, VERDICT_NOT_SIGNIFICANT, VERDICT_FEWER_DEFICITS],
        default=VERDICT_MORE_DEFICITS,
    )
    table.loc[~enough, "p_value"] = np.nan
    return table


def _mcnemar_p_values(closed: np.ndarray, opened: np.ndarray) -> np.ndarray:
    """Exact McNemar test: do the discordant pairs split as a fair coin would split them?

    This is scipy's two-sided `binomtest(closed, closed + opened, 0.5)`; with p = 0.5 the binomial
    is symmetric, so its p-value is twice the lower tail, which scipy computes for all indicators
    at once (no discordant pairs at all gives 1).
    """
    return np.minimum(1.0, 2 * stats.binom.cdf(np.minimum(closed, opened), closed + opened, 0.5))


def _deficits_by_municipality(deficits: pd.DataFrame, pairs: _SchoolPairs) -> pd.DataFrame:
    """Per municipality: schools in both rounds, deficits closed and opened, the balance."""
    schools = pairs.identity[pairs.paired].groupby("municipality").size().rename("n_schools")
    counts = deficits[deficits["breakdown"] == "municipality"].set_index("municipality")
    table = pd.concat([schools, counts[_MUNICIPALITY_COUNT_COLUMNS]], axis=1).fillna(0).astype(int)
    table.insert(3, "balance", table["closed"] - table["opened"])
    return table.rename_axis("municipality").reset_index().sort_values("municipality", ignore_index=True)
