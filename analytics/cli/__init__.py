"""The command line: one module per group of commands, each adding its subcommands.

Every command takes `--db PATH` before or after the subcommand; a user-facing error prints its
Russian message to stderr and exits 2 without writing anything.

Building the parser imports every command module, so a command module imports at its top only
what declaring arguments needs (argparse, pathlib, analytics.config, analytics.errors). Its
handler imports the engine modules it calls inside the function: `--help` then loads no DuckDB,
and `rounds` no pandas, scipy or matplotlib (tests/test_cli_imports.py checks this). To add a
command group, write its module with `register(commands)` and its handlers, and list it in
COMMAND_MODULES.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from analytics.cli import common, documents, dynamics, methodology, plans, results, store, users
from analytics.errors import SamodiagError

COMMAND_MODULES = (store, results, methodology, dynamics, documents, plans, users)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Аналитика самодиагностики «Школа Минпросвещения России»",
    )
    common.add_db_option(parser, suppress_default=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="КОМАНДА")
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SamodiagError as error:
        print(f"Ошибка: {error}", file=sys.stderr)
        return 2
