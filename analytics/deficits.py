"""Deficits: where a school lost points, and the fewest changes that lift it a level.

A deficit is any indicator below its maximum. Failed critical indicators come first because
they cap a track (and the total) at «ниже базового» whatever the points, so no amount of work
elsewhere lifts the school until they are closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.levels import school_scores_long, track_codes
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query


def school_deficits(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    *,
    inn: str | None = None,
    municipality: str | None = None,
) -> pd.DataFrame:
    """Deficits of one school (or every school), worst first within each school."""
    return con.execute(
        query("school_deficits"),
        {"round_id": rnd.round_id, "inn": inn, "municipality": municipality},
    ).df()


def deficit_frequency(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None = None
) -> pd.DataFrame:
    """Per indicator: how many schools answered it and how many lost points on it."""
    return con.execute(
        query("deficit_frequency"), {"round_id": rnd.round_id, "municipality": municipality}
    ).df()


@dataclass(frozen=True)
class Change:
    number: int
    indicator: str
    answer_current: str
    answer_best: str
    points_gained: int
    is_failed_critical: bool


@dataclass(frozen=True)
class NextLevelPlan:
    """The fewest answer changes that lift one scope (a track or the total) one level."""

    scope: str
    level_now: str
    level_next: str
    points_now: int
    points_needed: int
    changes: tuple[Change, ...]


def plan_next_levels(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> list[NextLevelPlan]:
    """For the total and each track below «высокий»: the shortest way one level up."""
    scores = school_scores_long(con, rnd, inn=inn)
    deficits = school_deficits(con, rnd, inn=inn)
    if scores.empty:
        return []
    form = scores["form"].iloc[0]
    thresholds = _thresholds(con, rnd.methodology, form)
    order = {code: k for k, code in enumerate([TOTAL_SCOPE, *track_codes(con, rnd.methodology)])}
    plans = []
    for row in sorted(scores.itertuples(), key=lambda r: order[r.scope]):
        if row.level_rank >= len(LEVELS) - 1:
            continue
        in_scope = deficits if row.scope == TOTAL_SCOPE else deficits[deficits["track_code"] == row.scope]
        target = row.level_rank + 1
        plans.append(_plan_scope(row, in_scope, target, thresholds[(row.scope, target)]))
    return plans


def _plan_scope(row, in_scope: pd.DataFrame, target: int, points_min: int) -> NextLevelPlan:
    must_fix = in_scope[in_scope["is_failed_critical"]]
    optional = in_scope[~in_scope["is_failed_critical"]].sort_values(
        ["points_lost", "number"], ascending=[False, True]
    )
    chosen = list(must_fix.itertuples())
    points = row.points + int(must_fix["points_lost"].sum())
    for deficit in optional.itertuples():
        if points >= points_min:
            break
        chosen.append(deficit)
        points += int(deficit.points_lost)
    return NextLevelPlan(
        scope=row.scope,
        level_now=LEVELS[row.level_rank],
        level_next=LEVELS[target],
        points_now=int(row.points),
        points_needed=max(points_min - int(row.points), 0),
        changes=tuple(
            Change(
                int(d.number),
                d.indicator,
                d.answer_current,
                d.answer_best,
                int(d.points_lost),
                bool(d.is_failed_critical),
            )
            for d in chosen
        ),
    )


def _thresholds(con: duckdb.DuckDBPyConnection, version: str, form: str) -> dict[tuple[str, int], int]:
    rows = con.execute(
        "select scope, level_rank, points_min from level_thresholds where version = ? and form = ?",
        [version, form],
    ).fetchall()
    return {(scope, rank): points_min for scope, rank, points_min in rows}
