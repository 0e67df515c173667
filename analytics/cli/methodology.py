"""`methodology infer`: propose a methodology version from exports that carry points and levels."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.cli.common import add_command
from analytics.config import DEFAULT_METHODOLOGY
from analytics.errors import SamodiagError


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands, "methodology", "методика: «methodology infer FILES --out DIR»", run_methodology
    )
    parser.add_argument("action", choices=["infer"], help="infer — предложить методику по выгрузкам")
    parser.add_argument("files", nargs="+", type=Path, help="выгрузки с баллами и уровнями")
    parser.add_argument("--out", type=Path, required=True, help="папка для предложенной методики")
    parser.add_argument("--version", default="inferred", help="имя новой версии (по умолчанию inferred)")
    parser.add_argument("--base", default=DEFAULT_METHODOLOGY, help="методика, из которой взять направления")


def run_methodology(args: argparse.Namespace) -> int:
    from analytics.inference import infer_methodology, write_methodology
    from analytics.loading import Upload
    from analytics.rubric import load_rubric

    uploads = []
    for path in args.files:
        if not path.is_file():
            msg = f"Файл «{path}» не найден"
            raise SamodiagError(msg)
        uploads.append(Upload.from_path(path))
    base = load_rubric(args.base)
    inferred = infer_methodology(uploads, base, args.version)
    folder = write_methodology(inferred, base, args.out)
    print(f"Предложенная методика записана в «{folder}»: показателей — {len(inferred.indicators)}")
    print((folder / "report.txt").read_text(encoding="utf-8"), end="")
    return 0
