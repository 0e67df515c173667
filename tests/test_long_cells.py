"""Text cells longer than any export has: a name over 2,000 characters and a csv field over the
csv module's 128 KiB are refused at their sheet, row and column, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from analytics.parsing import parse_export
from tests.conftest import EXAMPLES
from tests.test_cli import run_cli

LONG_CSV = EXAMPLES / "region_long_spring_2026.csv"
WIDE_XLSX = EXAMPLES / "region_wide_autumn_2025.xlsx"


def long_csv_with_name(name: str) -> bytes:
    """The long example with the first data row's school name replaced."""
    lines = LONG_CSV.read_bytes().decode("cp1251").split("\n")
    cells = lines[1].split(";")
    cells[1] = name
    lines[1] = ";".join(cells)
    return "\n".join(lines).encode("cp1251")


def test_a_csv_field_past_128_kib_is_named_by_row_and_column(tmp_path: Path):
    path = tmp_path / "long.csv"
    path.write_bytes(long_csv_with_name("Ш" * 200_000))
    db = tmp_path / "store.duckdb"
    done = run_cli("import", str(path), "--round", "Весна 2026", "--db", str(db))
    assert done.returncode == 2
    assert (
        "— Файл «long.csv», строка 2, столбец «B»: ячейка длиннее 131 072 символов: "
        "в выгрузке самодиагностики таких не бывает"
    ) in done.stderr.decode()
    assert "Весна 2026" not in run_cli("rounds", "--db", str(db)).stdout.decode()


def test_a_name_over_2000_characters_is_refused_in_a_csv():
    [parsed] = parse_export("long.csv", long_csv_with_name("Ш" * 3000))
    assert str(parsed.problems[0]) == (
        "Файл «long.csv», строка 2, столбец «Наименование ОО»: текст длиннее 2 000 символов (3 000): "
        "так длинно наименование не бывает"
    )


def test_a_name_as_long_as_excel_allows_is_refused_at_its_cell(tmp_path: Path):
    workbook = openpyxl.load_workbook(WIDE_XLSX)
    sheet = workbook.active
    sheet["C6"] = "Ш" * 1_000_000  # openpyxl keeps the 32,767 characters a cell may hold
    sheet["B7"] = "Р" * 2001
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    [parsed] = parse_export("wide.xlsx", path.read_bytes())
    assert [str(p) for p in parsed.problems] == [
        "Файл «wide.xlsx», лист «Результаты», строка 6, столбец «Наименование ОО»: "
        "текст длиннее 2 000 символов (32 767): так длинно наименование не бывает",
        "Файл «wide.xlsx», лист «Результаты», строка 7, столбец «Муниципальное образование»: "
        "текст длиннее 2 000 символов (2 001): так длинно наименование не бывает",
    ]


def test_schools_on_a_hidden_sheet_are_told_in_the_import_log(tmp_path: Path):
    workbook = openpyxl.load_workbook(WIDE_XLSX)
    hidden = workbook.copy_worksheet(workbook.active)
    hidden.title = "Архив"
    hidden.sheet_state = "hidden"
    path = tmp_path / "wide.xlsx"
    workbook.save(path)
    done = run_cli("import", str(path), "--round", "Осень 2025", "--db", str(tmp_path / "store.duckdb"))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines()[0] == (
        "Файл «wide.xlsx»: лист «Архив» скрыт: школ на нём — 14, они загружаются вместе с остальными; "
        "если они не нужны, удалите лист"
    )


def test_a_workbook_without_hidden_sheets_has_no_notes():
    [parsed] = parse_export("wide.xlsx", WIDE_XLSX.read_bytes())
    assert parsed.notes == []
