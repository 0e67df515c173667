"""Rounds of the self-diagnostic: a unique name, a date for ordering, one methodology version."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import duckdb

from analytics.config import DEFAULT_METHODOLOGY
from analytics.db import transaction
from analytics.errors import NotFound, SamodiagError

_SEASON_NAME = re.compile(r"^\s*(весна|осень)\s+(\d{4})\s*$", re.IGNORECASE)
_SEASON_MONTH = {"весна": 4, "осень": 11}


@dataclass(frozen=True)
class Round:
    round_id: int
    name: str
    date: dt.date
    methodology: str


def default_round_date(name: str) -> dt.date | None:
    """1 April for «Весна YYYY», 1 November for «Осень YYYY»; None for any other name."""
    match = _SEASON_NAME.match(name)
    if not match:
        return None
    return dt.date(int(match.group(2)), _SEASON_MONTH[match.group(1).lower()], 1)


def list_rounds(con: duckdb.DuckDBPyConnection) -> list[Round]:
    """Every stored round, oldest first."""
    rows = con.execute(
        "select round_id, name, round_date, methodology from rounds order by round_date, round_id"
    ).fetchall()
    return [Round(*row) for row in rows]


def find_round(con: duckdb.DuckDBPyConnection, name: str) -> Round | None:
    row = con.execute(
        "select round_id, name, round_date, methodology from rounds where name = ?", [name.strip()]
    ).fetchone()
    return Round(*row) if row else None


def get_round(con: duckdb.DuckDBPyConnection, name: str) -> Round:
    """The round called `name`, or NotFound naming the rounds that exist."""
    found = find_round(con, name)
    if found is None:
        known = ", ".join(f"«{r.name}»" for r in list_rounds(con)) or "нет ни одного"
        msg = f"раунд «{name}» не найден; в базе: {known}"
        raise NotFound(msg)
    return found


def plan_round(
    con: duckdb.DuckDBPyConnection,
    name: str,
    methodology: str | None,
    date: dt.date | None,
) -> Round:
    """The round an import goes into: the stored one, or a new one (round_id not yet written)."""
    name = name.strip()
    existing = find_round(con, name)
    if existing is not None:
        if methodology and methodology != existing.methodology:
            msg = (
                f"раунд «{name}» ведётся по методике {existing.methodology}, "
                f"а загрузка указана по методике {methodology}"
            )
            raise SamodiagError(msg)
        return existing
    version = methodology or DEFAULT_METHODOLOGY
    known = con.execute("select 1 from methodology_versions where version = ?", [version]).fetchone()
    if not known:
        msg = f"методика «{version}» не найдена в data/rubric"
        raise SamodiagError(msg)
    date = date or default_round_date(name)
    if date is None:
        msg = f"для раунда «{name}» укажите дату (--date ГГГГ-ММ-ДД): по названию её не определить"
        raise SamodiagError(msg)
    next_id = con.execute("select coalesce(max(round_id), 0) + 1 from rounds").fetchone()[0]
    return Round(next_id, name, date, version)


def previous_round(con: duckdb.DuckDBPyConnection, current: Round) -> Round | None:
    """The latest round with answers dated before `current`, if any.

    A round whose imports were all withdrawn holds no school: comparing with it would read as
    «every school is new», so it is skipped.
    """
    answered = answered_round_ids(con)
    earlier = [r for r in list_rounds(con) if r.date < current.date and r.round_id in answered]
    return earlier[-1] if earlier else None


def answered_round_ids(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Ids of the rounds where at least one school has answers in force (an import not withdrawn)."""
    rows = con.execute("select distinct round_id from current_schools").fetchall()
    return {round_id for (round_id,) in rows}


def rounds_default_first(con: duckdb.DuckDBPyConnection) -> list[Round]:
    """Every round for a picker whose first choice is its default: the rounds with answers newest
    first, then the empty ones, so an empty round is never anyone's default."""
    answered = answered_round_ids(con)
    newest_first = list(reversed(list_rounds(con)))
    return [r for r in newest_first if r.round_id in answered] + [
        r for r in newest_first if r.round_id not in answered
    ]


def empty_rounds(con: duckdb.DuckDBPyConnection) -> list[Round]:
    """Rounds without answers in force (never imported into, or every import withdrawn), oldest first."""
    answered = answered_round_ids(con)
    return [r for r in list_rounds(con) if r.round_id not in answered]


_ROUND_TABLES = ("import_schools", "answers", "portal_results", "current_schools", "school_scores", "imports")
"""Tables whose rows belong to a round through round_id (imports last: the others are found by it)."""
_IMPORT_TABLES = ("import_digests", "import_files")
"""Tables whose rows belong to a round through its imports."""


def remove_empty_round(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """Delete a round without answers in force, with its withdrawn imports, in one transaction.

    A round with answers is refused: its figures would vanish from every page and document; its
    imports must be withdrawn first, which keeps each withdrawal in the import log until then.
    """
    rnd = get_round(con, name)
    if rnd.round_id in answered_round_ids(con):
        msg = (
            f"в раунде «{rnd.name}» есть ответы школ: удалить можно только раунд, "
            "все загрузки которого отозваны"
        )
        raise SamodiagError(msg)
    with transaction(con):
        for table in _IMPORT_TABLES:
            con.execute(
                f"delete from {table} where import_id in (select import_id from imports where round_id = ?)",
                [rnd.round_id],
            )
        for table in (*_ROUND_TABLES, "rounds"):
            con.execute(f"delete from {table} where round_id = ?", [rnd.round_id])
    return f"Раунд «{rnd.name}» удалён"
