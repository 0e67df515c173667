"""The rubric is data: its invariants are checked on load, like dbt's accepted_values tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analytics.config import RUBRIC_DIR
from analytics.db import open_store
from analytics.rubric import LEVELS, RubricError, check_rubric, level_rank, load_rubric


class TestDemoMethodology:
    def test_has_eight_tracks_in_order(self, rubric):
        """The demo methodology has the eight tracks of the project, «Знание» first."""
        assert [t.name for t in rubric.tracks][:2] == ["Знание", "Воспитание"]
        assert len(rubric.tracks) == 8
        assert rubric.tracks[-1].name == "Образовательная среда"

    @pytest.mark.parametrize(("form", "count"), [("general", 68), ("correctional", 63)])
    def test_indicator_counts_per_form(self, rubric, form, count):
        """Each questionnaire form has its own number of indicators."""
        assert len(rubric.indicators_of(form)) == count

    def test_every_scope_has_four_levels(self, rubric):
        """Total and each track define all four levels, lowest from 0 points."""
        for form in ("general", "correctional"):
            for scope in ["total", *rubric.track_by_code]:
                levels = rubric.thresholds_of(form, scope)
                assert [t.level_rank for t in levels] == [0, 1, 2, 3]
                assert levels[0].points_min == 0

    def test_sound_rubric_has_no_broken_rules(self, rubric):
        """The shipped methodology passes every check."""
        assert check_rubric(rubric) == []


class TestLevelNames:
    @pytest.mark.parametrize(
        ("text", "rank"),
        [("НИЖЕ БАЗОВОГО", 0), ("базовый", 1), (" Средний ", 2), ("высокий", 3), ("отличный", None)],
    )
    def test_level_rank_ignores_case_and_spaces(self, text, rank):
        """Levels are recognised whatever their case; unknown words are no level."""
        assert level_rank(text) == rank

    def test_levels_are_lowest_first(self):
        """Rank order is the order of the levels."""
        assert LEVELS[0] == "ниже базового"
        assert LEVELS[-1] == "высокий"


def _copy_demo(tmp_path: Path, version: str = "broken-1") -> Path:
    folder = tmp_path / version
    shutil.copytree(RUBRIC_DIR / "demo-2025", folder)
    for csv_file in folder.glob("*.csv"):
        csv_file.write_text(
            csv_file.read_text(encoding="utf-8").replace("demo-2025", version), encoding="utf-8"
        )
    return folder


class TestBrokenRubricIsRefused:
    def test_maximum_not_equal_to_best_answer(self, tmp_path):
        """An indicator whose stated maximum its best answer cannot reach fails on load."""
        folder = _copy_demo(tmp_path)
        path = folder / "indicators.csv"
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[1] = lines[1].rsplit(",", 1)[0] + ",2"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with pytest.raises(RubricError, match="показатель 1: максимум 2"):
            load_rubric("broken-1", tmp_path)

    def test_thresholds_that_do_not_rise(self, tmp_path):
        """Thresholds must rise from level to level."""
        folder = _copy_demo(tmp_path)
        path = folder / "thresholds.csv"
        text = path.read_text(encoding="utf-8").replace(
            "broken-1,general,total,средний,60,100", "broken-1,general,total,средний,30,100"
        )
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RubricError, match="пороги должны начинаться с 0 и расти"):
            load_rubric("broken-1", tmp_path)

    def test_indicator_numbered_beyond_128(self, tmp_path):
        """A form's deficits are kept as one bit per indicator number, so numbers stop at 128."""
        folder = _copy_demo(tmp_path)
        for name in ("indicators.csv", "answers.csv"):
            path = folder / name
            path.write_text(
                path.read_text(encoding="utf-8").replace("broken-1,general,68,", "broken-1,general,129,"),
                encoding="utf-8",
            )
        with pytest.raises(RubricError, match="показатель 129: номер должен быть от 1 до 128"):
            load_rubric("broken-1", tmp_path)

    def test_missing_file_names_it(self, tmp_path):
        """A version folder without one of the six files names the file."""
        folder = _copy_demo(tmp_path)
        (folder / "answers.csv").unlink()
        with pytest.raises(RubricError, match=r"answers\.csv"):
            load_rubric("broken-1", tmp_path)


class TestNewVersionIsAFolder:
    def test_second_version_loads_without_code_change(self, tmp_path):
        """A copied folder under another name becomes a second methodology in the store."""
        shutil.copytree(RUBRIC_DIR / "demo-2025", tmp_path / "demo-2025")
        _copy_demo(tmp_path, "region-2026")
        con = open_store(tmp_path / "store.duckdb", rubric_root=tmp_path)
        versions = con.execute("select version from methodology_versions order by version").fetchall()
        assert versions == [("demo-2025",), ("region-2026",)]
        counts = con.execute(
            "select version, count(*) from answer_options group by version order by version"
        ).fetchall()
        assert counts == [("demo-2025", 322), ("region-2026", 322)]

    def test_reopening_the_store_does_not_reload(self, tmp_path):
        """ensure_schema is safe on every start: option ids stay the same."""
        path = tmp_path / "store.duckdb"
        first = open_store(path)
        ids = first.execute("select min(option_id), max(option_id) from answer_options").fetchone()
        first.close()
        again = open_store(path)
        assert again.execute("select min(option_id), max(option_id) from answer_options").fetchone() == ids
        assert again.execute("select count(*) from schema_migrations").fetchone()[0] >= 1
