"""The «Динамика» and «Достоверность» pages through AppTest, on small stores built by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest  # noqa: TID251 -- drives the pages through streamlit.testing

from analytics.db import open_store
from analytics.dynamics import TOO_FEW
from analytics.rubric import LEVELS
from tests import test_credibility, test_dynamics
from tests.conftest import metrics

SPRING, AUTUMN = test_dynamics.SPRING, test_dynamics.AUTUMN
LUGA = test_dynamics.LUGA


@pytest.fixture(scope="module")
def dynamics_db(tmp_path_factory, rubric) -> Path:
    """The hand-built spring and autumn rounds of tests/test_dynamics.py."""
    folder = tmp_path_factory.mktemp("pages_dynamics")
    con = open_store(folder / "store.duckdb")
    test_dynamics.build_two_rounds(con, rubric, folder)
    con.close()
    return folder / "store.duckdb"


@pytest.fixture(scope="module")
def credibility_db(tmp_path_factory, rubric) -> Path:
    """The planted cases of tests/test_credibility.py."""
    path = tmp_path_factory.mktemp("pages_credibility") / "store.duckdb"
    test_credibility.build_store(path, rubric)
    return path


def tables_with(at: AppTest, column: str) -> list:
    """The frames behind the page's tables that have `column` (a Styler's data when styled), in order."""
    frames = [getattr(t.value, "data", t.value) for t in at.dataframe]
    return [f for f in frames if column in f.columns]


def table(at: AppTest, column: str):
    """The first table on the page that has `column`."""
    found = tables_with(at, column)
    assert found, f"no table with column {column!r}"
    return found[0]


class TestDynamicsPage:
    def test_default_compares_the_previous_round_with_the_selected_one(self, open_app, dynamics_db):
        """Autumn is selected, spring is the default first round; counts match the hand-built rounds."""
        at = open_app(dynamics_db, "dynamics")
        assert at.selectbox(key=f"dynamics_from_{AUTUMN}").value == SPRING
        assert at.selectbox(key=f"dynamics_to_{AUTUMN}").value == AUTUMN
        assert metrics(at) == {
            "Школ в обоих раундах": "20",
            "Повысили уровень": "7",
            "Сохранили уровень": "10",
            "Понизили уровень": "3",
            "Только в одном раунде": "2",
        }

    def test_the_round_pair_is_in_the_url_both_ways(self, open_app, dynamics_db):
        """A link with ?from=…&to=… opens that pair; changing a picker rewrites the link."""
        at = open_app(dynamics_db, "dynamics", **{"from": AUTUMN, "to": SPRING})
        assert at.selectbox(key=f"dynamics_from_{AUTUMN}").value == AUTUMN
        assert at.selectbox(key=f"dynamics_to_{AUTUMN}").value == SPRING
        at.selectbox(key=f"dynamics_from_{AUTUMN}").set_value(SPRING).run()
        at.selectbox(key=f"dynamics_to_{AUTUMN}").set_value(AUTUMN).run()
        assert (at.query_params["from"], at.query_params["to"]) == (SPRING, AUTUMN)
        assert metrics(at)["Школ в обоих раундах"] == "20"

    def test_a_mover_opens_the_school_in_the_same_session(self, open_app, dynamics_db):
        """Selecting a riser switches to «Школа» with that school's ИНН in the URL."""
        at = open_app(dynamics_db, "dynamics")
        inn = table(at, "level_from")["inn"].iloc[0]
        at.session_state["dynamics_risers"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
        at.run()
        assert at.query_params["inn"] == inn
        assert at.title[0].value == "Школа"

    def test_transition_matrix_counts_and_shares(self, open_app, dynamics_db):
        """The matrix shows counts per level pair; shares of small rows read «мало данных»."""
        at = open_app(dynamics_db, "dynamics")
        counts, shares = tables_with(at, "средний")
        assert counts.loc["средний"].tolist() == [0, 2, 6, 3]
        assert shares.loc["средний", "средний"] == "54,5 %"
        assert shares.loc["ниже базового", "базовый"] == TOO_FEW

    def test_tables_of_movers_tests_indicators_and_grid(self, open_app, dynamics_db):
        """Risers and fallers overall, nine scopes tested, 68 indicators, four grid rows."""
        at = open_app(dynamics_db, "dynamics")
        risers, fallers = tables_with(at, "level_from")
        assert len(risers) == 7
        assert len(fallers) == 3
        assert len(table(at, "points_mean_from")) == 9
        assert len(table(at, "indicator")) == 68
        grid = table(at, "count_schools")
        assert grid["level"].tolist() == list(reversed(LEVELS))
        assert grid["count_up"].tolist() == [3, 3, 1, 0]
        deficits = table(at, "n_schools")
        assert deficits["n_schools"].tolist() == [17, 3]

    def test_choosing_a_track_shows_its_movers(self, open_app, dynamics_db):
        """Picking «Здоровье» lists the schools whose health level moved."""
        at = open_app(dynamics_db, "dynamics")
        at.selectbox(key="dynamics_scope").set_value("health").run()
        risers = table(at, "level_from")
        assert len(risers) > 0
        assert set(risers["scope"]) == {"health"}

    def test_a_small_municipality_gets_no_verdicts(self, open_app, dynamics_db):
        """Three paired schools: every test reads «мало данных»."""
        at = open_app(dynamics_db, "dynamics", mun=LUGA)
        assert metrics(at)["Школ в обоих раундах"] == "3"
        assert set(table(at, "points_mean_from")["verdict"]) == {TOO_FEW}

    def test_same_round_twice_is_explained(self, open_app, dynamics_db):
        """Picking the second round as the first too shows the Russian error, not a traceback."""
        at = open_app(dynamics_db, "dynamics")
        at.selectbox(key=f"dynamics_from_{AUTUMN}").set_value(AUTUMN).run()
        assert "два разных раунда" in at.error[0].value

    def test_one_round_only_asks_for_another(self, open_app, tmp_path, rubric):
        """With a single round there is nothing to compare, and the page says so."""
        con = open_store(tmp_path / "one.duckdb")
        school = test_dynamics.spec_for(rubric, "4700000011", LUGA, 50, spring=True)
        test_dynamics.import_round(con, rubric, tmp_path, SPRING, [school])
        con.close()
        at = open_app(tmp_path / "one.duckdb", "dynamics")
        assert "нужны хотя бы два раунда" in at.info[0].value


class TestCredibilityPage:
    def test_counts_and_the_list_to_check(self, open_app, credibility_db):
        """Eight schools carry ten flags; every flag is a row of the list."""
        at = open_app(credibility_db, "credibility", round=AUTUMN)
        assert metrics(at) == {"Школ с отметками": "8", "Отметок": "10", "Правил сработало": "6"}
        flags = table(at, "evidence")
        assert len(flags) == 10
        assert flags["reason"].str.len().gt(20).all()
        rules = table(at, "title").set_index("rule")["count_schools"]
        assert rules["total_outlier"] == 3
        assert rules["identical_answers"] == 2
        mild = table(at, "title").set_index("rule")["mild"]
        assert mild[mild].index.tolist() == ["critical_switch"], "the mild finding is marked as such"

    def test_municipality_filter_and_rule_filter(self, open_app, credibility_db):
        """Luga's two schools; then only the copied answers among them."""
        at = open_app(credibility_db, "credibility", round=AUTUMN, mun=LUGA)
        assert metrics(at)["Школ с отметками"] == "2"
        assert set(table(at, "evidence")["municipality"]) == {LUGA}
        at.multiselect(key="credibility_rule_filter").set_value(["identical_answers"]).run()
        flags = table(at, "evidence")
        assert flags["inn"].tolist() == [test_credibility.COPY_LUGA]

    def test_the_rule_filter_is_in_the_url_both_ways(self, open_app, credibility_db):
        """?rule=… opens the list kept to that rule; choosing rules rewrites the link."""
        at = open_app(credibility_db, "credibility", round=AUTUMN, mun=LUGA, rule="identical_answers")
        assert at.multiselect(key="credibility_rule_filter").value == ["identical_answers"]
        assert table(at, "evidence")["inn"].tolist() == [test_credibility.COPY_LUGA]
        at.multiselect(key="credibility_rule_filter").set_value([]).run()
        assert "rule" not in at.query_params
        at.multiselect(key="credibility_rule_filter").set_value(["identical_answers", "all_max"]).run()
        assert at.query_params["rule"] == ["identical_answers", "all_max"]

    def test_first_round_has_no_jump_flags(self, open_app, credibility_db):
        """The spring round has no earlier round, so no school jumped."""
        at = open_app(credibility_db, "credibility", round=SPRING)
        rules = table(at, "title").set_index("rule")["count_schools"]
        assert rules["level_jump"] == 0
