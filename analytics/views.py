"""Data shaped for the pages: one plain function per block a page draws.

Pages only read widgets, call these and draw, so everything a page shows can be tested without
Streamlit. The functions take the store and plain values (a round, a municipality, a school
type) and return DataFrames or frozen dataclasses; none of them writes.

A school's type is a property of the school, not of a round: the `schools` table carries it
(analytics/schema/0004_schools_table.sql), and the queries written for the pages join the
engine's scores, which know no type, to it. A national round has 40,000 schools and 360,000
school × scope scores and a page never shows them all, so counting, filtering and ranking
happen in SQL and only the rows a page draws reach pandas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import duckdb
import pandas as pd

from analytics.documents.common import count_phrase, format_share, methodology_label
from analytics.dynamics import school_history
from analytics.errors import Location, Problem, ProblemList
from analytics.levels import track_names
from analytics.loading import ImportPlan
from analytics.rounds import Round, previous_round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query, text_frame

T = TypeVar("T")

SCHOOL_TYPES = ("городская", "сельская", "коррекционная", "не указан")
"""School types as the filter offers them; «не указан» when the roster does not say."""
TOTAL_NAME = "Итого"
LOWEST_RANK = 0
SUPPORT_LIST_LENGTH = 15
CRITICAL_SHOWN_IN_REASON = 2
NO_ROSTER_TEXT = "участие неизвестно — реестр не загружен"


@dataclass(frozen=True)
class Filters:
    """What every page is filtered by: a round, a municipality and a school type (None = all)."""

    round: Round | None
    municipality: str | None = None
    school_type: str | None = None


# --- the frame of every page ---------------------------------------------------------------


@dataclass(frozen=True)
class RoundProvenance:
    """Where a round's figures come from: methodology and when its data in force was imported."""

    round_name: str
    methodology: str
    imported_at: dt.datetime | None
    count_schools: int


def municipalities(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every municipality known from exports or the roster, alphabetically."""
    rows = con.execute(
        "select municipality from schools union select municipality from roster order by 1"
    ).fetchall()
    return [name for (name,) in rows]


def round_provenance(con: duckdb.DuckDBPyConnection, rnd: Round) -> RoundProvenance:
    """The round's methodology and the time of the latest import in force."""
    imported_at, count_schools = con.execute(
        """
        select
            max(i.imported_at),
            count(distinct c.inn)::integer,
        from current_schools as c
        join imports as i on i.import_id = c.import_id
        where c.round_id = ?
        """,
        [rnd.round_id],
    ).fetchone()
    return RoundProvenance(rnd.name, rnd.methodology, imported_at, count_schools)


def describe_provenance(
    provenance: RoundProvenance, municipality: str | None = None, school_type: str | None = None
) -> str:
    """One line under a page title: round, methodology, import time, and the filters in force."""
    if provenance.imported_at is None:
        imported = "данные не загружены"
    else:
        imported = f"данные загружены {provenance.imported_at:%d.%m.%Y %H:%M}"
    parts = [
        f"Раунд «{provenance.round_name}»",
        methodology_label(provenance.methodology),
        imported,
        f"школ в раунде: {provenance.count_schools}",
    ]
    if municipality:
        parts.append(municipality)
    if school_type:
        parts.append(f"тип школ: {school_type}")
    return " · ".join(parts)


# --- counts of the filtered schools -----------------------------------------------------------


def _where(rnd: Round, municipality: str | None, school_type: str | None) -> dict[str, object]:
    return {"round_id": rnd.round_id, "municipality": municipality, "school_type": school_type}


def scope_names(con: duckdb.DuckDBPyConnection, rnd: Round) -> dict[str, str]:
    """Scope code → name: «Итого» for the total, then the tracks in rubric order."""
    return {TOTAL_SCOPE: TOTAL_NAME, **track_names(con, rnd.methodology)}


def track_titles(con: duckdb.DuckDBPyConnection, rnd: Round) -> list[str]:
    """The Russian names of the round's tracks, in rubric order."""
    return list(track_names(con, rnd.methodology).values())


def level_counts(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """Schools per scope and level (every level present, zeros included) with their share."""
    names = scope_names(con, rnd)
    counted = con.execute(query("scope_level_counts"), _where(rnd, municipality, school_type)).df()
    grid = pd.MultiIndex.from_product([list(names), range(len(LEVELS))], names=["scope", "level_rank"])
    counts = (
        counted.set_index(["scope", "level_rank"])["count_schools"]
        .reindex(grid, fill_value=0)
        .astype(int)
        .reset_index()
    )
    per_scope = counts.groupby("scope")["count_schools"].transform("sum")
    counts["share"] = (counts["count_schools"] / per_scope.where(per_scope > 0)).fillna(0.0)
    counts["level"] = counts["level_rank"].map(lambda rank: LEVELS[rank])
    counts["scope_name"] = counts["scope"].map(names)
    counts["scope_order"] = counts["scope"].map({code: k for k, code in enumerate(names)})
    return counts[["scope", "scope_name", "scope_order", "level_rank", "level", "count_schools", "share"]]


def municipality_levels(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """Schools per municipality and overall level, municipalities with most below-basic first."""
    counted = con.execute(query("municipality_level_counts"), _where(rnd, municipality, school_type)).df()
    if counted.empty:
        return pd.DataFrame(
            columns=["municipality", "level_rank", "level", "count_schools", "count_below_basic"]
        )
    grid = pd.MultiIndex.from_product(
        [sorted(counted["municipality"].unique()), range(len(LEVELS))], names=["municipality", "level_rank"]
    )
    counts = (
        counted.set_index(["municipality", "level_rank"])["count_schools"]
        .reindex(grid, fill_value=0)
        .astype(int)
        .reset_index()
    )
    below = counts[counts["level_rank"] == LOWEST_RANK].set_index("municipality")["count_schools"]
    counts["count_below_basic"] = counts["municipality"].map(below)
    counts["level"] = counts["level_rank"].map(lambda rank: LEVELS[rank])
    return counts.sort_values(
        ["count_below_basic", "municipality", "level_rank"], ascending=[False, True, True], ignore_index=True
    )


def municipality_counts(
    con: duckdb.DuckDBPyConnection, rnd: Round, school_type: str | None = None
) -> pd.DataFrame:
    """Per municipality: schools in the round and how many are below basic (most first)."""
    levels = municipality_levels(con, rnd, None, school_type)
    return (
        levels.groupby("municipality", sort=False)
        .agg(count_schools=("count_schools", "sum"), count_below_basic=("count_below_basic", "first"))
        .reset_index()
    )


# --- which schools need support, and why ---------------------------------------------------

SUMMARY_COLUMNS = [
    "inn", "name", "municipality", "school_type", "points", "points_max", "level_rank", "level",
    "count_tracks_lowest", "tracks_lowest", "count_failed_critical", "critical_failed",
]  # fmt: skip


def school_summary(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
    *,
    selection: str = "all",
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per school: total and level, tracks at the lowest level, failed critical indicators.

    `selection` keeps «all» schools, those needing «support» or the «below_basic» ones; rows come
    in support order (lowest level, most failed critical indicators, most weak tracks first).
    """
    params = {**_where(rnd, municipality, school_type), "selection": selection, "limit": limit}
    summary = con.execute(query("school_summary"), params).df()
    names = sorted(_track_names_by_position(con, rnd).items())
    summary["tracks_lowest"] = [
        [name for position, name in names if mask >> position & 1] for mask in summary["tracks_lowest_mask"]
    ]
    summary["critical_failed"] = summary["critical_failed"].map(list)
    return summary[SUMMARY_COLUMNS]


def _track_names_by_position(con: duckdb.DuckDBPyConnection, rnd: Round) -> dict[int, str]:
    rows = con.execute(
        "select track_order, track_name from tracks where version = ?", [rnd.methodology]
    ).fetchall()
    return dict(rows)


def below_basic_schools(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """Schools whose overall level is «ниже базового», with the tracks and critical indicators behind it."""
    return _below_basic(school_summary(con, rnd, municipality, school_type, selection="below_basic"))


def _below_basic(summary: pd.DataFrame) -> pd.DataFrame:
    below = summary[summary["level_rank"] == LOWEST_RANK].copy()
    below["tracks_lowest"] = below["tracks_lowest"].map(", ".join)
    below["critical_failed"] = below["critical_failed"].map(lambda items: "; ".join(f"«{i}»" for i in items))
    return below.sort_values(["municipality", "points", "name"], ignore_index=True)


def support_reason(row: pd.Series) -> str:
    """Why a school is on the support list, in words."""
    reasons = []
    if row["count_tracks_lowest"]:
        reasons.append(
            "ниже базового по "
            + count_phrase(row["count_tracks_lowest"], "направлению", *["направлениям"] * 2)
        )
    critical = row["critical_failed"]
    reasons += [
        f"не выполнен критический показатель «{text}»" for text in critical[:CRITICAL_SHOWN_IN_REASON]
    ]
    if len(critical) > CRITICAL_SHOWN_IN_REASON:
        rest = len(critical) - CRITICAL_SHOWN_IN_REASON
        reasons.append(
            "и ещё "
            + count_phrase(
                rest, "критический показатель", "критических показателя", "критических показателей"
            )
        )
    if row["level_rank"] == LOWEST_RANK and not reasons:
        reasons.append("общий балл ниже порога базового уровня")
    return "; ".join(reasons)


def support_list(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
    limit: int = SUPPORT_LIST_LENGTH,
) -> pd.DataFrame:
    """The schools to support first: lowest overall level, most failed criticals and weak tracks."""
    return _support(school_summary(con, rnd, municipality, school_type, selection="support", limit=limit))


def _support(summary: pd.DataFrame, limit: int = SUPPORT_LIST_LENGTH) -> pd.DataFrame:
    """The first `limit` rows of a summary of schools needing support, in support order, with reasons."""
    needs = summary.head(limit).copy()
    needs["reason"] = [support_reason(row) for _, row in needs.iterrows()] if len(needs) else []
    return needs[["inn", "name", "municipality", "points", "level", "reason"]]


@dataclass(frozen=True)
class RegionOverview:
    """Everything «Обзор региона» draws from the scores."""

    level_counts: pd.DataFrame
    municipality_levels: pd.DataFrame
    support: pd.DataFrame
    below_basic: pd.DataFrame


def region_overview(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> RegionOverview:
    """Level counts, municipalities, the support list and the below-basic list of the filtered schools.

    Both lists come from one read of the schools: every below-basic school needs support, so the
    support list's schools and the below-basic ones, in support order, hold both. The two counts
    are read beside the lists, each on a cursor of its own: a round's scores fill a few row
    groups, too few for DuckDB to keep two cores busy with one query at a time.
    """
    where = (rnd, municipality, school_type)
    with ThreadPoolExecutor(max_workers=2) as workers:
        counts = workers.submit(_on_own_cursor, level_counts, con, *where)
        by_municipality = workers.submit(_on_own_cursor, municipality_levels, con, *where)
        listed = school_summary(con, *where, selection="support_and_below_basic", limit=SUPPORT_LIST_LENGTH)
        return RegionOverview(
            level_counts=counts.result(),
            municipality_levels=by_municipality.result(),
            support=_support(listed),
            below_basic=_below_basic(listed),
        )


def _on_own_cursor(read: Callable[..., T], con: duckdb.DuckDBPyConnection, *args: object) -> T:
    """`read(cursor, *args)` on a cursor of its own, so that it can run beside the caller's reads."""
    with con.cursor() as cursor:
        return read(cursor, *args)


# --- participation -------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    """Schools expected from the roster against schools that passed the round."""

    has_roster: bool
    count_passed: int
    count_expected: int | None
    count_passed_expected: int | None
    missing: pd.DataFrame

    def describe(self) -> str:
        """«Прошли 540 из 600 ожидаемых школ (90,0 %)», or that the roster is missing."""
        if not self.has_roster:
            passed = count_phrase(self.count_passed, "школа", "школы", "школ")
            return f"Прошли самодиагностику: {passed}; {NO_ROSTER_TEXT}"
        share = format_share(self.count_passed_expected, self.count_expected)
        expected = count_phrase(self.count_expected, "ожидаемой школы", "ожидаемых школ", "ожидаемых школ")
        return f"Прошли самодиагностику {self.count_passed_expected} из {expected} ({share})"


def participation(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> Participation:
    """Who was expected (the roster) and who passed; the list of expected schools that did not."""
    where = _where(rnd, municipality, school_type)
    has_roster, passed, expected, passed_expected = con.execute(
        query("participation_counts"), where
    ).fetchone()
    missing = con.execute(query("roster_missing"), where).df()
    if not has_roster:
        return Participation(False, passed, None, None, missing)
    return Participation(True, passed, expected, passed_expected, missing)


# --- one municipality: the school × track table ---------------------------------------------


@dataclass(frozen=True)
class SortOption:
    columns: tuple[str, ...]
    ascending: tuple[bool, ...]


SORT_OPTIONS = {
    "по названию": SortOption(("name",), (True,)),
    "по общему баллу, сначала низкий": SortOption(("points", "name"), (True, True)),
    "по изменению, сначала падение": SortOption(("points_change", "name"), (True, True)),
    "по числу направлений ниже базового": SortOption(("count_tracks_lowest", "points"), (False, True)),
}


def municipality_schools(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """One row per school: total, level, change since the previous round, then each track's level.

    Track columns are named by the track's Russian name (level text) and `<name> · баллы` (points).
    """
    before = previous_round(con, rnd)
    where = _where(rnd, municipality, school_type)
    totals = con.execute(
        query("municipality_school_totals"), {**where, "previous_round_id": before and before.round_id}
    ).df()
    tracks = con.execute(query("municipality_track_scores"), where).df()
    names = {code: name for code, name in scope_names(con, rnd).items() if code != TOTAL_SCOPE}
    track_list = list(names.values())
    point_columns = [f"{n} · баллы" for n in track_list]
    levels = tracks.pivot(index="inn", columns="scope", values="level_rank").rename(columns=names)
    points = tracks.pivot(index="inn", columns="scope", values="points").rename(columns=names)
    level_names = dict(enumerate(LEVELS))
    levels = levels.reindex(columns=track_list).apply(lambda ranks: ranks.map(level_names))
    points = points.reindex(columns=track_list).set_axis(point_columns, axis="columns")
    totals = totals.astype({"points_prev": "Int64", "points_change": "Int64"})
    return totals.join(levels, on="inn").join(points, on="inn")


def order_schools(
    table: pd.DataFrame,
    sort_by: str = "по названию",
    levels: list[str] | None = None,
    name_contains: str = "",
) -> pd.DataFrame:
    """The municipality table sorted by a SORT_OPTIONS label, kept to some levels and a name search."""
    rows = table
    if levels:
        rows = rows[rows["level"].isin(levels)]
    if name_contains.strip():
        rows = rows[rows["name"].str.contains(name_contains.strip(), case=False, regex=False)]
    option = SORT_OPTIONS[sort_by]
    return rows.sort_values(
        list(option.columns), ascending=list(option.ascending), na_position="last", ignore_index=True
    )


@dataclass(frozen=True)
class Heatmap:
    """School × track matrices for a heat-map: level ranks for colour, level and points for text."""

    schools: list[str]
    tracks: list[str]
    ranks: list[list[int]]
    texts: list[list[str]]
    count_tracks_lowest: list[int]
    count_left_out: int
    """Schools of the table after the first HEATMAP_ROWS, not drawn."""


HEATMAP_LABEL_LENGTH = 36
HEATMAP_ROWS = 60
"""Schools drawn in a heat-map, in the table's order: a row is 50 px, so a municipality of
thousands of schools would be a chart metres tall that takes seconds to build; the table under
it lists them all."""


def heatmap(table: pd.DataFrame, tracks: list[str]) -> Heatmap:
    """The heat-map of the first HEATMAP_ROWS schools of a municipality table, in its order; cell
    text on short lines."""
    drawn = table.head(HEATMAP_ROWS)
    ranks = [[LEVELS.index(level) for level in row] for row in drawn[tracks].itertuples(index=False)]
    point_columns = [f"{n} · баллы" for n in tracks]
    texts = [
        [f"{level.replace(' ', '<br>')}<br>{points}" for level, points in zip(levels, pts, strict=True)]
        for levels, pts in zip(
            drawn[tracks].itertuples(index=False), drawn[point_columns].itertuples(index=False), strict=True
        )
    ]
    return Heatmap(
        _row_labels(drawn),
        list(tracks),
        ranks,
        texts,
        drawn["count_tracks_lowest"].astype(int).tolist(),
        count_left_out=len(table) - len(drawn),
    )


def _row_labels(table: pd.DataFrame) -> list[str]:
    """School names cut to a readable length; the ИНН is added where two labels would coincide."""
    short = [
        name if len(name) <= HEATMAP_LABEL_LENGTH else name[: HEATMAP_LABEL_LENGTH - 1] + "…"
        for name in table["name"]
    ]
    repeated = pd.Series(short).duplicated(keep=False)
    return [
        f"{label} ({inn})" if twice else label
        for label, inn, twice in zip(short, table["inn"], repeated, strict=True)
    ]


@dataclass(frozen=True)
class MunicipalityTotals:
    """The headline figures of a set of schools and their change since the previous round."""

    count_schools: int
    mean_points: float | None
    count_by_level: dict[str, int]
    count_below_basic_prev: int | None
    previous_round: str | None


def municipality_totals(table: pd.DataFrame, previous_round_name: str | None) -> MunicipalityTotals:
    """Totals of a municipality table (as `municipality_schools` returns it)."""
    counts = table["level"].value_counts()
    has_prev = previous_round_name is not None and table["level_prev"].notna().any()
    return MunicipalityTotals(
        count_schools=len(table),
        mean_points=float(table["points"].mean()) if len(table) else None,
        count_by_level={level: int(counts.get(level, 0)) for level in LEVELS},
        count_below_basic_prev=int((table["level_prev"] == LEVELS[LOWEST_RANK]).sum()) if has_prev else None,
        previous_round=previous_round_name,
    )


def previous_round_name(con: duckdb.DuckDBPyConnection, rnd: Round) -> str | None:
    """The name of the round before `rnd`, if any."""
    before = previous_round(con, rnd)
    return before.name if before else None


# --- one school ----------------------------------------------------------------------------


def round_schools(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """The schools of a round to pick from: inn, name and municipality, sorted by name."""
    return text_frame(con, "round_schools", _where(rnd, municipality, school_type))


@dataclass(frozen=True)
class SchoolProfile:
    """A school's identity and overall result in a round."""

    inn: str
    name: str
    municipality: str
    form: str
    school_type: str
    points: int
    points_max: int
    level: str
    level_by_points: str
    count_failed_critical: int


def school_profile(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> SchoolProfile | None:
    """The school's total and level in the round; None when it did not pass the round."""
    row = con.execute(query("school_total"), {"round_id": rnd.round_id, "inn": inn}).fetchone()
    return None if row is None else SchoolProfile(*row)


@dataclass(frozen=True)
class SchoolChoice:
    """Which school «Школа» shows for the `inn` of its URL, and when none, why (in Russian)."""

    inn: str | None
    profile: SchoolProfile | None = None
    filtered_out_by: tuple[str, ...] = ()
    """The sidebar filters the school does not pass, in words («муниципалитет «…»»)."""

    @property
    def shown(self) -> SchoolProfile | None:
        """The school to show: it passed the round and the filters."""
        return None if self.filtered_out_by else self.profile

    def problem(self, rnd: Round) -> str | None:
        """Why no school is shown; None when one is, or when none was asked for."""
        if not self.inn:
            return None
        if self.profile is None:
            return f"Школа с ИНН {self.inn} не проходила самодиагностику в раунде «{rnd.name}»"
        if self.filtered_out_by:
            return (
                f"Школа «{self.profile.name}» ({self.profile.municipality}, тип: {self.profile.school_type}) "
                f"не входит в выбранные фильтры: {', '.join(self.filtered_out_by)}"
            )
        return None


def school_choice(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    inn: str | None,
    municipality: str | None = None,
    school_type: str | None = None,
) -> SchoolChoice:
    """The school asked for, checked against the round and the sidebar's filters.

    A school outside the filters is not shown: a coordinator who narrowed the sidebar to one
    municipality must not read another's school as if it were one of theirs.
    """
    if not inn:
        return SchoolChoice(None)
    profile = school_profile(con, rnd, inn)
    if profile is None:
        return SchoolChoice(inn)
    outside = []
    if municipality is not None and profile.municipality != municipality:
        outside.append(f"муниципалитет «{municipality}»")
    if school_type is not None and profile.school_type != school_type:
        outside.append(f"тип «{school_type}»")
    return SchoolChoice(inn, profile, tuple(outside))


def school_thresholds(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> pd.DataFrame:
    """Per scope (total first, then tracks): points, maximum, the lowest points of each level, level."""
    return con.execute(query("school_thresholds"), {"round_id": rnd.round_id, "inn": inn}).df()


def school_critical_indicators(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> pd.DataFrame:
    """The critical indicators of the school's form, failed ones first: answer, points, failed or not."""
    answers = con.execute(query("school_answers"), {"round_id": rnd.round_id, "inn": inn}).df()
    critical = answers[answers["is_critical"]]
    return critical.sort_values(
        ["is_failed_critical", "track_order", "number"], ascending=[False, True, True], ignore_index=True
    )


# --- deficits across schools ---------------------------------------------------------------


def top_deficits_by_track(
    frequency: pd.DataFrame, track_order: list[str], per_track: int = 5
) -> pd.DataFrame:
    """The most frequent deficits of each track (most schools first), tracks in `track_order`."""
    rows = frequency[frequency["count_deficits"] > 0]
    rank = {code: k for k, code in enumerate(track_order)}
    return (
        rows.assign(track_rank=rows["track_code"].map(rank))
        .sort_values(["track_rank", "count_deficits", "points_lost"], ascending=[True, False, False])
        .groupby("track_code", sort=False)
        .head(per_track)
        .drop(columns="track_rank")
        .reset_index(drop=True)
    )


def schools_with_deficit(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    *,
    indicators: str,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """The schools that lost points on one indicator, in every form that has it: who to invite to
    the same seminar. `indicators` is the pooled row's «form:number» list («general:24 correctional:21»)."""
    keys = [member.split(":") for member in indicators.split()]
    params = {
        **_where(rnd, municipality, school_type),
        "forms": [form for form, _ in keys],
        "numbers": [int(number) for _, number in keys],
    }
    return text_frame(con, "indicator_deficits", params)


@dataclass(frozen=True)
class SchoolHistory:
    """A school over all rounds: its total per round, and every scope × round as «level (points)»."""

    total: pd.DataFrame
    table: pd.DataFrame


def school_history_view(con: duckdb.DuckDBPyConnection, inn: str) -> SchoolHistory:
    """The school's history shaped for a chart of its total and a scope × round table."""
    history = school_history(con, inn)
    total = history[history["scope"] == TOTAL_SCOPE][["round", "date", "points", "points_max", "level"]]
    if history.empty:
        return SchoolHistory(total.reset_index(drop=True), pd.DataFrame())
    cells = history.assign(cell=history["level"] + " (" + history["points"].astype(str) + ")")
    rounds = list(dict.fromkeys(cells["round"]))
    scopes = list(dict.fromkeys(cells["scope_name"]))
    table = cells.pivot(index="scope_name", columns="round", values="cell").reindex(
        index=scopes, columns=rounds
    )
    return SchoolHistory(total.reset_index(drop=True), table.rename_axis(index="Направление", columns=None))


FORM_NAMES = {"general": "общеобразовательная", "correctional": "коррекционная"}


def deficit_choices(frequency: pd.DataFrame) -> dict[str, str]:
    """Indicators some school lost points on, most schools first, forms pooled (see
    `pooled_deficit_frequency`): the «form:number» list of the forms that have it → a label with
    the number in the largest form and how many schools of all forms lost points on it."""
    rows = frequency[frequency["count_deficits"] > 0]
    choices = {}
    for row in rows.itertuples():
        schools = count_phrase(int(row.count_deficits), "школа", "школы", "школ")
        forms = " во всех формах анкеты" if row.count_forms > 1 else ""
        choices[row.members] = f"№{row.number} {row.indicator} ({row.track_name}) — {schools}{forms}"
    return choices


# --- «Загрузка» ------------------------------------------------------------------------------


def methodology_versions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Methodology versions loaded from data/rubric, newest name first."""
    rows = con.execute("select version from methodology_versions order by version desc").fetchall()
    return [version for (version,) in rows]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """An import's problems as a table: file, sheet, row, column, what is wrong; when only the
    first of them were kept, a last row says how many there were."""
    note = problems.note() if isinstance(problems, ProblemList) else None
    if note:
        problems = [*problems, Problem(Location(""), note)]
    return pd.DataFrame(
        {
            "file": [p.location.file for p in problems],
            "sheet": [p.location.sheet or "" for p in problems],
            "row": pd.array([p.location.row for p in problems], dtype="Int64"),
            "column": [p.location.column or "" for p in problems],
            "message": [p.message for p in problems],
        }
    )


def plan_files_frame(plan: ImportPlan) -> pd.DataFrame:
    """The files an import would write: name, layout, schools and rows."""
    return pd.DataFrame(
        {
            "file": [f.name for f in plan.files],
            "layouts": [", ".join(f.layouts) for f in plan.files],
            "schools": [f.schools for f in plan.files],
            "rows": [f.rows for f in plan.files],
        }
    )


def active_imports(imports: pd.DataFrame) -> dict[int, str]:
    """Imports that can still be withdrawn (newest first): import_id → a readable label."""
    active = imports[imports["withdrawn_at"].isna()]
    return {
        int(row.import_id): f"№{row.import_id} · {row.round} · {row.imported_at:%d.%m.%Y %H:%M} · {row.files}"
        for row in active.itertuples()
    }
