"""The roster of expected schools: read by header text, checked, replaced as a whole."""

from __future__ import annotations

import openpyxl
import pytest

from analytics.errors import ImportRejected
from analytics.loading import Upload
from analytics.roster import TITLES, import_roster, roster_size


def _roster_csv(
    rows: list[str],
    header: str = ";".join(TITLES.values()),
) -> Upload:
    return Upload("roster.csv", ("\ufeff" + "\n".join([header, *rows]) + "\n").encode("utf-8"))


class TestRosterImport:
    def test_csv_roster_is_stored_with_types(self, con):
        """Locality, pupils and the correctional flag are read into the roster table."""
        count = import_roster(
            con,
            _roster_csv(
                [
                    "4700000001;МОУ «СОШ №1»;Кировский район;сельская;85;нет",
                    "4700000002;ГКОУ «Школа №3»;Кировский район;городская;120;да",
                ]
            ),
        )
        assert count == 2
        rows = con.execute(
            "select inn, locality, pupils, is_correctional from roster order by inn"
        ).fetchall()
        assert rows == [("4700000001", "сельская", 85, False), ("4700000002", "городская", 120, True)]

    def test_xlsx_roster_with_title_row_and_other_column_order(self, con, tmp_path):
        """An xlsx roster with a title above the header and reordered columns is read."""
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["Реестр школ — участников проекта"])
        sheet.append(["Муниципальное образование", "ИНН", "Наименование ОО"])
        sheet.append(["Лужский район", 4700000003, "МОУ «Лужская СОШ»"])
        book.save(tmp_path / "roster.xlsx")
        assert import_roster(con, Upload.from_path(tmp_path / "roster.xlsx")) == 1
        assert con.execute("select inn, municipality from roster").fetchall() == [
            ("4700000003", "Лужский район")
        ]

    def test_new_roster_replaces_the_old_one(self, con):
        """A roster is a whole list: the second file replaces the first."""
        import_roster(con, _roster_csv(["4700000001;А;Р;;;", "4700000002;Б;Р;;;"]))
        import_roster(con, _roster_csv(["4700000009;В;Р;;;"]))
        assert roster_size(con) == 1

    @pytest.mark.parametrize(
        ("row", "fragment"),
        [
            ("47;МОУ;Район;;;", "ИНН «47» должен состоять из 10 или 12 цифр"),
            ("4700000001;МОУ;Район;хутор;;", "тип местности «хутор»"),
            ("4700000001;МОУ;Район;;много;", "строка 3, столбец «Число обучающихся»"),
        ],
    )
    def test_bad_rows_are_named_and_nothing_changes(self, con, row, fragment):
        """A bad cell rejects the file with its row and column; the stored roster stays."""
        import_roster(con, _roster_csv(["4700000005;МОУ;Район;;;"]))
        with pytest.raises(ImportRejected, match=fragment):
            import_roster(con, _roster_csv(["4700000006;МОУ;Район;;;", row]))
        assert con.execute("select inn from roster").fetchall() == [("4700000005",)]
