"""Deficits: where a school lost points, and the fewest changes that lift it a level.

A deficit is any indicator below its maximum. Failed critical indicators come first because
they cap a track (and the total) at «ниже базового» whatever the points, so no amount of work
elsewhere lifts the school until they are closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query
from analytics.text import normalize


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
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    school_type: str | None = None,
) -> pd.DataFrame:
    """Per indicator: how many schools answered it and how many lost points on it."""
    params = {"round_id": rnd.round_id, "municipality": municipality, "school_type": school_type}
    return con.execute(query("deficit_frequency"), params).df()


def pooled_deficit_frequency(frequency: pd.DataFrame) -> pd.DataFrame:
    """deficit_frequency with the forms pooled: one row per indicator text, across forms.

    A correctional school answers its own form, whose indicators are numbered apart; counted per
    form, a critical indicator failed in both forms would be reported for the general form only.
    Indicators are matched by normalised text within a track (as the round comparison matches
    them); the row keeps the number of the form most schools filled in, `count_forms` says how
    many forms were pooled, `members` lists them as «form:number» (the largest form first), and
    `count_schools` is the denominator: the schools whose form has it.
    """
    if frequency.empty:
        return frequency.assign(count_forms=pd.Series(dtype="int64"), members=pd.Series(dtype=object))
    keyed = frequency.assign(
        key=frequency["indicator"].map(normalize),
        member=frequency["form"] + ":" + frequency["number"].astype(str),
    )
    keyed = keyed.sort_values("count_schools", ascending=False, kind="stable")
    pooled = keyed.groupby(["track_code", "key"], sort=False).agg(
        form=("form", "first"),
        track_name=("track_name", "first"),
        number=("number", "first"),
        indicator=("indicator", "first"),
        is_critical=("is_critical", "max"),
        count_schools=("count_schools", "sum"),
        count_deficits=("count_deficits", "sum"),
        count_failed_critical=("count_failed_critical", "sum"),
        points_lost=("points_lost", "sum"),
        count_forms=("form", "nunique"),
        members=("member", " ".join),
    )
    pooled["share_deficit"] = pooled["count_deficits"] / pooled["count_schools"]
    pooled = pooled.reset_index().drop(columns="key")
    order = ["count_deficits", "points_lost", "form", "number"]
    pooled = pooled.sort_values(order, ascending=[False, False, True, True], ignore_index=True)
    return pooled[[*frequency.columns, "count_forms", "members"]]


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


def plan_next_levels(
    con: duckdb.DuckDBPyConnection, rnd: Round, inn: str, deficits: list[dict] | None = None
) -> list[NextLevelPlan]:
    """For the total and each track below «высокий»: the shortest way one level up.

    `deficits` are the school's deficit records (the fields of `school_deficits`) when the caller
    has read them already — a bulk export reads a municipality's at once."""
    cursor = con.execute(query("school_thresholds"), {"round_id": rnd.round_id, "inn": inn})
    columns = [column for column, *_ in cursor.description]
    scopes = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    below_high = [scope for scope in scopes if scope["level_rank"] < len(LEVELS) - 1]
    if not below_high:
        return []
    deficits = _deficit_records(con, rnd, inn) if deficits is None else deficits
    return [
        _plan_scope(
            scope["scope"],
            scope["points"],
            scope["level_rank"],
            _points_of_next_level(scope),
            _in_scope(deficits, scope["scope"]),
        )
        for scope in below_high
    ]


def _points_of_next_level(scope: dict) -> int:
    """The lowest points of the level above the scope's (school_thresholds names them by level)."""
    return (scope["points_basic"], scope["points_middle"], scope["points_high"])[scope["level_rank"]]


def _deficit_records(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> list[dict]:
    """One school's deficits as plain records, worst first: a handful of rows, no frame needed."""
    cursor = con.execute(
        query("school_deficits"), {"round_id": rnd.round_id, "inn": inn, "municipality": None}
    )
    columns = [column for column, *_ in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _in_scope(deficits: list[dict], scope: str) -> list[dict]:
    """Every deficit counts towards the total; a track's own deficits towards the track."""
    return [d for d in deficits if scope in (TOTAL_SCOPE, d["track_code"])]


def _plan_scope(
    scope: str, points_now: int, level_rank: int, points_min: int, in_scope: list[dict]
) -> NextLevelPlan:
    chosen = [d for d in in_scope if d["is_failed_critical"]]
    optional = sorted(
        (d for d in in_scope if not d["is_failed_critical"]),
        key=lambda d: (-d["points_lost"], d["number"]),
    )
    points = points_now + sum(d["points_lost"] for d in chosen)
    for deficit in optional:
        if points >= points_min:
            break
        chosen.append(deficit)
        points += deficit["points_lost"]
    return NextLevelPlan(
        scope=scope,
        level_now=LEVELS[level_rank],
        level_next=LEVELS[level_rank + 1],
        points_now=int(points_now),
        points_needed=max(points_min - int(points_now), 0),
        changes=tuple(
            Change(
                int(d["number"]),
                d["indicator"],
                d["answer_current"],
                d["answer_best"],
                int(d["points_lost"]),
                bool(d["is_failed_critical"]),
            )
            for d in chosen
        ),
    )
