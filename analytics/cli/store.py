"""Commands that fill and inspect the store: import, imports, rounds, schools, roster, demo."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from analytics.cli.common import add_command, add_excel_option, store_from_args, write_csv
from analytics.errors import SamodiagError
from analytics.loading import Upload, import_uploads, withdraw_import
from analytics.store_info import list_imports, list_rounds_frame, list_schools


def register(commands: argparse._SubParsersAction) -> None:
    imp = add_command(commands, "import", "загрузить выгрузки (xlsx, csv, zip)", run_import)
    imp.add_argument("files", nargs="+", help="файлы выгрузки")
    imp.add_argument("--round", required=True, help="раунд, например «Весна 2026»")
    imp.add_argument("--methodology", help="версия методики для нового раунда (по умолчанию demo-2025)")
    imp.add_argument("--date", type=_parse_date, help="дата раунда ГГГГ-ММ-ДД")

    log = add_command(commands, "imports", "журнал загрузок; «imports withdraw ID» отзывает загрузку", run_imports)
    log.add_argument("action", nargs="?", choices=["withdraw"], help="withdraw — отозвать загрузку")
    log.add_argument("import_id", nargs="?", type=int, help="номер загрузки")
    add_excel_option(log)

    rounds = add_command(commands, "rounds", "раунды в базе (CSV)", run_rounds)
    add_excel_option(rounds)
    schools = add_command(commands, "schools", "школы в базе (CSV)", run_schools)
    add_excel_option(schools)


def _parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        msg = f"дата «{text}» не в формате ГГГГ-ММ-ДД"
        raise argparse.ArgumentTypeError(msg) from error


def run_import(args: argparse.Namespace) -> int:
    uploads = []
    for name in args.files:
        try:
            uploads.append(Upload.from_path(name))
        except OSError as error:
            msg = f"Файл «{name}» не удалось прочитать: {error.strerror}"
            raise SamodiagError(msg) from error
    con = store_from_args(args)
    report = import_uploads(con, uploads, args.round, methodology=args.methodology, date=args.date)
    print(report.describe())
    return 0


def run_imports(args: argparse.Namespace) -> int:
    con = store_from_args(args)
    if args.action == "withdraw":
        if args.import_id is None:
            print("Ошибка: укажите номер загрузки: imports withdraw ID", file=sys.stderr)
            return 2
        print(withdraw_import(con, args.import_id))
        return 0
    write_csv(list_imports(con), excel=args.excel)
    return 0


def run_rounds(args: argparse.Namespace) -> int:
    write_csv(list_rounds_frame(store_from_args(args)), excel=args.excel)
    return 0


def run_schools(args: argparse.Namespace) -> int:
    write_csv(list_schools(store_from_args(args)), excel=args.excel)
    return 0
