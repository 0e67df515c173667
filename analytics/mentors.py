"""Mentor schools and internship sites: who can help a school that is below basic in a track.

The roadmaps ask municipal coordinators to give each school below basic a mentor school and to
pick schools with a high level in a track to host internships. No geography is known, so
«nearby» means the same municipality; other municipalities come after it. Within that, a school
of the same type helps most: the same form of the self-diagnostic first, then the same locality.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.rounds import Round
from analytics.rubric import LEVELS
from analytics.sql import query

MENTOR_COLUMNS = [
    "track_code",
    "track_name",
    "mentor_inn",
    "mentor_name",
    "mentor_municipality",
    "mentor_points",
    "mentor_level",
    "reason",
]
LOWEST_RANK = 0
HIGHEST_RANK = len(LEVELS) - 1


def suggest_mentors(
    con: duckdb.DuckDBPyConnection, rnd: Round, inn: str, limit_per_track: int = 3
) -> pd.DataFrame:
    """For each track where the school is below basic, up to `limit_per_track` high-level schools."""
    return suggest_mentors_bulk(con, rnd, [inn], limit_per_track).drop(columns="inn")


def suggest_mentors_bulk(
    con: duckdb.DuckDBPyConnection, rnd: Round, inns: list[str], limit_per_track: int = 3
) -> pd.DataFrame:
    """What `suggest_mentors` gives each of many schools, in one query: the mentored school's `inn`
    before the same columns, schools in the order of `inns`."""
    found = con.execute(
        query("mentor_candidates"),
        {
            "round_id": rnd.round_id,
            "inns": inns,
            "lowest_rank": LOWEST_RANK,
            "highest_rank": HIGHEST_RANK,
            "limit_per_track": limit_per_track,
        },
    ).df()
    if found.empty:
        return pd.DataFrame(columns=["inn", *MENTOR_COLUMNS])
    found["reason"] = _reasons(found)
    return found[["inn", *MENTOR_COLUMNS]]


def internship_sites(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    track_code: str | None = None,
    municipality: str | None = None,
) -> pd.DataFrame:
    """Schools at «высокий» in a track (or in each track), best first: hosts for internships."""
    return con.execute(
        query("mentor_internship_sites"),
        {
            "round_id": rnd.round_id,
            "track_code": track_code,
            "municipality": municipality,
            "highest_rank": HIGHEST_RANK,
        },
    ).df()


def _reasons(found: pd.DataFrame) -> pd.Series:
    """«тот же муниципалитет, похожая школа» and the like, from the similarity flags."""
    place = np.where(found["is_same_municipality"], "тот же муниципалитет", "другой муниципалитет")
    kind = np.select(
        [
            found["is_same_form"] & found["is_same_locality"],
            found["is_same_form"],
            found["is_same_locality"],
        ],
        ["похожая школа", "та же форма самодиагностики", "тот же тип местности"],
        default="школа другого типа",
    )
    return pd.Series(place, index=found.index, dtype=object) + ", " + kind
