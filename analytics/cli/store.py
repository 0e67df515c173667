"""Commands that fill and inspect the store: import, imports, demo, roster, rounds, schools."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.cli.common import (
    add_command,
    add_excel_option,
    cli_actor,
    store_from_args,
    write_csv,
    write_rows_csv,
)
from analytics.config import db_path_from_env
from analytics.errors import SamodiagError

if TYPE_CHECKING:
    from analytics.loading import Upload


def register(commands: argparse._SubParsersAction) -> None:
    imp = add_command(commands, "import", "загрузить выгрузки (xlsx, csv, zip)", run_import)
    imp.add_argument("files", nargs="+", help="файлы выгрузки")
    imp.add_argument("--round", required=True, help="раунд, например «Весна 2026»")
    imp.add_argument("--methodology", help="версия методики для нового раунда (по умолчанию demo-2025)")
    imp.add_argument("--date", type=_parse_date, help="дата раунда ГГГГ-ММ-ДД")

    log = add_command(
        commands, "imports", "журнал загрузок; «imports withdraw ID» отзывает загрузку", run_imports
    )
    log.add_argument("action", nargs="?", choices=["withdraw"], help="withdraw — отозвать загрузку")
    log.add_argument("import_id", nargs="?", type=int, help="номер загрузки")
    add_excel_option(log)

    demo = add_command(commands, "demo", "построить демонстрационную базу (синтетический регион)", run_demo)
    demo.add_argument("--schools", type=int, default=600, help="число школ (по умолчанию 600)")
    demo.add_argument("--rounds", type=int, default=3, help="число раундов, от 1 до 4 (по умолчанию 3)")
    demo.add_argument("--seed", type=int, default=1, help="зерно генератора")
    demo.add_argument("--exports", type=Path, help="сохранить созданные выгрузки в эту папку")
    demo.add_argument("--force", action="store_true", help="заменить существующий файл базы")

    roster = add_command(commands, "roster", "реестр школ: «roster import FILE»", run_roster)
    roster.add_argument("action", choices=["import"], help="import — загрузить реестр (xlsx или csv)")
    roster.add_argument("file", type=Path, help="файл реестра")

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
    from analytics.loading import import_uploads

    uploads = [_read_upload(Path(name)) for name in args.files]
    con = store_from_args(args)
    report = import_uploads(
        con, uploads, args.round, methodology=args.methodology, date=args.date, actor=cli_actor()
    )
    print(report.describe())
    return 0


def _read_upload(path: Path) -> Upload:
    from analytics.loading import Upload

    try:
        return Upload.from_path(path)
    except OSError as error:
        msg = f"Файл «{path}» не удалось прочитать: {error.strerror}"
        raise SamodiagError(msg) from error


def run_imports(args: argparse.Namespace) -> int:
    from analytics.loading import withdraw_import
    from analytics.store_info import list_imports

    con = store_from_args(args)
    if args.action == "withdraw":
        if args.import_id is None:
            print("Ошибка: укажите номер загрузки: imports withdraw ID", file=sys.stderr)
            return 2
        print(withdraw_import(con, args.import_id, actor=cli_actor()))
        return 0
    write_csv(list_imports(con), excel=args.excel)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from analytics.demo_db import build_demo_database

    path = Path(args.db or db_path_from_env())
    if path.exists():
        if not args.force:
            msg = f"файл базы «{path}» уже существует; укажите --force, чтобы заменить его демо-базой"
            raise SamodiagError(msg)
        path.unlink()
        Path(f"{path}.wal").unlink(missing_ok=True)
    if not 1 <= args.rounds <= 4 or args.schools < 10:
        msg = "демонстрационный регион: от 1 до 4 раундов и не меньше 10 школ"
        raise SamodiagError(msg)
    region = build_demo_database(
        path, schools=args.schools, rounds=args.rounds, seed=args.seed, exports_dir=args.exports
    )
    names = ", ".join(f"«{r.name}»" for r in region.rounds)
    print(f"Демонстрационная база «{path}»: {args.schools} школ, раунды {names}")
    return 0


def run_roster(args: argparse.Namespace) -> int:
    from analytics.roster import import_roster

    con = store_from_args(args)
    count = import_roster(con, _read_upload(args.file), actor=cli_actor())
    print(f"Реестр загружен: школ — {count}")
    return 0


def run_rounds(args: argparse.Namespace) -> int:
    from analytics.store_info import list_rounds_rows

    columns, rows = list_rounds_rows(store_from_args(args))
    write_rows_csv(columns, rows, excel=args.excel)
    return 0


def run_schools(args: argparse.Namespace) -> int:
    from analytics.store_info import list_schools

    write_csv(list_schools(store_from_args(args)), excel=args.excel)
    return 0
