"""Pieces every command shares: the `--db` option, opening the store, writing CSV.

Loaded whenever the parser is built, so at its top it imports the standard library only; the
store (DuckDB) is loaded by the handler that opens it.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.config import db_path_from_env
from analytics.export import neutralise_cell

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

Handler = Callable[[argparse.Namespace], int]
"""What a command runs: the parsed arguments in, the exit code out."""


def add_db_option(parser: argparse.ArgumentParser, *, suppress_default: bool = True) -> None:
    """`--db` on the main parser and on each subcommand, so it may come before or after."""
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS if suppress_default else None,
        help="файл базы DuckDB (по умолчанию SAMODIAG_DB или data/samodiag.duckdb)",
    )


def add_command(
    commands: argparse._SubParsersAction, name: str, help_text: str, handler: Handler
) -> argparse.ArgumentParser:
    """A subcommand with `--db` and its handler attached."""
    parser = commands.add_parser(name, help=help_text, description=help_text)
    add_db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def store_from_args(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    """The store named by `--db`, else by the environment; created and migrated if needed."""
    from analytics.db import open_store

    return open_store(args.db or db_path_from_env())


def cli_actor() -> str:
    """Who the audit log names for a change made here: `cli:` and the system user who ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def add_excel_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--excel", action="store_true", help="разделитель «;» и BOM, чтобы Excel открыл файл как есть"
    )


def write_csv(frame: pd.DataFrame, *, excel: bool = False) -> None:
    """`export.csv_bytes` to stdout: commas and no BOM, or `;` with a BOM for Russian Excel."""
    from analytics.export import csv_bytes

    sys.stdout.buffer.write(csv_bytes(frame, excel=excel))
    sys.stdout.buffer.flush()


def write_rows_csv(columns: Sequence[str], rows: Iterable[Sequence[object]], *, excel: bool = False) -> None:
    """The CSV `write_csv` writes, from rows a query fetched: for a command that has no other use
    for pandas (`rounds`), whose import would take most of its run."""
    _write_stdout(csv_text(columns, rows, excel=excel), excel=excel)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[object]], *, excel: bool = False) -> str:
    """Rows as `DataFrame.to_csv` writes them for text, integers and dates: minimal quoting with
    doubled quotes, a missing value as an empty field. Not for an integer column with NULLs:
    DuckDB's `.df()` makes it float, and pandas writes `123.0` where this writes `123`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=_separator(excel), lineterminator="\n")
    writer.writerow([neutralise_cell(column) for column in columns])
    writer.writerows([neutralise_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def _separator(excel: bool) -> str:
    return ";" if excel else ","


def _write_stdout(text: str, *, excel: bool) -> None:
    sys.stdout.buffer.write(("\ufeff" if excel else "").encode() + text.encode("utf-8"))
    sys.stdout.buffer.flush()
