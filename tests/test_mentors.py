"""Mentor schools and internship sites: who is suggested, in which order, and why."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.loading import Upload, import_uploads
from analytics.mentors import MENTOR_COLUMNS, internship_sites, suggest_mentors, suggest_mentors_bulk
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


class TestMentorRanking:
    def test_same_municipality_first_then_same_form_then_points(self, con, autumn):
        """Kirov before Luga; within Kirov the general form before the correctional; more points first."""
        mentors = suggest_mentors(con, autumn, MENTEE, limit_per_track=10)
        health = mentors[mentors["track_code"] == "health"]
        assert health["mentor_inn"].tolist() == [
            HEALTH_KIROV,
            HEALTH_KIROV_FEWER,
            HEALTH_KIROV_CORRECTIONAL,
            HEALTH_LUGA,
            HEALTH_LUGA_FEWER,
        ]
        assert health["mentor_points"].tolist() == [15, 13, 15, 15, 14]
        assert set(health["mentor_level"]) == {"высокий"}

    def test_default_limit_is_three_per_track(self, con, autumn):
        """Three mentors in «Здоровье»; the one school high in «Профориентация» for that track."""
        mentors = suggest_mentors(con, autumn, MENTEE)
        assert list(mentors.columns) == MENTOR_COLUMNS
        assert mentors["track_code"].tolist() == ["health", "health", "health", "career"]
        career = mentors[mentors["track_code"] == "career"].iloc[0]
        assert career["mentor_inn"] == HEALTH_LUGA
        assert career["track_name"] == "Профориентация"

    def test_reasons_say_why_in_russian(self, con, autumn):
        """The reason names the municipality match and how similar the school is."""
        reasons = suggest_mentors(con, autumn, MENTEE, limit_per_track=10).set_index("mentor_inn")["reason"]
        assert reasons[HEALTH_KIROV] == "тот же муниципалитет, та же форма самодиагностики"
        assert reasons[HEALTH_KIROV_CORRECTIONAL] == "тот же муниципалитет, школа другого типа"
        assert reasons[HEALTH_LUGA_FEWER] == "другой муниципалитет, та же форма самодиагностики"

    def test_same_locality_outranks_points(self, con, autumn):
        """With a roster, a rural mentor for a rural school comes before a richer urban one."""
        import_localities(con, {MENTEE: "сельская", HEALTH_KIROV_FEWER: "сельская"})
        health = suggest_mentors(con, autumn, MENTEE).query("track_code == 'health'")
        assert health["mentor_inn"].tolist()[:2] == [HEALTH_KIROV_FEWER, HEALTH_KIROV]
        assert health.iloc[0]["reason"] == "тот же муниципалитет, похожая школа"

    def test_track_capped_by_a_failed_critical_is_no_mentor(self, con, autumn):
        """13 points in «Здоровье» with the sports club failed is «ниже базового», not a mentor."""
        mentors = suggest_mentors(con, autumn, MENTEE, limit_per_track=10)
        assert HEALTH_CAPPED not in set(mentors["mentor_inn"])
        assert set(suggest_mentors(con, autumn, HEALTH_CAPPED)["track_code"]) == {"health"}


class TestNoMentorsNeeded:
    def test_school_below_basic_nowhere_gets_an_empty_frame(self, con, autumn):
        """A school at «средний» everywhere needs no mentor: empty, with the columns."""
        mentors = suggest_mentors(con, autumn, ORDINARY)
        assert mentors.empty
        assert list(mentors.columns) == MENTOR_COLUMNS

    def test_unknown_school_gets_an_empty_frame(self, con, autumn):
        """An ИНН not in the round has nothing to suggest."""
        assert suggest_mentors(con, autumn, "0000000000").empty


class TestMentorsInBulk:
    @pytest.mark.parametrize("limit", [1, 3, 10])
    def test_bulk_agrees_with_one_school_at_a_time(self, con, autumn, limit):
        """One query for several schools gives each school the rows of its own call, in the order asked."""
        inns = [HEALTH_CAPPED, ORDINARY, "0000000000", MENTEE]
        bulk = suggest_mentors_bulk(con, autumn, inns, limit_per_track=limit)
        one_by_one = pd.concat(
            [suggest_mentors(con, autumn, inn, limit).assign(inn=inn) for inn in inns], ignore_index=True
        )
        assert list(bulk.columns) == ["inn", *MENTOR_COLUMNS]
        assert bulk.values.tolist() == one_by_one[["inn", *MENTOR_COLUMNS]].values.tolist()
        assert bulk["inn"].drop_duplicates().tolist() == [HEALTH_CAPPED, MENTEE]

    def test_limit_applies_to_each_school_and_track(self, con, autumn):
        """Two schools below basic in «Здоровье» each get their own two health mentors."""
        bulk = suggest_mentors_bulk(con, autumn, [MENTEE, HEALTH_CAPPED], limit_per_track=2)
        health = bulk[bulk["track_code"] == "health"]
        assert health.groupby("inn").size().to_dict() == {MENTEE: 2, HEALTH_CAPPED: 2}

    def test_no_schools_give_an_empty_frame_with_the_columns(self, con, autumn):
        """An empty list of schools asks nothing and gets the columns back."""
        bulk = suggest_mentors_bulk(con, autumn, [])
        assert bulk.empty
        assert list(bulk.columns) == ["inn", *MENTOR_COLUMNS]


class TestInternshipSites:
    def test_sites_of_a_track_best_first(self, con, autumn):
        """Schools at «высокий» in «Здоровье»: most points first, then by municipality and name."""
        sites = internship_sites(con, autumn, track_code="health")
        assert list(sites.columns) == [
            "track_code",
            "track_name",
            "inn",
            "name",
            "municipality",
            "points",
            "points_max",
        ]
        assert sites["inn"].tolist()[:3] == [HEALTH_KIROV, HEALTH_KIROV_CORRECTIONAL, HEALTH_LUGA]
        assert sites["inn"].tolist()[3:] == [HEALTH_LUGA_FEWER, HEALTH_KIROV_FEWER]
        assert set(sites["points_max"]) == {15}

    def test_sites_of_a_municipality_in_every_track(self, con, autumn):
        """Without a track, every high track of the municipality's schools, in rubric order."""
        sites = internship_sites(con, autumn, municipality=LUGA)
        assert set(sites["municipality"]) == {LUGA}
        assert sites[["track_code", "inn"]].values.tolist() == [
            ["health", HEALTH_LUGA],
            ["health", HEALTH_LUGA_FEWER],
            ["career", HEALTH_LUGA],
        ]
