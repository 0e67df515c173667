"""Credibility flags: each rule fires on its planted case, with evidence, and is silent on clean schools."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from analytics.credibility import (
    MILD_RULES,
    OUTLIER_MIN_GROUP,
    OUTLIER_Z,
    RULE_TITLES,
    count_flags_by_municipality,
    count_flags_by_rule,
    flag_schools,
    flagged_inns,
    related_indicator_pairs,
)
from analytics.db import open_store
from analytics.demo_db import build_demo_database
from analytics.loading import Upload, import_uploads
from analytics.roster import TITLES, import_roster
from analytics.rounds import get_round
from analytics.rubric import Rubric
from tests.conftest import LONG_HEADER, SchoolSpec, answers_for
from tests.test_dynamics import spread

ROOT = Path(__file__).resolve().parents[1]
KIROV = "Кировский муниципальный район"
LUGA = "Лужский муниципальный район"
SPRING, AUTUMN = "Весна 2025", "Осень 2025"

CLEAN = tuple(f"47120000{k:02d}" for k in range(13))
"""Thirteen clean schools with totals 40, 42, … 64 in both rounds."""
RELATED = "4711000001"
CRITICAL = "4711000002"
ALL_MAX, ALL_MAX_TOO = "4711000003", "4711000010"
COPY_KIROV, COPY_LUGA = "4711000004", "4711000005"
JUMP = "4711000006"
ONE_LEVEL = "4711000008"
HIGH_TOTAL = "4711000007"
CORRECTIONAL = "4711000009"

Answers = dict[int, tuple[str, int]]


def with_points(rubric: Rubric, form: str, answers: Answers, overrides: dict[int, int]) -> Answers:
    """The answers with some indicators set to the option giving the stated points."""
    changed = dict(answers)
    for number, points in overrides.items():
        option = next(o for o in rubric.options_of(form, number) if o.points == points)
        changed[number] = (option.answer, option.points)
    return changed


def school(
    rubric: Rubric,
    inn: str,
    total: int | None,
    municipality: str = KIROV,
    points: dict[int, int] | None = None,
) -> tuple[SchoolSpec, Answers]:
    """(spec, answers) reaching `total` by proportional track points (None: every answer at maximum)."""
    spec = SchoolSpec(inn, f"МОУ «СОШ №{inn[-2:]}»", municipality)
    if total is not None:
        spec.track_points = spread(rubric, total)
    return spec, with_points(rubric, spec.form, answers_for(rubric, spec), points or {})


def round_schools(rubric: Rubric, *, autumn: bool) -> list[tuple[SchoolSpec, Answers]]:
    teacher_full_but_critical = {48: 0, 49: 3, 50: 1, 51: 1, 52: 3, 53: 1, 54: 1}
    correctional = SchoolSpec(
        CORRECTIONAL,
        "ГКОУ «Школа №9»",
        KIROV,
        form="correctional",
        track_points={"knowledge": 8, "health": 12, "creativity": 10},
    )
    return [
        *(school(rubric, inn, 40 + 2 * k) for k, inn in enumerate(CLEAN)),
        school(rubric, RELATED, 50, points={25: 3, 24: 0}),
        school(rubric, CRITICAL, 50, points=teacher_full_but_critical),
        school(rubric, ALL_MAX, None),
        school(rubric, ALL_MAX_TOO, None, LUGA),
        school(rubric, COPY_KIROV, 53),
        school(rubric, COPY_LUGA, 53, LUGA),
        school(rubric, JUMP, 61 if autumn else 30),
        school(rubric, ONE_LEVEL, 63 if autumn else 45),
        school(rubric, HIGH_TOTAL, 98),
        (correctional, answers_for(rubric, correctional)),
    ]


def write_answers_csv(path: Path, rubric: Rubric, schools: list[tuple[SchoolSpec, Answers]]) -> Path:
    """A layout-L export of exactly the given answers."""
    titles = {f.code: f.title for f in rubric.forms}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(LONG_HEADER)
        for spec, answers in schools:
            texts = {i.number: i.text for i in rubric.indicators_of(spec.form)}
            identity = [spec.inn, spec.name, spec.municipality, titles[spec.form]]
            for number, (answer, points) in sorted(answers.items()):
                writer.writerow([*identity, number, texts[number], answer, points])
    return path


def build_store(path: Path, rubric: Rubric) -> None:
    con = open_store(path)
    for name, autumn in ((SPRING, False), (AUTUMN, True)):
        export = write_answers_csv(path.parent / f"{name}.csv", rubric, round_schools(rubric, autumn=autumn))
        import_uploads(con, [Upload.from_path(export)], name)
    con.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory, rubric):
    path = tmp_path_factory.mktemp("credibility") / "store.duckdb"
    build_store(path, rubric)
    con = open_store(path)
    yield con
    con.close()


@pytest.fixture(scope="module")
def flags(store):
    return flag_schools(store, get_round(store, AUTUMN))


def rules_of(flags, inn: str) -> set[str]:
    return set(flags.loc[flags["inn"] == inn, "rule"])


def evidence_of(flags, inn: str, rule: str) -> str:
    found = flags[(flags["inn"] == inn) & (flags["rule"] == rule)]
    assert len(found) == 1
    return found.iloc[0]["evidence"]


def planted_totals(rubric: Rubric) -> dict[str, int]:
    """Autumn totals of the general-form schools, summed from the planted answers themselves."""
    return {
        spec.inn: sum(points for _, points in answers.values())
        for spec, answers in round_schools(rubric, autumn=True)
        if spec.form == "general"
    }


class TestEachRuleOnItsPlantedCase:
    @pytest.mark.parametrize(
        ("inn", "rules"),
        [
            (RELATED, {"related_contradiction"}),
            (CRITICAL, {"critical_contradiction"}),
            (ALL_MAX, {"all_max", "total_outlier"}),
            (COPY_KIROV, {"identical_answers"}),
            (COPY_LUGA, {"identical_answers"}),
            (JUMP, {"level_jump"}),
            (HIGH_TOTAL, {"total_outlier"}),
        ],
    )
    def test_planted_school_gets_exactly_its_flags(self, flags, inn, rules):
        """A planted pattern raises its own rule and nothing it does not show."""
        assert rules_of(flags, inn) == rules

    def test_clean_schools_are_not_flagged(self, flags):
        """Thirteen ordinary schools, a one-level rise and a lone correctional school raise nothing."""
        for inn in (*CLEAN, ONE_LEVEL, CORRECTIONAL):
            assert rules_of(flags, inn) == set(), inn

    def test_every_flag_has_a_russian_reason_and_evidence(self, flags):
        """Reasons and evidence are filled for every flag; rules are known codes."""
        assert list(flags.columns) == ["inn", "name", "municipality", "rule", "reason", "evidence"]
        assert set(flags["rule"]) <= set(RULE_TITLES)
        assert flags["reason"].str.len().gt(20).all()
        assert flags["evidence"].str.len().gt(20).all()


class TestEvidence:
    def test_related_contradiction_names_both_indicators_and_answers(self, flags):
        """The pair from related_indicators.csv: the best answer of one, the zero of the other."""
        found = flags[(flags["inn"] == RELATED) & (flags["rule"] == "related_contradiction")].iloc[0]
        assert "школьный спортивный клуб не предусмотрен" in found["reason"]
        assert "№25" in found["evidence"]
        assert "«75% и более»" in found["evidence"]
        assert "№24 «Школьный спортивный клуб» — «Не предусмотрено» (0 баллов)" in found["evidence"]

    def test_critical_contradiction_names_track_and_failed_indicator(self, flags):
        """Six other «Учитель» indicators at maximum beside the failed staffing indicator."""
        evidence = evidence_of(flags, CRITICAL, "critical_contradiction")
        assert evidence.startswith(
            "Направление «Учитель. Школьная команда»: 6 остальных показателей на максимуме"
        )
        assert "№48 «Укомплектованность педагогическими кадрами» — «Есть вакансии» (0 баллов)" in evidence

    def test_all_max_states_the_count_and_total(self, flags):
        """All 68 answers of the general form and its 100 points."""
        evidence = evidence_of(flags, ALL_MAX, "all_max")
        assert "68 из 68" in evidence
        assert "100 баллов" in evidence

    def test_identical_answers_names_the_other_school(self, flags):
        """Each of the pair points at the other, with its ИНН and municipality."""
        assert f"ИНН {COPY_LUGA}, {LUGA}" in evidence_of(flags, COPY_KIROV, "identical_answers")
        assert f"ИНН {COPY_KIROV}, {KIROV}" in evidence_of(flags, COPY_LUGA, "identical_answers")

    def test_level_jump_shows_both_rounds(self, flags):
        """From «ниже базового» at 30 points to «средний» at 61: two levels in one round."""
        assert evidence_of(flags, JUMP, "level_jump") == (
            "«Весна 2025»: ниже базового, 30 баллов → «Осень 2025»: средний, 61 балл"
        )
        reason = flags[(flags["inn"] == JUMP) & (flags["rule"] == "level_jump")].iloc[0]["reason"]
        assert "вырос сразу на 2 уровня" in reason


class TestLevelJumps:
    def test_jump_is_measured_from_the_schools_own_previous_round(self, tmp_path, rubric):
        """A school that skipped «Осень 2025» is compared with its «Весна 2025», not left out."""
        con = open_store(tmp_path / "store.duckdb")
        rounds = {SPRING: (JUMP, 30), AUTUMN: (ONE_LEVEL, 50), "Весна 2026": (JUMP, 61)}
        for name, (inn, total) in rounds.items():
            export = write_answers_csv(tmp_path / f"{name}.csv", rubric, [school(rubric, inn, total)])
            import_uploads(con, [Upload.from_path(export)], name)
        flags = flag_schools(con, get_round(con, "Весна 2026"))
        con.close()
        assert evidence_of(flags, JUMP, "level_jump") == (
            "«Весна 2025»: ниже базового, 30 баллов → «Весна 2026»: средний, 61 балл"
        )

    def test_level_moved_only_by_a_critical_indicator_is_no_jump(self, tmp_path, rubric):
        """87 points and a failed critical («ниже базового») → 88 without: a move as set, none by points."""
        con = open_store(tmp_path / "store.duckdb")
        import_two_rounds(con, tmp_path, rubric, critical_failed_at(rubric, 87), school(rubric, JUMP, 88)[0])
        levels = con.execute(
            "select level_rank, level_by_points from school_scores where inn = ? and scope = 'total'"
            " order by round_id",
            [JUMP],
        ).fetchall()
        flags = flag_schools(con, get_round(con, AUTUMN))
        con.close()
        assert levels[0][0] == 0
        assert levels[1][0] - levels[0][0] >= 2
        assert levels[1][1] - levels[0][1] < 2
        assert "level_jump" not in set(flags.loc[flags["inn"] == JUMP, "rule"])


def critical_failed_at(rubric: Rubric, total: int, number: int = 2) -> SchoolSpec:
    """A school at `total` points with critical indicator `number` scoring 0."""
    return SchoolSpec(
        JUMP, "МОУ «СОШ №77»", KIROV, track_points=spread(rubric, total), failed_critical=(number,)
    )


def import_two_rounds(con, tmp_path: Path, rubric: Rubric, spring: SchoolSpec, autumn: SchoolSpec) -> None:
    """One school's answers in «Весна 2025» and «Осень 2025»."""
    for name, spec in {SPRING: spring, AUTUMN: autumn}.items():
        export = write_answers_csv(tmp_path / f"{name}.csv", rubric, [(spec, answers_for(rubric, spec))])
        import_uploads(con, [Upload.from_path(export)], name)


def indicator_text(rubric: Rubric, number: int) -> str:
    return next(i.text for i in rubric.indicators_of("general") if i.number == number)


class TestCriticalSwitch:
    """A level moved by the critical rule alone is its own, milder finding naming the indicator."""

    def switch_flags(self, tmp_path, rubric, spring: SchoolSpec, autumn: SchoolSpec):
        con = open_store(tmp_path / "store.duckdb")
        import_two_rounds(con, tmp_path, rubric, spring, autumn)
        flags = flag_schools(con, get_round(con, AUTUMN))
        con.close()
        return flags

    def test_87_to_88_with_a_failed_critical_before_is_a_switch_not_a_jump(self, tmp_path, rubric):
        """«ниже базового» at 87 points (critical №2 failed) → «высокий» at 88: the finding names №2."""
        flags = self.switch_flags(
            tmp_path, rubric, critical_failed_at(rubric, 87), school(rubric, JUMP, 88)[0]
        )
        assert rules_of(flags, JUMP) == {"critical_switch"}
        assert evidence_of(flags, JUMP, "critical_switch") == (
            f"Критический показатель №2 «{indicator_text(rubric, 2)}» был не выполнен в «{SPRING}», "
            f"выполнен в «{AUTUMN}»; баллы 87 → 88; уровень «ниже базового» → «высокий»"
        )
        reason = flags.loc[flags["rule"] == "critical_switch", "reason"].iloc[0]
        assert "уточните" in reason
        assert "критического показателя" in reason

    def test_a_critical_failed_now_is_named_the_other_way(self, tmp_path, rubric):
        """«средний» at 70 → «ниже базового» at 70 with critical №2 failed: a move down to below basic."""
        flags = self.switch_flags(
            tmp_path, rubric, school(rubric, JUMP, 70)[0], critical_failed_at(rubric, 70)
        )
        assert rules_of(flags, JUMP) == {"critical_switch"}
        assert evidence_of(flags, JUMP, "critical_switch").startswith(
            f"Критический показатель №2 «{indicator_text(rubric, 2)}» был выполнен в «{SPRING}», "
            f"не выполнен в «{AUTUMN}»; баллы 70 → 70; уровень «средний» → «ниже базового»"
        )

    def test_a_move_the_points_explain_is_no_switch(self, tmp_path, rubric):
        """30 points with a failed critical → 45 without: «ниже базового» → «базовый» by points too."""
        flags = self.switch_flags(
            tmp_path, rubric, critical_failed_at(rubric, 30), school(rubric, JUMP, 45)[0]
        )
        assert rules_of(flags, JUMP) == set()

    def test_a_real_jump_stays_a_jump(self, tmp_path, rubric):
        """30 points with a failed critical → 88 without: two levels by points, a jump only."""
        flags = self.switch_flags(
            tmp_path, rubric, critical_failed_at(rubric, 30), school(rubric, JUMP, 88)[0]
        )
        assert rules_of(flags, JUMP) == {"level_jump"}

    def test_no_critical_changed_no_switch(self, flags):
        """The planted store: a jump by points, a one-level rise and a critical failed in both rounds
        (the critical contradiction) — no critical indicator switched, so no school is listed."""
        assert "critical_switch" not in set(flags["rule"])
        assert rules_of(flags, CRITICAL) == {"critical_contradiction"}

    def test_the_switch_is_mild_and_excludes_no_school(self, tmp_path, rubric):
        """critical_switch is listed but left out of the exclusion set that flagged_inns gives."""
        flags = self.switch_flags(
            tmp_path, rubric, critical_failed_at(rubric, 87), school(rubric, JUMP, 88)[0]
        )
        assert {"critical_switch"} == MILD_RULES
        assert JUMP in set(flags["inn"])
        assert flagged_inns(flags) == set()


class TestTotalOutliers:
    def test_outliers_are_those_beyond_the_robust_z_threshold(self, flags, rubric):
        """Flagged totals are exactly those with |0.6745·(x − median) / MAD| > OUTLIER_Z in the group."""
        totals = planted_totals(rubric)
        values = np.array(list(totals.values()), dtype=float)
        median = np.median(values)
        mad = np.median(np.abs(values - median))
        expected = {inn for inn, x in totals.items() if abs(0.6745 * (x - median) / mad) > OUTLIER_Z}
        assert expected == {ALL_MAX, ALL_MAX_TOO, HIGH_TOTAL}
        assert set(flags.loc[flags["rule"] == "total_outlier", "inn"]) == expected
        median_text = f"{median:g}".replace(".", ",")
        assert f"медиана {median_text}" in evidence_of(flags, HIGH_TOTAL, "total_outlier")
        assert f"у {len(values)} похожих школ" in evidence_of(flags, HIGH_TOTAL, "total_outlier")

    def test_a_group_smaller_than_the_minimum_gives_no_verdict(self, flags):
        """The one correctional school has no similar schools to be compared with."""
        assert OUTLIER_MIN_GROUP > 1
        assert "total_outlier" not in rules_of(flags, CORRECTIONAL)

    def test_roster_splits_similar_schools_by_locality_and_size(self, tmp_path, rubric):
        """With a roster putting the high total among five small rural schools, its group is too small;
        the school type filter then lists the rural schools' flags alone."""
        build_store(tmp_path / "store.duckdb", rubric)
        rows = [";".join(TITLES.values())]
        for spec, _ in round_schools(rubric, autumn=True):
            rural = spec.inn in {HIGH_TOTAL, RELATED, *CLEAN[:3]}
            locality, pupils = ("сельская", 60) if rural else ("городская", 600)
            rows.append(f"{spec.inn};{spec.name};{spec.municipality};{locality};{pupils};нет")
        con = open_store(tmp_path / "store.duckdb")
        import_roster(con, Upload("roster.csv", "\n".join(rows).encode("utf-8")))
        flags = flag_schools(con, get_round(con, AUTUMN))
        rural = flag_schools(con, get_round(con, AUTUMN), school_type="сельская")
        con.close()
        assert set(rural["inn"]) == {RELATED}
        assert "total_outlier" not in rules_of(flags, HIGH_TOTAL)
        assert "total_outlier" in rules_of(flags, ALL_MAX)
        assert "городская местность, 500–999 обучающихся" in evidence_of(flags, ALL_MAX, "total_outlier")


def same_points_other_answers(rubric: Rubric, answers: Answers) -> Answers:
    """The answers with one indicator a point up and another of its track a point down: the same
    points in every track, another answer set."""
    indicators = rubric.indicators_of("general")
    for up in indicators:
        for down in indicators:
            if (
                up.track_code != down.track_code
                or up.number == down.number
                or up.is_critical
                or down.is_critical
            ):
                continue
            raised, lowered = answers[up.number][1] + 1, answers[down.number][1] - 1
            options_up = {o.points for o in rubric.options_of("general", up.number)}
            options_down = {o.points for o in rubric.options_of("general", down.number)}
            if raised in options_up and lowered in options_down:
                return with_points(rubric, "general", answers, {up.number: raised, down.number: lowered})
    msg = "no two indicators to trade a point between"
    raise AssertionError(msg)


class TestSilentCases:
    def test_equal_points_with_other_answers_are_not_copies(self, tmp_path, rubric):
        """Schools sharing their points in every scope are copies only if their answers are the same."""
        original = school(rubric, COPY_KIROV, 53)
        copied = (SchoolSpec(COPY_LUGA, "МОУ «СОШ №05»", LUGA), original[1])
        traded = (SchoolSpec(RELATED, "МОУ «СОШ №01»", KIROV), same_points_other_answers(rubric, original[1]))
        con = open_store(tmp_path / "store.duckdb")
        export = write_answers_csv(tmp_path / "round.csv", rubric, [original, copied, traded])
        import_uploads(con, [Upload.from_path(export)], AUTUMN)
        flags = flag_schools(con, get_round(con, AUTUMN))
        copies = set(flags.loc[flags["rule"] == "identical_answers", "inn"])
        points = dict(
            con.execute("select inn, list(points order by scope) from school_scores group by inn").fetchall()
        )
        con.close()
        assert traded[1] != original[1]
        assert points[RELATED] == points[COPY_KIROV]
        assert copies == {COPY_KIROV, COPY_LUGA}

    def test_two_schools_at_full_marks_are_not_copies(self, flags):
        """Identical full marks are the all-maximum pattern, not a copied questionnaire."""
        assert rules_of(flags, ALL_MAX_TOO) == {"all_max", "total_outlier"}

    def test_no_jump_without_a_previous_round(self, store):
        """The first round has nothing to jump from."""
        spring = flag_schools(store, get_round(store, SPRING))
        assert "level_jump" not in set(spring["rule"])
        assert rules_of(spring, CRITICAL) == {"critical_contradiction"}

    def test_municipality_filter_keeps_its_schools_and_cross_border_evidence(self, store):
        """Flags of one municipality only; a copy's evidence still names the school elsewhere."""
        luga = flag_schools(store, get_round(store, AUTUMN), municipality=LUGA)
        assert set(luga["municipality"]) == {LUGA}
        assert set(luga["inn"]) == {ALL_MAX_TOO, COPY_LUGA}
        assert KIROV in evidence_of(luga, COPY_LUGA, "identical_answers")


class TestCounts:
    def test_counts_per_rule_cover_every_rule(self, flags):
        """Every rule is listed, with how many schools it flags."""
        counts = count_flags_by_rule(flags).set_index("rule")["count_schools"]
        assert list(counts.index) == list(RULE_TITLES)
        assert counts["identical_answers"] == 2
        assert counts["all_max"] == 2
        assert counts["total_outlier"] == 3

    def test_counts_per_municipality(self, flags):
        """Schools flagged and flags raised per municipality, most flagged first."""
        counts = count_flags_by_municipality(flags).set_index("municipality")
        assert counts.loc[KIROV, "count_schools"] == 6
        assert counts.loc[LUGA, "count_schools"] == 2
        assert counts.loc[LUGA, "count_flags"] == 3
        assert counts.index[0] == KIROV


class TestRelatedIndicatorsFile:
    def test_pairs_name_indicators_that_can_contradict(self, rubric):
        """Each pair's first indicator has a best answer above others, its second an answer worth 0."""
        pairs = related_indicator_pairs(rubric.version)
        assert len(pairs) >= 5
        for pair in pairs.itertuples():
            best = [o.points for o in rubric.options_of(pair.form, pair.if_best)]
            zero = [o.points for o in rubric.options_of(pair.form, pair.then_not_zero)]
            assert len(best) > 1, pair
            assert 0 in zero, pair
            assert pair.if_best != pair.then_not_zero
            assert len(pair.explanation) > 30
            assert len(pair.why) > 30, "each pair says why the answers contradict"

    def test_a_methodology_without_the_file_has_no_pairs(self):
        """No related_indicators.csv means the rule has nothing to check."""
        assert related_indicator_pairs("no-such-version").empty


def run_cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory, rubric) -> Path:
    """The same two rounds in a store no connection of this process holds, for the CLI to open."""
    path = tmp_path_factory.mktemp("credibility_cli") / "store.duckdb"
    build_store(path, rubric)
    return path


class TestFlagsCommand:
    def test_flags_csv_lists_every_flag(self, cli_db, flags):
        """UTF-8 CSV: inn, name, municipality, rule, reason, evidence; one row per flag."""
        done = run_cli("flags", "--round", AUTUMN, "--db", str(cli_db))
        assert done.returncode == 0, done.stderr.decode()
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8"))))
        assert list(rows[0]) == ["inn", "name", "municipality", "rule", "reason", "evidence"]
        assert [(r["inn"], r["rule"]) for r in rows] == list(zip(flags["inn"], flags["rule"], strict=True))

    def test_flags_for_a_municipality_in_excel_form(self, cli_db):
        """--municipality and --excel: «;», a BOM and only that municipality's schools."""
        done = run_cli("flags", "--round", AUTUMN, "--municipality", LUGA, "--excel", "--db", str(cli_db))
        assert done.returncode == 0, done.stderr.decode()
        assert done.stdout.startswith(b"\xef\xbb\xbf")
        rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8-sig")), delimiter=";"))
        assert {r["inn"] for r in rows} == {ALL_MAX_TOO, COPY_LUGA}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo region (300 schools, two rounds), its planted cheats and the flags of its latest round."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    region = build_demo_database(path, schools=300, rounds=2, seed=1)
    con = open_store(path)
    latest = get_round(con, region.rounds[-1].name)
    flags = flag_schools(con, latest)
    con.close()
    return region, flags


@pytest.mark.slow
class TestDemoRegion:
    def test_every_implausible_school_is_flagged_by_its_rule(self, demo):
        """Each planted pattern of the demo is caught by the rule made for it."""
        region, flags = demo
        rule_for_tag = {
            "all_max": "all_max",
            "copy": "identical_answers",
            "jump": "level_jump",
            "critical_contradiction": "critical_contradiction",
        }
        assert set(region.implausible.values()) == set(rule_for_tag)
        for inn, tag in region.implausible.items():
            assert rule_for_tag[tag] in rules_of(flags, inn), (inn, tag)

    def test_some_honest_schools_carry_a_flag(self, demo):
        """The demo no longer hides honest schools that match a rule: some untagged schools are
        flagged (full marks, a contradiction, a level moved by a critical indicator), as real data
        will have them, and the source of the copy points at its copier. They stay a minority."""
        region, flags = demo
        honest = flags[~flags["inn"].isin(region.implausible)]
        (copier,) = [inn for inn, tag in region.implausible.items() if tag == "copy"]
        copies = honest[honest["rule"] == "identical_answers"]
        assert len(copies) == 1
        assert f"ИНН {copier}" in copies.iloc[0]["evidence"]
        assert {"all_max", "critical_switch"} <= set(honest["rule"])
        assert len(flagged_inns(honest)) > 1
        assert honest["inn"].nunique() < 0.1 * 300
