"""The benchmark machinery at a toy size: `python -m benchmarks` builds a store, runs every step
in its own process and prints the table. Timings are never asserted (benchmarks are run by hand);
these tests keep `make bench` from breaking unnoticed."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from analytics.config import PROJECT_ROOT
from analytics.db import connect
from analytics.rounds import list_rounds
from benchmarks.bench_app import PAGES
from benchmarks.bench_pages import page_calls
from benchmarks.stores import Size, demo_store

TOY_SCHOOLS = 30


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def table(out_dir) -> list[str]:
    command = ["-m", "benchmarks", "--schools", str(TOY_SCHOOLS), "--runs", "1", "--out", str(out_dir)]
    done = subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout.splitlines()


def rows_of(table: list[str], step: str) -> list[str]:
    """The table's rows (size column padded to 10) naming the step; target lines are not rows."""
    return [line for line in table if line.startswith("custom".ljust(10)) and step in line]


class TestTable:
    def test_no_step_failed(self, table):
        """Every step ran to the end on the toy store: no row reports a failure."""
        assert [line for line in table if "FAILED" in line or "not measured" in line] == []

    @pytest.mark.parametrize(
        "step",
        [
            "wide xlsx (W), 0.",
            "wide xlsx (W): import",
            "wide xlsx (W): pandas way (openpyxl)",
            "long csv zip (L), 0.",
            "long csv zip (L): import",
            "long csv zip (L): pandas way (read_csv)",
            "rescore_all",
            "checklists zip, xlsx",
            "checklists zip, docx",
            "store: DuckDB file",
        ],
    )
    def test_every_step_has_its_row(self, table, step):
        """Each measured step prints exactly one row for the toy store."""
        assert len(rows_of(table, step)) == 1

    def test_every_page_call_the_pages_make_is_timed(self, table, out_dir):
        """Every call bench_pages lists for a page has a row of its own, timed four times a run."""
        store = demo_store(Size("custom", TOY_SCHOOLS, 2), out_dir)
        con = connect(store.db_path, read_only=True)
        calls = page_calls(con, list_rounds(con)[-1])
        con.close()
        for page, page_list in calls.items():
            for name, _ in page_list:
                (row,) = rows_of(table, f"page {page}: {name} ")
                assert re.search(rf"page {page}: {name}\s+4\s", row)

    def test_machine_versions_and_targets_are_printed(self, table):
        """The table names the machine and the versions and judges every target of the issue."""
        text = "\n".join(table)
        for fragment in ("cores", "duckdb 2.", "python-calamine", "rescore_all median", "highest peak RSS"):
            assert fragment in text
        assert text.count("the bare parse") == 2
        assert "page calls with p95 over 200 ms" in text


class TestStores:
    @pytest.mark.usefixtures("table")
    def test_a_built_store_is_reused(self, out_dir):
        """A second call finds the manifest and returns the same store without rebuilding it."""
        size = Size("custom", TOY_SCHOOLS, 2)
        first = demo_store(size, out_dir)
        modified = first.db_path.stat().st_mtime_ns
        again = demo_store(size, out_dir)
        assert again == first
        assert again.db_path.stat().st_mtime_ns == modified
        assert [len(rnd.files) for rnd in again.rounds] == [1, 2]


class TestPageDrawing:
    @pytest.mark.usefixtures("table")
    def test_every_page_of_the_app_is_drawn_and_timed(self, out_dir, tmp_path):
        """bench_app runs the app on a store and prints one timed row per page, in the app's order."""
        store = demo_store(Size("custom", TOY_SCHOOLS, 2), out_dir)
        copy = tmp_path / "store.duckdb"
        shutil.copyfile(store.db_path, copy)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_app", str(copy), "--runs", "1"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        rows = [cells for cells in map(str.split, done.stdout.splitlines()) if cells and cells[0] in PAGES]
        assert [row[0] for row in rows] == list(PAGES)
        assert all(len(row) == 5 for row in rows)


class TestCliStart:
    @pytest.mark.usefixtures("table")
    def test_each_command_is_timed_against_the_floor(self, out_dir, tmp_path):
        """bench_cli runs the floor, `--help` and `rounds` in fresh interpreters, one row each."""
        store = demo_store(Size("custom", TOY_SCHOOLS, 2), out_dir)
        copy = tmp_path / "store.duckdb"  # `rounds` opens its store for writing; the kept one stays as built
        shutil.copyfile(store.db_path, copy)
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_cli", str(copy), "--runs", "1"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        rows = [line for line in done.stdout.splitlines() if line.startswith("python ")]
        assert [row.split("  ")[0] for row in rows] == [
            "python -c 'import duckdb'",
            "python -m analytics --help",
            "python -m analytics rounds",
        ]
        assert rows[0].endswith("1.00")
