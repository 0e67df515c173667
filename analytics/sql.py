"""Named SQL files under `analytics/sql/`, loaded from a fixed registry.

Queries take values only as bound parameters; a name outside the registry is a programming
error, so no identifier ever reaches SQL from user input.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")
QUERY_NAMES = frozenset(p.stem for p in SQL_DIR.glob("*.sql"))


@cache
def query(name: str) -> str:
    """The text of `analytics/sql/<name>.sql`."""
    if name not in QUERY_NAMES:
        msg = f"unknown query {name!r}"
        raise KeyError(msg)
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
