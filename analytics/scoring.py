"""Derived tables rebuilt from the facts: which answers are in force, and the scores.

Scores are never written by the importer directly; they are recomputed from the stored answers
and the rubric after every import or withdrawal, so a school's level can always be traced back
to its answers and the methodology version of its round.
"""

from __future__ import annotations

import duckdb

from analytics.db import transaction
from analytics.sql import query

DERIVED_TABLES = ("school_scores", "current_schools")


def refresh_round(con: duckdb.DuckDBPyConnection, round_id: int) -> None:
    """Rebuild the derived rows of one round (call inside the import's transaction)."""
    for table in DERIVED_TABLES:
        con.execute(f"delete from {table} where round_id = ?", [round_id])
    _rebuild(con, round_id)


def rescore_all(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every derived row of every round in one transaction."""
    with transaction(con):
        for table in DERIVED_TABLES:
            con.execute(f"delete from {table}")
        _rebuild(con, None)


def refresh_schools(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the `schools` table (identity and type of every school) from its rule, the view
    `school_directory`: after the current schools or the roster change (call inside their transaction)."""
    con.execute("delete from schools")
    con.execute("insert into schools select * from school_directory")


def _rebuild(con: duckdb.DuckDBPyConnection, round_id: int | None) -> None:
    con.execute(query("current_schools"), {"round_id": round_id})
    con.execute(query("school_scores"), {"round_id": round_id})
    refresh_schools(con)
