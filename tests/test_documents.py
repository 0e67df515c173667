"""Documents people hand out, opened the way people open them: checklists, agenda, report.

The store is built from layout-L exports written into tmp_path and imported through the real
importer; every document is then read back with openpyxl or python-docx and compared with the
engine's own figures (`school_deficits`, `school_levels_wide`).
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from analytics.db import open_store
from analytics.deficits import plan_next_levels, school_deficits
from analytics.documents import (
    analytic_report_docx,
    below_basic_inns,
    checklist_docx,
    checklist_xlsx,
    checklists_zip,
    interview_agenda_docx,
    interview_packs_zip,
)
from analytics.documents.agenda import load_interview_questions
from analytics.documents.checklist import goal
from analytics.documents.findings import load_findings
from analytics.documents.interview_support import NO_STRENGTHS
from analytics.documents.region_facts import gather_report_facts
from analytics.documents.render import convert_to_pdf
from analytics.documents.roadmap import roadmap_xlsx
from analytics.documents.school_results import load_school_result
from analytics.documents.xlsx_helpers import new_workbook, put
from analytics.errors import NotFound, SamodiagError
from analytics.levels import school_levels_wide
from analytics.loading import Upload, import_uploads
from analytics.rounds import get_round
from tests.conftest import SchoolSpec, write_long_csv

ROOT = Path(__file__).resolve().parents[1]
KIROVSK = "Кировский муниципальный район"
GATCHINA = "Гатчинский муниципальный округ"
CRITICAL = "4701000001"
"""Points of the middle level in every track but critical indicator 2 at 0: «ниже базового»."""
HIGH = "4701000002"
"""Every answer at its maximum: no deficits, «высокий» in every track."""
INJECTED = "4702000003"
"""A «средний» school whose name is a spreadsheet formula, and new in the current round."""
LOW = "4702000004"
"""«ниже базового» by points in every track."""
INJECTED_NAME = '=HYPERLINK("http://example.com","СОШ №3")'
CURRENT, PREVIOUS = "Весна 2026", "Осень 2025"
METHODOLOGY = "Методика: demo-2025 (демонстрационная)"
LOW_POINTS = {
    "knowledge": 5,
    "upbringing": 4,
    "health": 5,
    "creativity": 4,
    "career": 3,
    "teacher": 4,
    "climate": 3,
    "environment": 3,
}


def current_schools() -> list[SchoolSpec]:
    return [
        SchoolSpec(
            CRITICAL,
            "МОБУ «СОШ №1»",
            KIROVSK,
            track_points={"knowledge": 10, "health": 9, "career": 6},
            failed_critical=(2,),
        ),
        SchoolSpec(HIGH, "МОБУ «Лицей №2»", KIROVSK),
        SchoolSpec(
            INJECTED,
            INJECTED_NAME,
            GATCHINA,
            track_points={"knowledge": 12, "upbringing": 9, "creativity": 9, "teacher": 9},
        ),
        SchoolSpec(LOW, "МОУ «Ивановская ООШ»", GATCHINA, track_points=LOW_POINTS),
    ]


def previous_schools() -> list[SchoolSpec]:
    return [
        SchoolSpec(
            CRITICAL, "МОБУ «СОШ №1»", KIROVSK, track_points={"knowledge": 14, "health": 12, "career": 8}
        ),
        SchoolSpec(HIGH, "МОБУ «Лицей №2»", KIROVSK),
        SchoolSpec(
            LOW,
            "МОУ «Ивановская ООШ»",
            GATCHINA,
            track_points={**LOW_POINTS, "knowledge": 9, "health": 9, "upbringing": 6},
        ),
    ]


def build_store(folder: Path, rubric) -> Path:
    """Two rounds imported from layout-L files: «Осень 2025», then «Весна 2026»."""
    db = folder / "documents.duckdb"
    con = open_store(db)
    for name, schools in ((PREVIOUS, previous_schools()), (CURRENT, current_schools())):
        path = write_long_csv(folder / f"{name}.csv", rubric, schools)
        import_uploads(con, [Upload.from_path(path)], name)
    con.close()
    return db


@pytest.fixture(scope="module")
def store_path(tmp_path_factory, rubric) -> Path:
    return build_store(tmp_path_factory.mktemp("documents"), rubric)


@pytest.fixture(scope="module")
def store(store_path):
    connection = open_store(store_path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def rnd(store):
    return get_round(store, CURRENT)


@pytest.fixture(scope="module")
def wide(store, rnd):
    return school_levels_wide(store, rnd).set_index("inn")


def xlsx_rows(data: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def xlsx_deficit_rows(data: bytes) -> list[list[object]]:
    """Rows of the deficit table: those below its header whose first cell is an indicator number."""
    rows = xlsx_rows(data)
    start = next(k for k, row in enumerate(rows) if row[0] == "№ показателя")
    return [row for row in rows[start + 1 :] if isinstance(row[0], int)]


def xlsx_value(rows: list[list[object]], key: str) -> object:
    """The value beside a header-block key (key in column A, value in column C)."""
    return next(row[2] for row in rows if row[0] == key)


def docx_text(data: bytes) -> str:
    """All paragraphs, table cells and footers of a Word document, one per line."""
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    parts.extend(p.text for s in document.sections for p in s.footer.paragraphs)
    return "\n".join(parts)


def docx_table(data: bytes, *headers: str) -> list[list[str]]:
    """The first table whose header row starts with `headers`, as rows of cell texts."""
    document = docx.Document(io.BytesIO(data))
    table = next(
        t for t in document.tables if [c.text for c in t.rows[0].cells[: len(headers)]] == list(headers)
    )
    return [[cell.text for cell in row.cells] for row in table.rows]


class TestChecklistXlsx:
    @pytest.mark.parametrize("inn", [CRITICAL, INJECTED, LOW])
    def test_lists_exactly_the_schools_deficits(self, store, rnd, inn):
        """One row per deficit of `school_deficits`, with its answers and points, and nothing else."""
        expected = school_deficits(store, rnd, inn=inn)
        rows = xlsx_deficit_rows(checklist_xlsx(store, rnd, inn))
        assert len(rows) == len(expected)
        assert sorted(r[0] for r in rows) == sorted(expected["number"].tolist())
        by_number = {int(d.number): d for d in expected.itertuples()}
        for number, _, _, current, points, points_max, best, *blank in rows:
            deficit = by_number[number]
            assert (current, points, points_max, best) == (
                deficit.answer_current,
                deficit.points_current,
                deficit.points_max,
                goal(deficit),
            )
            assert best.startswith("Обеспечить: ")
            assert best.removeprefix("Обеспечить: ").lower() == deficit.answer_best.strip().lower()
            assert blank == [None, None, None]

    def test_total_level_and_tracks_equal_levels_wide(self, store, rnd, wide):
        """The header's total and level and each track's points are the `levels` figures."""
        rows = xlsx_rows(checklist_xlsx(store, rnd, CRITICAL))
        school = wide.loc[CRITICAL]
        assert xlsx_value(rows, "Сумма баллов") == f"{school['total']} из 100"
        assert xlsx_value(rows, "Уровень") == school["level"] == "ниже базового"
        track_points = {row[0]: row[2] for row in rows if isinstance(row[0], str) and "«" in row[0]}
        assert track_points["Магистральное направление «Знание»"] == school["knowledge_points"] == 10
        assert track_points["Магистральное направление «Здоровье»"] == school["health_points"] == 9

    def test_failed_critical_is_marked_and_its_track_comes_first(self, store, rnd):
        """The failed critical indicator is marked «да, 0 баллов» under the weakest track, listed first."""
        rows = xlsx_rows(checklist_xlsx(store, rnd, CRITICAL))
        start = next(k for k, row in enumerate(rows) if row[0] == "№ показателя")
        assert rows[start + 1][0].startswith("Магистральное направление «Знание»")
        assert "ниже базового" in rows[start + 1][0]
        critical = next(r for r in xlsx_deficit_rows(checklist_xlsx(store, rnd, CRITICAL)) if r[0] == 2)
        assert critical[2] == "да, 0 баллов"
        assert critical[4] == 0

    def test_header_names_school_round_and_methodology(self, store, rnd):
        """School, municipality, round and the methodology label are in the header block, in Russian."""
        rows = xlsx_rows(checklist_xlsx(store, rnd, CRITICAL))
        assert rows[0][0] == "Чек-лист по устранению дефицитов по результатам самодиагностики"
        assert METHODOLOGY in [row[0] for row in rows]
        assert xlsx_value(rows, "Образовательная организация") == "МОБУ «СОШ №1»"
        assert xlsx_value(rows, "Муниципальное образование") == KIROVSK
        assert xlsx_value(rows, "Раунд самодиагностики").startswith("Весна 2026")

    def test_school_without_deficits_says_so(self, store, rnd):
        """A school at maximum everywhere gets no deficit rows and a sentence saying why."""
        data = checklist_xlsx(store, rnd, HIGH)
        rows = xlsx_rows(data)
        assert not any(row[0] == "№ показателя" for row in rows)
        assert any(isinstance(row[0], str) and row[0].startswith("Дефицитов нет") for row in rows)

    def test_unknown_school_raises_not_found_in_russian(self, store, rnd):
        """A school without results in the round is a NotFound naming the ИНН and round."""
        with pytest.raises(NotFound, match="школа с ИНН 4799999999 не проходила самодиагностику"):
            checklist_xlsx(store, rnd, "4799999999")


class TestFormulaInjection:
    def test_formula_like_name_is_stored_as_literal_text(self, store, rnd):
        """A school name starting with «=» is a text cell holding the name, and the sheet has no formula."""
        data = checklist_xlsx(store, rnd, INJECTED)
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = [c for row in sheet.iter_rows() for c in row if c.value == INJECTED_NAME]
        assert len(cells) == 1
        assert cells[0].data_type == "s"
        sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet_xml
        assert "<f " not in sheet_xml

    @pytest.mark.parametrize("text", ["=1+2", "+7 (812) 000", "-5", "@SUM(A1)"])
    def test_every_formula_prefix_is_written_as_text(self, text):
        """Text beginning with =, +, - or @ keeps its string type and gets a quote prefix."""
        workbook, sheet = new_workbook("Проверка", (10,))
        put(sheet, 1, 1, text)
        buffer = io.BytesIO()
        workbook.save(buffer)
        cell = openpyxl.load_workbook(buffer).active["A1"]
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)


class TestChecklistDocx:
    @pytest.mark.parametrize("inn", [CRITICAL, LOW])
    def test_lists_exactly_the_schools_deficits(self, store, rnd, inn):
        """The Word checklist's table holds one row per deficit, the same as `school_deficits`."""
        expected = school_deficits(store, rnd, inn=inn)
        table = docx_table(checklist_docx(store, rnd, inn), "№ показателя")
        numbers = [int(row[0]) for row in table[1:] if row[0].isdigit()]
        assert sorted(numbers) == sorted(expected["number"].tolist())

    def test_document_has_header_block_signatures_and_methodology(self, store, rnd, wide):
        """Total and level from `levels`, the methodology on every page, and lines to sign."""
        data = checklist_docx(store, rnd, INJECTED)
        text = docx_text(data)
        school = wide.loc[INJECTED]
        assert f"{school['total']} из 100" in text
        assert INJECTED_NAME in text
        assert "Руководитель образовательной организации" in text
        assert "Муниципальный координатор" in text
        footer = docx.Document(io.BytesIO(data)).sections[0].footer.paragraphs[0].text
        assert footer == METHODOLOGY

    def test_failed_critical_row_is_marked(self, store, rnd):
        """The failed critical indicator's row says «да, 0 баллов» in the critical column."""
        table = docx_table(checklist_docx(store, rnd, CRITICAL), "№ показателя")
        row = next(r for r in table if r[0] == "2")
        assert row[2] == "да, 0 баллов"


class TestBulkChecklists:
    def test_zip_holds_one_checklist_per_school_in_municipality_folders(self, store, rnd):
        """Each school's checklist sits in its municipality's folder and opens with its deficits."""
        data = checklists_zip(store, rnd, [CRITICAL, INJECTED, LOW], "xlsx")
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        assert len(names) == 3
        assert {name.split("/")[0] for name in names} == {KIROVSK, GATCHINA}
        low_file = next(name for name in names if LOW in name)
        assert low_file.endswith(".xlsx")
        rows = xlsx_deficit_rows(archive.read(low_file))
        assert len(rows) == len(school_deficits(store, rnd, inn=LOW))

    def test_docx_zip_and_progress_reaches_one(self, store, rnd):
        """The progress callback rises to 1.0, one step per school, naming the school."""
        steps: list[tuple[float, str]] = []
        data = checklists_zip(store, rnd, [HIGH, LOW], "docx", progress=lambda f, t: steps.append((f, t)))
        assert all(name.endswith(".docx") for name in zipfile.ZipFile(io.BytesIO(data)).namelist())
        fractions = [f for f, _ in steps]
        assert fractions == sorted(fractions)
        assert fractions[-1] == 1.0
        assert steps[-1][1] == "2 из 2: МОУ «Ивановская ООШ»"

    def test_below_basic_inns_are_the_below_basic_schools(self, store, rnd, wide):
        """Exactly the schools `levels` puts at «ниже базового», optionally in one municipality."""
        expected = set(wide.index[wide["level"] == "ниже базового"])
        assert set(below_basic_inns(store, rnd)) == expected == {CRITICAL, LOW}
        assert below_basic_inns(store, rnd, GATCHINA) == [LOW]

    def test_below_basic_inns_keep_to_the_school_type(self, store, rnd):
        """Without a roster the general schools are of type «не указан», and none is correctional."""
        assert set(below_basic_inns(store, rnd, school_type="не указан")) == {CRITICAL, LOW}
        assert below_basic_inns(store, rnd, school_type="коррекционная") == []

    @pytest.mark.parametrize(
        ("inns", "fmt", "message"),
        [
            ([CRITICAL], "pdf", "формат чек-листов «pdf» не поддерживается"),
            ([], "xlsx", "нет школ для выгрузки"),
        ],
    )
    def test_bad_requests_are_refused_in_russian(self, store, rnd, inns, fmt, message):
        """An unknown format or an empty list of schools is refused with a Russian message."""
        with pytest.raises(SamodiagError, match=message):
            checklists_zip(store, rnd, inns, fmt)


class TestInterviewAgenda:
    def test_profile_discussion_and_critical_indicator(self, store, rnd, wide):
        """The agenda shows the school's total and level, and the failed critical indicator to discuss."""
        text = docx_text(interview_agenda_docx(store, rnd, CRITICAL))
        assert "Повестка собеседования с управленческой командой школы" in text
        assert f"{wide.loc[CRITICAL, 'total']} из 100" in text
        assert METHODOLOGY in text
        assert "Критический показатель № 2" in text
        assert "Магистральное направление «Знание»: 10 из 17, «ниже базового»" in text

    def test_change_since_previous_round_is_computed_from_both_rounds(self, store, rnd):
        """Points then and now come from the two rounds' levels; a new school is said to be new."""
        previous = school_levels_wide(store, get_round(store, PREVIOUS)).set_index("inn")
        text = docx_text(interview_agenda_docx(store, rnd, CRITICAL))
        before, now = (
            previous.loc[CRITICAL, "total"],
            school_levels_wide(store, rnd).set_index("inn").loc[CRITICAL, "total"],
        )
        assert f"Сумма баллов: {before} в раунде «{PREVIOUS}», {now} сейчас" in text
        assert "Общий уровень понизился: «высокий» → «ниже базового»." in text
        new_school = docx_text(interview_agenda_docx(store, rnd, INJECTED))
        assert f"В раунде «{PREVIOUS}» школа самодиагностику не проходила" in new_school

    def test_questions_come_from_the_questions_file(self, store, rnd, tmp_path):
        """A questions CSV passed in replaces the default wording; only weak tracks' questions appear."""
        questions = tmp_path / "questions.csv"
        questions.write_text(
            "track_code,question\n"
            "total,Общий вопрос для всех школ?\n"
            "knowledge,Что мешает выполнить критический показатель?\n"
            "environment,Вопрос о среде для сильных школ?\n",
            encoding="utf-8",
        )
        text = docx_text(interview_agenda_docx(store, rnd, CRITICAL, questions_path=questions))
        assert "Общий вопрос для всех школ?" in text
        assert "Что мешает выполнить критический показатель?" in text
        assert "Вопрос о среде для сильных школ?" not in text

    def test_default_questions_print_whole_with_their_commas(self, store, rnd):
        """Every general question of the shipped file appears whole, not cut at its first comma."""
        text = docx_text(interview_agenda_docx(store, rnd, CRITICAL))
        general = [q for q in load_interview_questions()["total"] if "," in q]
        assert general
        for question in general:
            assert question in text

    def test_a_flagged_school_is_not_offered_as_mentor_and_the_agenda_says_why(self, store, rnd):
        """The only school at «высокий» answers everything at the maximum (a credibility question),
        so the failing track gets no mentor and the agenda says the region must help."""
        table = docx_table(interview_agenda_docx(store, rnd, CRITICAL), "Направление", "Школа-наставник")
        assert table[1:]
        assert all(HIGH not in row[1] for row in table[1:])
        assert table[1][0] == "Знание"
        assert table[1][1] == "не найден"
        assert table[1][2].startswith("наставник не найден — нужна помощь региона")


class TestInterviewPack:
    """The pack a coordinator takes to an interview: the agenda and the checklist, which share the
    strengths, the shortest way to the next level and the assigned mentor."""

    def test_archive_puts_below_basic_schools_first_with_three_distinct_files(self, store, rnd):
        archive = zipfile.ZipFile(
            io.BytesIO(interview_packs_zip(store, rnd, [HIGH, CRITICAL, INJECTED, LOW]))
        )
        folders = list(dict.fromkeys(name.split("/")[0] for name in archive.namelist()))
        assert [folder[:14] for folder in folders] == [
            f"001 {CRITICAL}",
            f"002 {LOW}",
            f"003 {HIGH}",
            f"004 {INJECTED}",
        ]
        assert folders[0].endswith("(ниже базового)")
        files = [name.split("/")[1] for name in archive.namelist()]
        assert len(files) == len(set(files)) == 12
        first = sorted(name for name in archive.namelist() if name.startswith(folders[0]))
        assert [name.rsplit(" ", 1)[0].split("/")[1] for name in first] == [
            f"{CRITICAL} — повестка собеседования Весна",
            f"{CRITICAL} — чек-лист Весна",
            f"{CRITICAL} — чек-лист для печати Весна",
        ]
        for name in first:
            data = archive.read(name)
            if name.endswith(".xlsx"):
                assert (
                    xlsx_rows(data)[0][0] == "Чек-лист по устранению дефицитов по результатам самодиагностики"
                )
            else:
                assert "Весна 2026" in docx_text(data)

    def test_an_empty_choice_is_refused_in_russian(self, store, rnd):
        with pytest.raises(SamodiagError, match="нет школ для пакетов"):
            interview_packs_zip(store, rnd, [])

    def test_checklist_names_the_failed_critical_as_the_way_up_and_the_missing_mentor(self, store, rnd):
        rows = [row[0] for row in xlsx_rows(checklist_xlsx(store, rnd, CRITICAL)) if row[0]]
        steps = rows[rows.index("До следующего уровня: самые короткие пути") + 1 :]
        assert steps[0].startswith("В целом: «ниже базового» → «базовый»")
        assert any(
            text.startswith("№ 2 «") and "Обеспечить:" in text and text.endswith("(критический показатель)")
            for text in steps
        )
        mentor = rows[rows.index("Направление «ниже базового»") + 1]
        assert mentor == "Знание"
        strengths = rows[rows.index("Сильные стороны") + 1 : rows.index("Сильные стороны") + 4]
        assert strengths[0].startswith("Магистральное направление «Воспитание»: ")
        assert all("уровень «высокий»" in text for text in strengths)

    def test_agenda_and_checklist_print_the_same_way_up(self, store, rnd):
        """Both documents come from one InterviewSupport: every step of the checklist is in the agenda."""
        agenda = docx_text(interview_agenda_docx(store, rnd, LOW))
        checklist = docx_text(checklist_docx(store, rnd, LOW))
        steps = [line for line in checklist.splitlines() if line.startswith("№ ") and "Обеспечить:" in line]
        assert len(steps) > 8
        assert all(step in agenda for step in steps)

    def test_agenda_asks_about_the_schools_credibility_flags(self, store, rnd):
        """Every answer at the maximum is put as a question to the team, in neutral words; a school
        without flags gets no such section."""
        text = docx_text(interview_agenda_docx(store, rnd, HIGH))
        assert "Что уточнить по ответам самодиагностики" in text
        question = next(line for line in text.splitlines() if line.startswith("«Все ответы на максимуме»"))
        assert question.endswith("Уточните у команды школы, как это сложилось.")
        assert "недостовер" not in text
        assert "Что уточнить по ответам самодиагностики" not in docx_text(
            interview_agenda_docx(store, rnd, LOW)
        )

    @pytest.mark.parametrize("inn", [CRITICAL, HIGH, INJECTED, LOW])
    def test_the_way_up_from_loaded_deficits_is_the_stores(self, store, rnd, inn):
        """Documents plan from the deficits they loaded; the plan equals the one read from the store."""
        school = load_school_result(store, rnd, inn)
        records = [dataclasses.asdict(deficit) for deficit in school.deficits]
        assert plan_next_levels(store, rnd, inn, records) == plan_next_levels(store, rnd, inn)

    def test_school_without_strong_tracks_says_so(self, store, rnd):
        assert NO_STRENGTHS in docx_text(checklist_docx(store, rnd, LOW))
        assert NO_STRENGTHS in docx_text(interview_agenda_docx(store, rnd, LOW))


class TestAnalyticReport:
    def test_participation_unknown_without_roster(self, store, rnd):
        """Without a roster the report says participation is unknown."""
        text = docx_text(analytic_report_docx(store, rnd))
        assert "участие неизвестно: реестр школ не загружен" in text
        assert "Прошли самодиагностику школ: 4" in text

    def test_participation_from_roster(self, tmp_path, rubric):
        """With a roster: expected, passed and share, and the missing school by name."""
        con = open_store(build_store(tmp_path, rubric))
        roster = [
            (CRITICAL, "МОБУ «СОШ №1»", KIROVSK),
            (HIGH, "МОБУ «Лицей №2»", KIROVSK),
            (INJECTED, "МОБУ «СОШ №3»", GATCHINA),
            (LOW, "МОУ «Ивановская ООШ»", GATCHINA),
            ("4702000009", "МОУ «Пропавшая СОШ»", GATCHINA),
        ]
        con.executemany("insert into roster (inn, name, municipality) values (?, ?, ?)", roster)
        current = get_round(con, CURRENT)
        region = docx_text(analytic_report_docx(con, current))
        assert "Ожидалось школ (по реестру): 5; прошли самодиагностику: 4 (80,0 %); не прошли: 1." in region
        assert "участие неизвестно" not in region
        municipal = docx_text(analytic_report_docx(con, current, GATCHINA))
        assert (
            "Ожидалось школ (по реестру): 3; прошли самодиагностику: 2 (66,7 %); не прошли: 1." in municipal
        )
        assert "МОУ «Пропавшая СОШ»" in municipal
        con.close()

    def test_level_table_counts_equal_levels_wide(self, store, rnd, wide):
        """The overall level table counts the schools `levels` puts at each level."""
        table = docx_table(analytic_report_docx(store, rnd), "Общий уровень", "Школ")
        counts = {row[0]: int(row[1]) for row in table[1:]}
        expected = wide["level"].value_counts()
        assert counts == {level: int(expected.get(level, 0)) for level in counts}
        assert counts["ниже базового"] == 2

    def test_charts_are_embedded_as_png_images(self, store, rnd):
        """The level charts are pictures inside the document (inline shapes with PNG parts)."""
        document = docx.Document(io.BytesIO(analytic_report_docx(store, rnd)))
        assert len(document.inline_shapes) >= 3
        images = [p for p in document.part.package.parts if p.content_type == "image/png"]
        assert images
        assert all(p.blob.startswith(b"\x89PNG") for p in images)

    def test_below_basic_schools_with_failing_tracks_and_criticals(self, store, rnd):
        """Each below-basic school is listed with its tracks at the lowest level and failed criticals."""
        table = docx_table(analytic_report_docx(store, rnd), "Образовательная организация")
        listed = {row[0].split("\n")[1].removeprefix("ИНН "): row for row in table[1:]}
        assert set(listed) == set(below_basic_inns(store, rnd))
        assert listed[CRITICAL][2] == "Знание"
        assert listed[CRITICAL][3].startswith("№ 2 «Реализация федеральных рабочих программ")
        assert listed[LOW][3] == "—"

    def test_municipality_report_covers_only_that_municipality(self, store, rnd):
        """A municipal report counts only its own schools."""
        text = docx_text(analytic_report_docx(store, rnd, KIROVSK))
        assert f"Муниципальное образование: {KIROVSK}" in text
        assert "Школ с результатами в раунде: 2." in text
        assert "Ивановская" not in text

    def test_change_section_uses_the_previous_round(self, store, rnd):
        """Level counts of the previous round and the schools that fell are read from the store."""
        text = docx_text(analytic_report_docx(store, rnd))
        assert "5. Изменения с предыдущего раунда" in text
        assert "Прошли оба раунда школ: 3; повысили общий уровень: 0; понизили: 2; без изменений: 1." in text

    def test_change_is_called_a_change_only_when_the_test_says_so(self, store, rnd):
        """Three paired schools carry no verdict: the report says «мало данных», never «рост»/«снижение»."""
        text = docx_text(analytic_report_docx(store, rnd))
        assert "Изменение суммы баллов: мало данных; школ ниже базового уровня в целом: мало данных" in text
        assert "снижение" not in text.split("5. Изменения с предыдущего раунда")[1].split("6.")[0]


class TestPooledForms:
    def test_a_critical_indicator_failed_in_both_forms_is_counted_once_across_them(self, tmp_path, rubric):
        """«Школьный спортивный клуб» is № 24 of the general form and № 21 of the correctional one:
        a school of each failing it makes two, reported (threshold 2), where per form each had one."""
        con = open_store(tmp_path / "pooled.duckdb")
        schools = [
            SchoolSpec("4701000091", "МОУ «СОШ №1»", failed_critical=(24,)),
            SchoolSpec("4701000092", "ГКОУ «Школа №9»", form="correctional", failed_critical=(21,)),
            SchoolSpec("4701000093", "МОУ «СОШ №3»"),
        ]
        export = write_long_csv(tmp_path / "both.csv", rubric, schools)
        import_uploads(con, [Upload.from_path(export)], CURRENT)
        rnd = get_round(con, CURRENT)
        facts = gather_report_facts(con, rnd)
        club = facts.frequency.set_index("indicator").loc["Школьный спортивный клуб"]
        direct = con.execute(
            "select count(*) filter (where o.points = 0), count(*) from answers as a"
            " join answer_options as o using (option_id)"
            " join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number"
            " where a.round_id = ? and i.indicator = 'Школьный спортивный клуб'",
            [rnd.round_id],
        ).fetchone()
        text = docx_text(analytic_report_docx(con, rnd))
        con.close()
        assert (club["count_failed_critical"], club["count_schools"], club["count_forms"]) == (*direct, 2)
        assert direct == (2, 3)
        assert "«Школьный спортивный клуб» (направление «Здоровье») не выполнен; школ: 2." in text


FINDINGS_HEADER = "id,section,rule,threshold,template,owner_region,owner_municipality,deadline,target"


class TestFindings:
    def test_default_findings_fire_on_the_data(self, store, rnd):
        """Sentences of data/documents/findings.csv appear filled in with the store's numbers."""
        text = docx_text(analytic_report_docx(store, rnd))
        assert "Доля школ с общим уровнем «ниже базового» в регионе превышает 10 %: 2 из 4 (50,0 %)." in text
        assert "Закрепить школы-наставники за школами уровня «ниже базового» (школ: 2)" in text

    def test_wording_and_threshold_are_editable_in_the_csv(self, store, rnd, tmp_path):
        """A methodologist's CSV changes the sentence; its threshold decides whether it appears."""
        findings = tmp_path / "findings.csv"
        findings.write_text(
            f"{FINDINGS_HEADER}\n"
            'low,вывод,below_basic_share_above,25,"ПРОВЕРКА: ниже базового {count} из {total} ({share}).",'
            ",,,\n"
            'none,вывод,below_basic_share_above,60,"НЕ ДОЛЖНО ПОЯВИТЬСЯ: {count}.",,,,\n'
            'seminar,рекомендация,track_deficit_share_above,40,"СЕМИНАР по «{track}»: {share}.",'
            "РЕГИОН,МУНИЦИПАЛИТЕТ,до весны,меньше {threshold} % по «{track}»\n",
            encoding="utf-8",
        )
        text = docx_text(analytic_report_docx(store, rnd, findings_path=findings))
        assert "ПРОВЕРКА: ниже базового 2 из 4 (50,0 %)." in text
        assert "НЕ ДОЛЖНО ПОЯВИТЬСЯ" not in text
        assert "СЕМИНАР по «Знание»: 50,0 %." in text
        assert text.count("СЕМИНАР") == 1
        assert "Доля школ с общим уровнем" not in text

    @pytest.mark.parametrize(
        ("row", "message"),
        [
            ('x,вывод,no_such_rule,1,"Текст",,,,', "строка 2: правило «no_such_rule» неизвестно"),
            ('x,вывод,below_basic_share_above,много,"Текст",,,,', "строка 2: порог «много» не число"),
            ('x,итог,below_basic_share_above,1,"Текст",,,,', "строка 2: раздел «итог» неизвестен"),
            ('x,вывод,below_basic_share_above,1,"{track}",,,,', "подстановка «{track}» недопустима"),
            ('x,вывод,below_basic_share_above,1,"{count.__class__}",,,,', "недопустима"),
            (
                "x,рекомендация,below_basic_share_above,1,Текст,кто,,когда,что",
                "не заполнены столбцы owner_municipality",
            ),
            ("x,вывод,below_basic_share_above,1,Текст,,,до весны,", "у вывода не бывает столбцов deadline"),
            (
                "x,рекомендация,below_basic_share_above,1,Текст,кто,кто,когда,{track}",
                "столбец target: подстановка",
            ),
        ],
    )
    def test_bad_rows_are_reported_with_file_and_line(self, tmp_path, row, message):
        """An unknown rule, section or placeholder, or a non-numeric threshold, names the file and line."""
        findings = tmp_path / "findings.csv"
        findings.write_text(f"{FINDINGS_HEADER}\n{row}\n", encoding="utf-8")
        with pytest.raises(SamodiagError, match=message) as raised:
            load_findings(findings)
        assert "findings.csv" in str(raised.value)

    def test_recommendations_say_who_by_when_and_to_what_end(self, store, rnd, tmp_path):
        """The region's report names the region's owner, a municipality's its own; the target is
        filled in with the case's figures."""
        findings = tmp_path / "findings.csv"
        findings.write_text(
            f"{FINDINGS_HEADER}\n"
            'seminar,рекомендация,track_deficit_share_above,40,"СЕМИНАР по «{track}».",'
            "РЕГИОН,МУНИЦИПАЛИТЕТ,до весны,меньше {threshold} % по «{track}»\n",
            encoding="utf-8",
        )
        header = ("Рекомендация", "Ответственный", "Срок", "Целевое значение")
        region = docx_table(analytic_report_docx(store, rnd, findings_path=findings), *header)
        assert region[1] == ["СЕМИНАР по «Знание».", "РЕГИОН", "до весны", "меньше 40 % по «Знание»"]
        municipal = docx_table(analytic_report_docx(store, rnd, GATCHINA, findings_path=findings), *header)
        assert [row[1] for row in municipal[1:]] == ["МУНИЦИПАЛИТЕТ"] * (len(municipal) - 1)

    def test_every_shipped_recommendation_has_owner_deadline_and_target(self):
        for template in load_findings():
            actions = (template.owner_region, template.owner_municipality, template.deadline, template.target)
            assert all(actions) == (template.section == "рекомендация"), template.id

    def test_default_findings_file_is_valid(self):
        """The shipped findings file loads and uses both sections."""
        templates = load_findings()
        assert {t.section for t in templates} == {"вывод", "рекомендация"}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
class TestOpensInLibreOffice:
    @pytest.mark.parametrize(
        "kind", ["checklist.xlsx", "checklist.docx", "agenda.docx", "report.docx", "roadmap.xlsx"]
    )
    def test_each_document_kind_converts_to_pdf(self, store, rnd, tmp_path, kind):
        """LibreOffice converts every kind of document headless, so it opens without repair."""
        builders = {
            "checklist.xlsx": lambda: checklist_xlsx(store, rnd, INJECTED),
            "checklist.docx": lambda: checklist_docx(store, rnd, CRITICAL),
            "agenda.docx": lambda: interview_agenda_docx(store, rnd, CRITICAL),
            "report.docx": lambda: analytic_report_docx(store, rnd),
            "roadmap.xlsx": lambda: roadmap_xlsx(store, rnd, CRITICAL),
        }
        document = tmp_path / kind
        document.write_bytes(builders[kind]())
        pdf = convert_to_pdf(document, tmp_path / "pdf")
        assert pdf.read_bytes().startswith(b"%PDF")


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, rubric) -> Path:
    """A store of its own, closed, for the command line to open in another process."""
    return build_store(tmp_path_factory.mktemp("documents_cli"), rubric)


class TestCommandLine:
    @staticmethod
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "analytics", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def test_checklist_extension_chooses_the_format(self, cli_db, tmp_path):
        """.xlsx writes a workbook and .docx a Word document for the same school."""
        for name in ("c.xlsx", "c.docx"):
            done = self.run(
                "checklist",
                "--school",
                LOW,
                "--round",
                CURRENT,
                "--out",
                str(tmp_path / name),
                "--db",
                str(cli_db),
            )
            assert done.returncode == 0, done.stderr
        assert xlsx_deficit_rows((tmp_path / "c.xlsx").read_bytes())
        assert "Чек-лист" in docx_text((tmp_path / "c.docx").read_bytes())

    def test_checklists_below_basic_zip(self, cli_db, tmp_path):
        """`checklists --below-basic` zips exactly the below-basic schools."""
        out = tmp_path / "below.zip"
        done = self.run(
            "checklists",
            "--round",
            CURRENT,
            "--below-basic",
            "--format",
            "docx",
            "--out",
            str(out),
            "--db",
            str(cli_db),
        )
        assert done.returncode == 0, done.stderr
        names = zipfile.ZipFile(out).namelist()
        assert sorted(n.split("/")[1].split(" ")[0] for n in names) == sorted([CRITICAL, LOW])

    def test_packs_of_a_municipality_put_its_below_basic_school_first(self, cli_db, tmp_path):
        """`packs --municipality` zips one folder per school of it, the below-basic one first."""
        out = tmp_path / "packs.zip"
        done = self.run(
            "packs", "--round", CURRENT, "--municipality", GATCHINA, "--out", str(out), "--db", str(cli_db)
        )
        assert done.returncode == 0, done.stderr
        assert "Пакетов в архиве: 2" in done.stdout
        folders = list(dict.fromkeys(name.split("/")[0] for name in zipfile.ZipFile(out).namelist()))
        assert [folder[:14] for folder in folders] == [f"001 {LOW}", f"002 {INJECTED}"]

    def test_checklists_of_a_municipality_agenda_and_report(self, cli_db, tmp_path):
        """All schools of a municipality, the agenda and the municipal report are written."""
        done = self.run(
            "checklists",
            "--round",
            CURRENT,
            "--municipality",
            GATCHINA,
            "--out",
            str(tmp_path / "g.zip"),
            "--db",
            str(cli_db),
        )
        assert done.returncode == 0, done.stderr
        assert len(zipfile.ZipFile(tmp_path / "g.zip").namelist()) == 2
        done = self.run(
            "agenda",
            "--school",
            CRITICAL,
            "--round",
            CURRENT,
            "--out",
            str(tmp_path / "a.docx"),
            "--db",
            str(cli_db),
        )
        assert done.returncode == 0, done.stderr
        done = self.run(
            "report",
            "--round",
            CURRENT,
            "--municipality",
            KIROVSK,
            "--out",
            str(tmp_path / "r.docx"),
            "--db",
            str(cli_db),
        )
        assert done.returncode == 0, done.stderr
        assert f"Муниципальное образование: {KIROVSK}" in docx_text((tmp_path / "r.docx").read_bytes())

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (
                ("checklist", "--school", LOW, "--round", CURRENT, "--out", "x.pdf"),
                "укажите расширение .xlsx или .docx",
            ),
            (
                ("checklist", "--school", "4799999999", "--round", CURRENT, "--out", "x.xlsx"),
                "не проходила самодиагностику",
            ),
            (
                ("report", "--round", CURRENT, "--municipality", "Нет такого", "--out", "x.docx"),
                "«Нет такого» не найдено",
            ),
            (
                ("agenda", "--school", LOW, "--round", "Осень 2030", "--out", "x.docx"),
                "раунд «Осень 2030» не найден",
            ),
        ],
    )
    def test_bad_input_exits_non_zero_and_writes_nothing(self, cli_db, tmp_path, args, message):
        """A bad school, round, municipality or extension exits 2 in Russian and leaves no file."""
        *head, out = args
        done = self.run(*head, str(tmp_path / out), "--db", str(cli_db))
        assert done.returncode == 2
        assert message in done.stderr
        assert not (tmp_path / out).exists()
