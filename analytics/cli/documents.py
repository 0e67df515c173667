"""`checklist`, `checklists`, `agenda`, `packs`, `report`: the documents people hand out, written to files.

A document is built in memory first and written only when it is complete, so a bad school,
round or municipality exits with a Russian message and leaves no file behind.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli.common import add_command, store_from_args
from analytics.errors import NotFound, SamodiagError


def register(commands: argparse._SubParsersAction) -> None:
    one = add_command(commands, "checklist", "чек-лист дефицитов школы (.xlsx или .docx)", run_checklist)
    _add_school_options(one)
    one.add_argument("--out", type=Path, required=True, help="файл .xlsx или .docx")

    many = add_command(
        commands,
        "checklists",
        "чек-листы всех школ муниципалитета или всех школ «ниже базового» (zip)",
        run_checklists,
    )
    _add_choice_options(many)
    many.add_argument("--format", choices=["xlsx", "docx"], default="xlsx", help="формат чек-листов")

    packs = add_command(
        commands,
        "packs",
        "пакеты к собеседованию (повестка и чек-листы), сначала школы «ниже базового» (zip)",
        run_packs,
    )
    _add_choice_options(packs)

    agenda = add_command(
        commands, "agenda", "повестка собеседования с управленческой командой (.docx)", run_agenda
    )
    _add_school_options(agenda)
    agenda.add_argument("--out", type=Path, required=True, help="файл .docx")

    report = add_command(commands, "report", "аналитическая справка по раунду (.docx)", run_report)
    report.add_argument("--round", required=True, help="название раунда, например «Весна 2026»")
    report.add_argument("--municipality", help="справка по одному муниципальному образованию")
    report.add_argument("--out", type=Path, required=True, help="файл .docx")


def _add_choice_options(parser: argparse.ArgumentParser) -> None:
    """The schools of a bulk archive: a round, a municipality or the region, optionally below basic."""
    parser.add_argument("--round", required=True, help="название раунда, например «Весна 2026»")
    parser.add_argument("--municipality", help="школы этого муниципального образования")
    parser.add_argument(
        "--below-basic", action="store_true", help="только школы с общим уровнем «ниже базового»"
    )
    parser.add_argument("--out", type=Path, required=True, help="архив .zip")


def _add_school_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--school", required=True, help="ИНН школы")
    parser.add_argument("--round", required=True, help="название раунда, например «Весна 2026»")


def run_checklist(args: argparse.Namespace) -> int:
    from analytics.documents import checklist_docx, checklist_xlsx
    from analytics.rounds import get_round

    writer = {".xlsx": checklist_xlsx, ".docx": checklist_docx}.get(args.out.suffix.lower())
    if writer is None:
        msg = f"Файл «{args.out}»: укажите расширение .xlsx или .docx"
        raise SamodiagError(msg)
    con = store_from_args(args)
    _write(args.out, writer(con, get_round(con, args.round), args.school.strip()))
    return 0


def run_checklists(args: argparse.Namespace) -> int:
    from analytics.documents import checklists_zip

    _require_suffix(args.out, ".zip")
    con, rnd, inns = _chosen_schools(args)
    _write(args.out, checklists_zip(con, rnd, inns, args.format))
    print(f"Чек-листов в архиве: {len(inns)}")
    return 0


def run_packs(args: argparse.Namespace) -> int:
    from analytics.documents import interview_packs_zip

    _require_suffix(args.out, ".zip")
    con, rnd, inns = _chosen_schools(args)
    _write(args.out, interview_packs_zip(con, rnd, inns))
    print(f"Пакетов в архиве: {len(inns)}")
    return 0


def _chosen_schools(args: argparse.Namespace):
    """The store, the round and the ИНН of the schools `_add_choice_options` chose."""
    from analytics.documents import below_basic_inns
    from analytics.levels import school_scores_long
    from analytics.rounds import get_round
    from analytics.rubric import TOTAL_SCOPE

    con = store_from_args(args)
    rnd = get_round(con, args.round)
    _check_municipality(con, args.municipality)
    if args.below_basic:
        return con, rnd, below_basic_inns(con, rnd, args.municipality)
    scores = school_scores_long(con, rnd, args.municipality)
    return con, rnd, scores.loc[scores["scope"] == TOTAL_SCOPE, "inn"].tolist()


def run_agenda(args: argparse.Namespace) -> int:
    from analytics.documents import interview_agenda_docx
    from analytics.rounds import get_round

    _require_suffix(args.out, ".docx")
    con = store_from_args(args)
    _write(args.out, interview_agenda_docx(con, get_round(con, args.round), args.school.strip()))
    return 0


def run_report(args: argparse.Namespace) -> int:
    from analytics.documents import analytic_report_docx
    from analytics.rounds import get_round

    _require_suffix(args.out, ".docx")
    con = store_from_args(args)
    rnd = get_round(con, args.round)
    _check_municipality(con, args.municipality)
    _write(args.out, analytic_report_docx(con, rnd, args.municipality))
    return 0


def _require_suffix(path: Path, suffix: str) -> None:
    if path.suffix.lower() != suffix:
        msg = f"Файл «{path}»: укажите расширение {suffix}"
        raise SamodiagError(msg)


def _check_municipality(con, name: str | None) -> None:
    from analytics.views import municipalities

    if name is not None and name not in municipalities(con):
        msg = f"муниципальное образование «{name}» не найдено ни в выгрузках, ни в реестре"
        raise NotFound(msg)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as error:
        msg = f"Файл «{path}» не удалось записать: {error.strerror}"
        raise SamodiagError(msg) from error
    print(f"Записан файл «{path}»")
