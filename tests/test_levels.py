"""Levels from points and the critical-indicator rule, at and around every boundary."""

from __future__ import annotations

import pytest

from analytics.deficits import plan_next_levels, school_deficits
from analytics.levels import school_levels_wide
from analytics.loading import Upload, import_uploads
from analytics.rounds import get_round
from tests.conftest import SchoolSpec, write_long_csv

ROUND = "Весна 2026"


def _levels_of(con, rubric, tmp_path, *specs: SchoolSpec):
    path = write_long_csv(tmp_path / "export.csv", rubric, list(specs))
    import_uploads(con, [Upload.from_path(path)], ROUND)
    return school_levels_wide(con, get_round(con, ROUND)).set_index("inn")


class TestTrackThresholds:
    @pytest.mark.parametrize(
        ("points", "level"),
        [
            (6, "ниже базового"),  # one point below «базовый» (7)
            (7, "базовый"),  # exactly at the threshold
            (10, "базовый"),
            (11, "средний"),
            (14, "средний"),
            (15, "высокий"),
            (17, "высокий"),  # the maximum
        ],
    )
    def test_knowledge_track_levels(self, con, rubric, tmp_path, points, level):
        """«Знание» (general form) reaches a level exactly at its min_points."""
        table = _levels_of(
            con, rubric, tmp_path, SchoolSpec("4700000010", track_points={"knowledge": points})
        )
        assert table.loc["4700000010", "knowledge_points"] == points
        assert table.loc["4700000010", "knowledge_level"] == level

    @pytest.mark.parametrize(
        ("career", "level"),
        [(3, "ниже базового"), (4, "базовый"), (5, "средний"), (6, "средний"), (7, "высокий")],
    )
    def test_correctional_form_has_its_own_thresholds(self, con, rubric, tmp_path, career, level):
        """«Профориентация» in the correctional form: базовый 4, средний 5, высокий 7."""
        spec = SchoolSpec("4700000011", form="correctional", track_points={"career": career})
        table = _levels_of(con, rubric, tmp_path, spec)
        assert table.loc["4700000011", "career_level"] == level


class TestTotalThresholds:
    @pytest.mark.parametrize(
        ("knowledge", "upbringing", "total", "level"),
        [
            # The other six tracks at maximum give 70 points in the general form.
            (7, 6, 83, "средний"),
            (9, 6, 85, "высокий"),
            (8, 6, 84, "средний"),
        ],
    )
    def test_total_level_at_and_below_threshold(
        self, con, rubric, tmp_path, knowledge, upbringing, total, level
    ):
        """The overall level reaches «высокий» at exactly 85 points, not at 84."""
        spec = SchoolSpec("4700000012", track_points={"knowledge": knowledge, "upbringing": upbringing})
        table = _levels_of(con, rubric, tmp_path, spec)
        assert (table.loc["4700000012", "total"], table.loc["4700000012", "level"]) == (total, level)


class TestCriticalRule:
    def test_failed_critical_caps_track_and_total(self, con, rubric, tmp_path):
        """A critical indicator at 0 puts its track and the total at «ниже базового»."""
        table = _levels_of(con, rubric, tmp_path, SchoolSpec("4700000013", failed_critical=(2,)))
        row = table.loc["4700000013"]
        assert row["total"] == 99
        assert (row["level"], row["knowledge_level"]) == ("ниже базового", "ниже базового")
        assert row["upbringing_level"] == "высокий"

    def test_partial_answer_on_critical_is_not_a_failure(self, con, rubric, tmp_path):
        """A critical indicator with max 2 answered for 1 point does not trigger the cap."""
        critical_with_two = next(
            i for i in rubric.indicators_of("general") if i.is_critical and i.points_max >= 2
        )
        track = critical_with_two.track_code
        track_max = sum(i.points_max for i in rubric.indicators_of("general") if i.track_code == track)
        table = _levels_of(
            con, rubric, tmp_path, SchoolSpec("4700000014", track_points={track: track_max - 1})
        )
        assert table.loc["4700000014", "level"] == "высокий"


class TestDeficits:
    def test_deficits_list_failed_critical_first_with_best_answer(self, con, rubric, tmp_path):
        """Deficits are the indicators below maximum, failed critical first, with the closing answer."""
        _levels_of(
            con, rubric, tmp_path, SchoolSpec("4700000015", failed_critical=(2,), track_points={"health": 13})
        )
        deficits = school_deficits(con, get_round(con, ROUND), inn="4700000015")
        assert deficits.iloc[0]["number"] == 2
        assert bool(deficits.iloc[0]["is_failed_critical"])
        best = max(rubric.options_of("general", 2), key=lambda o: o.points).answer
        assert deficits.iloc[0]["answer_best"] == best
        assert int(deficits["points_lost"].sum()) == 1 + 2

    def test_next_level_requires_closing_failed_critical(self, con, rubric, tmp_path):
        """To leave «ниже базового» the plan must include every failed critical indicator."""
        _levels_of(
            con, rubric, tmp_path, SchoolSpec("4700000016", failed_critical=(2,), track_points={"health": 5})
        )
        plans = {p.scope: p for p in plan_next_levels(con, get_round(con, ROUND), "4700000016")}
        assert [c.number for c in plans["total"].changes] == [2]
        assert plans["total"].level_next == "базовый"
        health = plans["health"]
        assert health.level_now == "ниже базового"
        assert health.points_needed == 1
        assert len(health.changes) == 1
        assert "knowledge" in plans
