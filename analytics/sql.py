"""Named SQL files under `analytics/sql/`, loaded from a fixed registry.

Queries take values only as bound parameters; a name outside the registry is a programming
error, so no identifier ever reaches SQL from user input.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

if TYPE_CHECKING:  # pandas only names the type: the command line's light commands never load it
    import pandas as pd

SQL_DIR = Path(__file__).with_name("sql")
QUERY_NAMES = frozenset(p.stem for p in SQL_DIR.glob("*.sql"))


@cache
def query(name: str) -> str:
    """The text of `analytics/sql/<name>.sql`."""
    if name not in QUERY_NAMES:
        msg = f"unknown query {name!r}"
        raise KeyError(msg)
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def text_frame(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, object]) -> pd.DataFrame:
    """The rows of a named query as a DataFrame, converted through Arrow.

    For the long lists of schools a page picks from (40,000 at national scale): DuckDB's `.df()`
    converts text cell by cell and took twice as long. DuckDB 2.0 warns that Arrow output of an
    `execute` result copies the rows once more; measured, the copy is still the cheaper way.
    Arrow turns an integer column with NULLs into floats, so only queries without one use this.
    """
    result = con.execute(query(name), dict(params))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
        return result.to_arrow_table().to_pandas()
