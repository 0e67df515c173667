"""Pieces every command shares: the `--db` option, opening the store, writing CSV."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import pandas as pd

from analytics.config import db_path_from_env
from analytics.db import open_store
from analytics.export import csv_bytes


def add_db_option(parser: argparse.ArgumentParser, *, suppress_default: bool = True) -> None:
    """`--db` on the main parser and on each subcommand, so it may come before or after."""
    parser.add_argument(
        "--db",
        type=Path,
        default=argparse.SUPPRESS if suppress_default else None,
        help="файл базы DuckDB (по умолчанию SAMODIAG_DB или data/samodiag.duckdb)",
    )


def add_command(
    commands: argparse._SubParsersAction, name: str, help_text: str, handler
) -> argparse.ArgumentParser:
    """A subcommand with `--db` and its handler attached."""
    parser = commands.add_parser(name, help=help_text, description=help_text)
    add_db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def store_from_args(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    """The store named by `--db`, else by the environment; created and migrated if needed."""
    return open_store(args.db or db_path_from_env())


def add_excel_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--excel", action="store_true", help="разделитель «;» и BOM, чтобы Excel открыл файл как есть"
    )


def write_csv(frame: pd.DataFrame, *, excel: bool = False) -> None:
    """`csv_bytes` to stdout: commas and no BOM, or `;` with a BOM for Russian Excel."""
    sys.stdout.buffer.write(csv_bytes(frame, excel=excel))
    sys.stdout.buffer.flush()
