"""The data the pages draw, computed on the worked examples imported through the real importer."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import views
from analytics.db import open_store
from analytics.deficits import deficit_frequency, pooled_deficit_frequency
from analytics.loading import Upload, import_uploads, plan_import, withdraw_import
from analytics.roster import import_roster
from analytics.rounds import get_round
from analytics.store_info import list_imports
from tests.conftest import SchoolSpec, write_long_csv

EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "examples"
AUTUMN, SPRING = "Осень 2025", "Весна 2026"
BELOW_BASIC_INN = "4723257880"  # МОБУ «СОШ №1»: 59 points, but a failed critical indicator
CORRECTIONAL_INNS = {"4713334298", "4732839229"}
VSEVOLOZHSK = "Всеволожский муниципальный район"
KIROVSK = "Кировский муниципальный район"
ROSTER_HEADER = ["ИНН", "Наименование ОО", "Муниципальное образование", "Тип местности", "Коррекционная"]


def import_examples(con: duckdb.DuckDBPyConnection) -> None:
    """The two worked-example rounds, imported as a user would import them."""
    import_uploads(con, [Upload.from_path(EXAMPLES / "region_wide_autumn_2025.xlsx")], AUTUMN)
    spring_files = ("region_long_spring_2026.csv", "school_protocols_spring_2026.xlsx")
    import_uploads(con, [Upload.from_path(EXAMPLES / name) for name in spring_files], SPRING)


def write_roster(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(ROSTER_HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The examples store; module-wide because the views under test never write."""
    con = open_store(tmp_path_factory.mktemp("views") / "examples.duckdb")
    import_examples(con)
    yield con
    con.close()


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh examples store for tests that add a roster or withdraw an import."""
    con = open_store(tmp_path / "examples.duckdb")
    import_examples(con)
    yield con
    con.close()


def expected_levels(round_name: str) -> pd.DataFrame:
    frame = pd.read_csv(EXAMPLES / "expected_levels.csv", dtype={"inn": str})
    return frame[frame["round"] == round_name]


class TestLevelCounts:
    def test_overall_counts_match_the_expected_levels_file(self, store):
        """Schools per overall level equal the worked example's published levels."""
        counts = views.level_counts(store, get_round(store, SPRING))
        overall = counts[counts["scope"] == "total"].set_index("level")["count_schools"]
        expected = expected_levels(SPRING)["level"].value_counts()
        assert overall.to_dict() == {level: int(expected.get(level, 0)) for level in overall.index}

    def test_every_scope_lists_all_four_levels_with_shares_summing_to_one(self, store):
        """A level nobody reached still appears with zero, so charts keep their order."""
        counts = views.level_counts(store, get_round(store, SPRING))
        assert counts.groupby("scope").size().eq(4).all()
        assert counts.groupby("scope")["share"].sum().round(9).eq(1).all()
        assert counts["scope_name"].iloc[0] == "Итого"

    def test_school_type_filter_counts_only_schools_of_that_type(self, store):
        """Without a roster, correctional schools are recognised by their form."""
        counts = views.level_counts(store, get_round(store, SPRING), school_type="коррекционная")
        overall = counts[counts["scope"] == "total"]
        assert overall["count_schools"].sum() == len(CORRECTIONAL_INNS)


class TestSchoolTypes:
    def test_without_a_roster_general_schools_are_of_unknown_type(self, store):
        """«не указан» for every general school when no roster says urban or rural."""
        rnd = get_round(store, SPRING)
        every, unknown, correctional = (
            set(views.round_schools(store, rnd, school_type=school_type)["inn"])
            for school_type in (None, "не указан", "коррекционная")
        )
        assert correctional == CORRECTIONAL_INNS
        assert unknown == every - CORRECTIONAL_INNS

    def test_roster_locality_becomes_the_school_type(self, writable, tmp_path):
        """A roster row «сельская» makes the school rural in every filter."""
        roster = write_roster(
            tmp_path / "roster.csv", [(BELOW_BASIC_INN, "МОБУ «СОШ №1»", KIROVSK, "сельская", "нет")]
        )
        import_roster(writable, Upload.from_path(roster))
        rural = views.round_schools(writable, get_round(writable, SPRING), school_type="сельская")
        assert set(rural["inn"]) == {BELOW_BASIC_INN}


class TestMunicipalityLevels:
    def test_municipality_with_below_basic_schools_comes_first(self, store):
        """Кировский has the only below-basic school of the spring round, so it leads the chart."""
        frame = views.municipality_levels(store, get_round(store, SPRING))
        assert frame["municipality"].iloc[0] == KIROVSK
        assert frame.groupby("municipality")["count_schools"].sum().to_dict() == {
            VSEVOLOZHSK: 8,
            "Гатчинский муниципальный округ": 3,
            KIROVSK: 3,
        }

    def test_municipality_counts_give_schools_and_below_basic_per_municipality(self, store):
        """One row per municipality with its school count and its below-basic count."""
        counts = views.municipality_counts(store, get_round(store, AUTUMN)).set_index("municipality")
        assert counts.loc[VSEVOLOZHSK, "count_below_basic"] == 1
        assert counts.loc[KIROVSK, "count_below_basic"] == 1
        assert counts["count_schools"].sum() == 14


class TestSupportList:
    def test_below_basic_school_heads_the_list_with_its_reasons_in_words(self, store):
        """The capped school comes first, its weak track and failed critical indicator named."""
        support = views.support_list(store, get_round(store, SPRING))
        first = support.iloc[0]
        assert first["inn"] == BELOW_BASIC_INN
        assert first["reason"] == (
            "ниже базового по 1 направлению; не выполнен критический показатель "
            "«Реализация федеральных рабочих программ по учебным предметам (1‒11 классы)»"
        )

    def test_only_schools_below_basic_overall_or_in_a_track_are_listed(self, store):
        """A school at «средний» in every track never needs support."""
        rnd = get_round(store, SPRING)
        support = views.support_list(store, rnd)
        summary = views.school_summary(store, rnd).set_index("inn")
        needs = summary[(summary["level_rank"] == 0) | (summary["count_tracks_lowest"] > 0)]
        assert set(support["inn"]) == set(needs.index)
        assert len(support) == 4

    def test_list_is_cut_to_its_limit(self, store):
        """The list stays short: `limit` schools at most."""
        assert len(views.support_list(store, get_round(store, SPRING), limit=2)) == 2

    @pytest.mark.parametrize(
        ("tracks", "critical", "level_rank", "reason"),
        [
            (1, [], 1, "ниже базового по 1 направлению"),
            (2, [], 1, "ниже базового по 2 направлениям"),
            (5, [], 0, "ниже базового по 5 направлениям"),
            (21, [], 0, "ниже базового по 21 направлению"),
            (0, [], 0, "общий балл ниже порога базового уровня"),
            (
                0,
                ["А", "Б", "В", "Г"],
                0,
                "не выполнен критический показатель «А»; не выполнен критический показатель «Б»; "
                "и ещё 2 критических показателя",
            ),
        ],
    )
    def test_reason_agrees_with_its_numbers(self, tracks, critical, level_rank, reason):
        """Russian number agreement, and at most two critical indicators spelled out."""
        row = pd.Series(
            {"count_tracks_lowest": tracks, "critical_failed": critical, "level_rank": level_rank}
        )
        assert views.support_reason(row) == reason


class TestBelowBasicSchools:
    def test_lists_schools_below_basic_overall_with_tracks_and_critical_indicators(self, store):
        """Autumn has two below-basic schools: one capped by a critical indicator, one by points."""
        below = views.below_basic_schools(store, get_round(store, AUTUMN)).set_index("inn")
        assert set(below.index) == set(expected_levels(AUTUMN).query("level == 'ниже базового'")["inn"])
        assert below.loc[BELOW_BASIC_INN, "tracks_lowest"] == "Знание"
        assert below.loc[BELOW_BASIC_INN, "critical_failed"].startswith("«Обеспеченность учебниками")


class TestRegionOverview:
    @pytest.mark.parametrize(
        ("municipality", "school_type"), [(None, None), (VSEVOLOZHSK, None), (None, "не указан")]
    )
    def test_one_pass_gives_the_same_blocks_as_the_separate_functions(self, store, municipality, school_type):
        """The overview reads the scores once; each block equals the function that computes it alone."""
        rnd = get_round(store, AUTUMN)
        overview = views.region_overview(store, rnd, municipality, school_type)
        where = (store, rnd, municipality, school_type)
        pd.testing.assert_frame_equal(overview.level_counts, views.level_counts(*where))
        pd.testing.assert_frame_equal(overview.municipality_levels, views.municipality_levels(*where))
        pd.testing.assert_frame_equal(overview.support, views.support_list(*where))
        pd.testing.assert_frame_equal(overview.below_basic, views.below_basic_schools(*where))


class TestParticipation:
    def test_without_a_roster_participation_is_unknown(self, store):
        """Only the schools that passed are counted, and the text says the roster is missing."""
        participation = views.participation(store, get_round(store, SPRING))
        assert not participation.has_roster
        assert participation.count_expected is None
        assert participation.describe() == (
            "Прошли самодиагностику: 14 школ; участие неизвестно — реестр не загружен"
        )

    def test_roster_gives_expected_passed_and_missing_schools(self, writable, tmp_path):
        """Two roster schools of Кировский did not pass: they are listed, the share is 1 of 3."""
        rows = [
            (BELOW_BASIC_INN, "МОБУ «СОШ №1»", KIROVSK, "сельская", "нет"),
            ("4700000001", "МОБУ «СОШ №101»", KIROVSK, "городская", "нет"),
            ("4700000002", "МОБУ «СОШ №102»", KIROVSK, "сельская", "нет"),
        ]
        import_roster(writable, Upload.from_path(write_roster(tmp_path / "roster.csv", rows)))
        participation = views.participation(writable, get_round(writable, SPRING), municipality=KIROVSK)
        assert (participation.count_expected, participation.count_passed_expected) == (3, 1)
        assert set(participation.missing["inn"]) == {"4700000001", "4700000002"}
        assert participation.describe() == "Прошли самодиагностику 1 из 3 ожидаемых школ (33,3 %)"


class TestMunicipalitySchools:
    def test_one_row_per_school_with_change_since_the_previous_round(self, store):
        """МОБУ «СОШ №11» fell from 46 to 44 points between the rounds."""
        table = views.municipality_schools(store, get_round(store, SPRING), VSEVOLOZHSK).set_index("inn")
        assert len(table) == 8
        row = table.loc["4775523350"]
        assert (row["points"], row["points_prev"], row["points_change"]) == (44, 46, -2)
        assert row["count_tracks_lowest"] == 2
        assert row["Учитель. Школьная команда"] == "ниже базового"

    def test_first_round_has_no_change(self, store):
        """Nothing to compare with in the earliest round: the change is empty, not zero."""
        table = views.municipality_schools(store, get_round(store, AUTUMN), VSEVOLOZHSK)
        assert table["points_change"].isna().all()
        totals = views.municipality_totals(table, views.previous_round_name(store, get_round(store, AUTUMN)))
        assert totals.previous_round is None
        assert totals.count_below_basic_prev is None

    def test_totals_count_levels_and_below_basic_last_round(self, store):
        """Всеволожский: no below-basic school now, one (Ивановская ООШ) in autumn."""
        rnd = get_round(store, SPRING)
        totals = views.municipality_totals(
            views.municipality_schools(store, rnd, VSEVOLOZHSK), views.previous_round_name(store, rnd)
        )
        assert totals.count_schools == 8
        assert totals.count_by_level == {"ниже базового": 0, "базовый": 3, "средний": 3, "высокий": 2}
        assert totals.count_below_basic_prev == 1
        assert totals.previous_round == AUTUMN


class TestOrderSchools:
    @pytest.fixture
    def table(self, store) -> pd.DataFrame:
        return views.municipality_schools(store, get_round(store, SPRING), VSEVOLOZHSK)

    def test_sort_by_points_puts_the_lowest_first(self, table):
        """«по общему баллу» is ascending, so the weakest school is on top."""
        ordered = views.order_schools(table, "по общему баллу, сначала низкий")
        assert ordered["points"].tolist() == sorted(table["points"])

    def test_sort_by_weak_tracks_puts_most_first(self, table):
        """Schools with the most tracks below basic come first."""
        ordered = views.order_schools(table, "по числу направлений ниже базового")
        assert ordered["count_tracks_lowest"].iloc[0] == table["count_tracks_lowest"].max()

    def test_level_filter_and_name_search_narrow_the_table(self, table):
        """Only «высокий» schools whose name contains «сош №4» (any case) remain."""
        assert views.order_schools(table, levels=["высокий"])["level"].eq("высокий").all()
        found = views.order_schools(table, name_contains="сош №4")
        assert found["inn"].tolist() == ["4726073598"]


class TestHeatmap:
    def test_cells_carry_the_level_rank_and_the_level_as_text(self, store):
        """Colour comes from the rank, and the cell says the same level in words with the points."""
        rnd = get_round(store, SPRING)
        table = views.order_schools(views.municipality_schools(store, rnd, VSEVOLOZHSK), "по названию")
        grid = views.heatmap(table, views.track_titles(store, rnd))
        row = grid.schools.index("МОБУ «СОШ №11»")
        column = grid.tracks.index("Учитель. Школьная команда")
        assert grid.ranks[row][column] == 0
        assert grid.texts[row][column] == "ниже<br>базового<br>4"
        assert len(grid.ranks) == len(table)
        assert all(len(ranks) == 8 for ranks in grid.ranks)

    def test_only_the_first_schools_are_drawn_and_the_rest_counted(self, store, monkeypatch):
        """Past HEATMAP_ROWS the map keeps the table's first schools, in order, and counts the others."""
        monkeypatch.setattr(views, "HEATMAP_ROWS", 3)
        rnd = get_round(store, SPRING)
        table = views.order_schools(views.municipality_schools(store, rnd, VSEVOLOZHSK), "по названию")
        grid = views.heatmap(table, views.track_titles(store, rnd))
        assert grid.schools == views._row_labels(table.head(3))
        assert grid.count_tracks_lowest == table["count_tracks_lowest"].head(3).tolist()
        assert grid.count_left_out == len(table) - 3 > 0

    def test_schools_with_the_same_name_are_told_apart_by_inn(self):
        """Two «СОШ №1» in one municipality get their ИНН in the label."""
        table = pd.DataFrame({"inn": ["1", "2", "3"], "name": ["СОШ №1", "СОШ №1", "СОШ №2"]})
        assert views._row_labels(table) == ["СОШ №1 (1)", "СОШ №1 (2)", "СОШ №2"]


class TestSchool:
    def test_profile_shows_a_level_capped_by_a_critical_indicator(self, store):
        """59 points reach «базовый», but the failed critical indicator caps it at «ниже базового»."""
        profile = views.school_profile(store, get_round(store, SPRING), BELOW_BASIC_INN)
        assert (profile.points, profile.points_max) == (59, 100)
        assert (profile.level, profile.level_by_points) == ("ниже базового", "базовый")
        assert profile.count_failed_critical == 1

    def test_profile_of_a_school_outside_the_round_is_none(self, store):
        """An unknown ИНН gives no profile, so the page can say so."""
        assert views.school_profile(store, get_round(store, SPRING), "0000000000") is None

    def test_a_school_is_shown_only_inside_the_filters(self, store):
        """Kirov's school passes «all» and its own municipality; Vsevolozhsk's filter names why not."""
        spring = get_round(store, SPRING)
        assert views.school_choice(store, spring, BELOW_BASIC_INN).shown.inn == BELOW_BASIC_INN
        assert views.school_choice(store, spring, BELOW_BASIC_INN, KIROVSK).problem(spring) is None
        outside = views.school_choice(store, spring, BELOW_BASIC_INN, VSEVOLOZHSK, "коррекционная")
        assert outside.shown is None
        assert outside.filtered_out_by == (f"муниципалитет «{VSEVOLOZHSK}»", "тип «коррекционная»")
        assert outside.problem(spring).startswith(f"Школа «МОБУ «СОШ №1»» ({KIROVSK}, тип:")

    def test_no_school_asked_and_a_school_outside_the_round(self, store):
        """No ИНН is no problem (the page asks for one); an unknown ИНН is named with the round."""
        spring = get_round(store, SPRING)
        assert views.school_choice(store, spring, None).problem(spring) is None
        unknown = views.school_choice(store, spring, "0000000000")
        assert unknown.shown is None
        assert unknown.problem(spring) == (
            "Школа с ИНН 0000000000 не проходила самодиагностику в раунде «Весна 2026»"
        )

    def test_thresholds_are_the_rubric_minimums_of_each_level(self, store):
        """Total first, with the general form's thresholds 40 / 60 / 85."""
        thresholds = views.school_thresholds(store, get_round(store, SPRING), BELOW_BASIC_INN)
        total = thresholds.iloc[0]
        assert total["scope_name"] == "Итого"
        assert (total["points_basic"], total["points_middle"], total["points_high"]) == (40, 60, 85)
        assert len(thresholds) == 9

    def test_critical_indicators_mark_the_failed_one(self, store):
        """All critical indicators are listed, the failed one (№2) first."""
        critical = views.school_critical_indicators(store, get_round(store, SPRING), BELOW_BASIC_INN)
        assert critical["is_critical"].all()
        assert critical.loc[critical["is_failed_critical"], "number"].tolist() == [2]
        assert critical["is_failed_critical"].iloc[0]

    def test_history_has_one_column_per_round_oldest_first(self, store):
        """The total's row reads the level and points of each round."""
        history = views.school_history_view(store, BELOW_BASIC_INN)
        assert history.table.columns.tolist() == [AUTUMN, SPRING]
        assert history.table.iloc[0].tolist() == ["ниже базового (66)", "ниже базового (59)"]
        assert history.total["points"].tolist() == [66, 59]


class TestDeficits:
    @pytest.mark.parametrize(
        ("school_type", "form"), [("не указан", "general"), ("коррекционная", "correctional")]
    )
    def test_type_filter_counts_only_the_schools_of_that_type(self, store, school_type, form):
        """Without a roster a school's type follows its form, so a type's frequency is that form's rows."""
        rnd = get_round(store, SPRING)
        engine = deficit_frequency(store, rnd)
        typed = deficit_frequency(store, rnd, school_type=school_type)
        pd.testing.assert_frame_equal(typed, engine[engine["form"] == form].reset_index(drop=True))

    def test_top_deficits_keep_rubric_track_order_and_the_limit(self, store):
        """Tracks in rubric order, at most `per_track` rows each, most frequent first."""
        rnd = get_round(store, SPRING)
        top = views.top_deficits_by_track(
            deficit_frequency(store, rnd), list(views.scope_names(store, rnd)), per_track=2
        )
        assert top["track_code"].iloc[0] == "knowledge"
        assert top.groupby("track_code").size().max() == 2
        knowledge = top[top["track_code"] == "knowledge"]
        assert knowledge["count_deficits"].is_monotonic_decreasing

    def test_schools_sharing_a_deficit_are_the_ones_counted(self, store):
        """Indicator №10 (olympiads) is a deficit in 10 general schools; all 10 are listed."""
        rnd = get_round(store, SPRING)
        sharing = views.schools_with_deficit(store, rnd, indicators="general:10")
        assert len(sharing) == 10
        choices = views.deficit_choices(pooled_deficit_frequency(deficit_frequency(store, rnd)))
        assert choices["general:10"].endswith("— 10 школ")

    def test_a_deficit_shared_across_forms_lists_the_schools_of_both(self, con, rubric, tmp_path):
        """The sports club is № 24 in the general form and № 21 in the correctional one: one choice,
        both schools invited."""
        schools = [
            SchoolSpec("4720000001", "МОБУ «СОШ №1»", failed_critical=(24,)),
            SchoolSpec("4720000002", "ГКОУ «Школа №2»", form="correctional", failed_critical=(21,)),
        ]
        import_uploads(con, [Upload.from_path(write_long_csv(tmp_path / "x.csv", rubric, schools))], SPRING)
        rnd = get_round(con, SPRING)
        choices = views.deficit_choices(pooled_deficit_frequency(deficit_frequency(con, rnd)))
        club = next(key for key, label in choices.items() if "спортивный клуб" in label)
        assert set(club.split()) == {"general:24", "correctional:21"}
        assert choices[club].endswith("— 2 школы во всех формах анкеты")
        sharing = views.schools_with_deficit(con, rnd, indicators=club)
        assert sharing["name"].tolist() == ["ГКОУ «Школа №2»", "МОБУ «СОШ №1»"]


class TestProvenance:
    def test_header_line_names_round_demo_methodology_and_import_time(self, store):
        """The caption every page shows under its title."""
        provenance = views.round_provenance(store, get_round(store, SPRING))
        text = views.describe_provenance(provenance, VSEVOLOZHSK, "сельская")
        assert text.startswith(
            "Раунд «Весна 2026» · Методика: demo-2025 (демонстрационная) · данные загружены "
        )
        assert text.endswith("школ в раунде: 14 · Всеволожский муниципальный район · тип школ: сельская")
        assert provenance.imported_at.date() == dt.datetime.now().date()


class TestUploadViews:
    def test_problems_table_names_file_sheet_row_and_column(self, store, tmp_path):
        """A bad answer in a CSV is reported at its row and column, before anything is written."""
        source = (EXAMPLES / "region_long_spring_2026.csv").read_text(encoding="cp1251").splitlines()
        header, first = source[0], source[1].split(";")
        first[header.split(";").index("Ответ")] = "Такого ответа нет"
        bad = tmp_path / "bad.csv"
        bad.write_text("\n".join([header, ";".join(first)]) + "\n", encoding="cp1251")
        plan = plan_import(store, [Upload.from_path(bad)], "Весна 2027", date=dt.date(2027, 4, 1))
        problems = views.problems_frame(plan.problems)
        assert not plan.is_valid
        assert problems[["file", "row", "column"]].iloc[0].tolist() == ["bad.csv", 2, "Ответ"]
        assert "«Такого ответа нет»" in problems["message"].iloc[0]

    def test_files_table_counts_schools_of_a_valid_plan(self, store):
        """The check lists each file with its schools, nothing written."""
        plan = plan_import(
            store,
            [Upload.from_path(EXAMPLES / "region_wide_autumn_2025.xlsx")],
            "Осень 2027",
            date=dt.date(2027, 11, 1),
        )
        files = views.plan_files_frame(plan)
        assert files["file"].tolist() == ["region_wide_autumn_2025.xlsx"]
        assert files["schools"].tolist() == [14]

    def test_withdrawn_imports_cannot_be_withdrawn_again(self, writable):
        """After withdrawing import №2 only import №1 is offered."""
        assert list(views.active_imports(list_imports(writable))) == [2, 1]
        withdraw_import(writable, 2)
        assert list(views.active_imports(list_imports(writable))) == [1]

    def test_methodology_versions_include_the_demo(self, store):
        """The versions offered for a new round come from data/rubric."""
        assert "demo-2025" in views.methodology_versions(store)
