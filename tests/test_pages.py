"""Every page through Streamlit's AppTest, on stores built from the worked examples.

The app opens its one cached connection from SAMODIAG_DB, so each test points the variable at
its store and clears Streamlit's caches first; then it asserts what a user reads on the page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics import views
from analytics.credibility import flag_schools, flagged_inns
from analytics.db import open_store
from analytics.deficits import deficit_frequency, pooled_deficit_frequency, school_deficits
from analytics.errors import MAX_PROBLEMS
from analytics.loading import Upload, import_uploads
from analytics.mentors import internship_sites
from analytics.rounds import Round, get_round
from analytics.views import Filters
from benchmarks.hostile_files import bad_rows_csv
from tests.conftest import EXAMPLES, SchoolSpec, metrics, write_long_csv

AUTUMN, SPRING = "Осень 2025", "Весна 2026"
BELOW_BASIC_INN = "4723257880"
VSEVOLOZHSK = "Всеволожский муниципальный район"
KIROVSK = "Кировский муниципальный район"
NO_DATA = "Данных за этот раунд нет — загрузите выгрузку на странице «Загрузка»"
PAGES = ("region", "municipality", "school", "deficits", "dynamics", "credibility", "plans", "upload")


def build_store(path: Path, *, rounds: tuple[str, ...] = (AUTUMN, SPRING)) -> Path:
    """A store holding the worked examples' rounds, imported through the real importer."""
    files = {
        AUTUMN: ["region_wide_autumn_2025.xlsx"],
        SPRING: ["region_long_spring_2026.csv", "school_protocols_spring_2026.xlsx"],
    }
    con = open_store(path)
    for name in rounds:
        import_uploads(con, [Upload.from_path(EXAMPLES / file) for file in files[name]], name)
    con.close()
    return path


@pytest.fixture(scope="module")
def examples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both example rounds; shared by the tests that only read."""
    return build_store(tmp_path_factory.mktemp("pages") / "examples.duckdb")


def texts(at: AppTest) -> str:
    """Everything written as markdown, captions, infos, successes and errors, in one string."""
    parts = [*at.markdown, *at.caption, *at.info, *at.success, *at.warning, *at.error, *at.title, *at.header]
    return "\n".join(str(p.value) for p in parts)


def shown(markdown: str) -> str:
    """What the reader sees of markdown whose data parts went through `plain` (escapes dropped)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def frame(at: AppTest, column: str):
    """The first table on the page that has `column` (a Styler's data when the table is styled)."""
    for table in at.dataframe:
        value = table.value
        value = getattr(value, "data", value)
        if column in value.columns:
            return value
    raise AssertionError(f"no table with column {column!r}")


class TestSmoke:
    @pytest.mark.parametrize("page", PAGES)
    def test_every_page_states_round_methodology_and_import_time(self, open_app, examples_db, page):
        """The header under every title names the round, the demo methodology and the import date."""
        at = open_app(examples_db, page)
        header = [shown(c.value) for c in at.caption if c.value.startswith("Раунд «")]
        assert header, texts(at)
        assert header[0].startswith(
            "Раунд «Весна 2026» · Методика: demo-2025 (демонстрационная) · данные загружены"
        )

    @pytest.mark.parametrize("page", [p for p in PAGES if p != "upload"])
    def test_empty_store_says_what_to_do_instead_of_failing(self, open_app, tmp_path, page):
        """A store without rounds shows the upload hint on every data page."""
        at = open_app(build_store(tmp_path / "empty.duckdb", rounds=()), page)
        assert NO_DATA in [i.value for i in at.info]


class TestFilters:
    def test_round_defaults_to_the_latest_and_lands_in_the_url(self, open_app, examples_db):
        """Without a link the newest round is shown, and the URL says which."""
        at = open_app(examples_db)
        assert at.selectbox(key="shared_select_round").value == SPRING
        assert at.query_params["round"] == SPRING

    def test_a_shared_link_opens_the_same_view(self, open_app, examples_db):
        """round, municipality and school type are read from the query string."""
        at = open_app(examples_db, round=AUTUMN, mun=VSEVOLOZHSK, type="коррекционная")
        assert at.selectbox(key="shared_select_round").value == AUTUMN
        assert at.selectbox(key="shared_select_mun").value == VSEVOLOZHSK
        assert at.selectbox(key="shared_select_type").value == "коррекционная"
        assert sum(int(v) for v in metrics(at).values()) == 1

    def test_changing_a_filter_rewrites_the_url_and_survives_a_page_switch(self, open_app, examples_db):
        """A municipality picked on one page is still picked on the next, and in the URL."""
        at = open_app(examples_db)
        at.selectbox(key="shared_select_mun").set_value(VSEVOLOZHSK).run()
        assert at.query_params["mun"] == VSEVOLOZHSK
        at.switch_page("pages/municipality.py").run()
        assert at.selectbox(key="shared_select_mun").value == VSEVOLOZHSK
        assert metrics(at)["Школ"] == "8"

    def test_all_municipalities_removes_the_parameter(self, open_app, examples_db):
        """«Все муниципалитеты» is the default, so the URL carries no mun."""
        at = open_app(examples_db, mun=VSEVOLOZHSK)
        at.selectbox(key="shared_select_mun").set_value("Все муниципалитеты").run()
        assert "mun" not in at.query_params


class TestRegionPage:
    def test_counts_per_level_match_the_worked_example(self, open_app, examples_db):
        """Весна 2026: 1 below basic, 3 basic, 5 middle, 5 high."""
        at = open_app(examples_db)
        assert metrics(at) == {"ниже базового": "1", "базовый": "3", "средний": "5", "высокий": "5"}

    def test_earlier_round_from_the_url(self, open_app, examples_db):
        """Осень 2025 had two schools below basic."""
        at = open_app(examples_db, round=AUTUMN)
        assert metrics(at)["ниже базового"] == "2"

    def test_support_list_gives_each_school_its_reason(self, open_app, examples_db):
        """The short list starts with the capped school and says why, in words."""
        at = open_app(examples_db)
        support = [link.proto for link in at.page_link if link.proto.label[:1].isdigit()]
        first = support[0]
        assert "МОБУ «СОШ №1»" in first.label
        assert f"inn={BELOW_BASIC_INN}" in first.query_string
        assert "ниже базового по 1 направлению; не выполнен критический показатель" in first.label
        assert len(support) == 4

    def test_offers_the_analytic_report_of_the_filtered_scope(self, open_app, examples_db):
        """The report button names the municipality when one is chosen."""
        at = open_app(examples_db, mun=VSEVOLOZHSK)
        labels = [b.proto.label for b in at.get("download_button")]
        assert labels == [f"Аналитическая справка (docx): {VSEVOLOZHSK}"]

    def test_below_basic_list_and_participation_without_roster(self, open_app, examples_db):
        """One below-basic school with its weak track; participation is unknown without a roster."""
        at = open_app(examples_db)
        below = frame(at, "tracks_lowest")
        assert below["inn"].tolist() == [BELOW_BASIC_INN]
        assert below["tracks_lowest"].tolist() == ["Знание"]
        assert "участие неизвестно — реестр не загружен" in texts(at)

    def test_internship_sites_of_a_track_with_reasons_and_no_flagged_school(self, open_app, examples_db):
        """The sites of the chosen track are the engine's short list: reasons carry the points, and
        no school with a credibility question is among them."""
        at = open_app(examples_db)
        at.selectbox(key="region_sites_track").set_value("health").run()
        sites = frame(at, "reason")
        con = open_store(examples_db)
        rnd = get_round(con, SPRING)
        expected = internship_sites(con, rnd, "health")
        flagged = flagged_inns(flag_schools(con, rnd))
        con.close()
        assert sites["inn"].tolist() == expected["inn"].tolist()
        assert len(sites) > 0
        assert sites["reason"].str.startswith("«Здоровье»: ").all()
        assert flagged.isdisjoint(sites["inn"])

    def test_filters_that_match_no_school_say_so(self, open_app, tmp_path):
        """A round with only general schools has no correctional ones to show."""
        at = open_app(build_store(tmp_path / "autumn.duckdb", rounds=(AUTUMN,)), type="сельская")
        assert "По выбранным фильтрам школ нет" in texts(at)


class TestMunicipalityPage:
    def test_without_a_municipality_offers_one_link_per_municipality(self, open_app, examples_db):
        """Three municipalities, each a link that opens it."""
        at = open_app(examples_db, "municipality")
        assert "Выберите муниципалитет" in texts(at)
        links = at.get("page_link")
        assert len(links) == 3

    def test_totals_table_and_change_since_last_round(self, open_app, examples_db):
        """Всеволожский: 8 schools, none below basic now, one fewer than in autumn."""
        at = open_app(examples_db, "municipality", mun=VSEVOLOZHSK)
        shown = metrics(at)
        assert (shown["Школ"], shown["ниже базового"], shown["высокий"]) == ("8", "0", "2")
        table = frame(at, "points_change")
        assert len(table) == 8
        assert table.set_index("inn").loc["4775523350", "points_change"] == -2
        assert "Изменение балла — по сравнению с раундом «Осень 2025»" in texts(at)

    def test_level_filter_and_sort_change_the_table(self, open_app, examples_db):
        """Keeping «высокий» leaves two schools; sorting by points puts the lowest first."""
        at = open_app(examples_db, "municipality", mun=VSEVOLOZHSK)
        at.multiselect(key="municipality_levels").set_value(["высокий"]).run()
        assert frame(at, "points_change")["level"].tolist() == ["высокий", "высокий"]
        at.multiselect(key="municipality_levels").set_value([]).run()
        at.selectbox(key="municipality_sort").set_value("по общему баллу, сначала низкий").run()
        assert frame(at, "points_change")["points"].iloc[0] == 42

    def test_level_filter_and_sort_are_in_the_url_both_ways(self, open_app, examples_db):
        """A link with ?level=…&sort=… opens the same table; changing them rewrites the link."""
        lowest_first = "по общему баллу, сначала низкий"
        at = open_app(examples_db, "municipality", mun=VSEVOLOZHSK, level="высокий", sort=lowest_first)
        assert at.multiselect(key="municipality_levels").value == ["высокий"]
        assert at.selectbox(key="municipality_sort").value == lowest_first
        assert frame(at, "points_change")["level"].tolist() == ["высокий", "высокий"]
        at.multiselect(key="municipality_levels").set_value(["базовый", "высокий"]).run()
        at.selectbox(key="municipality_sort").set_value("по названию").run()
        assert at.query_params["level"] == ["базовый", "высокий"]
        assert at.query_params["sort"] == "по названию"


class TestMunicipalityHeatmap:
    def test_a_long_municipality_draws_its_first_schools(self, open_app, examples_db, monkeypatch):
        """With room for two schools on the map, Vsevolozhsk's others are left to the table, in words."""
        from analytics import views

        monkeypatch.setattr(views, "HEATMAP_ROWS", 2)
        at = open_app(examples_db, "municipality", mun=VSEVOLOZHSK, round=SPRING)
        assert any(c.value.startswith("Школ на карте: 2 из ") for c in at.caption)
        assert len(frame(at, "inn")) > 2


class TestSchoolPage:
    def test_school_from_the_url_shows_total_level_and_the_critical_cap(self, open_app, examples_db):
        """?inn=… opens that school: 59 of 100, «ниже базового» because of a critical indicator."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        shown = metrics(at)
        assert shown["Общий балл"] == "59 из 100"
        assert shown["Общий уровень"] == "ниже базового"
        assert shown["Невыполненных критических показателей"] == "1"
        assert any("По сумме баллов уровень был бы «базовый»" in w.value for w in at.warning)

    def test_deficits_are_listed_worst_first_with_the_answer_that_adds_points(self, open_app, examples_db):
        """The table is the engine's deficit list of the school, failed critical indicator first."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        table = frame(at, "answer_best")
        con = open_store(examples_db)
        expected = school_deficits(con, get_round(con, SPRING), inn=BELOW_BASIC_INN)
        con.close()
        assert len(table) == len(expected)
        assert table["number"].iloc[0] == 2
        assert table["answer_best"].iloc[0].startswith("100% учителей")

    def test_thresholds_plans_history_and_mentors(self, open_app, examples_db):
        """Each block of the interview material is filled for the below-basic school."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        assert len(frame(at, "points_basic")) == 9
        assert frame(at, SPRING).columns.tolist() == [AUTUMN, SPRING]
        assert frame(at, "mentor_name")["track_name"].eq("Знание").all()
        labels = [e.label for e in at.expander]
        assert "Итого: ниже базового → базовый (баллов хватает)" in labels

    def test_offers_the_pack_checklists_and_the_interview_agenda(self, open_app, examples_db):
        """The document buttons are there (the files are generated only when clicked)."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        labels = [b.proto.label for b in at.get("download_button")]
        assert labels == [
            "Дорожная карта (xlsx)",
            "Пакет к собеседованию (zip)",
            "Чек-лист дефицитов (xlsx)",
            "Чек-лист дефицитов (docx)",
            "Повестка собеседования (docx)",
        ]

    def test_unknown_inn_in_a_link_is_reported_and_nothing_shown(self, open_app, examples_db):
        """A link to a school that did not pass the round says so and shows no other school."""
        at = open_app(examples_db, "school", inn="0000000000")
        assert any("Школа с ИНН 0000000000 не проходила самодиагностику" in w.value for w in at.warning)
        assert not at.main.header
        assert not at.metric
        assert at.selectbox(key="school_pick").value is None

    def test_without_a_school_it_asks_for_one_among_the_filtered(self, open_app, examples_db):
        """No ИНН in the URL: no arbitrary school, a picker of the sidebar's schools instead."""
        at = open_app(examples_db, "school", mun=KIROVSK)
        assert "Выберите школу в списке выше" in [i.value for i in at.info]
        assert not at.main.header
        assert not at.metric
        picker = at.selectbox(key="school_pick")
        assert picker.value is None
        assert picker.options
        assert all(option.endswith(f" — {KIROVSK}") for option in picker.options)

    def test_a_school_outside_the_filters_is_not_shown_and_the_filters_can_be_cleared(
        self, open_app, examples_db
    ):
        """A Kirov school with the sidebar on Vsevolozhsk: why it is hidden, then shown once cleared."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN, mun=VSEVOLOZHSK)
        hidden = f"не входит в выбранные фильтры: муниципалитет «{VSEVOLOZHSK}»"
        assert any(hidden in w.value for w in at.warning)
        assert not at.main.header
        at.button(key="school_clear_filters").click().run()
        assert "МОБУ «СОШ №1»" in [h.value for h in at.header]
        assert "mun" not in at.query_params

    def test_changing_the_municipality_hides_the_school_of_another(self, open_app, examples_db):
        """The sidebar moved to Vsevolozhsk while a Kirov school is open: it is no longer shown."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        assert "МОБУ «СОШ №1»" in [h.value for h in at.header]
        at.selectbox(key="shared_select_mun").set_value(VSEVOLOZHSK).run()
        assert not at.main.header
        assert any("не входит в выбранные фильтры" in w.value for w in at.warning)

    def test_unknown_round_in_a_link_is_reported_and_nothing_shown(self, open_app, examples_db):
        """?round=… naming no stored round: said in Russian, no figures of another round instead."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        at.query_params["round"] = "Зима 1999"
        at.run()
        assert "Раунда «Зима 1999» в базе нет — проверьте ссылку или выберите раунд в боковой панели" in [
            e.value for e in at.error
        ]
        assert not at.main.header
        assert not at.metric
        at.button(key="unknown_round_show_default").click().run()
        assert "МОБУ «СОШ №1»" in [h.value for h in at.header]

    def test_picking_another_school_updates_the_url(self, open_app, examples_db):
        """The school selector writes ?inn=…, so the profile can be shared."""
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        at.selectbox(key="school_pick").set_value("4726073598").run()
        assert at.query_params["inn"] == "4726073598"
        assert metrics(at)["Общий уровень"] == "высокий"


class TestSchoolsOpenInTheSameSession:
    """A selected row (or a support-list link) switches to «Школа» with the school's query."""

    @staticmethod
    def select_row(at: AppTest, key: str, row: int = 0) -> AppTest:
        at.session_state[key] = {"selection": {"rows": [row], "columns": [], "cells": []}}
        return at.run()

    @staticmethod
    def assert_on_school(at: AppTest, inn: str) -> None:
        assert not at.exception, [e.value for e in at.exception]
        assert at.query_params["inn"] == inn
        assert at.title[0].value == "Школа"
        assert at.main.header, texts(at)

    def test_support_list_links_open_the_school_with_its_query(self, open_app, examples_db):
        at = open_app(examples_db, "region")
        first = at.page_link[0].proto
        assert first.label.startswith("1. МОБУ «СОШ №1» — Кировский")
        assert "inn=4723257880" in first.query_string
        assert "round=" in first.query_string

    @pytest.mark.parametrize(
        ("page", "key", "query"),
        [
            ("region", "region_below_basic_table", {}),
            ("municipality", "municipality_table", {"mun": KIROVSK}),
            ("credibility", "credibility_flags", {}),
        ],
    )
    def test_a_selected_row_opens_the_school(self, open_app, examples_db, page, key, query):
        at = open_app(examples_db, page, **query)
        table = next(t for t in at.dataframe if t.key == key)
        data = table.value
        inn = data["inn"].iloc[0] if "inn" in data.columns else None
        self.select_row(at, key)
        assert at.query_params["round"] == SPRING
        self.assert_on_school(at, inn or at.query_params["inn"])

    def test_a_school_sharing_a_deficit_opens(self, open_app, examples_db):
        at = open_app(examples_db, "deficits")
        at.selectbox(key="deficits_indicator").set_value("general:10").run()
        inn = frame(at, "answer_current")["inn"].iloc[0]
        self.assert_on_school(self.select_row(at, "deficits_sharing_table"), inn)

    def test_a_mentor_opens_from_the_school_page(self, open_app, examples_db):
        at = open_app(examples_db, "school", inn=BELOW_BASIC_INN)
        mentors = frame(at, "mentor_name")
        row = int(mentors["mentor_inn"].notna().to_numpy().argmax())
        mentor = mentors["mentor_inn"].iloc[row]
        self.assert_on_school(self.select_row(at, "school_mentors_table", row), mentor)


class TestDeficitsPage:
    def test_schools_sharing_a_chosen_deficit(self, open_app, examples_db):
        """Picking indicator №10 lists the ten schools that lost points on it."""
        at = open_app(examples_db, "deficits")
        at.selectbox(key="deficits_indicator").set_value("general:10").run()
        assert len(frame(at, "answer_current")) == 10

    def test_the_indicator_is_in_the_url_both_ways(self, open_app, examples_db):
        """?indicator=general:10 opens that indicator's schools; choosing another rewrites the link."""
        at = open_app(examples_db, "deficits", indicator="general:10")
        assert at.selectbox(key="deficits_indicator").value == "general:10"
        assert len(frame(at, "answer_current")) == 10
        con = open_store(examples_db)
        choices = views.deficit_choices(
            pooled_deficit_frequency(deficit_frequency(con, get_round(con, SPRING)))
        )
        con.close()
        other = next(key for key in choices if key != "general:10")
        at.selectbox(key="deficits_indicator").set_value(other).run()
        assert at.query_params["indicator"] == other

    def test_top_deficits_per_track_respect_the_limit(self, open_app, examples_db):
        """Three indicators per track when the slider says three."""
        at = open_app(examples_db, "deficits")
        at.slider(key="deficits_per_track").set_value(3).run()
        assert len(frame(at, "share_deficit")) == 3

    def test_bulk_packs_build_a_zip_on_request(self, open_app, examples_db):
        """The archive of interview packs is the default, prepared on request, then offered."""
        at = open_app(examples_db, "deficits")
        at.button(key="deficits_checklists_prepare").click().run()
        labels = [b.proto.label for b in at.get("download_button")]
        assert "Скачать архив: пакеты к собеседованию" in labels

    def test_bulk_checklists_in_a_chosen_format(self, open_app, examples_db):
        at = open_app(examples_db, "deficits")
        at.radio(key="deficits_checklists_format").set_value("Чек-листы docx").run()
        at.button(key="deficits_checklists_prepare").click().run()
        labels = [b.proto.label for b in at.get("download_button")]
        assert "Скачать архив: чек-листы" in labels


def write_roster(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["ИНН", "Наименование ОО", "Муниципальное образование", "Тип местности"])
        writer.writerow([BELOW_BASIC_INN, "МОБУ «СОШ №1»", "Кировский муниципальный район", "сельская"])
        writer.writerow(["4700000001", "МОБУ «СОШ №101»", "Кировский муниципальный район", "городская"])
    return path


class TestUploadPage:
    def test_check_reports_counts_before_writing_then_import_writes(self, open_app, tmp_path):
        """The check shows 14 new schools and writes nothing; the import then lands in the log."""
        db = build_store(tmp_path / "autumn.duckdb", rounds=(AUTUMN,))
        at = open_app(db, "upload")
        spring = [EXAMPLES / "region_long_spring_2026.csv", EXAMPLES / "school_protocols_spring_2026.xlsx"]
        at.file_uploader(key="upload_files").set_value([(p.name, p.read_bytes(), "text/csv") for p in spring])
        at.text_input(key="upload_new_round").set_value(SPRING).run()
        at.button(key="upload_check").click().run()
        assert metrics(at)["Новых школ"] == "14"
        assert len(frame(at, "import_id")) == 1
        at.button(key="upload_commit").click().run()
        assert any("Загрузка №2 в раунд «Весна 2026»: школ новых — 14" in s.value for s in at.success)
        assert len(frame(at, "import_id")) == 2
        assert at.selectbox(key="shared_select_round").value == SPRING

    def test_a_flood_of_problems_is_counted_whole_and_listed_in_part(self, open_app, tmp_path):
        """1,500 wrong rows: the message counts all of them, the table shows the first 1,000 and
        says so in its last row."""
        at = open_app(build_store(tmp_path / "autumn.duckdb", rounds=(AUTUMN,)), "upload")
        at.file_uploader(key="upload_files").set_value([("flood.csv", bad_rows_csv(1500), "text/csv")])
        at.text_input(key="upload_new_round").set_value(SPRING).run()
        at.button(key="upload_check").click().run()
        assert any(e.value.startswith("Найдено проблем: 1500.") for e in at.error)
        problems = frame(at, "message")
        assert len(problems) == MAX_PROBLEMS + 1
        assert problems["message"].iloc[-1] == f"показаны первые {MAX_PROBLEMS} из 1500 проблем"

    def test_schools_on_a_hidden_sheet_are_told_before_the_import(self, open_app, tmp_path):
        workbook = openpyxl.load_workbook(EXAMPLES / "region_wide_autumn_2025.xlsx")
        hidden = workbook.copy_worksheet(workbook.active)
        hidden.title = "Архив"
        hidden.sheet_state = "hidden"
        buffer = io.BytesIO()
        workbook.save(buffer)
        at = open_app(build_store(tmp_path / "empty.duckdb", rounds=()), "upload")
        at.file_uploader(key="upload_files").set_value([("wide.xlsx", buffer.getvalue(), "application/xlsx")])
        at.text_input(key="upload_new_round").set_value(AUTUMN).run()
        at.button(key="upload_check").click().run()
        assert any("лист «Архив» скрыт: школ на нём — 14" in shown(w.value) for w in at.warning)

    def test_problems_are_listed_with_file_row_and_column(self, open_app, tmp_path):
        """A file with an unknown answer is refused and the problem points at its cell."""
        source = (EXAMPLES / "region_long_spring_2026.csv").read_text(encoding="cp1251").splitlines()
        header, first = source[0], source[1].split(";")
        first[header.split(";").index("Ответ")] = "Такого ответа нет"
        data = ("\n".join([header, ";".join(first)]) + "\n").encode("cp1251")
        at = open_app(build_store(tmp_path / "autumn.duckdb", rounds=(AUTUMN,)), "upload")
        at.file_uploader(key="upload_files").set_value([("bad.csv", data, "text/csv")])
        at.text_input(key="upload_new_round").set_value(SPRING).run()
        at.button(key="upload_check").click().run()
        problems = frame(at, "message")
        assert problems[["file", "row", "column"]].iloc[0].tolist() == ["bad.csv", 2, "Ответ"]
        assert any("Найдено проблем: 1" in e.value for e in at.error)

    def test_withdrawal_clears_cached_figures(self, open_app, tmp_path):
        """After withdrawing the spring import, the overview shows that round as empty."""
        db = build_store(tmp_path / "examples.duckdb")
        at = open_app(db, "region")
        assert metrics(at)["ниже базового"] == "1"
        at.switch_page("pages/upload.py").run()
        at.selectbox(key="upload_withdraw_id").set_value(2)
        at.checkbox(key="upload_withdraw_sure").check().run()
        at.button(key="upload_withdraw").click().run()
        assert any("Загрузка №2 отозвана" in s.value for s in at.success)
        at.switch_page("pages/region.py").run()
        assert NO_DATA in [i.value for i in at.info]

    def test_an_emptied_round_is_offered_for_removal_and_stops_being_the_default(self, open_app, tmp_path):
        """Withdrawing the only import of «Весна 2026» offers to remove that round; once removed, the
        sidebar starts at «Осень 2025»; a fresh session never starts at the empty round."""
        db = build_store(tmp_path / "examples.duckdb")
        at = open_app(db, "upload")
        at.selectbox(key="upload_withdraw_id").set_value(2)
        at.checkbox(key="upload_withdraw_sure").check().run()
        at.button(key="upload_withdraw").click().run()
        assert any("В раундах «Весна 2026» нет ни одной действующей загрузки" in w.value for w in at.warning)
        fresh = open_app(db, "region")
        assert fresh.selectbox(key="shared_select_round").value == AUTUMN
        at.button(key="upload_remove_round").click().run()
        assert any("Раунд «Весна 2026» удалён" in s.value for s in at.success)
        assert at.selectbox(key="shared_select_round").options == [AUTUMN]

    def test_roster_upload_gives_participation(self, open_app, tmp_path):
        """With a roster of two Кировский schools, one passed: the overview says 1 of 2."""
        db = build_store(tmp_path / "examples.duckdb")
        at = open_app(db, "upload")
        roster = write_roster(tmp_path / "roster.csv")
        at.file_uploader(key="upload_roster_file").set_value((roster.name, roster.read_bytes(), "text/csv"))
        at.run()
        at.button(key="upload_roster").click().run()
        assert any("Реестр загружен: школ — 2" in s.value for s in at.success)
        at.switch_page("pages/region.py").run()
        assert "Прошли самодиагностику 1 из 2 ожидаемых школ (50,0 %)" in texts(at)


class TestTableHelpers:
    def test_school_query_names_the_school_its_municipality_and_the_round(self):
        """A school opened from a list keeps the round shown; without one the round is left out."""
        from pages._shared import school_query

        rnd = Round(1, "Весна 2026", dt.date(2026, 4, 1), "demo-2025")
        expected = {"inn": "4700000001", "mun": VSEVOLOZHSK, "round": rnd.name}
        assert school_query("4700000001", VSEVOLOZHSK, Filters(rnd)) == expected
        without_round = {"inn": "4700000001", "mun": VSEVOLOZHSK}
        assert school_query("4700000001", VSEVOLOZHSK, Filters(None)) == without_round

    def test_level_colours_only_for_tables_short_enough(self):
        """A table of STYLED_ROWS rows is coloured; a longer one keeps its levels as plain text."""
        from pages._shared import STYLED_ROWS, with_level_colors

        short = pd.DataFrame({"level": ["базовый"] * STYLED_ROWS})
        long = pd.DataFrame({"level": ["базовый"] * (STYLED_ROWS + 1)})
        styled = with_level_colors(short, ["level"])
        assert "background-color" in styled.to_html()
        assert with_level_colors(long, ["level"]) is long


HOSTILE_SCHOOL = "**Жирная** [СОШ](http://evil.example) $x$ :red[красная]"
HOSTILE_MUNICIPALITY = "[Район](http://evil.example)"


class TestNamesStayText:
    """Names from data are shown as written, never as markdown: no bold, link, formula or colour."""

    @pytest.fixture
    def hostile_db(self, tmp_path, rubric):
        db = tmp_path / "hostile.duckdb"
        con = open_store(db)
        schools = [
            SchoolSpec("4720000001", HOSTILE_SCHOOL, HOSTILE_MUNICIPALITY, failed_critical=(2,)),
            SchoolSpec("4720000002", "МОБУ «СОШ №2»", HOSTILE_MUNICIPALITY),
        ]
        import_uploads(con, [Upload.from_path(write_long_csv(tmp_path / "h.csv", rubric, schools))], SPRING)
        con.close()
        return db

    def test_plain_escapes_every_markdown_character(self):
        from pages._shared import plain

        assert plain(HOSTILE_SCHOOL) == (
            "\\*\\*Жирная\\*\\* \\[СОШ\\]\\(http\\://evil\\.example\\) \\$x\\$ \\:red\\[красная\\]"
        )

    def test_support_list_and_municipality_links_carry_escaped_names(self, open_app, hostile_db):
        from pages._shared import plain

        at = open_app(hostile_db)
        labels = [link.proto.label for link in at.page_link if link.proto.label[:1].isdigit()]
        assert labels
        assert plain(HOSTILE_SCHOOL) in labels[0]
        assert "**ниже базового**" in labels[0]
        assert "http://evil" not in labels[0]
        at = open_app(hostile_db, "municipality")
        municipality = [link.proto.label for link in at.page_link if "школ" in link.proto.label]
        assert municipality
        assert municipality[0].startswith(plain(HOSTILE_MUNICIPALITY))
