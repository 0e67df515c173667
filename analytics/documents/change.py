"""Change since the previous round, for one school and for a region or municipality.

Levels mean the same in every methodology, so they are always compared. Points and deficits
are compared only between rounds of the same methodology version: another version may weigh
the indicators differently or number them otherwise, and a difference would then measure the
rubric, not the school.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.deficits import school_deficits
from analytics.documents.school_results import SchoolResult, TrackInfo
from analytics.dynamics import compare_rounds
from analytics.levels import school_scores_long
from analytics.rounds import Round, previous_round
from analytics.rubric import LEVELS, TOTAL_SCOPE


@dataclass(frozen=True)
class ScopeChange:
    """One scope (the total or a track) in the previous round and now."""

    scope: str
    title: str
    points_prev: int
    points_now: int
    rank_prev: int
    rank_now: int

    @property
    def points_delta(self) -> int:
        return self.points_now - self.points_prev

    @property
    def level_prev(self) -> str:
        return LEVELS[self.rank_prev]

    @property
    def level_now(self) -> str:
        return LEVELS[self.rank_now]


@dataclass(frozen=True)
class SchoolChange:
    """A school against its own result in the previous round, when both exist."""

    previous: Round | None
    was_present: bool
    same_methodology: bool
    scopes: tuple[ScopeChange, ...]
    deficits_closed: tuple[int, ...]
    deficits_opened: tuple[int, ...]


def school_change(con: duckdb.DuckDBPyConnection, rnd: Round, school: SchoolResult) -> SchoolChange:
    """The school's total, tracks and deficits now against the previous round."""
    previous = previous_round(con, rnd)
    if previous is None:
        return SchoolChange(None, False, False, (), (), ())
    before = school_scores_long(con, previous, school.municipality)
    before = before[before["inn"] == school.inn]
    if before.empty:
        return SchoolChange(previous, False, previous.methodology == rnd.methodology, (), (), ())
    by_scope = {row.scope: row for row in before.itertuples(index=False)}
    now = [(TOTAL_SCOPE, "Итого", school.points, school.level_rank)]
    now += [(t.track.code, t.track.name, t.points, t.level_rank) for t in school.tracks]
    scopes = tuple(
        ScopeChange(scope, title, int(by_scope[scope].points), points, int(by_scope[scope].level_rank), rank)
        for scope, title, points, rank in now
        if scope in by_scope
    )
    same = previous.methodology == rnd.methodology and by_scope[TOTAL_SCOPE].form == school.form
    closed: tuple[int, ...] = ()
    opened: tuple[int, ...] = ()
    if same:
        numbers_before = set(school_deficits(con, previous, inn=school.inn)["number"].astype(int))
        numbers_now = {d.number for d in school.deficits}
        closed = tuple(sorted(numbers_before - numbers_now))
        opened = tuple(sorted(numbers_now - numbers_before))
    return SchoolChange(previous, True, same, scopes, closed, opened)


@dataclass(frozen=True)
class RoundChange:
    """Schools of a region or municipality in the previous round and now."""

    previous: Round | None
    same_methodology: bool
    level_counts_prev: tuple[int, ...]
    level_counts_now: tuple[int, ...]
    count_paired: int
    count_rose: int
    count_fell: int
    track_below_prev: dict[str, int]
    track_below_now: dict[str, int]
    mean_points_prev: float | None
    mean_points_now: float | None
    points_verdict: str | None = None
    """The total's verdict on «Динамика» (adjusted p, practical threshold); None without a comparison."""
    below_basic_verdicts: dict[str, str] | None = None
    """Scope → is «ниже базового» rarer or more frequent (McNemar, Holm), as on «Динамика»."""


def round_change(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    scores_now: pd.DataFrame,
    tracks: list[TrackInfo],
    municipality: str | None = None,
) -> RoundChange:
    """Level counts before and now, schools that rose or fell a level, tracks below basic."""
    previous = previous_round(con, rnd)
    counts_now = _level_counts(scores_now)
    below_now = _track_below_counts(scores_now, tracks)
    if previous is None:
        return RoundChange(None, False, (), counts_now, 0, 0, 0, {}, below_now, None, None)
    scores_prev = school_scores_long(con, previous, municipality)
    columns = ["inn", "points", "level_rank"]
    paired = scores_now.loc[scores_now["scope"] == TOTAL_SCOPE, columns].merge(
        scores_prev.loc[scores_prev["scope"] == TOTAL_SCOPE, columns], on="inn", suffixes=("_now", "_prev")
    )
    same = previous.methodology == rnd.methodology
    comparison = compare_rounds(con, previous, rnd, municipality)
    points_verdict = comparison.track_changes.set_index("scope").loc[TOTAL_SCOPE, "verdict"]
    below_basic = comparison.below_basic_changes
    return RoundChange(
        previous=previous,
        same_methodology=same,
        level_counts_prev=_level_counts(scores_prev),
        level_counts_now=counts_now,
        count_paired=len(paired),
        count_rose=int((paired["level_rank_now"] > paired["level_rank_prev"]).sum()),
        count_fell=int((paired["level_rank_now"] < paired["level_rank_prev"]).sum()),
        track_below_prev=_track_below_counts(scores_prev, tracks),
        track_below_now=below_now,
        mean_points_prev=float(paired["points_prev"].mean()) if same and len(paired) else None,
        mean_points_now=float(paired["points_now"].mean()) if same and len(paired) else None,
        points_verdict=str(points_verdict),
        below_basic_verdicts=dict(zip(below_basic["scope"], below_basic["verdict"], strict=True)),
    )


def _level_counts(scores: pd.DataFrame) -> tuple[int, ...]:
    ranks = scores.loc[scores["scope"] == TOTAL_SCOPE, "level_rank"]
    return tuple(int((ranks == rank).sum()) for rank in range(len(LEVELS)))


def _track_below_counts(scores: pd.DataFrame, tracks: list[TrackInfo]) -> dict[str, int]:
    below = scores[scores["level_rank"] == 0]
    return {t.code: int((below["scope"] == t.code).sum()) for t in tracks}
