"""`plans export`, `plans import` and `measures` as automation runs them."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from analytics.documents.roadmap import HEADER_ROW
from analytics.rubric import load_rubric
from tests.conftest import write_long_csv
from tests.test_cli import run_cli
from tests.test_plans import LUGA, ROUND, SCHOOLS, WEAK
from tests.test_roadmap import edited

FIRST = HEADER_ROW + 1


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli_plans")
    export = write_long_csv(folder / "autumn.csv", load_rubric("demo-2025"), SCHOOLS)
    db = folder / "store.duckdb"
    done = run_cli("import", str(export), "--round", ROUND, "--db", str(db))
    assert done.returncode == 0, done.stderr.decode()
    return db


def measures_csv(db, *extra: str) -> list[dict[str, str]]:
    done = run_cli("measures", "--round", ROUND, "--db", str(db), *extra)
    assert done.returncode == 0, done.stderr.decode()
    return list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"))))


def test_export_fill_import_and_list(store, tmp_path):
    out = tmp_path / "карта.xlsx"
    done = run_cli(
        "plans", "export", "--school", WEAK, "--round", ROUND, "--out", str(out), "--db", str(store)
    )
    assert done.returncode == 0, done.stderr.decode()
    filled = tmp_path / "заполнена.xlsx"
    first_two = {(FIRST, "Ответственный"): "Директор", (FIRST, "Срок"): dt.datetime(2026, 1, 15)}
    first_two |= {(FIRST + 1, "Ответственный"): "Завуч", (FIRST + 1, "Срок"): "2026-12-31"}
    untaken = ("№ показателей", "Мера", "Вид меры", "Статус")
    rest = {(row, title): None for row in range(FIRST + 2, FIRST + 200) for title in untaken}
    filled.write_bytes(edited(out.read_bytes(), first_two | rest))
    done = run_cli("plans", "import", str(filled), "--db", str(store))
    assert done.returncode == 0, done.stderr.decode()
    assert "мер новых — 2" in done.stdout.decode()
    rows = measures_csv(store, "--date", "2026-02-01")
    assert [(r["inn"], r["numbers"], r["due_on"], r["is_overdue"]) for r in rows] == [
        (WEAK, "24", "2026-01-15", "True"),
        (WEAK, rows[1]["numbers"], "2026-12-31", "False"),
    ]
    assert rows[0]["kind"] == "own"
    assert measures_csv(store, "--municipality", LUGA) == []


def test_refused_file_exits_2_naming_the_cell_and_writes_nothing(store, tmp_path):
    before = measures_csv(store)
    out = tmp_path / "карта.xlsx"
    run_cli("plans", "export", "--school", WEAK, "--round", ROUND, "--out", str(out), "--db", str(store))
    bad = tmp_path / "плохая.xlsx"
    bad.write_bytes(edited(out.read_bytes(), {(FIRST, "Срок"): "вчера"}))
    done = run_cli("plans", "import", str(bad), "--db", str(store))
    assert done.returncode == 2
    error = done.stderr.decode()
    assert (
        f"Файл «плохая.xlsx», лист «Дорожная карта», строка {FIRST}, столбец «Срок»: «вчера» — не дата"
        in error
    )
    assert measures_csv(store) == before


def test_excel_csv_and_unknown_school(store, tmp_path):
    done = run_cli("measures", "--round", ROUND, "--excel", "--db", str(store))
    assert done.stdout.startswith("\ufeffmeasure_id;".encode())
    done = run_cli(
        "plans",
        "export",
        "--school",
        "7800000000",
        "--round",
        ROUND,
        "--out",
        str(tmp_path / "x.xlsx"),
        "--db",
        str(store),
    )
    assert done.returncode == 2
    assert "не участвовала" in done.stderr.decode()
    assert not (tmp_path / "x.xlsx").exists()
