"""A sheet larger than any export is refused from its XML, before the spreadsheet reader allocates it.

Each hostile file runs through the real command line in a child process with its address space
capped, so a regression fails one test instead of aborting the whole run.
"""

from __future__ import annotations

import io
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics.sheet_extent import SheetTooLarge, check_sheet_extents

MEMORY_CAP = 8 << 30
"""Far below what the unguarded reader asks for (512 GB), above what DuckDB reserves to start."""


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _import(tmp_path: Path, export: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", "--db", str(tmp_path / "s.duckdb"), "import", str(export),
         "--round", "Весна 2026"],
        capture_output=True, text=True, timeout=120, preexec_fn=_capped, check=False,
    )  # fmt: skip


def _far_cell_workbook(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Сводная"
    sheet["A1"] = "ИНН"
    sheet["XFD1048576"] = 1
    workbook.save(path)
    return path


def _without_dimension(source: Path, target: Path) -> Path:
    """The same package with the sheet's <dimension> removed: only its cells tell its size."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in original.infolist():
            data = original.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<dimension ref="A1:XFD1048576"/>', b"")
            copy.writestr(item, data)
    return target


def test_one_value_in_the_last_cell_is_refused_with_the_sheet_named(tmp_path):
    """The 5 KB file that made the reader ask for 512 GB now exits 2 with a Russian reason."""
    result = _import(tmp_path, _far_cell_workbook(tmp_path / "far.xlsx"))
    assert result.returncode == 2, result.stderr
    message = result.stdout + result.stderr
    assert "Файл «far.xlsx»: лист «Сводная» слишком велик" in message
    assert "1\u00a0048\u00a0576 строк × 16\u00a0384 столбцов" in message
    assert "Traceback" not in message


def test_a_far_cell_without_a_declared_dimension_is_refused_too(tmp_path):
    """A file that hides its size (no <dimension>) is measured by its cells."""
    export = _without_dimension(_far_cell_workbook(tmp_path / "far.xlsx"), tmp_path / "hidden.xlsx")
    with pytest.raises(SheetTooLarge, match="за пределами столбца ZZ"):
        check_sheet_extents(export.read_bytes())
    result = _import(tmp_path, export)
    assert result.returncode == 2
    assert "лист «Сводная» слишком велик" in result.stdout + result.stderr


def test_rows_beyond_the_limit_are_counted_from_row_tags():
    """A sheet whose rows run past the limit is refused even when each row is small."""
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Лист1")
    sheet.append(["ИНН"])
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as original:
        parts = {item.filename: original.read(item) for item in original.infolist()}
    name = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    parts[name] = parts[name].replace(b"</sheetData>", b'<row r="250000"><c r="A250000"/></row></sheetData>')
    hostile = io.BytesIO()
    with zipfile.ZipFile(hostile, "w") as copy:
        for part, data in parts.items():
            copy.writestr(part, data)
    with pytest.raises(SheetTooLarge, match="не менее 250\u00a0000 строк"):
        check_sheet_extents(hostile.getvalue())


def test_real_exports_pass_the_check():
    """The worked examples' xlsx files are well within the limits."""
    fixtures = Path(__file__).parent / "fixtures" / "examples"
    files = sorted(fixtures.glob("*.xlsx"))
    assert files
    for path in files:
        check_sheet_extents(path.read_bytes())
