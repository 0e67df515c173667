"""Round comparison on two hand-built rounds: transitions, movers, paired tests, closed deficits."""

from __future__ import annotations

import csv
import io
import math
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics import dynamics
from analytics.config import RUBRIC_DIR
from analytics.db import open_store
from analytics.dynamics import (
    CHANGE_DOWN,
    CHANGE_SAME,
    CHANGE_UP,
    ONLY_FROM,
    ONLY_TO,
    TOO_FEW,
    compare_rounds,
    format_shares,
    school_history,
)
from analytics.errors import SamodiagError
from analytics.loading import Upload, import_uploads
from analytics.roster import TITLES, import_roster
from analytics.rounds import get_round
from analytics.rubric import LEVELS, Rubric, load_rubric
from analytics.text import normalize
from tests.conftest import SchoolSpec, answers_for, write_long_csv

ROOT = Path(__file__).resolve().parents[1]
KIROV = "Кировский муниципальный район"
LUGA = "Лужский муниципальный район"
SPRING, AUTUMN = "Весна 2025", "Осень 2025"

# (inn, municipality, total in spring, total in autumn); None: the school did not pass that round.
SCHOOLS = (
    ("4700000011", KIROV, 30, 50),
    ("4700000022", KIROV, 35, 35),
    ("4700000033", KIROV, 45, 65),
    ("4700000044", KIROV, 50, 50),
    ("4700000055", KIROV, 55, 42),
    ("4700000066", KIROV, 65, 90),
    ("4700000077", KIROV, 70, 55),
    ("4700000088", KIROV, 75, 78),
    ("4700000099", KIROV, 88, 92),
    ("4700000100", LUGA, 90, 70),
    ("4700000111", LUGA, 62, 64),
    ("4700000122", LUGA, 41, 61),
    ("4700000133", KIROV, 70, 70),
    ("4700000144", KIROV, 60, 61),
    ("4700000155", KIROV, 63, 86),
    ("4700000166", KIROV, 66, 66),
    ("4700000177", KIROV, 72, 58),
    ("4700000188", KIROV, 80, 84),
    ("4700000199", KIROV, 84, 85),
    ("4700000200", KIROV, 68, 71),
    ("4700000211", KIROV, 60, None),
    ("4700000222", LUGA, None, 80),
)
FAILED_IN_SPRING = {"4700000133": (24,)}
"""«Школьный спортивный клуб» (critical) failed in spring: 70 points yet «ниже базового»."""
DEEP_STUDY = "Углубленное изучение отдельных предметов"
PAIRED = [s for s in SCHOOLS if s[2] is not None and s[3] is not None]


def spread(rubric: Rubric, total: int, form: str = "general") -> dict[str, int]:
    """Track points adding up to `total`, each track in proportion to its maximum (largest remainder)."""
    maxima = {
        t.code: sum(i.points_max for i in rubric.indicators_of(form) if i.track_code == t.code)
        for t in rubric.tracks
    }
    whole = sum(maxima.values())
    exact = {code: total * top / whole for code, top in maxima.items()}
    points = {code: math.floor(value) for code, value in exact.items()}
    by_remainder = sorted(exact, key=lambda code: points[code] - exact[code])
    for code in by_remainder[: total - sum(points.values())]:
        points[code] += 1
    return points


def spec_for(rubric: Rubric, inn: str, municipality: str, total: int, *, spring: bool) -> SchoolSpec:
    failed = FAILED_IN_SPRING.get(inn, ()) if spring else ()
    name = f"МОУ «СОШ №{inn[-3:]}»"
    return SchoolSpec(inn, name, municipality, track_points=spread(rubric, total), failed_critical=failed)


def import_round(con, rubric, folder: Path, round_name: str, specs: list[SchoolSpec], **options) -> None:
    path = write_long_csv(folder / f"{round_name}.csv", rubric, specs)
    import_uploads(con, [Upload.from_path(path)], round_name, **options)


def build_two_rounds(
    con, rubric, folder: Path, autumn_rubric: Rubric | None = None, **autumn_options
) -> None:
    spring = [spec_for(rubric, inn, m, a, spring=True) for inn, m, a, _ in SCHOOLS if a is not None]
    autumn_rubric = autumn_rubric or rubric
    autumn = [spec_for(autumn_rubric, inn, m, b, spring=False) for inn, m, _, b in SCHOOLS if b is not None]
    import_round(con, rubric, folder, SPRING, spring)
    import_round(con, autumn_rubric, folder, AUTUMN, autumn, **autumn_options)


@pytest.fixture(scope="module")
def store(tmp_path_factory, rubric):
    folder = tmp_path_factory.mktemp("dynamics")
    con = open_store(folder / "store.duckdb")
    build_two_rounds(con, rubric, folder)
    yield con
    con.close()


@pytest.fixture(scope="module")
def comparison(store):
    return compare_rounds(store, get_round(store, SPRING), get_round(store, AUTUMN))


@pytest.fixture(scope="module")
def luga(store):
    return compare_rounds(store, get_round(store, SPRING), get_round(store, AUTUMN), municipality=LUGA)


def independent_deficit_changes(rubric: Rubric, municipality: str | None = None) -> pd.DataFrame:
    """Per paired school and indicator: deficit in spring, deficit in autumn, from the specs alone."""
    maxima = {i.number: i.points_max for i in rubric.indicators_of("general")}
    texts = {i.number: i.text for i in rubric.indicators_of("general")}
    rows = []
    for inn, place, before, after in PAIRED:
        if municipality and place != municipality:
            continue
        spring = answers_for(rubric, spec_for(rubric, inn, place, before, spring=True))
        autumn = answers_for(rubric, spec_for(rubric, inn, place, after, spring=False))
        rows += [
            {
                "municipality": place,
                "indicator": texts[number],
                "deficit_from": spring[number][1] < maxima[number],
                "deficit_to": autumn[number][1] < maxima[number],
            }
            for number in maxima
        ]
    return pd.DataFrame(rows)


class TestTransitions:
    def test_transition_matrix_counts_schools_by_level_in_each_round(self, comparison):
        """Rows are the first round's level, columns the second's; only schools in both count."""
        expected = [
            [1, 1, 1, 0],  # ниже базового: stayed at 35, rose at 30 → 50, and the critical closed at 70
            [0, 2, 2, 0],
            [0, 2, 6, 3],
            [0, 0, 1, 1],
        ]
        assert comparison.transitions.to_numpy().tolist() == expected
        assert list(comparison.transitions.index) == list(LEVELS)
        assert list(comparison.transitions.columns) == list(LEVELS)

    def test_shares_only_for_rows_of_at_least_ten_schools(self, comparison):
        """The «средний» row (11 schools) gets shares; rows of 2–4 schools are «мало данных»."""
        shares = comparison.transition_shares
        assert shares.loc["средний"].tolist() == pytest.approx([0, 2 / 11, 6 / 11, 3 / 11])
        assert shares.drop(index="средний").isna().all().all()
        shown = format_shares(shares)
        assert shown.loc["средний", "средний"] == "54,5 %"
        assert shown.loc["базовый", "средний"] == TOO_FEW

    def test_risers_and_fallers_overall(self, comparison):
        """Seven schools rose a level overall and three fell; the critical fix counts as a rise."""
        risers = comparison.movers("total", rising=True)
        fallers = comparison.movers("total", rising=False)
        assert set(risers["inn"]) == {
            "4700000011",
            "4700000033",
            "4700000066",
            "4700000122",
            "4700000133",
            "4700000155",
            "4700000199",
        }
        assert set(fallers["inn"]) == {"4700000077", "4700000100", "4700000177"}
        fixed = risers.set_index("inn").loc["4700000133"]
        assert (fixed["level_from"], fixed["level_to"]) == ("ниже базового", "средний")
        assert (fixed["points_from"], fixed["points_to"]) == (70, 70)

    def test_movers_per_track_follow_track_levels(self, comparison, rubric):
        """A track riser's levels are the levels its planted track points reach."""
        risers = comparison.movers("health", rising=True).set_index("inn")
        assert not risers.empty
        for inn, row in risers.iterrows():
            assert LEVELS.index(row["level_to"]) > LEVELS.index(row["level_from"])
            _, _, before, after = next(s for s in SCHOOLS if s[0] == inn)
            assert row["points_from"] == spread(rubric, before)["health"]
            assert row["points_to"] == spread(rubric, after)["health"]

    def test_status_change_grid_counts_level_now_by_direction(self, comparison):
        """Overall: each level now split into rose / stayed / fell, highest level first."""
        grid = comparison.status_change_grid.query("scope == 'total'").set_index("level")
        assert list(grid.index) == list(reversed(LEVELS))
        assert grid[["count_up", "count_same", "count_down"]].to_numpy().tolist() == [
            [3, 1, 0],
            [3, 6, 1],
            [1, 2, 2],
            [0, 1, 0],
        ]
        assert grid["count_schools"].sum() == len(PAIRED)

    def test_grid_covers_every_track(self, comparison, rubric):
        """The grid has four levels for the total and for each of the eight tracks."""
        grid = comparison.status_change_grid
        assert list(dict.fromkeys(grid["scope"])) == ["total", *(t.code for t in rubric.tracks)]
        assert (grid.groupby("scope")["count_schools"].sum() == len(PAIRED)).all()


class TestSchoolsInOneRound:
    def test_schools_in_one_round_are_listed_not_dropped(self, comparison):
        """A school that skipped a round is listed on its side and kept in the per-school table."""
        assert comparison.only_in_from["inn"].tolist() == ["4700000211"]
        assert comparison.only_in_to["inn"].tolist() == ["4700000222"]
        assert comparison.only_in_to.iloc[0]["total"] == 80
        assert comparison.only_in_to.iloc[0]["level"] == "средний"

    def test_per_school_table_has_every_school_with_its_change(self, comparison):
        """One row per school in either round; change reads up, same, down or the missing round."""
        table = comparison.schools.set_index("inn")
        assert len(table) == len(SCHOOLS)
        assert table.loc["4700000011", "change"] == CHANGE_UP
        assert table.loc["4700000055", "change"] == CHANGE_SAME
        assert table.loc["4700000100", "change"] == CHANGE_DOWN
        assert table.loc["4700000211", "change"] == ONLY_FROM
        assert table.loc["4700000222", "change"] == ONLY_TO
        assert pd.isna(table.loc["4700000222", "total_from"])
        assert table.loc["4700000222", "total_to"] == 80
        assert Counter(table["change"]) == {
            CHANGE_UP: 7,
            CHANGE_SAME: 10,
            CHANGE_DOWN: 3,
            ONLY_FROM: 1,
            ONLY_TO: 1,
        }

    def test_per_school_table_has_track_levels_of_both_rounds(self, comparison, rubric):
        """Each track contributes its level in the first and the second round."""
        table = comparison.schools.set_index("inn")
        assert table.loc["4700000133", "health_level_from"] == "ниже базового"
        assert table.loc["4700000133", "health_level_to"] != "ниже базового"
        track_columns = [c for c in table.columns if c.endswith(("_level_from", "_level_to"))]
        assert len(track_columns) == 2 * len(rubric.tracks)


class TestPairedTests:
    @pytest.mark.parametrize("scope", ["total", "knowledge", "health", "environment"])
    def test_wilcoxon_equals_scipy_on_the_same_pairs(self, comparison, rubric, scope):
        """Statistic and p-value are scipy's signed-rank test on the planted points of paired schools."""

        def points(total: int) -> int:
            return total if scope == "total" else spread(rubric, total)[scope]

        before = [points(a) for _, _, a, _ in PAIRED]
        after = [points(b) for _, _, _, b in PAIRED]
        expected = stats.wilcoxon(after, before)
        row = comparison.track_changes.set_index("scope").loc[scope]
        assert row["n_pairs"] == len(PAIRED)
        assert row["statistic"] == pytest.approx(expected.statistic)
        assert row["p_value"] == pytest.approx(expected.pvalue)
        assert row["mean_change"] == pytest.approx((sum(after) - sum(before)) / len(PAIRED))

    @pytest.mark.parametrize(("seed", "count"), [(1, 51), (2, 400), (3, 5000)])
    def test_beyond_fifty_pairs_the_rank_counts_give_scipys_result(self, seed, count):
        """A region's thousands of pairs are ranked by counting integer changes, not by scipy: same answer."""
        rng = np.random.default_rng(seed)
        before = rng.integers(20, 90, size=count)
        after = before + rng.integers(-6, 8, size=count)
        result = dynamics._paired_points_test(before, after)
        expected = stats.wilcoxon(after - before)
        assert result["statistic"] == pytest.approx(expected.statistic)
        assert result["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)

    def test_effect_size_is_the_matched_pairs_rank_biserial(self, comparison):
        """r = (sum of ranks of rises − sum of ranks of falls) / all ranks, zero changes left out."""
        changes = [b - a for _, _, a, b in PAIRED if b != a]
        ranks = stats.rankdata([abs(c) for c in changes])
        rises = sum(r for r, c in zip(ranks, changes, strict=True) if c > 0)
        expected = (2 * rises - ranks.sum()) / ranks.sum()
        row = comparison.track_changes.set_index("scope").loc["total"]
        assert row["effect_size_r"] == pytest.approx(expected)
        assert row["verdict"] in {"заметный рост", "небольшой рост", "изменений нет"}

    def test_indicator_counts_match_the_planted_answers(self, comparison, rubric):
        """Closed and opened deficits per indicator equal a count made from the specs themselves."""
        pairs = independent_deficit_changes(rubric)
        expected = pairs.groupby("indicator").agg(
            n_pairs=("deficit_from", "size"),
            deficits_from=("deficit_from", "sum"),
            deficits_to=("deficit_to", "sum"),
            closed=("deficit_from", lambda s: int((s & ~pairs.loc[s.index, "deficit_to"]).sum())),
            opened=("deficit_to", lambda s: int((s & ~pairs.loc[s.index, "deficit_from"]).sum())),
        )
        table = comparison.indicator_changes.set_index("indicator")
        columns = ["n_pairs", "deficits_from", "deficits_to", "closed", "opened"]
        assert table.loc[expected.index, columns].to_numpy().tolist() == expected[columns].to_numpy().tolist()

    def test_mcnemar_equals_scipy_exact_binomial_on_discordant_pairs(self, comparison):
        """The p-value is scipy's two-sided binomial test of closed among closed + opened."""
        table = comparison.indicator_changes
        discordant = table[(table["closed"] + table["opened"]) > 0]
        assert len(discordant) > 5
        for row in discordant.itertuples():
            expected = stats.binomtest(row.closed, row.closed + row.opened, 0.5).pvalue
            assert row.p_value == pytest.approx(expected)
        unchanged = table[(table["closed"] + table["opened"]) == 0]
        assert (unchanged["verdict"] == CHANGE_SAME).all()

    def test_closed_critical_indicator_is_counted(self, comparison):
        """The failed «Школьный спортивный клуб» fixed by one school is one closed deficit there."""
        club = comparison.indicator_changes.set_index("indicator").loc["Школьный спортивный клуб"]
        assert (club["closed"], club["opened"], club["deficits_from"], club["deficits_to"]) == (1, 0, 1, 0)


def _verdict(step: np.ndarray, *, p_adjusted: float | None = None, points_max: int = 100) -> str:
    """The verdict the page shows for a scope whose schools changed by `step` points."""
    before = np.full(len(step), 50)
    row = dynamics._paired_points_test(before, before + step)
    row["p_adjusted"] = row["p_value"] if p_adjusted is None else p_adjusted
    row["points_max"] = points_max
    return dynamics._points_verdict(pd.Series(row))


class TestVerdicts:
    def test_a_tenth_of_a_point_over_thousands_of_schools_is_small_not_noticeable(self):
        """+0,09 points on 3,000 schools is significant and still «небольшой рост», never «заметный»."""
        rng = np.random.default_rng(7)
        step = np.where(rng.random(3000) < 0.09, 1, 0)
        assert stats.wilcoxon(step).pvalue < 0.001
        assert _verdict(step, points_max=17) == "небольшой рост"

    def test_a_change_of_five_percent_of_the_maximum_is_noticeable(self):
        """A mean fall of 1 point in a track of 17 (over 5 %) on 200 schools is «заметное снижение»."""
        step = -np.ones(200, dtype=int)
        step[:10] = 0
        step[10:20] = -2
        assert _verdict(step, points_max=17) == "заметное снижение"
        assert _verdict(step, points_max=100) == "небольшое снижение"

    def test_significant_before_correction_is_no_change_after_it(self):
        """A raw p of 0.03 that Holm raises above 0.05 gives «изменений нет»."""
        step = np.array([3, 2, 4, -1, 2, 3, 1, -2, 2, 1, 3, 0, 2, -1, 1])
        assert stats.wilcoxon(step).pvalue < 0.05
        assert _verdict(step, p_adjusted=0.2) == "изменений нет"
        assert _verdict(step, points_max=17) == "заметный рост"

    def test_few_schools_changed_among_many_pairs_is_too_few(self):
        """1,000 pairs of which 6 moved: the small-number rule counts the six and gives «мало данных»."""
        step = np.zeros(1000, dtype=int)
        step[:6] = 5
        assert _verdict(step) == dynamics.TOO_FEW
        assert _verdict(np.zeros(1000, dtype=int)) == "изменений нет"

    def test_holm_adjustment_equals_a_recomputation(self):
        """Holm: sort, multiply the k-th smallest by m − k + 1, carry the running maximum, cap at 1."""
        p = np.array([0.01, 0.04, np.nan, 0.03, 0.005, 0.5])
        ran = [0.005, 0.01, 0.03, 0.04, 0.5]
        expected_sorted, running = [], 0.0
        for k, value in enumerate(ran):
            running = max(running, min(1.0, value * (len(ran) - k)))
            expected_sorted.append(running)
        by_value = dict(zip(ran, expected_sorted, strict=True))
        adjusted = dynamics._holm(p)
        assert np.isnan(adjusted[2])
        for value, got in zip(p, adjusted, strict=True):
            if not np.isnan(value):
                assert got == pytest.approx(by_value[value])

    def test_track_and_indicator_verdicts_come_from_adjusted_p(self, comparison):
        """Tracks carry Holm-adjusted p, indicators Benjamini–Hochberg (scipy's), and verdicts use them."""
        tracks = comparison.track_changes
        assert (tracks["p_adjusted"].dropna() >= tracks["p_value"].dropna()).all()
        indicators = comparison.indicator_changes
        ran = indicators["p_value"].notna()
        expected = stats.false_discovery_control(indicators.loc[ran, "p_value"], method="bh")
        assert indicators.loc[ran, "p_adjusted"].to_numpy() == pytest.approx(expected)
        significant = indicators["verdict"].isin(["дефицит значимо реже", "дефицит значимо чаще"])
        assert (indicators.loc[significant, "p_adjusted"] < 0.05).all()


class TestBelowBasicStatus:
    def test_left_and_entered_counts_and_mcnemar_equal_a_recount(self, comparison):
        """Below-basic status per scope: counts from the school table, p from scipy's binomial test."""
        schools = comparison.schools
        both = schools[schools["level_from"].notna() & schools["level_to"].notna()]
        was = both["level_from"] == "ниже базового"
        now = both["level_to"] == "ниже базового"
        row = comparison.below_basic_changes.set_index("scope").loc["total"]
        assert (row["left"], row["entered"]) == (int((was & ~now).sum()), int((~was & now).sum()))
        assert (row["below_basic_from"], row["below_basic_to"]) == (int(was.sum()), int(now.sum()))
        if row["left"] + row["entered"]:
            expected = stats.binomtest(int(row["left"]), int(row["left"] + row["entered"]), 0.5).pvalue
            assert row["p_value"] == pytest.approx(expected)
        assert row["p_adjusted"] >= row["p_value"]

    def test_too_few_pairs_give_no_verdict(self, luga):
        """Three paired schools give «мало данных», not a verdict."""
        assert (luga.below_basic_changes["verdict"] == dynamics.TOO_FEW).all()


class TestTooFewSchools:
    def test_tests_below_ten_pairs_say_too_few(self, luga):
        """Three paired schools in one municipality give no test and no shares, only «мало данных»."""
        assert (luga.track_changes["n_pairs"] == 3).all()
        assert (luga.track_changes["verdict"] == TOO_FEW).all()
        assert luga.track_changes["p_value"].isna().all()
        assert (luga.indicator_changes["verdict"] == TOO_FEW).all()
        assert luga.indicator_changes["share_deficit_from"].isna().all()
        assert (format_shares(luga.transition_shares) == TOO_FEW).all().all()

    def test_municipality_filter_keeps_only_its_schools(self, luga):
        """The per-school table and the transitions hold the municipality's schools alone."""
        assert set(luga.schools["municipality"]) == {LUGA}
        assert len(luga.schools) == 4
        assert int(luga.transitions.to_numpy().sum()) == 3


class TestDeficitsByMunicipality:
    def test_closed_and_opened_per_municipality_match_the_planted_answers(self, comparison, rubric):
        """Per municipality: schools in both rounds and deficits closed and opened, counted from the specs."""
        pairs = independent_deficit_changes(rubric)
        pairs["closed"] = pairs["deficit_from"] & ~pairs["deficit_to"]
        pairs["opened"] = pairs["deficit_to"] & ~pairs["deficit_from"]
        expected = pairs.groupby("municipality")[["closed", "opened"]].sum()
        table = comparison.deficits_by_municipality.set_index("municipality")
        assert table.loc[[KIROV, LUGA], ["closed", "opened"]].to_numpy().tolist() == (
            expected.loc[[KIROV, LUGA]].to_numpy().tolist()
        )
        assert table.loc[KIROV, "n_schools"] == 17
        assert table.loc[LUGA, "n_schools"] == 3
        assert (table["balance"] == table["closed"] - table["opened"]).all()
        assert (table.loc[KIROV, "critical_closed"], table.loc[KIROV, "critical_opened"]) == (1, 0)


CORRECTIONAL = (
    # (inn, municipality, total in spring, total in autumn, critical indicators failed in spring)
    ("4700000301", KIROV, 40, 75, ()),
    ("4700000302", KIROV, 75, 45, ()),
    ("4700000303", LUGA, 50, 60, (21,)),
)
"""Schools of the correctional form, which numbers its indicators apart from the general form
(its «Школьный спортивный клуб» is number 21, the general form's 24)."""


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, rubric):
    """The general schools of SCHOOLS in both rounds and three correctional ones."""
    folder = tmp_path_factory.mktemp("mixed")
    con = open_store(folder / "store.duckdb")
    specs = {SPRING: [], AUTUMN: []}
    for inn, place, before, after in PAIRED:
        specs[SPRING].append(spec_for(rubric, inn, place, before, spring=True))
        specs[AUTUMN].append(spec_for(rubric, inn, place, after, spring=False))
    for round_name, is_spring in ((SPRING, True), (AUTUMN, False)):
        specs[round_name] += [
            correctional_spec(rubric, inn, place, before if is_spring else after, failed if is_spring else ())
            for inn, place, before, after, failed in CORRECTIONAL
        ]
        import_round(con, rubric, folder, round_name, specs[round_name])
    yield con, specs
    con.close()


class TestFormsNumberedApart:
    def test_deficits_count_under_the_same_indicator_in_either_form(self, mixed, rubric):
        """Per indicator text, schools in both rounds, deficits and closed/opened ones equal a count
        from the answers each form's specs give."""
        con, specs = mixed
        result = compare_rounds(con, get_round(con, SPRING), get_round(con, AUTUMN))
        expected = planted_deficits(rubric, specs[SPRING], specs[AUTUMN])
        table = result.indicator_changes.set_index("indicator")
        columns = ["n_pairs", "deficits_from", "deficits_to", "closed", "opened"]
        assert table.loc[expected.index, columns].to_numpy().tolist() == expected[columns].to_numpy().tolist()
        assert table.loc["Школьный спортивный клуб", "n_pairs"] == len(PAIRED) + len(CORRECTIONAL)

    def test_a_correctional_school_fixing_a_critical_indicator_closes_it(self, mixed):
        """The Luga correctional school failed its critical sports club in spring and not in autumn."""
        con, _ = mixed
        result = compare_rounds(con, get_round(con, SPRING), get_round(con, AUTUMN))
        luga = result.deficits_by_municipality.set_index("municipality").loc[LUGA]
        assert (luga["n_schools"], luga["critical_closed"], luga["critical_opened"]) == (4, 1, 0)


def correctional_spec(
    rubric: Rubric, inn: str, place: str, total: int, failed: tuple[int, ...]
) -> SchoolSpec:
    points = spread(rubric, total, form="correctional")
    return SchoolSpec(inn, f"ГКОУ «Школа №{inn[-3:]}»", place, "correctional", points, failed)


def planted_deficits(rubric: Rubric, before: list[SchoolSpec], after: list[SchoolSpec]) -> pd.DataFrame:
    """Per indicator text: schools in both rounds, deficits in each, closed and opened, from the specs."""

    def deficits(spec: SchoolSpec) -> dict[str, bool]:
        indicators = {i.number: i for i in rubric.indicators_of(spec.form)}
        answers = answers_for(rubric, spec)
        return {ind.text: answers[n][1] < ind.points_max for n, ind in indicators.items()}

    later = {spec.inn: deficits(spec) for spec in after}
    rows = [
        {"indicator": text, "deficit_from": was, "deficit_to": later[spec.inn][text]}
        for spec in before
        for text, was in deficits(spec).items()
    ]
    pairs = pd.DataFrame(rows)
    pairs["closed"] = pairs["deficit_from"] & ~pairs["deficit_to"]
    pairs["opened"] = pairs["deficit_to"] & ~pairs["deficit_from"]
    return pairs.groupby("indicator").agg(
        n_pairs=("deficit_from", "size"),
        deficits_from=("deficit_from", "sum"),
        deficits_to=("deficit_to", "sum"),
        closed=("closed", "sum"),
        opened=("opened", "sum"),
    )


CORRECTED_IN_AUTUMN = {"4700000011": 90, "4700000100": 40}
"""Autumn totals two schools corrected by a later import (their first autumn import: 50 and 70)."""


class TestReplacedAnswers:
    def store_with_autumn(self, path: Path, rubric: Rubric, *, corrected_later: bool):
        con = open_store(path / "store.duckdb")
        spring = [spec_for(rubric, inn, m, a, spring=True) for inn, m, a, _ in SCHOOLS if a is not None]
        import_round(con, rubric, path, SPRING, spring)
        autumn = {inn: (m, b) for inn, m, _, b in SCHOOLS if b is not None}
        first = {
            inn: b if corrected_later else CORRECTED_IN_AUTUMN.get(inn, b) for inn, (_, b) in autumn.items()
        }
        import_round(
            con,
            rubric,
            path,
            AUTUMN,
            [spec_for(rubric, i, autumn[i][0], t, spring=False) for i, t in first.items()],
        )
        if corrected_later:
            fixes = [
                spec_for(rubric, i, autumn[i][0], t, spring=False) for i, t in CORRECTED_IN_AUTUMN.items()
            ]
            import_round(con, rubric, path / "fix", AUTUMN, fixes)
        return con

    def test_a_corrected_school_is_compared_on_its_corrected_answers(self, tmp_path, rubric, comparison):
        """Answers replaced by a later import count as if the corrected ones had been imported at once."""
        (tmp_path / "direct").mkdir()
        (tmp_path / "replaced" / "fix").mkdir(parents=True)
        direct = self.store_with_autumn(tmp_path / "direct", rubric, corrected_later=False)
        replaced = self.store_with_autumn(tmp_path / "replaced", rubric, corrected_later=True)
        compared = [compare_rounds(c, get_round(c, SPRING), get_round(c, AUTUMN)) for c in (direct, replaced)]
        for field in ("indicator_changes", "deficits_by_municipality", "track_changes", "transitions"):
            pd.testing.assert_frame_equal(getattr(compared[0], field), getattr(compared[1], field))
        assert not compared[1].indicator_changes.equals(comparison.indicator_changes)
        direct.close()
        replaced.close()


class TestMethodologyChange:
    @pytest.fixture
    def renamed_rubric_root(self, tmp_path) -> Path:
        """demo-2025 and a copy «demo-2026» where one general indicator is reworded."""
        root = tmp_path / "rubric"
        shutil.copytree(RUBRIC_DIR / "demo-2025", root / "demo-2025")
        folder = root / "demo-2026"
        shutil.copytree(RUBRIC_DIR / "demo-2025", folder)
        for path in folder.glob("*.csv"):
            text = path.read_text(encoding="utf-8").replace("demo-2025", "demo-2026")
            if path.name == "indicators.csv":
                text = text.replace(DEEP_STUDY, "Углублённое изучение предметов")
            path.write_text(text, encoding="utf-8")
        return root

    def test_rounds_under_two_methodologies_compare_what_matches(self, tmp_path, rubric, renamed_rubric_root):
        """Tracks match by code, indicators by text; the reworded one is left out and the note says so."""
        con = open_store(tmp_path / "store.duckdb", rubric_root=renamed_rubric_root)
        build_two_rounds(
            con, rubric, tmp_path, load_rubric("demo-2026", renamed_rubric_root), methodology="demo-2026"
        )
        result = compare_rounds(con, get_round(con, SPRING), get_round(con, AUTUMN))
        assert result.methodology_note is not None
        assert "demo-2025" in result.methodology_note
        assert "demo-2026" in result.methodology_note
        assert "67 общих показателей" in result.methodology_note
        indicators = {normalize(text) for text in result.indicator_changes["indicator"]}
        assert normalize(DEEP_STUDY) not in indicators
        assert len(result.indicator_changes) == 67
        assert int(result.transitions.to_numpy().sum()) == len(PAIRED)
        assert len(result.track_changes) == 9
        con.close()

    def test_same_methodology_has_no_note(self, comparison):
        """Rounds under one methodology need no caveat."""
        assert comparison.methodology_note is None


class TestFilters:
    def test_school_type_keeps_only_schools_of_that_type(self, tmp_path, rubric):
        """With a roster calling the Luga schools rural, «сельская» compares those four alone."""
        con = open_store(tmp_path / "store.duckdb")
        build_two_rounds(con, rubric, tmp_path)
        rows = [";".join(TITLES.values())]
        for inn, place, _, _ in SCHOOLS:
            locality = "сельская" if place == LUGA else "городская"
            rows.append(f"{inn};МОУ «СОШ №{inn[-3:]}»;{place};{locality};200;нет")
        import_roster(con, Upload("roster.csv", "\n".join(rows).encode("utf-8")))
        rural = compare_rounds(con, get_round(con, SPRING), get_round(con, AUTUMN), school_type="сельская")
        con.close()
        assert set(rural.schools["municipality"]) == {LUGA}
        assert len(rural.schools) == 4
        assert rural.deficits_by_municipality["municipality"].tolist() == [LUGA]
        assert (rural.track_changes["n_pairs"] == 3).all()

    def test_a_round_is_not_compared_with_itself(self, store):
        """Choosing the same round twice is a Russian error, not an empty comparison."""
        spring = get_round(store, SPRING)
        with pytest.raises(SamodiagError, match="два разных раунда"):
            compare_rounds(store, spring, spring)


class TestSchoolHistory:
    def test_history_lists_every_round_oldest_first_total_first(self, store, rubric):
        """One row per round and scope: the school's points and level, total before the tracks."""
        history = school_history(store, "4700000133")
        assert history["round"].tolist() == [SPRING] * 9 + [AUTUMN] * 9
        assert history["scope"].tolist()[:9] == ["total", *(t.code for t in rubric.tracks)]
        total = history[history["scope"] == "total"]
        assert total["points"].tolist() == [70, 70]
        assert total["level"].tolist() == ["ниже базового", "средний"]
        assert total["scope_name"].tolist() == ["В целом", "В целом"]

    def test_history_of_a_school_in_one_round(self, store):
        """A school that passed once has one round of history."""
        assert set(school_history(store, "4700000222")["round"]) == {AUTUMN}

    def test_unknown_school_has_no_history(self, store):
        """An ИНН never imported gives an empty history."""
        assert school_history(store, "0000000000").empty


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory, rubric) -> Path:
    """The two rounds in a store no connection of this process holds, for the CLI to open."""
    folder = tmp_path_factory.mktemp("compare_cli")
    con = open_store(folder / "cli.duckdb")
    build_two_rounds(con, rubric, folder)
    con.close()
    return folder / "cli.duckdb"


class TestCompareCommand:
    def test_compare_prints_one_row_per_school_of_either_round(self, db):
        """UTF-8 CSV without BOM: identity, levels and totals of both rounds, change, track levels."""
        done = run_cli("compare", "--from", SPRING, "--to", AUTUMN, "--db", str(db))
        assert done.returncode == 0, done.stderr.decode()
        assert not done.stdout.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"))))
        assert list(rows[0])[:8] == [
            "inn",
            "name",
            "municipality",
            "level_from",
            "level_to",
            "total_from",
            "total_to",
            "change",
        ]
        assert list(rows[0])[8:10] == ["knowledge_level_from", "knowledge_level_to"]
        by_inn = {row["inn"]: row for row in rows}
        assert len(by_inn) == len(SCHOOLS)
        assert (by_inn["4700000066"]["total_from"], by_inn["4700000066"]["total_to"]) == ("65", "90")
        assert by_inn["4700000066"]["change"] == CHANGE_UP
        assert by_inn["4700000211"]["total_to"] == ""

    def test_compare_for_a_municipality_in_excel_form(self, db):
        """--municipality keeps its schools; --excel writes «;» and a BOM."""
        done = run_cli(
            "compare", "--from", SPRING, "--to", AUTUMN, "--municipality", LUGA, "--excel", "--db", str(db)
        )
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8-sig")), delimiter=";"))
        assert {row["municipality"] for row in rows} == {LUGA}
        assert len(rows) == 4

    def test_unknown_round_is_a_russian_error(self, db):
        """A round not in the store exits 2 naming the rounds that exist."""
        done = run_cli("compare", "--from", "Весна 2020", "--to", AUTUMN, "--db", str(db))
        assert done.returncode == 2
        assert "раунд «Весна 2020» не найден" in done.stderr.decode()
