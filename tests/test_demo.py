"""The demo region: export files in the portal's layouts, read back here as an importer would.

Every property is checked on the files themselves (python-calamine, csv, zipfile), never on the
generator's internals, so the demo is proven to be what the importer will see.
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from analytics.demo import DemoRegion, write_demo_region
from analytics.rubric import LEVELS, Rubric
from analytics.text import normalize, split_numbered_header, strip_critical_suffix
from tests.conftest import EXAMPLES, LONG_HEADER

WIDE_EXAMPLE = EXAMPLES / "region_wide_autumn_2025.xlsx"
LONG_EXAMPLE = EXAMPLES / "region_long_spring_2026.csv"
PROTOCOL_EXAMPLE = EXAMPLES / "school_protocols_spring_2026.xlsx"
ROSTER_HEADER = [
    "ИНН",
    "Наименование ОО",
    "Муниципальное образование",
    "Тип местности",
    "Число обучающихся",
    "Коррекционная",
]
BELOW_BASIC, HIGH = 0, 3


# --- reading the files back ---------------------------------------------------------------------


@dataclass
class SchoolRound:
    """One school's answers in one round as a file gives them, keyed by normalised indicator text."""

    form: str
    answers: dict[str, str]
    stated_total: int | None = None
    stated_level: str | None = None
    stated_track_points: tuple[int, ...] = ()
    stated_track_levels: tuple[str, ...] = ()


def sheet_rows(path: Path) -> list[list[object]]:
    return CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()


def form_code(rubric: Rubric, title: str) -> str:
    return rubric.form_by_title[normalize(title)].code


def read_wide(path: Path, rubric: Rubric) -> dict[str, SchoolRound]:
    rows = sheet_rows(path)
    header = [str(cell) for cell in rows[3]]
    indicator_columns = {
        column: normalize(strip_critical_suffix(split_numbered_header(title)[1])[0])
        for column, title in enumerate(header)
        if split_numbered_header(title)[0] is not None
    }
    total_column = header.index("Сумма баллов")
    schools = {}
    for row in rows[4:]:
        schools[str(row[3])] = SchoolRound(
            form=form_code(rubric, str(row[4])),
            answers={text: str(row[col]) for col, text in indicator_columns.items() if row[col] != ""},
            stated_total=int(row[total_column]),
            stated_level=str(row[total_column + 1]),
            stated_track_points=tuple(int(v) for v in row[total_column + 2 : total_column + 10]),
            stated_track_levels=tuple(str(v) for v in row[total_column + 10 : total_column + 18]),
        )
    return schools


def long_members(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as archive:
        return {
            name: list(
                csv.DictReader(io.StringIO(archive.read(name).decode("cp1251"), newline=""), delimiter=";")
            )
            for name in archive.namelist()
        }


def read_long(path: Path, rubric: Rubric) -> dict[str, SchoolRound]:
    schools: dict[str, SchoolRound] = {}
    for rows in long_members(path).values():
        for row in rows:
            school = schools.setdefault(
                row["ИНН"], SchoolRound(form_code(rubric, row["Тип самодиагностики"]), {})
            )
            school.answers[normalize(row["Показатель"])] = row["Ответ"]
    return schools


def read_protocols(path: Path, rubric: Rubric) -> dict[str, SchoolRound]:
    schools = {}
    workbook = CalamineWorkbook.from_path(path)
    for name in workbook.sheet_names:
        rows = workbook.get_sheet_by_name(name).to_python()
        answers = {
            normalize(strip_critical_suffix(str(row[1]))[0]): str(row[2])
            for row in rows[9:]
            if isinstance(row[0], float | int) and row[0] != ""
        }
        schools[name] = SchoolRound(
            form=form_code(rubric, str(rows[1][0])),
            answers=answers,
            stated_total=int(str(rows[5][0]).rsplit(":", 1)[1]),
            stated_level=str(rows[6][0]).split(": ", 1)[1],
        )
    return schools


def read_round(files: tuple[Path, ...], rubric: Rubric) -> dict[str, SchoolRound]:
    """The round's schools from its W or L file (the P file only repeats some of them)."""
    main = next(f for f in files if "protocols" not in f.name)
    return read_wide(main, rubric) if main.suffix == ".xlsx" else read_long(main, rubric)


# --- scoring by the rubric, independently of the engine --------------------------------------------


@dataclass(frozen=True)
class Scored:
    form: str
    total: int
    level: int
    points: dict[str, int]


class Scorer:
    """Level = highest level whose min_points ≤ points, capped to «ниже базового» by a failed critical."""

    def __init__(self, rubric: Rubric) -> None:
        self.rubric = rubric
        self.points = {
            (i.form, normalize(i.text), normalize(o.answer)): o.points
            for i in rubric.indicators
            for o in rubric.options_of(i.form, i.number)
        }
        self.best = {(i.form, normalize(i.text)): i.points_max for i in rubric.indicators}
        self.tracks: dict[str, dict[str, list[tuple[str, bool]]]] = {}
        for i in rubric.indicators:
            track = self.tracks.setdefault(i.form, {}).setdefault(i.track_code, [])
            track.append((normalize(i.text), i.is_critical))

    def score(self, school: SchoolRound) -> Scored:
        points = {
            text: self.points[(school.form, text, normalize(answer))]
            for text, answer in school.answers.items()
        }
        total = sum(points.values())
        level = max(
            t.level_rank for t in self.rubric.thresholds_of(school.form, "total") if t.points_min <= total
        )
        if any(points[text] == 0 for text, critical in self._indicators(school.form) if critical):
            level = BELOW_BASIC
        return Scored(school.form, total, level, points)

    def is_all_max(self, scored: Scored) -> bool:
        return all(
            scored.points[text] == self.best[(scored.form, text)] for text, _ in self._indicators(scored.form)
        )

    def has_critical_contradiction(self, scored: Scored) -> bool:
        for indicators in self.tracks[scored.form].values():
            at_max = {text: scored.points[text] == self.best[(scored.form, text)] for text, _ in indicators}
            for text, critical in indicators:
                others_at_max = all(at_max[other] for other, _ in indicators if other != text)
                if critical and scored.points[text] == 0 and others_at_max:
                    return True
        return False

    def track_figures(self, scored: Scored) -> list[tuple[int, str]]:
        """(points, level) per track in rubric order, a failed critical capping its track."""
        figures = []
        for track in sorted(self.rubric.tracks, key=lambda t: t.order):
            indicators = self.tracks[scored.form][track.code]
            points = sum(scored.points[text] for text, _ in indicators)
            thresholds = self.rubric.thresholds_of(scored.form, track.code)
            level = max(t.level_rank for t in thresholds if t.points_min <= points)
            if any(critical and scored.points[text] == 0 for text, critical in indicators):
                level = BELOW_BASIC
            figures.append((points, LEVELS[level]))
        return figures

    def _indicators(self, form: str) -> list[tuple[str, bool]]:
        return [indicator for track in self.tracks[form].values() for indicator in track]


# --- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> DemoRegion:
    return write_demo_region(tmp_path_factory.mktemp("demo150"), schools=150, rounds=3, seed=7)


@pytest.fixture(scope="module")
def big_region(tmp_path_factory) -> DemoRegion:
    return write_demo_region(tmp_path_factory.mktemp("demo600"), schools=600, rounds=3, seed=1)


@pytest.fixture(scope="module")
def scorer(rubric) -> Scorer:
    return Scorer(rubric)


@pytest.fixture(scope="module")
def big_rounds(big_region, rubric) -> list[dict[str, SchoolRound]]:
    return [read_round(r.files, rubric) for r in big_region.rounds]


@pytest.fixture(scope="module")
def big_scores(big_rounds, scorer) -> list[dict[str, Scored]]:
    return [{inn: scorer.score(school) for inn, school in schools.items()} for schools in big_rounds]


# --- tests -----------------------------------------------------------------------------------------


class TestArguments:
    @pytest.mark.parametrize("rounds", [0, 5])
    def test_rounds_outside_one_to_four_are_refused(self, tmp_path, rounds):
        """Asking for no rounds or more than four raises ValueError."""
        with pytest.raises(ValueError, match="раундов"):
            write_demo_region(tmp_path, schools=20, rounds=rounds)

    def test_fewer_than_ten_schools_are_refused(self, tmp_path):
        """A region of fewer than ten schools raises ValueError."""
        with pytest.raises(ValueError, match="Школ"):
            write_demo_region(tmp_path, schools=9)


class TestRounds:
    @pytest.mark.parametrize(
        ("count", "names"),
        [
            (1, ["Осень 2025"]),
            (2, ["Весна 2025", "Осень 2025"]),
            (3, ["Осень 2024", "Весна 2025", "Осень 2025"]),
            (4, ["Весна 2024", "Осень 2024", "Весна 2025", "Осень 2025"]),
        ],
    )
    def test_rounds_alternate_and_end_with_autumn_2025(self, tmp_path, count, names):
        """Rounds alternate spring and autumn, oldest first, the last being «Осень 2025»."""
        demo = write_demo_region(tmp_path, schools=10, rounds=count)
        assert [r.name for r in demo.rounds] == names

    def test_dates_are_first_of_april_and_november(self, region):
        """A spring round is dated 1 April and an autumn round 1 November of its year."""
        assert [r.date for r in region.rounds] == [
            datetime.date(2024, 11, 1),
            datetime.date(2025, 4, 1),
            datetime.date(2025, 11, 1),
        ]

    def test_layouts_alternate_with_protocols_in_the_latest_round(self, region):
        """Rounds 1 and 3 are a wide xlsx, round 2 a zip of long CSVs; the latest adds a P file."""
        files = [[f.name for f in r.files] for r in region.rounds]
        assert files == [
            ["2024_autumn_region_wide.xlsx"],
            ["2025_spring_region_long.zip"],
            ["2025_autumn_region_wide.xlsx", "2025_autumn_school_protocols.xlsx"],
        ]
        assert all(f.is_file() for r in region.rounds for f in r.files)

    def test_region_is_named(self, region):
        """The demo region is a real region's name, as the W file's first column gives it."""
        rows = sheet_rows(region.rounds[0].files[0])
        assert {row[0] for row in rows[4:]} == {region.region} == {"Ленинградская область"}


class TestDeterminism:
    def test_same_seed_writes_identical_files(self, tmp_path):
        """Two runs with one seed write byte-identical CSVs, zip and roster, and equal W content."""
        first = write_demo_region(tmp_path / "a", schools=60, rounds=2, seed=5)
        second = write_demo_region(tmp_path / "b", schools=60, rounds=2, seed=5)
        assert first.implausible == second.implausible
        assert first.roster.read_bytes() == second.roster.read_bytes()
        assert first.rounds[1].files[0].read_bytes() == second.rounds[1].files[0].read_bytes()
        assert sheet_rows(first.rounds[0].files[0]) == sheet_rows(second.rounds[0].files[0])

    def test_another_seed_writes_another_region(self, tmp_path):
        """A different seed gives different schools."""
        first = write_demo_region(tmp_path / "a", schools=30, rounds=1, seed=1)
        second = write_demo_region(tmp_path / "b", schools=30, rounds=1, seed=2)
        assert first.roster.read_bytes() != second.roster.read_bytes()


class TestWideLayout:
    def test_title_names_the_round_then_an_empty_row(self, region):
        """Row 1 reads «Результаты самодиагностики ОО, <round>», in bold, and row 2 is empty."""
        path = region.rounds[2].files[0]
        rows = sheet_rows(path)
        assert rows[0][0] == "Результаты самодиагностики ОО, Осень 2025"
        assert all(cell == "" for cell in rows[1])
        assert openpyxl.load_workbook(path, read_only=True).active["A1"].font.b

    def test_headers_equal_the_example_file(self, region):
        """The track group row and the header row are those of the real example, cell for cell."""
        ours, example = sheet_rows(region.rounds[0].files[0]), sheet_rows(WIDE_EXAMPLE)
        assert ours[2] == example[2]
        assert ours[3] == example[3]

    def test_track_headers_are_merged_over_their_columns(self, region):
        """Each track's group header is merged over exactly its indicator columns, as in the example."""
        ours = openpyxl.load_workbook(region.rounds[0].files[0]).active.merged_cells.ranges
        example = openpyxl.load_workbook(WIDE_EXAMPLE).active.merged_cells.ranges
        assert sorted(str(r) for r in ours) == sorted(str(r) for r in example)

    def test_stated_totals_and_levels_follow_the_rubric(self, region, rubric, scorer):
        """«Сумма баллов» and «Уровень» equal what the rubric gives for each school's answers."""
        schools = read_wide(region.rounds[2].files[0], rubric)
        for school in schools.values():
            scored = scorer.score(school)
            assert school.stated_total == scored.total
            assert school.stated_level == LEVELS[scored.level].upper()

    def test_stated_track_figures_follow_the_rubric(self, region, rubric, scorer):
        """Each track's points and its lower-case level equal what the rubric gives."""
        for school in read_wide(region.rounds[0].files[0], rubric).values():
            stated = list(zip(school.stated_track_points, school.stated_track_levels, strict=True))
            assert stated == scorer.track_figures(scorer.score(school))

    def test_correctional_school_fills_only_its_own_form(self, region, rubric):
        """A correctional school answers exactly its form's indicators and leaves other cells empty."""
        own = {normalize(i.text) for i in rubric.indicators_of("correctional")}
        schools = read_wide(region.rounds[0].files[0], rubric).values()
        correctional = [s for s in schools if s.form == "correctional"]
        assert correctional
        assert all(set(s.answers) == own for s in correctional)

    def test_inn_is_text(self, region):
        """ИНН cells hold ten-digit text, as in the example, so no leading digit is lost."""
        rows = sheet_rows(region.rounds[0].files[0])
        assert all(isinstance(row[3], str) and len(row[3]) == 10 for row in rows[4:])


class TestLongLayout:
    def test_zip_holds_one_cp1251_csv_per_municipality(self, region):
        """The round's zip holds one CSV per municipality, each decoding as cp1251 with «;»."""
        members = long_members(region.rounds[1].files[0])
        for name, rows in members.items():
            assert name.endswith(".csv")
            assert {row["Муниципальное образование"] for row in rows} == {name.removesuffix(".csv")}

    def test_columns_equal_the_example_file(self, region):
        """The header line is the example's, byte for byte, with CRLF line ends as in the example."""
        example_header = LONG_EXAMPLE.read_bytes().split(b"\r\n", 1)[0]
        with zipfile.ZipFile(region.rounds[1].files[0]) as archive:
            data = archive.read(archive.namelist()[0])
        assert data.split(b"\r\n", 1)[0] == example_header
        assert example_header.decode("cp1251").split(";") == LONG_HEADER
        assert data.endswith(b"\r\n")

    def test_numbers_and_texts_follow_the_schools_own_form(self, region, rubric):
        """Each row's number and text are the school's own form's, the figure dash written as «-»."""
        expected = {
            (f.title, i.number): i.text.replace("\u2012", "-")
            for f in rubric.forms
            for i in rubric.indicators_of(f.code)
        }
        forms_seen = set()
        for rows in long_members(region.rounds[1].files[0]).values():
            for row in rows:
                assert (
                    expected[(row["Тип самодиагностики"], int(row["Номер показателя"]))] == row["Показатель"]
                )
                forms_seen.add(row["Тип самодиагностики"])
        assert len(forms_seen) == 2

    def test_points_follow_the_rubric(self, region, scorer):
        """Every row's «Баллы» is the rubric's points for its answer."""
        for rows in long_members(region.rounds[1].files[0]).values():
            for row in rows:
                form = "correctional" if "КОРРЕКЦИОННОЙ" in row["Тип самодиагностики"] else "general"
                key = (form, normalize(row["Показатель"]), normalize(row["Ответ"]))
                assert scorer.points[key] == int(row["Баллы"])


class TestProtocols:
    def test_three_sheets_named_by_inn_repeat_the_round(self, region, rubric):
        """The P file has three sheets named by ИНН whose answers equal the round's W file."""
        wide_file, protocol_file = region.rounds[2].files
        wide, protocols = read_wide(wide_file, rubric), read_protocols(protocol_file, rubric)
        assert len(protocols) == 3
        for inn, school in protocols.items():
            assert school.answers == wide[inn].answers
            assert school.stated_total == wide[inn].stated_total
            assert school.stated_level == wide[inn].stated_level

    def test_include_a_correctional_school(self, region, rubric):
        """One of the three protocols is a correctional school's, numbered in its own form."""
        protocols = read_protocols(region.rounds[2].files[1], rubric)
        assert Counter(s.form for s in protocols.values()) == {"general": 2, "correctional": 1}

    def test_layout_matches_the_example(self, region):
        """Labels, header, track rows and bold cells sit where the example puts them."""
        ours = openpyxl.load_workbook(region.rounds[2].files[1]).worksheets[0]
        example = openpyxl.load_workbook(PROTOCOL_EXAMPLE).worksheets[0]
        for cell in ("A1", "A9", "B9", "C9", "D9", "B10"):
            assert ours[cell].value == example[cell].value
            assert ours[cell].font.b == example[cell].font.b
        for cell in ("A3", "A4", "A5", "A6", "A7"):
            assert ours[cell].value.split(":")[0] == example[cell].value.split(":")[0]
        track_rows = [row[1].value for row in ours.iter_rows(min_row=10) if row[0].value is None]
        example_rows = [row[1].value for row in example.iter_rows(min_row=10) if row[0].value is None]
        assert track_rows == example_rows
        assert ours.max_row == example.max_row


class TestRoster:
    def test_columns_and_values(self, region):
        """The roster is utf-8 with BOM and «;», with the agreed columns and value sets."""
        raw = region.roster.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
        assert rows[0] == ROSTER_HEADER
        assert {r[3] for r in rows[1:]} == {"городская", "сельская"}
        assert {r[5] for r in rows[1:]} == {"да", "нет"}
        assert all(r[4].isdigit() for r in rows[1:])

    def test_inns_are_unique_ten_digit_with_the_region_code(self, region):
        """Every ИНН is ten digits, starts with 47 and appears once."""
        inns = [r["ИНН"] for r in csv.DictReader(region.roster.open(encoding="utf-8-sig"), delimiter=";")]
        assert len(set(inns)) == len(inns)
        assert all(len(inn) == 10 and inn.isdigit() and inn.startswith("47") for inn in inns)

    def test_lists_every_participant_and_some_absent_schools(self, region, rubric):
        """Every school of any round is on the roster, which also has schools that never passed."""
        roster = {r["ИНН"] for r in csv.DictReader(region.roster.open(encoding="utf-8-sig"), delimiter=";")}
        passed = [set(read_round(r.files, rubric)) for r in region.rounds]
        assert set().union(*passed) <= roster
        assert len(roster) > len(set().union(*passed))
        assert len(passed[-1]) < len(passed[-2])

    def test_small_rural_schools_are_weaker_on_average(self, big_region, big_scores):
        """Rural schools under 100 pupils score below urban schools on average."""
        roster = list(csv.DictReader(big_region.roster.open(encoding="utf-8-sig"), delimiter=";"))
        latest = big_scores[-1]

        def mean_total(rows):
            totals = [latest[r["ИНН"]].total for r in rows if r["ИНН"] in latest]
            return sum(totals) / len(totals)

        small = [r for r in roster if r["Тип местности"] == "сельская" and int(r["Число обучающихся"]) < 100]
        urban = [r for r in roster if r["Тип местности"] == "городская" and r["Коррекционная"] == "нет"]
        assert mean_total(small) + 5 < mean_total(urban)


class TestImplausible:
    def test_one_to_two_percent_are_planted_with_every_pattern(self, big_region):
        """About 1-2% of schools are tagged, with each of the four patterns present."""
        tags = Counter(big_region.implausible.values())
        assert set(tags) == {"all_max", "copy", "jump", "critical_contradiction"}
        assert 0.01 <= len(big_region.implausible) / 600 <= 0.02

    def test_each_planted_school_shows_its_pattern(self, big_region, big_rounds, big_scores, scorer):
        """all_max, copy, jump and critical_contradiction are visible in the latest files."""
        latest = big_rounds[-1]
        clean = [s for inn, s in latest.items() if inn not in big_region.implausible]
        for inn, tag in big_region.implausible.items():
            scored = big_scores[-1][inn]
            if tag == "all_max":
                assert scorer.is_all_max(scored)
            elif tag == "copy":
                assert any(other.answers == latest[inn].answers for other in clean)
            elif tag == "jump":
                assert big_scores[-2][inn].level == BELOW_BASIC
                assert scored.level == HIGH
            else:
                assert scorer.has_critical_contradiction(scored)

    def test_planted_schools_move_one_level_at_most_unless_tagged_jump(self, big_region, big_scores):
        """A school tagged other than «jump» does not also look like a jump."""
        previous, latest = big_scores[-2], big_scores[-1]
        for inn, tag in big_region.implausible.items():
            if tag != "jump":
                assert abs(latest[inn].level - previous[inn].level) <= 1

    def test_honest_schools_are_left_as_drawn(self, big_region, big_rounds, big_scores, scorer):
        """The generator no longer cleans untagged schools: in every round a few of them answer all
        at maximum, contradict a critical indicator or share an answer set, as honest schools of a
        real region would — so some credibility flags on the demo are false, as they will be."""
        for schools, scores in zip(big_rounds, big_scores, strict=True):
            honest = [inn for inn in schools if inn not in big_region.implausible]
            all_max = sum(scorer.is_all_max(scores[inn]) for inn in honest)
            contradicting = sum(scorer.has_critical_contradiction(scores[inn]) for inn in honest)
            answer_sets = Counter(tuple(sorted(schools[inn].answers.items())) for inn in honest)
            assert 0 < all_max < 0.05 * len(honest)
            assert 0 < contradicting < 0.05 * len(honest)
            assert answer_sets.most_common(1)[0][1] > 1

    def test_honest_schools_move_two_levels_only_by_the_critical_rule(self, big_region, big_scores, rubric):
        """By points an untagged school seldom moves two levels between rounds (the drift is small);
        the level as set does move two levels for some, each time because a critical indicator
        switched — the case the critical-switch finding lists instead of a jump."""

        def by_points(scored: Scored) -> int:
            thresholds = rubric.thresholds_of(scored.form, "total")
            return max(t.level_rank for t in thresholds if t.points_min <= scored.total)

        moved_as_set = 0
        for before, after in itertools.pairwise(big_scores):
            honest = [inn for inn in after if inn in before and inn not in big_region.implausible]
            jumps = [inn for inn in honest if abs(by_points(after[inn]) - by_points(before[inn])) >= 2]
            assert len(jumps) <= 0.01 * len(honest)
            for inn in honest:
                if abs(after[inn].level - before[inn].level) >= 2 and inn not in jumps:
                    moved_as_set += 1
                    capped = [s.level < by_points(s) for s in (before[inn], after[inn])]
                    assert capped[0] != capped[1], inn
        assert moved_as_set > 0


class TestLevelMix:
    @pytest.mark.parametrize(
        ("level", "low", "high"),
        [(0, 0.08, 0.15), (1, 0.30, 0.40), (2, 0.30, 0.40), (3, 0.10, 0.20)],
    )
    def test_level_shares_are_realistic_in_every_round(self, big_scores, level, low, high):
        """Each level's share of schools stays within the range a real region shows."""
        for scores in big_scores:
            levels = Counter(scored.level for scored in scores.values())
            assert low <= levels[level] / len(scores) <= high

    def test_critical_failures_put_a_few_percent_below_basic(self, big_scores, rubric):
        """2-6% of schools are below basic only because a critical indicator scores 0."""
        for scores in big_scores:
            capped = 0
            for scored in scores.values():
                thresholds = rubric.thresholds_of(scored.form, "total")
                uncapped = max(t.level_rank for t in thresholds if t.points_min <= scored.total)
                capped += scored.level == BELOW_BASIC < uncapped
            assert 0.02 <= capped / len(scores) <= 0.06

    def test_region_improves_between_rounds(self, big_scores):
        """The mean total rises from the first round to the latest."""
        means = [sum(s.total for s in scores.values()) / len(scores) for scores in big_scores]
        assert means[0] < means[-1]
