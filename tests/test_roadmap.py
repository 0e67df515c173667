"""The «дорожная карта» xlsx round trip: out to the school, back filled in, all or nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from analytics.documents.roadmap import COLUMNS, HEADER_ROW, INN_ROW, SHEET, import_roadmap, roadmap_xlsx
from analytics.errors import ImportRejected
from analytics.plans import add_measure, draft_plan, measures_frame, stored_measure
from tests.test_plans import FULL, LUGA_WEAK, WEAK, club, import_autumn

FIRST = HEADER_ROW + 1


@pytest.fixture
def autumn(con, rubric, tmp_path):
    return import_autumn(con, rubric, tmp_path)


def column(title: str) -> int:
    return COLUMNS.index(title) + 1


def edited(data: bytes, edits: dict[tuple[int, str], object], extra_sheet: str | None = None) -> bytes:
    """The workbook with cells changed as a school would in Excel: (row, column title) → value."""
    workbook = load_workbook(io.BytesIO(data))
    ws = workbook[SHEET]
    for (row, title), value in edits.items():
        ws.cell(row, column(title)).value = value
    if extra_sheet:
        workbook.create_sheet(extra_sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled_draft(con, rnd, inn: str = WEAK) -> tuple[bytes, int]:
    """The draft roadmap with every row completed; the count of its rows."""
    rows = len(draft_plan(con, rnd, inn))
    edits = {}
    for row in range(FIRST, FIRST + rows):
        edits[row, "Ответственный"] = "Заместитель директора"
        edits[row, "Срок"] = dt.datetime(2026, 5, 31)
    return edited(roadmap_xlsx(con, rnd, inn), edits), rows


def problems_of(caught: pytest.ExceptionInfo[ImportRejected]) -> list[str]:
    return [str(p) for p in caught.value.problems]


class TestRoundTrip:
    def test_filled_draft_comes_back_as_the_plan(self, con, autumn):
        data, rows = filled_draft(con, autumn)
        report = import_roadmap(con, data, "карта.xlsx", updated_by="Школа")
        assert (report.new, report.updated, report.unchanged) == (rows, 0, 0)
        stored = measures_frame(con, autumn, inn=WEAK)
        assert len(stored) == rows
        assert set(stored["responsible"]) == {"Заместитель директора"}
        assert set(stored["status"]) == {"запланировано"}
        assert list(stored.sort_values("measure_id")["numbers"].iloc[0]) == [24]

    def test_exported_plan_maps_rows_back_by_a_hidden_protected_code(self, con, autumn):
        first = add_measure(con, autumn, WEAK, club())
        add_measure(con, autumn, WEAK, club(numbers=(25,), action="Набрать секции", kind="mentor"))
        data = roadmap_xlsx(con, autumn, WEAK)
        ws = load_workbook(io.BytesIO(data))[SHEET]
        assert ws.column_dimensions["A"].hidden
        assert ws.protection.sheet
        assert ws.cell(FIRST, 1).value == first
        assert ws.cell(FIRST, 1).protection.locked
        assert not ws.cell(FIRST, column("Статус")).protection.locked
        assert ws.cell(FIRST, column("Вид меры")).value == "собственная мера"
        lists = {v.formula1 for v in ws.data_validations.dataValidation}
        assert any("школа-наставник" in f for f in lists)
        assert any("не выполнено" in f for f in lists)
        done = edited(
            data,
            {
                (FIRST, "Статус"): "выполнено",
                (FIRST, "Комментарий"): "клуб создан",
                (FIRST + 2, "№ показателей"): "26",
                (FIRST + 2, "Мера"): "ГТО",
                (FIRST + 2, "Вид меры"): "семинар",
                (FIRST + 2, "Ответственный"): "Учитель физкультуры",
                (FIRST + 2, "Срок"): "15.04.2026",
                (FIRST + 2, "Статус"): "выполняется",
            },
        )
        report = import_roadmap(con, done, "карта.xlsx")
        assert (report.new, report.updated, report.unchanged) == (1, 1, 1)
        assert stored_measure(con, first) == club(status="выполнено", comment="клуб создан")
        added = measures_frame(con, autumn, inn=WEAK).set_index("action").loc["ГТО"]
        assert (added["kind"], added["due_on"].date()) == ("seminar", dt.date(2026, 4, 15))

    def test_a_school_without_deficits_gets_an_empty_form_to_fill(self, con, autumn):
        ws = load_workbook(io.BytesIO(roadmap_xlsx(con, autumn, FULL)))[SHEET]
        assert ws.cell(INN_ROW, 3).value == FULL
        assert ws.cell(FIRST, column("Мера")).value in (None, "")


class TestHostileFiles:
    def test_unfilled_draft_names_every_missing_value_and_writes_nothing(self, con, autumn):
        with pytest.raises(ImportRejected) as caught:
            import_roadmap(con, roadmap_xlsx(con, autumn, WEAK), "карта.xlsx")
        found = problems_of(caught)
        where = f"Файл «карта.xlsx», лист «{SHEET}», строка {FIRST}"
        assert f"{where}, столбец «Ответственный»: не указан ответственный" in found
        assert any(f"строка {FIRST}, столбец «Срок»: не указан срок" in p for p in found)
        assert measures_frame(con, autumn).empty

    @pytest.mark.parametrize(
        ("title", "value", "message"),
        [
            ("Срок", "к концу года", "«к концу года» — не дата"),
            ("Срок", "31.02.2026", "не дата"),
            ("Вид меры", "молитва", "«молитва» — выберите из списка: «собственная мера»"),
            ("Статус", "почти", "«почти» — выберите из списка"),
            ("№ показателей", "99", "показателей № 99 нет в форме школы"),
            ("№ показателей", "двадцать", "укажите номера показателей через запятую"),
            ("Ответственный", '=HYPERLINK("http://x")', "формула вместо значения"),
            ("Код меры", 777, "мера с кодом «777» не относится к этой школе и раунду"),
        ],
    )
    def test_bad_cell_is_named_and_nothing_is_written(self, con, autumn, title, value, message):
        data, _rows = filled_draft(con, autumn)
        with pytest.raises(ImportRejected) as caught:
            import_roadmap(con, edited(data, {(FIRST + 1, title): value}), "карта.xlsx")
        found = problems_of(caught)
        assert len(found) == 1, found
        assert f"строка {FIRST + 1}, столбец «{title}»: " in found[0]
        assert message in found[0]
        assert measures_frame(con, autumn).empty, "the good rows are not written either"

    def test_another_schools_measure_is_refused(self, con, autumn):
        other = add_measure(con, autumn, LUGA_WEAK, club(numbers=(40,), action="Назначить"))
        data, _rows = filled_draft(con, autumn)
        with pytest.raises(ImportRejected, match="не относится к этой школе"):
            import_roadmap(con, edited(data, {(FIRST, "Код меры"): other}), "карта.xlsx")

    def test_wrong_school_or_round_in_the_header(self, con, autumn):
        data, _rows = filled_draft(con, autumn)
        with pytest.raises(
            ImportRejected, match="строка 5, столбец «C»: школа с ИНН 7800000000 не участвовала"
        ):
            import_roadmap(con, edited(data, {(INN_ROW, "№ показателей"): "7800000000"}), "карта.xlsx")
        with pytest.raises(ImportRejected, match="раунд «Весна 2099» не найден"):
            import_roadmap(con, edited(data, {(8, "№ показателей"): "Весна 2099"}), "карта.xlsx")

    def test_extra_sheet_is_refused(self, con, autumn):
        data, _rows = filled_draft(con, autumn)
        with pytest.raises(
            ImportRejected, match="один лист «Дорожная карта»; лишние или чужие листы: «Заметки»"
        ):
            import_roadmap(con, edited(data, {}, extra_sheet="Заметки"), "карта.xlsx")

    def test_removed_header_is_refused(self, con, autumn):
        data, _rows = filled_draft(con, autumn)
        headless = edited(data, {(HEADER_ROW, title): None for title in COLUMNS})
        with pytest.raises(ImportRejected, match=f"строка {HEADER_ROW}: не найдена строка заголовков"):
            import_roadmap(con, headless, "карта.xlsx")

    def test_not_a_workbook(self, con):
        with pytest.raises(ImportRejected, match="не открывается как книга Excel"):
            import_roadmap(con, b"PK\x03\x04 not really", "карта.xlsx")

    def test_hundred_thousand_rows_are_refused_at_the_first_row_past_the_limit(self, con, autumn):
        """A sheet far longer than any school's plan is refused at row 531, and nothing is written
        (how long that takes is not a test's business)."""
        workbook = Workbook(write_only=True)
        ws = workbook.create_sheet(SHEET)
        for _ in range(HEADER_ROW - 1):
            ws.append([])
        ws.append(list(COLUMNS))
        for number in range(100_000):
            ws.append([None, None, number])
        buffer = io.BytesIO()
        workbook.save(buffer)
        with pytest.raises(ImportRejected, match="строка 531: строк с мерами больше 500"):
            import_roadmap(con, buffer.getvalue(), "огромная.xlsx")
        assert measures_frame(con, autumn).empty


class TestClearedRows:
    def test_a_proposed_measure_cleared_by_the_school_is_skipped(self, con, autumn):
        data, rows = filled_draft(con, autumn)
        untaken = ("№ показателей", "Мера", "Вид меры", "Ответственный", "Срок", "Статус")
        report = import_roadmap(con, edited(data, {(FIRST, title): None for title in untaken}), "карта.xlsx")
        assert report.new == rows - 1

    def test_a_stored_measure_cleared_is_refused(self, con, autumn):
        add_measure(con, autumn, WEAK, club())
        untaken = ("№ показателей", "Мера", "Вид меры", "Ответственный", "Срок", "Статус")
        data = edited(roadmap_xlsx(con, autumn, WEAK), {(FIRST, title): None for title in untaken})
        with pytest.raises(ImportRejected, match="столбец «Код меры»: строка сохранённой меры очищена"):
            import_roadmap(con, data, "карта.xlsx")


def test_every_problem_of_a_row_is_named_at_once(con, autumn):
    """A bad date does not hide the missing responsible in the same row."""
    data, _rows = filled_draft(con, autumn)
    bad = edited(data, {(FIRST, "Срок"): "потом", (FIRST, "Ответственный"): None})
    with pytest.raises(ImportRejected) as caught:
        import_roadmap(con, bad, "карта.xlsx")
    columns = [p.location.column for p in caught.value.problems]
    assert sorted(columns) == ["Ответственный", "Срок"]
