"""Every data file the product ships is read strictly: a malformed row is an error, not a silent cut."""

from __future__ import annotations

from pathlib import Path

import pytest

from analytics.config import DATA_DIR
from analytics.datafiles import DataFileError, read_data_csv

SHIPPED_CSV = sorted(
    path for folder in ("rubric", "documents", "catalogues") for path in (DATA_DIR / folder).rglob("*.csv")
)
"""The product's own data (generated demo exports under data/ are inputs, not data files)."""


def test_the_product_ships_data_files():
    """The glob below finds the rubric and the document wording (a moved folder fails here)."""
    names = {path.name for path in SHIPPED_CSV}
    assert {"indicators.csv", "interview_questions.csv", "findings.csv", "related_indicators.csv"} <= names


@pytest.mark.parametrize("path", SHIPPED_CSV, ids=lambda p: str(p.relative_to(DATA_DIR)))
def test_every_shipped_csv_has_as_many_fields_in_each_row_as_its_header(path: Path):
    """Each shipped CSV reads strictly and has at least one row."""
    assert read_data_csv(path)


def test_unquoted_comma_is_an_error_naming_file_and_line(tmp_path: Path):
    """A question with an unquoted comma would have been cut at it: the reader refuses the row."""
    path = tmp_path / "questions.csv"
    path.write_text("track_code,question\ntotal,Целый вопрос?\ntotal,Первая часть, вторая часть?\n", "utf-8")
    with pytest.raises(DataFileError, match=r"«questions\.csv», строка 3: полей 3, а в заголовке 2"):
        read_data_csv(path, ("track_code", "question"))


def test_missing_field_is_an_error_too(tmp_path: Path):
    """A row with fewer fields than the header is refused as well."""
    path = tmp_path / "pairs.csv"
    path.write_text("a,b,c\n1,2,3\n1,2\n", "utf-8")
    with pytest.raises(DataFileError, match="строка 3"):
        read_data_csv(path)


def test_quoted_multiline_field_keeps_line_numbers_and_text(tmp_path: Path):
    """A quoted field may hold commas and a line break; the next row's line is still counted right."""
    path = tmp_path / "t.csv"
    path.write_text('id,text\n1,"раз, два\nтри"\n2,четыре,лишнее\n', "utf-8")
    with pytest.raises(DataFileError, match="строка 4"):
        read_data_csv(path)
    path.write_text('id,text\n1,"раз, два\nтри"\n', "utf-8")
    assert read_data_csv(path) == [(2, {"id": "1", "text": "раз, два\nтри"})]


def test_missing_column_and_bad_encoding_are_named(tmp_path: Path):
    """A header without a needed column and a file not in UTF-8 get their own reasons."""
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", "utf-8")
    with pytest.raises(DataFileError, match="нет столбцов c"):
        read_data_csv(path, ("a", "c"))
    path.write_bytes("a,b\nп,р\n".encode("cp1251"))
    with pytest.raises(DataFileError, match="не в кодировке UTF-8"):
        read_data_csv(path)
