"""What the command line loads: building the parser and the light commands import no heavy library.

`python -m analytics --help` and `rounds` are what automation calls most often; importing pandas,
scipy or matplotlib for them cost over a second a call. Each probe runs the command in a fresh
interpreter and lists the heavy packages loaded by the time it exits. No timing is asserted.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "matplotlib", "pandas", "plotly", "docx", "streamlit")


def loaded_heavy(tmp_path: Path, *args: str) -> list[str]:
    """The heavy packages in `sys.modules` once `python -m analytics ARGS` has run to its exit."""
    report = tmp_path / "loaded.json"
    probe = (
        "import json, runpy, sys\n"
        "report, sys.argv = sys.argv[1], ['analytics', *sys.argv[2:]]\n"
        "try:\n"
        "    runpy.run_module('analytics', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as done:\n"
        "    assert done.code in (0, None), done.code\n"
        f"heavy = {set(HEAVY)!r}\n"
        "loaded = sorted({name.split('.')[0] for name in sys.modules} & heavy)\n"
        "open(report, 'w').write(json.dumps(loaded))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(report), *args],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def stored_round(tmp_path_factory) -> Path:
    """A store holding a round, made by a separate `import` (which does need pandas).

    Made beforehand also because a store's first opening writes the methodology tables through
    a DataFrame (`analytics.db._insert_rows`); opening an up-to-date store loads no pandas.
    """
    db = tmp_path_factory.mktemp("cli_imports") / "store.duckdb"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "import",
            str(EXAMPLES / "region_long_spring_2026.csv"),
            "--round",
            "Весна 2026",
            "--db",
            str(db),
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    return db


class TestLightCommands:
    @pytest.mark.parametrize("args", [["--help"], ["levels", "--help"], ["checklist", "--help"]])
    def test_help_imports_no_heavy_library(self, tmp_path, args):
        """Building the parser and printing help loads none of the heavy libraries."""
        assert loaded_heavy(tmp_path, *args) == []

    @pytest.mark.parametrize("extra", [[], ["--excel"]])
    def test_rounds_imports_no_heavy_library(self, tmp_path, stored_round, extra):
        """`rounds` opens the store and writes its CSV without pandas, scipy or matplotlib."""
        assert loaded_heavy(tmp_path, "rounds", "--db", str(stored_round), *extra) == []


class TestCsvWithoutPandas:
    @pytest.mark.parametrize("excel", [False, True])
    def test_rows_are_written_as_pandas_writes_them(self, excel):
        """The pandas-free CSV of `rounds` is byte for byte what `DataFrame.to_csv` wrote before."""
        from analytics.cli.common import csv_text

        columns = ["round", "date", "methodology", "schools"]
        rows = [
            ("Весна 2026", dt.date(2026, 4, 1), "demo-2025", 14),
            ('«Осень», "пробный"', None, None, 0),
            ("две\nстроки; и запятая,", dt.date(2025, 11, 1), "demo-2025", 600),
        ]
        frame = pd.DataFrame(rows, columns=columns).astype({"date": "datetime64[us]"})
        expected = frame.to_csv(index=False, sep=";" if excel else ",", lineterminator="\n")
        assert csv_text(columns, rows, excel=excel) == expected
