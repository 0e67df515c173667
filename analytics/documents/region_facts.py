"""The figures behind the analytic report, read from the store once per report.

Every number the report prints, and every number a finding's rule tests, is a field here or is
counted from one, so nothing in the report is typed in by hand and the rules and the tables can
never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.deficits import deficit_frequency, pooled_deficit_frequency
from analytics.documents.change import RoundChange, round_change
from analytics.documents.school_results import TrackInfo, track_infos
from analytics.levels import school_scores_long
from analytics.mentors import assign_mentors, internship_sites
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query

BELOW_BASIC = 0
HIGH = len(LEVELS) - 1
DEFICIT_MAX_RANK = 1
"""A track counts as a deficit track for a school at «ниже базового» or «базовый»."""


@dataclass(frozen=True)
class Participation:
    """Schools expected by the roster against schools that passed; no roster, no expectation."""

    has_roster: bool
    count_passed: int
    count_expected: int
    count_passed_expected: int
    count_not_in_roster: int
    missing: pd.DataFrame
    """Expected schools without a result: inn, name, municipality."""


@dataclass(frozen=True)
class ReportFacts:
    rnd: Round
    municipality: str | None
    region: str | None
    tracks: list[TrackInfo]
    scores: pd.DataFrame
    """school_scores_long of the round and scope: one row per school and scope."""
    participation: Participation
    below_basic: pd.DataFrame
    """Below-basic schools: inn, name, municipality, points, points_max, failing_tracks,
    failed_critical, is_critical_only."""
    frequency: pd.DataFrame
    """deficit_frequency of the round and scope, forms pooled, most frequent first."""
    change: RoundChange
    internship: pd.DataFrame
    """internship_sites: the short list of hosts per track, with how many there are."""
    mentors: pd.DataFrame
    """assign_mentors rows of the below-basic schools: per failing track the mentor or why none."""

    @property
    def totals(self) -> pd.DataFrame:
        return self.scores[self.scores["scope"] == TOTAL_SCOPE]

    @property
    def count_schools(self) -> int:
        return len(self.totals)

    def level_counts(self, scope: str = TOTAL_SCOPE) -> list[int]:
        """Schools at each level (lowest first) in a scope."""
        ranks = self.scores.loc[self.scores["scope"] == scope, "level_rank"]
        return [int((ranks == rank).sum()) for rank in range(len(LEVELS))]

    def count_in_track(self, code: str, *, max_rank: int) -> int:
        ranks = self.scores.loc[self.scores["scope"] == code, "level_rank"]
        return int((ranks <= max_rank).sum())


def gather_report_facts(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None = None
) -> ReportFacts:
    """Everything the report needs for a round and the region or one municipality."""
    tracks = track_infos(con, rnd.methodology)
    scores = school_scores_long(con, rnd, municipality)
    names = {t.code: t.name for t in tracks}
    below = _below_basic(con, rnd, scores, names, municipality)
    return ReportFacts(
        rnd=rnd,
        municipality=municipality,
        region=_region_name(con),
        tracks=tracks,
        scores=scores,
        participation=_participation(con, scores, municipality),
        below_basic=below,
        frequency=pooled_deficit_frequency(deficit_frequency(con, rnd, municipality)),
        change=round_change(con, rnd, scores, tracks, municipality),
        internship=internship_sites(con, rnd, municipality=municipality),
        mentors=_mentors(con, rnd, below, municipality),
    )


def _region_name(con: duckdb.DuckDBPyConnection) -> str | None:
    rows = con.execute("select distinct region from current_schools where region is not null").fetchall()
    return rows[0][0] if len(rows) == 1 else None


def _participation(
    con: duckdb.DuckDBPyConnection, scores: pd.DataFrame, municipality: str | None
) -> Participation:
    passed = set(scores.loc[scores["scope"] == TOTAL_SCOPE, "inn"])
    roster = con.execute(query("roster_schools"), {"municipality": municipality}).df()
    has_roster = bool(con.execute("select count(*) from roster").fetchone()[0])
    in_roster = roster["inn"].isin(passed)
    return Participation(
        has_roster=has_roster,
        count_passed=len(passed),
        count_expected=len(roster),
        count_passed_expected=int(in_roster.sum()),
        count_not_in_roster=len(passed - set(roster["inn"])) if has_roster else 0,
        missing=roster[~in_roster].reset_index(drop=True),
    )


def _below_basic(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    scores: pd.DataFrame,
    names: dict[str, str],
    municipality: str | None,
) -> pd.DataFrame:
    """Below-basic schools with the tracks at «ниже базового» and the critical indicators failed."""
    totals = scores[(scores["scope"] == TOTAL_SCOPE) & (scores["level_rank"] == BELOW_BASIC)]
    tracks = scores[(scores["scope"] != TOTAL_SCOPE) & (scores["level_rank"] == BELOW_BASIC)]
    order = list(names)
    failing = (
        tracks.assign(order=tracks["scope"].map(order.index))
        .sort_values("order")
        .groupby("inn")["scope"]
        .agg(lambda codes: ", ".join(names[c] for c in codes))
    )
    critical = con.execute(
        query("failed_critical"), {"round_id": rnd.round_id, "municipality": municipality}
    ).df()
    failed = (
        critical.assign(text=lambda f: "№ " + f["number"].astype(str) + " «" + f["indicator"] + "»")
        .groupby("inn")["text"]
        .agg("; ".join)
    )
    below = totals[["inn", "name", "municipality", "points", "points_max", "level_by_points"]].copy()
    below["failing_tracks"] = [failing.get(inn, "") for inn in below["inn"]]
    below["failed_critical"] = [failed.get(inn, "") for inn in below["inn"]]
    below["is_critical_only"] = below["level_by_points"] > BELOW_BASIC
    return below.sort_values(["municipality", "points", "name"], ignore_index=True)


def _mentors(
    con: duckdb.DuckDBPyConnection, rnd: Round, below: pd.DataFrame, municipality: str | None
) -> pd.DataFrame:
    """The region-wide assignment's rows for the schools below basic overall: per failing track
    the assigned mentor, or none with the reason why."""
    found = assign_mentors(con, rnd, municipality)
    columns = [
        "inn",
        "name",
        "municipality",
        "track_name",
        "mentor_inn",
        "mentor_name",
        "mentor_municipality",
        "reason",
    ]
    return found[found["inn"].isin(below["inn"])][columns].reset_index(drop=True)
