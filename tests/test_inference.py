"""A methodology proposed from exports reproduces the rubric the exports were made with."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from analytics.demo import write_demo_region
from analytics.inference import infer_methodology, write_methodology
from analytics.loading import Upload
from analytics.rubric import TOTAL_SCOPE, load_rubric
from analytics.text import normalize
from tests.conftest import EXAMPLES, LONG_HEADER
from tests.test_sheet_extent import _capped, _far_cell_workbook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_exports(tmp_path_factory) -> list[Path]:
    region = write_demo_region(tmp_path_factory.mktemp("exports"), schools=400, rounds=2, seed=3)
    return [path for demo_round in region.rounds for path in demo_round.files]


@pytest.fixture(scope="module")
def inferred(demo_exports, rubric):
    return infer_methodology([Upload.from_path(p) for p in demo_exports], rubric, "region-test")


class TestInferredRubric:
    def test_answer_points_equal_the_rubric(self, inferred, rubric):
        """Every answer seen with points gets exactly the rubric's points."""
        truth = {(o.form, o.number, normalize(o.answer)): o.points for o in rubric.options}
        seen = 0
        for item in inferred.indicators:
            for key, points in item.points_by_answer.items():
                assert points == {truth[(item.form, item.number, key)]}
                seen += 1
        assert seen > 200
        assert inferred.conflicts == []

    def test_critical_marks_are_found(self, inferred, rubric):
        """Indicators marked « (критический показатель)» in the exports are critical."""
        critical = {(i.form, i.number) for i in rubric.indicators if i.is_critical}
        found = {(i.form, i.number) for i in inferred.indicators if i.is_critical}
        assert found == critical

    def test_every_true_threshold_lies_in_its_interval(self, inferred, rubric):
        """The data's interval for each threshold contains the rubric's value."""
        checked = 0
        for interval in inferred.intervals:
            rank = ["ниже базового", "базовый", "средний", "высокий"].index(interval.level)
            truth = next(
                t.points_min
                for t in rubric.thresholds_of(interval.form, interval.scope)
                if t.level_rank == rank
            )
            if interval.lowest_possible is not None:
                assert interval.lowest_possible <= truth
            if interval.highest_possible is not None:
                assert truth <= interval.highest_possible
            checked += 1
        assert any(i.scope == TOTAL_SCOPE for i in inferred.intervals)
        assert checked >= 50


class TestInferCommand:
    def test_written_folder_loads_as_a_methodology(self, demo_exports, tmp_path):
        """`methodology infer` writes a folder in the rubric's own layout that loads by name."""
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "analytics",
                "methodology",
                "infer",
                *map(str, demo_exports),
                "--out",
                str(tmp_path),
                "--version",
                "region-test",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "Предложенная методика" in done.stdout
        folder = tmp_path / "region-test"
        with (folder / "answers.csv").open(encoding="utf-8") as handle:
            assert len(list(csv.DictReader(handle))) > 200
        proposal = load_rubric("region-test", tmp_path)
        assert len(proposal.tracks) == 8

    def test_write_then_read_keeps_indicator_numbers(self, inferred, rubric, tmp_path):
        """Indicators keep their own form's numbers and their base track."""
        folder = write_methodology(inferred, rubric, tmp_path)
        with (folder / "indicators.csv").open(encoding="utf-8") as handle:
            rows = {(r["form"], int(r["number"])): r["track_code"] for r in csv.DictReader(handle)}
        assert rows == {(i.form, i.number): i.track_code for i in rubric.indicators}


class TestInferRefusesEmptyEvidence:
    """A file that yields no answer with points gets a Russian refusal, exit 2 and no folder."""

    def _infer(self, export: Path, out: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "analytics", "methodology", "infer", str(export), "--out", str(out)],
            cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_capped, check=False,
        )  # fmt: skip

    def test_empty_export_is_refused(self, tmp_path):
        export = tmp_path / "пустая.csv"
        export.write_text(";".join(LONG_HEADER) + "\n", encoding="utf-8")
        done = self._infer(export, tmp_path / "out")
        assert done.returncode == 2, done.stdout
        assert "Методика не предложена, ничего не записано" in done.stderr
        assert "Файл «пустая.csv»: в файле нет ни одной школы" in done.stderr
        assert "Traceback" not in done.stderr
        assert not (tmp_path / "out").exists()

    def test_huge_sheet_is_refused(self, tmp_path):
        done = self._infer(_far_cell_workbook(tmp_path / "far.xlsx"), tmp_path / "out")
        assert done.returncode == 2, done.stdout
        assert "Методика не предложена, ничего не записано" in done.stderr
        assert "Файл «far.xlsx»: лист «Сводная» слишком велик" in done.stderr
        assert not (tmp_path / "out").exists()

    def test_export_without_points_is_refused(self, tmp_path):
        """A wide export names answers but not their points: nothing to propose from."""
        done = self._infer(EXAMPLES / "region_wide_autumn_2025.xlsx", tmp_path / "out")
        assert done.returncode == 2, done.stdout
        assert "Файл «region_wide_autumn_2025.xlsx»: в файле нет ответов с баллами" in done.stderr
        assert not (tmp_path / "out").exists()
