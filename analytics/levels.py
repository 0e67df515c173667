"""Levels of every school in a round, in the wide shape people read and the CLI prints."""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.rounds import Round
from analytics.sql import query

IDENTITY_COLUMNS = ("inn", "name", "municipality", "form")


def track_codes(con: duckdb.DuckDBPyConnection, version: str) -> list[str]:
    """Track codes of a methodology version in rubric order."""
    rows = con.execute(
        "select track_code from tracks where version = ? order by track_order", [version]
    ).fetchall()
    return [code for (code,) in rows]


def track_names(con: duckdb.DuckDBPyConnection, version: str) -> dict[str, str]:
    """Track code → Russian name, in rubric order."""
    rows = con.execute(
        "select track_code, track_name from tracks where version = ? order by track_order", [version]
    ).fetchall()
    return dict(rows)


def school_scores_long(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    *,
    inn: str | None = None,
) -> pd.DataFrame:
    """One row per school and scope ('total' or a track code) of a round."""
    params = {"round_id": rnd.round_id, "municipality": municipality, "inn": inn}
    return con.execute(query("school_levels"), params).df()


def school_levels_wide(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None = None
) -> pd.DataFrame:
    """inn, name, municipality, form, total, level, then <track>_points and <track>_level."""
    long = school_scores_long(con, rnd, municipality)
    columns = [*IDENTITY_COLUMNS, "total", "level"]
    codes = track_codes(con, rnd.methodology)
    for code in codes:
        columns += [f"{code}_points", f"{code}_level"]
    if long.empty:
        return pd.DataFrame(columns=columns)
    wide = long.pivot(index=list(IDENTITY_COLUMNS), columns="scope", values=["points", "level"])
    result = pd.DataFrame(index=wide.index)
    result["total"] = wide[("points", "total")].astype(int)
    result["level"] = wide[("level", "total")]
    for code in codes:
        result[f"{code}_points"] = wide[("points", code)].astype(int)
        result[f"{code}_level"] = wide[("level", code)]
    result = result.reset_index()
    return result.sort_values(["municipality", "name", "inn"], ignore_index=True)[columns]
