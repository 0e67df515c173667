"""Fidelity: where the engine's figure and the portal's stated figure disagree.

Exports that carry totals and levels are never rejected for them; they are stored as the
portal's figures and compared here, school by school, so a user can see that our numbers are
the portal's, or exactly where and by how much they are not.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from analytics.rounds import Round
from analytics.sql import query


def fidelity_report(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None = None
) -> pd.DataFrame:
    """Every school and scope whose computed points or level differ from the stated ones."""
    return con.execute(
        query("fidelity"), {"round_id": rnd.round_id, "inn": None, "municipality": municipality}
    ).df()


def school_fidelity(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> pd.DataFrame:
    """The differences of one school; empty when the engine and the portal agree."""
    return con.execute(query("fidelity"), {"round_id": rnd.round_id, "inn": inn, "municipality": None}).df()


def count_stated_schools(con: duckdb.DuckDBPyConnection, rnd: Round) -> int:
    """How many schools of the round have any figure stated by the portal."""
    row = con.execute(
        "select count(distinct inn) from portal_results where round_id = ?", [rnd.round_id]
    ).fetchone()
    return int(row[0])
