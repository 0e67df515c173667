"""`plans export`, `plans import`, `measures` and `effect`: the schools' roadmaps out and back,
their execution across a round, and which kinds of measures closed deficits by the next round.

A roadmap is built in memory and written only when complete; an import is validated whole and
written all or nothing (a refused file exits 2 naming sheet, row and column).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from analytics.cli.common import add_command, add_db_option, add_excel_option, store_from_args, write_csv
from analytics.errors import SamodiagError

MEASURE_CSV_COLUMNS = [
    "measure_id",
    "round_name",
    "inn",
    "name",
    "municipality",
    "track_code",
    "numbers",
    "action",
    "kind",
    "responsible",
    "due_on",
    "status",
    "is_overdue",
    "comment",
    "updated_by",
    "updated_at",
]


def register(commands: argparse._SubParsersAction) -> None:
    plans = add_command(commands, "plans", "дорожные карты школ: выгрузка и загрузка (.xlsx)", run_export)
    actions = plans.add_subparsers(dest="action", required=True, metavar="ДЕЙСТВИЕ")
    export = actions.add_parser("export", help="дорожная карта школы для заполнения (.xlsx)")
    add_db_option(export)
    export.add_argument("--school", required=True, help="ИНН школы")
    export.add_argument("--round", required=True, help="название раунда, например «Весна 2026»")
    export.add_argument("--out", type=Path, required=True, help="файл .xlsx")
    export.set_defaults(handler=run_export)
    back = actions.add_parser("import", help="загрузить заполненную дорожную карту (.xlsx)")
    add_db_option(back)
    back.add_argument("file", type=Path, help="файл .xlsx, выгруженный командой plans export")
    back.set_defaults(handler=run_import)

    measures = add_command(
        commands, "measures", "меры дорожных карт за раунд, с просроченными (CSV)", run_measures
    )
    measures.add_argument("--round", required=True, help="название раунда")
    measures.add_argument("--municipality", help="только школы этого муниципалитета")
    measures.add_argument(
        "--date", type=dt.date.fromisoformat, help="на какую дату считать просрочку (ГГГГ-ММ-ДД; сегодня)"
    )
    add_excel_option(measures)

    effect = add_command(
        commands,
        "effect",
        "доля закрытых дефицитов с мерой и без неё, по видам мер и направлениям (CSV)",
        run_effect,
    )
    effect.add_argument("--from", dest="earlier", required=True, help="раунд, в котором планировали меры")
    effect.add_argument("--to", dest="later", required=True, help="следующий раунд")
    add_excel_option(effect)


def run_export(args: argparse.Namespace) -> int:
    from analytics.documents.roadmap import roadmap_xlsx
    from analytics.rounds import get_round

    if args.out.suffix.lower() != ".xlsx":
        msg = f"Файл «{args.out}»: укажите расширение .xlsx"
        raise SamodiagError(msg)
    con = store_from_args(args)
    data = roadmap_xlsx(con, get_round(con, args.round), args.school.strip())
    args.out.write_bytes(data)
    print(f"Дорожная карта записана: {args.out}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from analytics.documents.roadmap import import_roadmap

    try:
        data = args.file.read_bytes()
    except OSError as error:
        msg = f"Файл «{args.file}» не удалось прочитать: {error.strerror}"
        raise SamodiagError(msg) from error
    con = store_from_args(args)
    print(import_roadmap(con, data, args.file.name).summary())
    return 0


def run_measures(args: argparse.Namespace) -> int:
    from analytics.plans import measures_frame
    from analytics.rounds import get_round

    con = store_from_args(args)
    rnd = get_round(con, args.round)
    frame = measures_frame(con, rnd, municipality=args.municipality, today=args.date or dt.date.today())
    frame["numbers"] = frame["numbers"].map(lambda numbers: ", ".join(str(int(n)) for n in numbers))
    frame["due_on"] = frame["due_on"].dt.date
    write_csv(frame[MEASURE_CSV_COLUMNS], excel=args.excel)
    return 0


def run_effect(args: argparse.Namespace) -> int:
    import sys

    from analytics.effect import CAVEAT, measure_effects
    from analytics.rounds import get_round

    con = store_from_args(args)
    effects = measure_effects(con, get_round(con, args.earlier), get_round(con, args.later))
    write_csv(effects, excel=args.excel)
    print(f"Внимание: {CAVEAT}.", file=sys.stderr)
    return 0
