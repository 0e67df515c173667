"""Parsing export files: the real examples, the layout variations to accept and hostile inputs."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import openpyxl
import pytest

from analytics.errors import Location
from analytics.parsing import parse_export
from analytics.records import ParsedFile, StatedTrack
from tests.conftest import LONG_HEADER

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
WIDE_EXAMPLE = "region_wide_autumn_2025.xlsx"
LONG_EXAMPLE = "region_long_spring_2026.csv"
PROTOCOL_EXAMPLE = "school_protocols_spring_2026.xlsx"

GENERAL_FORM = (
    "Самодиагностика ОБЩЕОБРАЗОВАТЕЛЬНОЙ школы, осуществляющей обучение по программам: НОО, ООО, СОО"
)
INDICATOR_1 = "Реализация учебно-исследовательской и проектной деятельности"
INDICATOR_2 = (
    "Реализация федеральных рабочих программ по учебным предметам (1‒11 классы) (критический показатель)"
)
INDICATOR_3 = "Применение электронных образовательных ресурсов (ЭОР) из федерального перечня"
ANSWER_1 = "Обучающиеся участвуют в реализации проектной и/или исследовательской деятельности"
ANSWER_2 = "Менее 100% учителей используют программы не ниже федеральных рабочих программ"
ANSWER_3 = "Не предусмотрено"

WIDE_HEADER = [
    "Регион",
    "Муниципальное образование",
    "Наименование ОО",
    "ИНН",
    "Тип самодиагностики",
    f"1. {INDICATOR_1}",
    f"2. {INDICATOR_2}",
    f"3. {INDICATOR_3}",
    "Сумма баллов",
    "Уровень",
    "Знание: баллы",
    "Знание: уровень",
]
PROTOCOL_HEADER = ["№", "Показатель оценивания", "Значение показания", "Балльная оценка"]


def wide_school(inn: object = "4723257880", **cells: object) -> dict[str, object]:
    """One school's row of a wide export, by header; keyword cells override or add columns."""
    row: dict[str, object] = {
        "Регион": "Ленинградская область",
        "Муниципальное образование": "Кировский муниципальный район",
        "Наименование ОО": "МОБУ «СОШ №1»",
        "ИНН": inn,
        "Тип самодиагностики": GENERAL_FORM,
        f"1. {INDICATOR_1}": ANSWER_1,
        f"2. {INDICATOR_2}": ANSWER_2,
        f"3. {INDICATOR_3}": ANSWER_3,
        "Сумма баллов": 66,
        "Уровень": "НИЖЕ БАЗОВОГО",
        "Знание: баллы": 13,
        "Знание: уровень": "ниже базового",
    }
    row.update(cells)
    return row


def long_rows(inn: str = "4723257880", name: str = "МОБУ «СОШ №1»", points: object = 1) -> list[list[object]]:
    """Three indicator rows of one school in the long layout."""
    identity = [inn, name, "Кировский муниципальный район", GENERAL_FORM]
    return [
        [*identity, 1, INDICATOR_1, ANSWER_1, points],
        [*identity, 2, INDICATOR_2.replace("‒", "-"), ANSWER_2, 0],
        [*identity, 3, INDICATOR_3, ANSWER_3, 0],
    ]


def protocol_rows(
    inn: object = "4723257880",
    level: str = "НИЖЕ БАЗОВОГО",
    header: list[str] = PROTOCOL_HEADER,
    points: object = 1,
) -> list[list[object]]:
    """A per-school protocol sheet as the portal prints it: header block, then the table."""
    return [
        ["Самодиагностика проекта «Школа Минпросвещения России»"],
        [GENERAL_FORM],
        ["Образовательная организация: МОБУ «СОШ №1»"],
        [f"ИНН: {inn}"],
        ["Муниципальное образование: Кировский муниципальный район"],
        ["Сумма баллов за весь тест: 59"],
        [f"Уровень: {level}"],
        [],
        header,
        [None, "Магистральное направление «Знание»"],
        [1, INDICATOR_1, ANSWER_1, points],
        [2, INDICATOR_2, ANSWER_2, 0],
        [3, INDICATOR_3, ANSWER_3, 0],
    ]


def table(header: list[str], schools: list[dict[str, object]]) -> list[list[object]]:
    return [header, *([school.get(column) for column in header] for school in schools)]


def write_xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path.read_bytes()


def write_csv(
    path: Path, rows: list[list[object]], *, encoding: str = "cp1251", delimiter: str = ";"
) -> bytes:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path.read_bytes()


def write_zip(path: Path, members: dict[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path.read_bytes()


def parse_one(name: str, data: bytes) -> ParsedFile:
    [parsed] = parse_export(name, data)
    return parsed


def parse_example(name: str) -> ParsedFile:
    return parse_one(name, (EXAMPLES / name).read_bytes())


def messages(parsed: ParsedFile) -> list[str]:
    return [problem.message for problem in parsed.problems]


class TestWideExample:
    """The regional summary example (layout W)."""

    def test_every_school_row_becomes_a_school(self) -> None:
        """The example's fourteen school rows give fourteen schools and no problems."""
        parsed = parse_example(WIDE_EXAMPLE)
        assert parsed.layout == "wide"
        assert parsed.problems == []
        assert len(parsed.schools) == 14
        assert parsed.schools[0].inn == "4723257880"
        assert parsed.schools[0].region == "Ленинградская область"

    def test_title_row_names_the_round(self) -> None:
        """The title row «Результаты самодиагностики ОО, Осень 2025» gives the round «Осень 2025»."""
        assert parse_example(WIDE_EXAMPLE).round_title == "Осень 2025"

    def test_correctional_school_answers_only_its_own_columns(self) -> None:
        """Empty cells are not answers, so a correctional school has its form's 63 answers."""
        schools = {school.inn: school for school in parse_example(WIDE_EXAMPLE).schools}
        assert len(schools["4723257880"].answers) == 68
        assert len(schools["4713334298"].answers) == 63

    def test_answer_keeps_column_number_text_and_place(self) -> None:
        """An answer carries the general form's number, the header's text and its cell's place."""
        school = parse_example(WIDE_EXAMPLE).schools[0]
        answer = school.answers[1]
        assert answer.number == 2
        assert answer.indicator == INDICATOR_2
        assert answer.answer.startswith("100% учителей используют программы учебных предметов")
        assert answer.points is None
        assert answer.number_is_own_form is False
        assert answer.location == Location(WIDE_EXAMPLE, "Результаты", 5, f"2. {INDICATOR_2}")

    def test_stated_total_level_and_tracks_are_read(self) -> None:
        """«Сумма баллов», «Уровень» and the eight «<track>: баллы/уровень» pairs are kept as stated."""
        school = parse_example(WIDE_EXAMPLE).schools[0]
        assert school.stated_total == 66
        assert school.stated_level == "НИЖЕ БАЗОВОГО"
        assert len(school.stated_tracks) == 8
        assert school.stated_tracks["Знание"] == StatedTrack(13, "ниже базового")
        assert school.stated_tracks["Учитель. Школьная команда"] == StatedTrack(8, "средний")


class TestLongExample:
    """The long table example (layout L, cp1251, ';')."""

    def test_rows_are_grouped_into_one_school_per_inn(self) -> None:
        """There are as many schools as distinct ИНН in the file, in order of first appearance."""
        with (EXAMPLES / LONG_EXAMPLE).open(encoding="cp1251", newline="") as handle:
            inns = list(dict.fromkeys(row["ИНН"] for row in csv.DictReader(handle, delimiter=";")))
        parsed = parse_example(LONG_EXAMPLE)
        assert parsed.layout == "long"
        assert parsed.problems == []
        assert [school.inn for school in parsed.schools] == inns

    def test_answer_has_own_form_number_text_and_points(self) -> None:
        """«Номер показателя», «Показатель», «Ответ» and «Баллы» fill one answer per row."""
        school = parse_example(LONG_EXAMPLE).schools[0]
        assert len(school.answers) == 68
        answer = school.answers[1]
        assert (answer.number, answer.answer, answer.points) == (2, ANSWER_2, 0)
        assert (
            answer.indicator == "Реализация федеральных рабочих программ по учебным предметам (1-11 классы)"
        )
        assert answer.number_is_own_form is True
        assert answer.location == Location(LONG_EXAMPLE, None, 3, "Ответ")

    def test_correctional_school_has_its_form_answers(self) -> None:
        """The correctional school's rows give its 63 answers."""
        schools = {school.inn: school for school in parse_example(LONG_EXAMPLE).schools}
        assert len(schools["4713334298"].answers) == 63
        assert schools["4713334298"].stated_total is None


class TestProtocolExample:
    """The per-school protocol example (layout P, one sheet per school)."""

    def test_each_sheet_is_one_school(self) -> None:
        """The three sheets give three schools, named by the «ИНН: …» lines."""
        parsed = parse_example(PROTOCOL_EXAMPLE)
        assert parsed.layout == "protocol"
        assert parsed.problems == []
        assert [school.inn for school in parsed.schools] == ["4723257880", "4713112062", "4713334298"]

    def test_header_block_gives_identity_form_and_stated_figures(self) -> None:
        """The lines above the table give the name, municipality, form title, total and level."""
        school = parse_example(PROTOCOL_EXAMPLE).schools[0]
        assert school.name == "МОБУ «СОШ №1»"
        assert school.municipality == "Кировский муниципальный район"
        assert school.form_title == GENERAL_FORM
        assert (school.stated_total, school.stated_level) == (59, "НИЖЕ БАЗОВОГО")

    def test_track_rows_are_skipped_and_answers_read(self) -> None:
        """Track header rows are not answers; each indicator row is one, with its points."""
        school = parse_example(PROTOCOL_EXAMPLE).schools[0]
        assert len(school.answers) == 68
        answer = school.answers[1]
        assert (answer.number, answer.answer, answer.points) == (2, ANSWER_2, 0)
        assert answer.indicator == INDICATOR_2
        assert answer.location == Location(PROTOCOL_EXAMPLE, "4723257880", 12, "Значение показания")


class TestLayoutVariants:
    """Columns are found by header text, so arrangements and spellings may vary."""

    def test_reordered_columns_and_an_extra_column_are_read_by_header(self, tmp_path: Path) -> None:
        """Reversing the columns and adding an unknown one changes nothing that is read."""
        header = ["Примечание", *reversed(WIDE_HEADER)]
        data = write_xlsx(tmp_path / "w.xlsx", {"Лист1": table(header, [wide_school(Примечание="x")])})
        school = parse_one("w.xlsx", data).schools[0]
        assert (school.inn, school.name, school.stated_total) == ("4723257880", "МОБУ «СОШ №1»", 66)
        assert [(a.number, a.answer) for a in school.answers] == [(3, ANSWER_3), (2, ANSWER_2), (1, ANSWER_1)]
        assert school.answers[0].location == Location("w.xlsx", "Лист1", 2, f"3. {INDICATOR_3}")

    def test_leading_empty_rows_and_columns_keep_excel_row_numbers(self, tmp_path: Path) -> None:
        """A table starting at C6 reports its first school on row 7, as Excel shows it."""
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row_number, row in enumerate(table(WIDE_HEADER, [wide_school()]), 6):
            for column_number, value in enumerate(row, 3):
                sheet.cell(row_number, column_number, value)
        workbook.save(tmp_path / "w.xlsx")
        school = parse_one("w.xlsx", (tmp_path / "w.xlsx").read_bytes()).schools[0]
        assert school.location.row == 7
        assert school.answers[0].location.row == 7

    def test_header_text_ignores_case_and_spacing(self, tmp_path: Path) -> None:
        """«инн», «НАИМЕНОВАНИЕ  ОО» and a non-breaking space still name their columns."""
        spelled = {
            "ИНН": "инн",
            "Наименование ОО": "НАИМЕНОВАНИЕ  ОО",
            "Муниципальное образование": "Муниципальное\u00a0образование ",
        }
        header = [spelled.get(column, column) for column in WIDE_HEADER]
        rows = [header, *table(WIDE_HEADER, [wide_school()])[1:]]
        parsed = parse_one("w.xlsx", write_xlsx(tmp_path / "w.xlsx", {"Лист1": rows}))
        assert parsed.problems == []
        school = parsed.schools[0]
        assert (school.inn, school.name, school.municipality) == (
            "4723257880",
            "МОБУ «СОШ №1»",
            "Кировский муниципальный район",
        )

    def test_title_rows_above_a_csv_header_are_tolerated(self, tmp_path: Path) -> None:
        """Title and blank rows above the header are skipped and row numbers stay true."""
        rows = [["Результаты самодиагностики ОО, Весна 2026"], [], LONG_HEADER, *long_rows()]
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", rows))
        assert parsed.problems == []
        assert parsed.round_title == "Весна 2026"
        assert parsed.schools[0].answers[0].location.row == 4

    def test_utf8_with_bom_and_comma_delimiter(self, tmp_path: Path) -> None:
        """A utf-8-sig file separated by commas reads the same as the portal's cp1251 one."""
        rows = [LONG_HEADER, *long_rows()]
        data = write_csv(tmp_path / "l.csv", rows, encoding="utf-8-sig", delimiter=",")
        school = parse_one("l.csv", data).schools[0]
        assert school.form_title == GENERAL_FORM
        assert [a.points for a in school.answers] == [1, 0, 0]

    def test_wide_layout_in_a_csv_is_recognised_by_the_same_headers(self, tmp_path: Path) -> None:
        """A wide table saved as utf-8 csv, with a lower-case round in its title, reads like the xlsx."""
        rows = [["Результаты самодиагностики ОО, осень 2025"], *table(WIDE_HEADER, [wide_school()])]
        parsed = parse_one("w.csv", write_csv(tmp_path / "w.csv", rows, encoding="utf-8"))
        assert (parsed.layout, parsed.round_title, len(parsed.schools[0].answers)) == (
            "wide",
            "Осень 2025",
            3,
        )

    def test_long_rows_of_one_school_need_not_be_contiguous(self, tmp_path: Path) -> None:
        """Interleaved rows of two schools are grouped by ИНН in first-appearance order."""
        first, second = long_rows("4723257880"), long_rows("4713112062", name="МОУ «Ивановская ООШ»")
        rows = [LONG_HEADER, first[0], second[0], first[1], second[1], first[2], second[2]]
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", rows))
        assert [(s.inn, len(s.answers)) for s in parsed.schools] == [("4723257880", 3), ("4713112062", 3)]

    def test_long_without_points_column_gives_no_points(self, tmp_path: Path) -> None:
        """«Баллы» is optional in the long layout; without it points are None."""
        rows = [LONG_HEADER[:-1], *(row[:-1] for row in long_rows())]
        school = parse_one("l.csv", write_csv(tmp_path / "l.csv", rows)).schools[0]
        assert [a.points for a in school.answers] == [None, None, None]

    @pytest.mark.parametrize(
        ("cell", "points"),
        [("1", 1), (" 2 ", 2), ("3,0", 3), ("4.0", 4), ("", None)],
    )
    def test_numeric_text_is_a_number(self, tmp_path: Path, cell: str, points: int | None) -> None:
        """Whole numbers written as text, with spaces or a decimal part of zero, are numbers."""
        rows = [LONG_HEADER, *long_rows(points=cell)]
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", rows))
        assert parsed.problems == []
        assert parsed.schools[0].answers[0].points == points

    def test_protocol_column_may_read_znachenie_pokazatelya(self, tmp_path: Path) -> None:
        """«Значение показателя» is accepted for «Значение показания»."""
        header = ["№", "Показатель оценивания", "Значение показателя", "Балльная оценка"]
        data = write_xlsx(tmp_path / "p.xlsx", {"Школа": protocol_rows(header=header)})
        school = parse_one("p.xlsx", data).schools[0]
        assert [a.answer for a in school.answers] == [ANSWER_1, ANSWER_2, ANSWER_3]
        assert school.answers[0].location.column == "Значение показателя"

    def test_lower_case_level_is_kept_as_stated(self, tmp_path: Path) -> None:
        """The level line is stored as the export states it; comparison normalises it later."""
        data = write_xlsx(tmp_path / "p.xlsx", {"Школа": protocol_rows(level="средний")})
        assert parse_one("p.xlsx", data).schools[0].stated_level == "средний"

    def test_protocol_sheets_that_are_empty_are_skipped(self, tmp_path: Path) -> None:
        """An empty sheet among the protocols is neither a school nor a problem."""
        data = write_xlsx(tmp_path / "p.xlsx", {"Школа": protocol_rows(), "Пусто": []})
        parsed = parse_one("p.xlsx", data)
        assert (len(parsed.schools), parsed.problems) == (1, [])

    def test_numeric_inn_cell_gets_back_its_leading_zero(self, tmp_path: Path) -> None:
        """Excel drops the leading zero of a numeric ИНН (regions 01–09); it is restored."""
        data = write_xlsx(tmp_path / "w.xlsx", {"Лист1": table(WIDE_HEADER, [wide_school(inn=105012345)])})
        assert parse_one("w.xlsx", data).schools[0].inn == "0105012345"


class TestZip:
    """A zip yields one parsed file per member."""

    def test_each_member_is_parsed_under_its_path_in_the_archive(self, tmp_path: Path) -> None:
        """Members in nested folders are named «archive.zip/folder/file»."""
        wide = write_xlsx(tmp_path / "w.xlsx", {"Лист1": table(WIDE_HEADER, [wide_school()])})
        long = write_csv(tmp_path / "l.csv", [LONG_HEADER, *long_rows()])
        data = write_zip(tmp_path / "batch.zip", {"осень/w.xlsx": wide, "весна/2026/l.csv": long})
        parsed = parse_export("batch.zip", data)
        assert [(p.name, p.layout, len(p.schools)) for p in parsed] == [
            ("batch.zip/осень/w.xlsx", "wide", 1),
            ("batch.zip/весна/2026/l.csv", "long", 1),
        ]
        assert parsed[1].schools[0].answers[0].location.file == "batch.zip/весна/2026/l.csv"

    def test_broken_member_is_a_problem_and_the_others_still_parse(self, tmp_path: Path) -> None:
        """A member that is not a workbook is reported under its own name."""
        long = write_csv(tmp_path / "l.csv", [LONG_HEADER, *long_rows()])
        data = write_zip(tmp_path / "b.zip", {"l.csv": long, "broken.xlsx": b"not a workbook at all"})
        good, broken = parse_export("b.zip", data)
        assert (len(good.schools), good.problems) == (1, [])
        assert broken.layout is None
        assert [(p.location, p.message) for p in broken.problems] == [
            (Location("b.zip/broken.xlsx"), "файл повреждён или не является таблицей xlsx/csv")
        ]

    def test_member_of_another_format_is_a_problem(self, tmp_path: Path) -> None:
        """A document inside the archive is named as an unsupported format."""
        data = write_zip(tmp_path / "b.zip", {"readme.docx": b"x"})
        [parsed] = parse_export("b.zip", data)
        assert parsed.problems[0].location == Location("b.zip/readme.docx")
        assert parsed.problems[0].message.startswith("формат файла не поддерживается")

    def test_system_files_of_archivers_are_ignored(self, tmp_path: Path) -> None:
        """macOS resource forks and hidden files that archivers add are not members."""
        long = write_csv(tmp_path / "l.csv", [LONG_HEADER, *long_rows()])
        data = write_zip(
            tmp_path / "b.zip", {"l.csv": long, "__MACOSX/._l.csv": b"\x00", ".DS_Store": b"\x00"}
        )
        assert [p.name for p in parse_export("b.zip", data)] == ["b.zip/l.csv"]

    def test_cp866_member_name_from_windows_is_decoded(self, tmp_path: Path) -> None:
        """Russian Windows stores member names in cp866 without the utf-8 flag; they read correctly."""
        long = write_csv(tmp_path / "l.csv", [LONG_HEADER, *long_rows()])
        placeholder = write_zip(tmp_path / "b.zip", {"XXXXX.csv": long})
        data = placeholder.replace(b"XXXXX.csv", "отчёт.csv".encode("cp866"))
        assert [p.name for p in parse_export("b.zip", data)] == ["b.zip/отчёт.csv"]


class TestHostileInputs:
    """Bad files come back as problems in Russian naming the place, never as exceptions."""

    @pytest.mark.parametrize("name", ["e.xlsx", "e.csv", "e.zip"])
    def test_empty_file_is_a_problem(self, name: str) -> None:
        """A file of zero bytes is reported as empty."""
        parsed = parse_one(name, b"")
        assert parsed.layout is None
        assert [(p.location, p.message) for p in parsed.problems] == [(Location(name), "файл пуст")]

    def test_random_bytes_named_xlsx_are_a_broken_file(self) -> None:
        """Bytes that are not a workbook are reported as a broken file."""
        parsed = parse_one("r.xlsx", bytes(range(256)) * 8)
        assert messages(parsed) == ["файл повреждён или не является таблицей xlsx/csv"]

    def test_truncated_zip_is_a_broken_archive(self, tmp_path: Path) -> None:
        """An archive cut short is reported as broken, not raised."""
        long = write_csv(tmp_path / "l.csv", [LONG_HEADER, *long_rows()])
        data = write_zip(tmp_path / "b.zip", {"l.csv": long})
        [parsed] = parse_export("b.zip", data[: len(data) // 2])
        assert messages(parsed) == ["архив повреждён или не является zip-архивом"]

    def test_unsupported_extension_is_a_problem(self) -> None:
        """Only xlsx, csv and zip are read."""
        parsed = parse_one("export.pdf", b"%PDF-1.4")
        assert messages(parsed) == ["формат файла не поддерживается: ожидается xlsx, csv или zip"]

    def test_csv_without_a_known_header_is_a_problem(self, tmp_path: Path) -> None:
        """A table with none of the layouts' headers is refused, naming the expected columns."""
        parsed = parse_one("x.csv", write_csv(tmp_path / "x.csv", [["Школа", "Баллы"], ["СОШ №1", "5"]]))
        assert parsed.layout is None
        [message] = messages(parsed)
        assert message.startswith(
            "не найдена строка заголовков: ожидались столбцы «ИНН», «Тип самодиагностики»"
        )

    def test_header_without_school_rows_is_a_problem(self, tmp_path: Path) -> None:
        """A recognised header with nothing below it has no schools to import."""
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", [LONG_HEADER, []]))
        assert parsed.layout == "long"
        assert messages(parsed) == ["в файле нет ни одной школы"]

    def test_text_in_points_cell_names_file_sheet_row_and_column(self, tmp_path: Path) -> None:
        """«два» in «Балльная оценка» is reported at its sheet, row and column header."""
        data = write_xlsx(tmp_path / "p.xlsx", {"Школа": protocol_rows(points="два")})
        parsed = parse_one("p.xlsx", data)
        assert [(p.location, p.message) for p in parsed.problems] == [
            (Location("p.xlsx", "Школа", 11, "Балльная оценка"), "в ячейке ожидается число, а указано «два»")
        ]
        assert str(parsed.problems[0]) == (
            "Файл «p.xlsx», лист «Школа», строка 11, столбец «Балльная оценка»: "
            "в ячейке ожидается число, а указано «два»"
        )

    def test_fractional_points_are_a_problem(self, tmp_path: Path) -> None:
        """Points are whole numbers, so «1,5» in a csv is reported at its row and column."""
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", [LONG_HEADER, *long_rows(points="1,5")]))
        assert [(p.location, p.message) for p in parsed.problems] == [
            (Location("l.csv", None, 2, "Баллы"), "в ячейке ожидается целое число, а указано «1,5»")
        ]

    def test_text_in_wide_total_is_a_problem(self, tmp_path: Path) -> None:
        """A stated total that is not a number is reported at «Сумма баллов»."""
        rows = table(WIDE_HEADER, [wide_school(**{"Сумма баллов": "много"})])
        parsed = parse_one("w.xlsx", write_xlsx(tmp_path / "w.xlsx", {"Лист1": rows}))
        assert [p.location for p in parsed.problems] == [Location("w.xlsx", "Лист1", 2, "Сумма баллов")]
        assert parsed.schools[0].stated_total is None

    @pytest.mark.parametrize("inn", ["12345", "47232578801", "4723-57880"])
    def test_bad_inn_is_a_problem(self, tmp_path: Path, inn: str) -> None:
        """An ИНН that is not 10 or 12 digits is reported and its school left out."""
        parsed = parse_one(
            "w.xlsx", write_xlsx(tmp_path / "w.xlsx", {"Лист1": table(WIDE_HEADER, [wide_school(inn)])})
        )
        assert parsed.schools == []
        assert [(p.location, p.message) for p in parsed.problems] == [
            (Location("w.xlsx", "Лист1", 2, "ИНН"), f"ИНН «{inn}» должен состоять из 10 или 12 цифр")
        ]

    def test_bad_inn_in_protocol_header_is_a_problem(self, tmp_path: Path) -> None:
        """The «ИНН: …» line of a protocol is checked like a column."""
        parsed = parse_one("p.xlsx", write_xlsx(tmp_path / "p.xlsx", {"Школа": protocol_rows(inn="123")}))
        assert [(p.location, p.message) for p in parsed.problems] == [
            (Location("p.xlsx", "Школа", 4, "ИНН"), "ИНН «123» должен состоять из 10 или 12 цифр")
        ]

    def test_empty_name_is_a_problem_naming_the_column(self, tmp_path: Path) -> None:
        """A school row without «Наименование ОО» is reported at that column."""
        rows = table(WIDE_HEADER, [wide_school(**{"Наименование ОО": None})])
        parsed = parse_one("w.xlsx", write_xlsx(tmp_path / "w.xlsx", {"Лист1": rows}))
        assert [(p.location, p.message) for p in parsed.problems] == [
            (Location("w.xlsx", "Лист1", 2, "Наименование ОО"), "не заполнен столбец «Наименование ОО»")
        ]

    def test_missing_identity_column_is_a_problem(self, tmp_path: Path) -> None:
        """A long table without «Муниципальное образование» is refused at its header row."""
        rows = [
            [c for c in LONG_HEADER if c != "Муниципальное образование"],
            ["4723257880", "СОШ", GENERAL_FORM],
        ]
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", rows))
        assert [(p.location, p.message) for p in parsed.problems] == [
            (Location("l.csv", None, 1), "не найден столбец «Муниципальное образование»")
        ]

    def test_one_inn_with_two_names_is_a_problem(self, tmp_path: Path) -> None:
        """Rows of one ИНН that name different schools are reported once, at the first disagreement."""
        rows = [LONG_HEADER, *long_rows()[:1], *long_rows(name="МОБУ «СОШ №2»")[1:]]
        parsed = parse_one("l.csv", write_csv(tmp_path / "l.csv", rows))
        assert [(p.location, p.message) for p in parsed.problems] == [
            (
                Location("l.csv", None, 3, "Наименование ОО"),
                "у школы с ИНН 4723257880 здесь указано «МОБУ «СОШ №2»», а в строке 2 — «МОБУ «СОШ №1»»",
            )
        ]

    def test_protocol_sheet_without_a_table_is_a_problem(self, tmp_path: Path) -> None:
        """A sheet of a protocol workbook with no protocol table is named in the problem."""
        data = write_xlsx(
            tmp_path / "p.xlsx", {"Школа": protocol_rows(), "Справка": [["Пояснения к выгрузке"]]}
        )
        parsed = parse_one("p.xlsx", data)
        assert len(parsed.schools) == 1
        assert [p.location for p in parsed.problems] == [Location("p.xlsx", "Справка")]
        assert parsed.problems[0].message.startswith("на листе не найдена таблица протокола школы")

    def test_protocol_without_inn_line_is_a_problem(self, tmp_path: Path) -> None:
        """A protocol whose header block lacks «ИНН: …» gives no school and says what is missing."""
        rows = [row for row in protocol_rows() if not (row and str(row[0]).startswith("ИНН"))]
        parsed = parse_one("p.xlsx", write_xlsx(tmp_path / "p.xlsx", {"Школа": rows}))
        assert parsed.schools == []
        assert messages(parsed) == ["над таблицей нет строки «ИНН: …»"]

    def test_workbook_of_empty_sheets_is_empty(self, tmp_path: Path) -> None:
        """A workbook whose sheets hold nothing is reported as an empty file."""
        assert messages(parse_one("e.xlsx", write_xlsx(tmp_path / "e.xlsx", {"Лист1": [], "Лист2": []}))) == [
            "файл пуст"
        ]

    def test_csv_bytes_that_are_not_text_do_not_raise(self) -> None:
        """Binary content named .csv is reported, whatever it decodes to."""
        parsed = parse_one("b.csv", bytes(range(256)) * 40)
        assert parsed.layout is None
        assert len(parsed.problems) == 1
