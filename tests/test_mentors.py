"""Mentor schools and internship sites: who is suggested, in which order, and why."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
import pytest

from analytics import mentors
from analytics.credibility import flag_schools
from analytics.db import open_store
from analytics.demo_db import build_demo_database
from analytics.errors import SamodiagError
from analytics.loading import Upload, import_uploads
from analytics.mentors import (
    ASSIGNMENT_COLUMNS,
    NOT_FOUND,
    SITE_COLUMNS,
    MentorRules,
    assign_mentors,
    internship_sites,
    mentor_rules,
    mentors_of,
)
from analytics.roster import TITLES, import_roster
from analytics.rounds import get_round
from tests.conftest import SchoolSpec, write_long_csv

ROUND = "Осень 2025"
KIROV = "Кировский муниципальный район"
LUGA = "Лужский муниципальный район"

MODERATE = {
    "general": {
        "knowledge": 12,
        "upbringing": 9,
        "health": 10,
        "creativity": 9,
        "career": 7,
        "teacher": 9,
        "climate": 7,
        "environment": 7,
    },
    "correctional": {
        "knowledge": 7,
        "upbringing": 9,
        "health": 10,
        "creativity": 9,
        "career": 5,
        "teacher": 9,
        "climate": 7,
        "environment": 7,
    },
}
"""Points at «средний» in every track of each form."""

MENTEE = "4720000001"
HEALTH_KIROV = "4720000002"
HEALTH_KIROV_CORRECTIONAL = "4720000003"
HEALTH_LUGA = "4720000004"
HEALTH_KIROV_FEWER = "4720000005"
HEALTH_LUGA_FEWER = "4720000006"
HEALTH_CAPPED = "4720000007"
ORDINARY = "4720000008"


def spec(
    inn: str, municipality: str, form: str = "general", failed: tuple[int, ...] = (), **tracks: int
) -> SchoolSpec:
    return SchoolSpec(
        inn,
        f"Школа {inn[-2:]}",
        municipality,
        form=form,
        track_points=MODERATE[form] | tracks,
        failed_critical=failed,
    )


SCHOOLS = [
    spec(MENTEE, KIROV, health=3, career=2),
    spec(HEALTH_KIROV, KIROV, health=15),
    spec(HEALTH_KIROV_CORRECTIONAL, KIROV, "correctional", health=15),
    spec(HEALTH_LUGA, LUGA, health=15, career=10),
    spec(HEALTH_KIROV_FEWER, KIROV, health=13),
    spec(HEALTH_LUGA_FEWER, LUGA, health=14),
    spec(HEALTH_CAPPED, KIROV, failed=(24,), health=13),
    spec(ORDINARY, KIROV),
]


@pytest.fixture
def autumn(con, rubric, tmp_path):
    path = write_long_csv(tmp_path / "autumn.csv", rubric, SCHOOLS)
    import_uploads(con, [Upload.from_path(path)], ROUND)
    return get_round(con, ROUND)


def import_localities(con, localities: dict[str, str]) -> None:
    """A roster giving each school its municipality and the stated locality (else «городская»)."""
    rows = [";".join(TITLES.values())]
    for school in SCHOOLS:
        locality = localities.get(school.inn, "городская")
        rows.append(f"{school.inn};{school.name};{school.municipality};{locality};300;нет")
    import_roster(con, Upload("roster.csv", "\n".join(rows).encode("utf-8")))


ALL_AT_MAXIMUM = "4720000009"
HEALTH_BELOW_OVERALL = "4720000010"
EXTRA = [
    spec(ALL_AT_MAXIMUM, KIROV),
    spec(HEALTH_BELOW_OVERALL, KIROV, failed=(2,), knowledge=11, health=15),
]
"""Two schools at «высокий» in «Здоровье» that must never mentor: one with every answer at the
maximum (a credibility question), one below basic overall (a failed critical in «Знание»)."""


@pytest.fixture
def with_excluded(con, rubric, tmp_path):
    path = write_long_csv(tmp_path / "autumn.csv", rubric, SCHOOLS + EXTRA)
    import_uploads(con, [Upload.from_path(path)], ROUND)
    return get_round(con, ROUND)


def pairs(assignment) -> dict[tuple[str, str], object]:
    """(mentee ИНН, track) → mentor ИНН (None when not found)."""
    return {
        (row.inn, row.track_code): (None if row.mentor_inn is pd.NA else row.mentor_inn)
        for row in assignment.itertuples()
    }


class TestAssignment:
    def test_every_pair_below_basic_is_listed_with_the_columns(self, con, autumn):
        """Both schools below basic in «Здоровье» and the mentee's «Профориентация»."""
        assignment = assign_mentors(con, autumn)
        assert list(assignment.columns) == ASSIGNMENT_COLUMNS
        assert list(pairs(assignment)) == [(MENTEE, "health"), (MENTEE, "career"), (HEALTH_CAPPED, "health")]

    def test_the_strongest_mentor_of_the_own_municipality_takes_both_places(self, con, autumn):
        """Kirov's 15-point school takes both Kirov pairs in «Здоровье»; «Профориентация» has
        only Luga's school at «высокий»."""
        assert pairs(assign_mentors(con, autumn)) == {
            (MENTEE, "health"): HEALTH_KIROV,
            (MENTEE, "career"): HEALTH_LUGA,
            (HEALTH_CAPPED, "health"): HEALTH_KIROV,
        }

    def test_a_full_mentor_passes_the_pair_to_the_next_of_its_municipality(self, con, autumn):
        """With one place per mentor, the second Kirov pair goes to Kirov's 13-point school, not to
        Luga's 15-point ones: the own municipality comes before points."""
        found = pairs(assign_mentors(con, autumn, rules=MentorRules(max_mentees=1, sites_per_track=5)))
        assert {found[(MENTEE, "health")], found[(HEALTH_CAPPED, "health")]} == {
            HEALTH_KIROV,
            HEALTH_KIROV_FEWER,
        }
        assert found[(MENTEE, "career")] == HEALTH_LUGA

    def test_reason_carries_points_place_and_kind(self, con, autumn):
        """«Здоровье»: 15 из 15, высокий; тот же муниципалитет; and what the roster says."""
        row = mentors_of(con, autumn, MENTEE).set_index("track_code").loc["career"]
        assert row["reason"] == (
            "«Профориентация»: 10 из 10, высокий; другой муниципалитет; "
            "тип местности и численность в реестре не указаны"
        )
        assert (row["mentor_points"], row["mentor_points_max"], row["mentor_level"]) == (10, 10, "высокий")

    def test_same_locality_outranks_points(self, con, autumn):
        """With a roster, a rural mentor for a rural school comes before a richer urban one."""
        import_localities(con, {MENTEE: "сельская", HEALTH_KIROV_FEWER: "сельская"})
        health = mentors_of(con, autumn, MENTEE).set_index("track_code").loc["health"]
        assert health["mentor_inn"] == HEALTH_KIROV_FEWER
        assert health["reason"] == (
            "«Здоровье»: 13 из 15, высокий; тот же муниципалитет; сельская, 100–499 обучающихся (как у школы)"
        )

    def test_correctional_school_never_mentors_a_general_one(self, con, autumn):
        """Kirov's correctional school at 15 in «Здоровье» is not among the mentors."""
        assert HEALTH_KIROV_CORRECTIONAL not in set(assign_mentors(con, autumn)["mentor_inn"].dropna())

    def test_municipality_sees_the_region_wide_assignment(self, con, autumn):
        """Luga has no school below basic: its rows are empty; Kirov's are the region's."""
        assert assign_mentors(con, autumn, LUGA).empty
        assert assign_mentors(con, autumn, KIROV).equals(assign_mentors(con, autumn))

    def test_school_needing_nothing_has_no_rows(self, con, autumn):
        """A school at «средний» everywhere, or one not in the round, has no rows."""
        assert mentors_of(con, autumn, ORDINARY).empty
        assert mentors_of(con, autumn, "0000000000").empty


class TestExcludedHosts:
    def test_flagged_and_below_basic_schools_never_mentor(self, con, with_excluded):
        """The school with every answer at the maximum is flagged; the other is below basic
        overall: both at «высокий» in «Здоровье», neither mentors nor hosts internships."""
        assert ALL_AT_MAXIMUM in set(flag_schools(con, with_excluded)["inn"])
        mentors = set(assign_mentors(con, with_excluded)["mentor_inn"].dropna())
        sites = set(internship_sites(con, with_excluded)["inn"])
        assert {ALL_AT_MAXIMUM, HEALTH_BELOW_OVERALL}.isdisjoint(mentors | sites)


class TestMildFinding:
    def test_a_level_moved_by_a_critical_indicator_does_not_exclude(self, con, rubric, tmp_path):
        """A school below basic in spring only through the sports club, passing it in autumn, gets
        the mild «critical_switch» finding and still hosts internships in «Здоровье»."""
        switched = spec(HEALTH_LUGA, LUGA, failed=(24,), health=13)
        path = write_long_csv(tmp_path / "spring.csv", rubric, [switched, spec(ORDINARY, KIROV)])
        import_uploads(con, [Upload.from_path(path)], "Весна 2025")
        path = write_long_csv(
            tmp_path / "autumn.csv", rubric, [spec(HEALTH_LUGA, LUGA, health=15), spec(ORDINARY, KIROV)]
        )
        import_uploads(con, [Upload.from_path(path)], ROUND)
        autumn = get_round(con, ROUND)
        rules = flag_schools(con, autumn).query("inn == @HEALTH_LUGA")["rule"].tolist()
        assert rules == ["critical_switch"]
        assert HEALTH_LUGA in set(internship_sites(con, autumn, track_code="health")["inn"])


class TestCapacity:
    KIROV_MENTEES: ClassVar[list[str]] = [f"47200001{n:02d}" for n in range(5)]

    @pytest.fixture
    def crowded(self, con, rubric, tmp_path):
        """Five Kirov schools below basic in «Здоровье», one mentor in Kirov and one in Luga."""
        schools = [spec(inn, KIROV, health=3) for inn in self.KIROV_MENTEES]
        schools += [spec(HEALTH_KIROV, KIROV, health=15), spec(HEALTH_LUGA, LUGA, health=14)]
        path = write_long_csv(tmp_path / "crowded.csv", rubric, schools)
        import_uploads(con, [Upload.from_path(path)], ROUND)
        return get_round(con, ROUND)

    def test_no_mentor_takes_more_than_the_cap(self, con, crowded):
        """A top-N per school would give Kirov's mentor all five; the assignment gives it two,
        Luga's two, and says the fifth needs the region."""
        assignment = assign_mentors(con, crowded)
        assert assignment["mentor_inn"].value_counts().to_dict() == {HEALTH_KIROV: 2, HEALTH_LUGA: 2}
        left = assignment[assignment["mentor_inn"].isna()]
        assert left["reason"].tolist() == [f"{NOT_FOUND}: все подходящие школы уже наставляют по 2"]

    def test_a_track_without_hosts_of_the_form_says_so(self, con, rubric, tmp_path):
        """A correctional school below basic where no correctional school is high."""
        schools = [spec(MENTEE, KIROV, "correctional", health=3), spec(HEALTH_KIROV, KIROV, health=15)]
        path = write_long_csv(tmp_path / "lonely.csv", rubric, schools)
        import_uploads(con, [Upload.from_path(path)], ROUND)
        assignment = assign_mentors(con, get_round(con, ROUND))
        assert assignment["reason"].tolist() == [
            f"{NOT_FOUND}: в регионе нет школы той же формы на уровне «высокий» по направлению"
        ]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    path = tmp_path_factory.mktemp("mentors") / "demo.duckdb"
    build_demo_database(path, schools=400, rounds=1, seed=3)
    con = open_store(path)
    rnd = get_round(con, con.execute("select name from rounds").fetchone()[0])
    yield con, rnd, assign_mentors(con, rnd)
    con.close()


class TestOnTheDemoRegion:
    """The rules hold on a whole generated region, not only on hand-made cases."""

    def test_every_mentor_is_eligible_and_within_the_cap(self, region):
        con, rnd, assignment = region
        scores = con.execute(
            "select inn, scope, level_rank from school_scores where round_id = ?", [rnd.round_id]
        ).df()
        level = scores.set_index(["inn", "scope"])["level_rank"]
        assigned = assignment.dropna(subset=["mentor_inn"])
        assert len(assigned) > 20
        assert all(level[(m, "total")] > 0 for m in assigned["mentor_inn"])
        assert all(
            level[(m, t)] == 3 for m, t in zip(assigned["mentor_inn"], assigned["track_code"], strict=True)
        )
        assert set(assigned["mentor_inn"]).isdisjoint(flag_schools(con, rnd)["inn"])
        assert assigned["mentor_inn"].value_counts().max() <= mentor_rules().max_mentees

    def test_mentor_answers_the_same_form(self, region):
        con, rnd, assignment = region
        form = con.execute("select inn, form from current_schools where round_id = ?", [rnd.round_id]).df()
        form = form.set_index("inn")["form"]
        assigned = assignment.dropna(subset=["mentor_inn"])
        assert (form[assigned["inn"]].to_numpy() == form[assigned["mentor_inn"]].to_numpy()).all()

    def test_nobody_goes_elsewhere_while_an_own_mentor_is_free(self, region):
        """No pair has a mentor of another municipality, nor none, while an eligible mentor of its
        own municipality still has a free place."""
        con, rnd, assignment = region
        cap = mentor_rules().max_mentees
        sites = internship_sites(con, rnd, rules=MentorRules(cap, 10_000))
        load = assignment["mentor_inn"].value_counts()
        free = sites[sites["inn"].map(load).fillna(0) < cap]
        form = con.execute("select inn, form from current_schools where round_id = ?", [rnd.round_id]).df()
        form = form.set_index("inn")["form"]
        free = free.assign(form=form[free["inn"]].to_numpy())
        elsewhere = assignment[assignment["mentor_municipality"] != assignment["municipality"]].assign(
            form=lambda frame: form[frame["inn"]].to_numpy()
        )
        clash = elsewhere.merge(free, on=["track_code", "municipality", "form"])
        assert clash.empty

    @pytest.mark.parametrize("candidates", [None, 0])
    def test_a_pair_is_left_without_a_mentor_only_when_all_eligible_are_full(
        self, region, monkeypatch, candidates
    ):
        """«наставник не найден» is said only when every eligible host of the pair's form and
        track already has its places taken — also when the matching is offered no host of another
        municipality at all and the free places are found after it."""
        con, rnd, assignment = region
        if candidates is not None:
            monkeypatch.setattr(mentors, "_OTHER_MUNICIPALITY_CANDIDATES", candidates)
            assignment = assign_mentors(con, rnd)
        cap = mentor_rules().max_mentees
        hosts = internship_sites(con, rnd, rules=MentorRules(cap, 10_000))
        form = con.execute("select inn, form from current_schools where round_id = ?", [rnd.round_id]).df()
        form = form.set_index("inn")["form"]
        load = assignment["mentor_inn"].value_counts()
        free = hosts[hosts["inn"].map(load).fillna(0) < cap].assign(
            form=lambda frame: form[frame["inn"]].to_numpy()
        )
        left = assignment[assignment["mentor_inn"].isna()].assign(
            form=lambda frame: form[frame["inn"]].to_numpy()
        )
        assert len(left) > 0
        assert left.merge(free, on=["track_code", "form"]).empty


class TestInternshipSites:
    def test_sites_of_a_track_best_share_first_with_reasons(self, con, autumn):
        """The three 15-point schools, then 14, then 13; each reason gives the track and the total."""
        sites = internship_sites(con, autumn, track_code="health")
        assert list(sites.columns) == SITE_COLUMNS
        assert set(sites["inn"][:3]) == {HEALTH_KIROV, HEALTH_KIROV_CORRECTIONAL, HEALTH_LUGA}
        assert sites["inn"].tolist()[3:] == [HEALTH_LUGA_FEWER, HEALTH_KIROV_FEWER]
        assert set(sites["hosts_in_track"]) == {5}
        assert sites["reason"].iloc[-1].startswith("«Здоровье»: 13 из 15, высокий; в целом ")

    def test_the_list_is_short_and_counts_the_rest(self, con, autumn):
        """Two sites asked per track: two listed, all five counted."""
        sites = internship_sites(con, autumn, track_code="health", rules=MentorRules(2, 2))
        assert len(sites) == 2
        assert set(sites["hosts_in_track"]) == {5}

    def test_sites_of_a_municipality_in_every_track(self, con, autumn):
        """Without a track, every high track of the municipality's schools, in rubric order."""
        sites = internship_sites(con, autumn, municipality=LUGA)
        assert set(sites["municipality"]) == {LUGA}
        assert sites[["track_code", "inn"]].values.tolist() == [
            ["health", HEALTH_LUGA],
            ["health", HEALTH_LUGA_FEWER],
            ["career", HEALTH_LUGA],
        ]


class TestRulesFile:
    def test_shipped_rules_are_two_places_and_five_sites(self):
        assert mentor_rules() == MentorRules(max_mentees=2, sites_per_track=5)
        assert "не больше 2 школ" in mentor_rules().explained()

    @pytest.mark.parametrize("value", ["0", "два", "1.5"])
    def test_a_value_that_is_not_a_whole_number_names_the_line(self, tmp_path, value):
        path = tmp_path / "mentors.csv"
        path.write_text(
            f"parameter,value,meaning\nmax_mentees_per_mentor,{value},x\ninternship_sites_per_track,5,y\n",
            encoding="utf-8",
        )
        with pytest.raises(SamodiagError, match=r"«mentors\.csv», строка 2"):
            mentor_rules(path)

    def test_a_missing_parameter_is_named(self, tmp_path):
        path = tmp_path / "mentors.csv"
        path.write_text("parameter,value,meaning\nmax_mentees_per_mentor,2,x\n", encoding="utf-8")
        with pytest.raises(SamodiagError, match="internship_sites_per_track"):
            mentor_rules(path)


class TestCommandLine:
    @pytest.mark.usefixtures("autumn")
    def test_mentors_prints_the_assignment_as_levels_does(self, con, capsysbinary):
        """`mentors --round R` prints UTF-8 CSV with codes, whole numbers and lower-case levels,
        only the chosen municipality's mentees; `--excel` uses `;` and a BOM."""
        from analytics.cli import main

        db = con.execute(
            "select path from duckdb_databases() where database_name = current_database()"
        ).fetchone()[0]
        con.close()
        assert main(["mentors", "--db", db, "--round", ROUND, "--municipality", KIROV]) == 0
        lines = capsysbinary.readouterr().out.decode("utf-8").splitlines()
        assert lines[0] == (
            "inn,name,municipality,track,mentor_inn,mentor_name,mentor_municipality,"
            "mentor_points,mentor_points_max,mentor_level,reason"
        )
        assert lines[1].startswith(
            f"{MENTEE},Школа 01,{KIROV},health,{HEALTH_KIROV},Школа 02,{KIROV},15,15,высокий,"
        )
        assert len(lines) == 4
        assert main(["mentors", "--db", db, "--round", ROUND, "--excel"]) == 0
        excel = capsysbinary.readouterr().out
        assert excel.startswith("\ufeffinn;name;".encode())
