"""`compare` and `flags`: round-to-round change and the credibility flags, as CSV."""

from __future__ import annotations

import argparse

from analytics.cli.common import add_command, add_excel_option, store_from_args, write_csv


def register(commands: argparse._SubParsersAction) -> None:
    compare = add_command(commands, "compare", "сравнение двух раундов по школам (CSV)", run_compare)
    compare.add_argument(
        "--from", dest="from_round", required=True, help="первый раунд, например «Весна 2025»"
    )
    compare.add_argument("--to", dest="to_round", required=True, help="второй раунд, например «Осень 2025»")
    compare.add_argument("--municipality", help="только школы этого муниципалитета")
    add_excel_option(compare)

    flags = add_command(commands, "flags", "ответы, требующие проверки достоверности (CSV)", run_flags)
    flags.add_argument("--round", required=True, help="название раунда, например «Осень 2025»")
    flags.add_argument("--municipality", help="только школы этого муниципалитета")
    add_excel_option(flags)


def run_compare(args: argparse.Namespace) -> int:
    from analytics.dynamics import compare_rounds
    from analytics.rounds import get_round

    con = store_from_args(args)
    comparison = compare_rounds(
        con, get_round(con, args.from_round), get_round(con, args.to_round), args.municipality
    )
    write_csv(comparison.schools, excel=args.excel)
    return 0


def run_flags(args: argparse.Namespace) -> int:
    from analytics.credibility import flag_schools
    from analytics.rounds import get_round

    con = store_from_args(args)
    write_csv(flag_schools(con, get_round(con, args.round), args.municipality), excel=args.excel)
    return 0
