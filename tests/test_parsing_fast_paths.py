"""The parser's fast paths read what a plain reading would: cell texts and numbers are cached per
file, a csv is read as a stream of rows, and a long export's row reuses the school of the row
above; none of that may change a value or a reported problem."""

from __future__ import annotations

from pathlib import Path

from analytics.parsing import parse_export
from tests.conftest import LONG_HEADER
from tests.test_parsing import long_rows, messages, write_csv, write_xlsx


def parse_one(name: str, data: bytes):
    [parsed] = parse_export(name, data)
    return parsed


class TestCachedCells:
    def test_a_true_cell_is_not_read_as_the_number_one(self, tmp_path: Path) -> None:
        """A boolean TRUE in a points column is reported even after a 1 was read in that column."""
        rows = long_rows(points=1)
        rows[1][-1] = True
        parsed = parse_one("l.xlsx", write_xlsx(tmp_path / "l.xlsx", {"Лист1": [LONG_HEADER, *rows]}))
        assert messages(parsed) == ["в ячейке ожидается число, а указано «True»"]
        assert parsed.problems[0].location.row == 3

    def test_a_number_text_repeated_keeps_reporting_a_bad_one(self, tmp_path: Path) -> None:
        """Every row with the same unreadable number is reported, not only the first."""
        rows = long_rows(points="много") + long_rows(inn="4723257881", points="много")
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", [LONG_HEADER, *rows]))
        assert [p.location.row for p in parsed.problems] == [2, 5]


class TestStreamedCsv:
    def test_a_short_row_has_empty_cells_under_the_header(self, tmp_path: Path) -> None:
        """A data row that stops before the points column reads as an answer without points."""
        rows = long_rows()
        rows[0] = rows[0][:-1]
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", [LONG_HEADER, *rows]))
        assert parsed.problems == []
        assert [a.points for a in parsed.schools[0].answers] == [None, 0, 0]

    def test_a_quoted_line_break_is_one_row(self, tmp_path: Path) -> None:
        """A cell with a line break inside quotes stays one cell of one row, numbered as a row."""
        rows = long_rows()
        rows[1][1] = "МОБУ «СОШ №1»\nфилиал"
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", [LONG_HEADER, *rows]))
        assert len(parsed.schools[0].answers) == 3
        assert [p.location.row for p in parsed.problems] == [3]


class TestRepeatedSchoolRows:
    def test_a_conflict_on_consecutive_rows_is_reported_once(self, tmp_path: Path) -> None:
        """Two rows in a row naming the school differently give one problem, at the first of them."""
        rows = long_rows()
        rows[1][1] = rows[2][1] = "МОБУ «Лицей №2»"
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", [LONG_HEADER, *rows]))
        assert [p.location.row for p in parsed.problems] == [3]
        assert len(parsed.schools[0].answers) == 3
