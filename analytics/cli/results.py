"""`levels`, `fidelity` and `mentors`: every school's figures in a round, where the portal's differ,
and the mentor schools assigned."""

from __future__ import annotations

import argparse

from analytics.cli.common import add_command, add_excel_option, store_from_args, write_csv


def register(commands: argparse._SubParsersAction) -> None:
    levels = add_command(commands, "levels", "уровни школ за раунд (CSV)", run_levels)
    levels.add_argument("--round", required=True, help="название раунда, например «Весна 2026»")
    levels.add_argument("--municipality", help="только школы этого муниципалитета")
    add_excel_option(levels)

    fidelity = add_command(
        commands, "fidelity", "школы, где расчёт расходится с итогами портала (CSV)", run_fidelity
    )
    fidelity.add_argument("--round", required=True, help="название раунда")
    fidelity.add_argument("--municipality", help="только школы этого муниципалитета")
    add_excel_option(fidelity)

    mentors = add_command(
        commands, "mentors", "школы-наставники по направлениям «ниже базового» (CSV)", run_mentors
    )
    mentors.add_argument("--round", required=True, help="название раунда")
    mentors.add_argument("--municipality", help="только подопечные школы этого муниципалитета")
    add_excel_option(mentors)


def run_levels(args: argparse.Namespace) -> int:
    from analytics.levels import school_levels_wide
    from analytics.rounds import get_round

    con = store_from_args(args)
    rnd = get_round(con, args.round)
    write_csv(school_levels_wide(con, rnd, args.municipality), excel=args.excel)
    return 0


def run_fidelity(args: argparse.Namespace) -> int:
    from analytics.fidelity import fidelity_report
    from analytics.rounds import get_round

    con = store_from_args(args)
    rnd = get_round(con, args.round)
    write_csv(fidelity_report(con, rnd, args.municipality), excel=args.excel)
    return 0


def run_mentors(args: argparse.Namespace) -> int:
    from analytics.mentors import mentor_assignment_csv
    from analytics.rounds import get_round

    con = store_from_args(args)
    rnd = get_round(con, args.round)
    write_csv(mentor_assignment_csv(con, rnd, args.municipality), excel=args.excel)
    return 0
