"""The support cycle: interviews, plans of measures, their execution and flag checks."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.catalogue import KIND_CODES, kind_labels, typical_measures
from analytics.loading import Upload, import_uploads, withdraw_import
from analytics.plans import (
    INTERVIEW_DAYS,
    Interview,
    Measure,
    PlanRejected,
    add_measure,
    draft_plan,
    flag_checks,
    interview_due_date,
    interviews_frame,
    measures_frame,
    overdue_measures,
    record_flag_check,
    record_interview,
    results_date,
    schools_without_interview,
    stored_measure,
    update_measure,
)
from analytics.rounds import get_round
from analytics.rubric import load_rubric
from analytics.text import normalize
from tests.conftest import SchoolSpec, write_long_csv

ROUND = "Осень 2025"
KIROV = "Кировский муниципальный район"
LUGA = "Лужский муниципальный район"
WEAK = "4720000001"
"""Below basic: critical indicator 24 (Школьный спортивный клуб) failed, health low."""
LUGA_WEAK = "4720000002"
FULL = "4720000003"
"""Every answer at its maximum: no deficits, so no plan is owed — only the interview."""
SCHOOLS = [
    SchoolSpec(WEAK, "Школа 01", KIROV, failed_critical=(24,), track_points={"health": 4, "career": 3}),
    SchoolSpec(LUGA_WEAK, "Школа 02", LUGA, failed_critical=(40,)),
    SchoolSpec(FULL, "Школа 03", KIROV),
]
DUE = dt.date(2026, 3, 1)


def import_autumn(con, rubric, tmp_path):
    """The three schools imported into ROUND; the round."""
    path = write_long_csv(tmp_path / "autumn.csv", rubric, SCHOOLS)
    import_uploads(con, [Upload.from_path(path)], ROUND)
    return get_round(con, ROUND)


@pytest.fixture
def autumn(con, rubric, tmp_path):
    return import_autumn(con, rubric, tmp_path)


def club(**changes) -> Measure:
    fields = {
        "numbers": (24,),
        "action": "Создать школьный спортивный клуб",
        "kind": "own",
        "responsible": "Директор",
        "due_on": DUE,
    }
    return Measure(**(fields | changes))


def past_round_date(rnd) -> dt.date:
    return rnd.date + dt.timedelta(days=3)


class TestCatalogue:
    def test_every_track_and_critical_indicator_has_a_typical_measure(self):
        rubric = load_rubric("demo-2025")
        catalogue = typical_measures("demo-2025")
        covered = {i.track_code for i in rubric.indicators if normalize(i.text) in catalogue}
        assert covered == {t.code for t in rubric.tracks}
        assert all(normalize(i.text) in catalogue for i in rubric.indicators if i.is_critical)

    def test_kinds_are_labelled_in_russian(self):
        assert list(kind_labels()) == list(KIND_CODES)
        assert kind_labels()["mentor"] == "школа-наставник"

    def test_an_unknown_indicator_is_an_error_naming_file_and_line(self, tmp_path, monkeypatch):
        from analytics import catalogue
        from analytics.datafiles import DataFileError

        bad = tmp_path / "measures.csv"
        bad.write_text(
            "version,indicator,kind,action\ndemo-2025,Несуществующий показатель,own,Сделать\n", "utf-8"
        )
        monkeypatch.setattr(catalogue, "MEASURES_FILE", bad)
        catalogue.typical_measures.cache_clear()
        try:
            with pytest.raises(DataFileError, match=r"«measures\.csv», строка 2: показателя"):
                catalogue.typical_measures("demo-2025")
        finally:
            catalogue.typical_measures.cache_clear()


class TestDraftPlan:
    def test_short_list_first_then_the_other_deficits(self, con, autumn):
        """The failed critical indicator leads; every deficit gets one proposed measure."""
        drafts = draft_plan(con, autumn, WEAK)
        numbers = [d.measure.numbers[0] for d in drafts]
        assert numbers[0] == 24
        assert len(numbers) == len(set(numbers))
        flags = [d.on_short_list for d in drafts]
        assert flags == sorted(flags, reverse=True)
        assert any(flags)
        assert not all(flags)

    def test_action_comes_from_the_catalogue(self, con, autumn):
        first = draft_plan(con, autumn, WEAK)[0]
        assert first.track_code == "health"
        assert first.measure.action.startswith("Создать школьный спортивный клуб")
        assert first.measure.kind == "own"
        assert first.alternatives
        assert first.alternatives[0].startswith("школа-наставник: ")

    def test_a_school_without_deficits_has_an_empty_draft(self, con, autumn):
        assert draft_plan(con, autumn, FULL) == []


class TestMeasures:
    def test_add_and_update(self, con, autumn):
        measure_id = add_measure(con, autumn, WEAK, club(), updated_by="Иванова")
        update_measure(con, measure_id, club(status="выполняется", numbers=(24, 25)))
        assert stored_measure(con, measure_id) == club(status="выполняется", numbers=(24, 25))
        row = measures_frame(con, autumn).iloc[0]
        assert (row["track_code"], row["municipality"], row["updated_by"]) == ("health", KIROV, None)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"numbers": ()}, "не указаны показатели"),
            ({"numbers": (99,)}, "показателей № 99 нет в форме школы"),
            ({"numbers": (24, 2)}, "из разных направлений"),
            ({"action": "  "}, "не указано содержание"),
            ({"kind": "prayer"}, "вид меры «prayer» неизвестен"),
            ({"responsible": ""}, "не указан ответственный"),
            ({"due_on": None}, "не указан срок"),
            ({"due_on": dt.date(2062, 3, 1)}, "вне периода плана"),
            ({"due_on": dt.date(2020, 3, 1)}, "вне периода плана"),
            ({"status": "в работе"}, "статус «в работе» неизвестен"),
        ],
    )
    def test_invalid_measure_is_refused_in_russian_and_nothing_written(self, con, autumn, changes, message):
        with pytest.raises(PlanRejected, match=message):
            add_measure(con, autumn, WEAK, club(**changes))
        assert measures_frame(con, autumn).empty

    def test_a_school_outside_the_round_is_not_found(self, con, autumn):
        from analytics.errors import NotFound

        with pytest.raises(NotFound, match="не участвовала"):
            add_measure(con, autumn, "7800000000", club())


class TestOverdue:
    def test_open_measures_past_due_are_overdue(self, con, autumn):
        ids = {
            status: add_measure(con, autumn, WEAK, club(status=status))
            for status in ("запланировано", "выполняется", "выполнено", "не выполнено", "отменено")
        }
        assert overdue_measures(con, DUE).empty, "due today is not overdue yet"
        late = overdue_measures(con, DUE + dt.timedelta(days=1))
        assert sorted(late["measure_id"]) == sorted([ids["запланировано"], ids["выполняется"]])

    def test_overdue_by_municipality(self, con, autumn):
        add_measure(con, autumn, LUGA_WEAK, club(numbers=(40,), action="Назначить ответственного"))
        later = DUE + dt.timedelta(days=30)
        assert list(overdue_measures(con, later, LUGA)["inn"]) == [LUGA_WEAK]
        assert overdue_measures(con, later, KIROV).empty


class TestTenDayRule:
    def test_nobody_is_late_before_ten_days_from_the_last_import(self, con, autumn):
        results = results_date(con, autumn)
        assert results == dt.date.today()
        day_before = results + dt.timedelta(days=INTERVIEW_DAYS - 1)
        assert schools_without_interview(con, autumn, day_before).empty

    def test_the_due_date_the_page_shows_is_the_day_schools_start_being_listed(self, con, autumn):
        due = interview_due_date(con, autumn)
        assert due == results_date(con, autumn) + dt.timedelta(days=10)
        assert schools_without_interview(con, autumn, due - dt.timedelta(days=1)).empty
        assert not schools_without_interview(con, autumn, due).empty

    def test_on_the_tenth_day_schools_without_interview_or_plan_are_listed(self, con, autumn):
        deadline = results_date(con, autumn) + dt.timedelta(days=INTERVIEW_DAYS)
        assert set(schools_without_interview(con, autumn, deadline)["inn"]) == {WEAK, LUGA_WEAK, FULL}
        interview = Interview(
            past_round_date(autumn), "Директор, завучи", "Клуба нет", {"health": "нет зала"}
        )
        record_interview(con, autumn, FULL, interview)
        record_interview(con, autumn, WEAK, interview)
        missing = schools_without_interview(con, autumn, deadline)
        assert set(missing["inn"]) == {WEAK, LUGA_WEAK}, "an interview without a plan is not enough"
        assert not missing.set_index("inn").loc[WEAK, "has_plan"]
        add_measure(con, autumn, WEAK, club())
        assert list(schools_without_interview(con, autumn, deadline, KIROV)["inn"]) == []
        assert list(schools_without_interview(con, autumn, deadline, LUGA)["inn"]) == [LUGA_WEAK]


class TestInterviews:
    def test_recorded_with_causes(self, con, autumn):
        interview = Interview(past_round_date(autumn), "Директор", "Нужен клуб", {"health": "нет ставки"})
        record_interview(con, autumn, WEAK, interview, recorded_by="Петрова")
        row = interviews_frame(con, autumn, WEAK).iloc[0]
        assert list(row["causes"]) == ["health: нет ставки"]
        assert row["recorded_by"] == "Петрова"

    def test_invalid_interview_is_refused(self, con, autumn):
        bad = Interview(autumn.date - dt.timedelta(days=1), "", " ", {"nowhere": "x"})
        with pytest.raises(PlanRejected) as caught:
            record_interview(con, autumn, WEAK, bad)
        assert len(caught.value.problems) == 4
        assert interviews_frame(con, autumn, WEAK).empty


class TestFlagChecks:
    def test_latest_outcome_is_in_force(self, con, autumn):
        record_flag_check(con, autumn, WEAK, "all_max", "подтверждено", "проверили документы")
        record_flag_check(con, autumn, WEAK, "all_max", "исправлено школой", "школа исправила")
        checks = flag_checks(con, autumn, WEAK)
        assert list(checks["outcome"]) == ["исправлено школой"]

    def test_unknown_rule_or_outcome_is_refused(self, con, autumn):
        with pytest.raises(PlanRejected, match=r"правило «magic» неизвестно.*итог проверки «ок»"):
            record_flag_check(con, autumn, WEAK, "magic", "ок")


class TestKeptApartFromAnswers:
    def test_withdrawing_and_reimporting_never_touch_the_support_records(self, con, rubric, autumn, tmp_path):
        """Plans, interviews and checks survive the withdrawal of their round's only import and a
        corrected re-import; the answers come and go around them."""
        measure_id = add_measure(con, autumn, WEAK, club())
        record_interview(con, autumn, WEAK, Interview(past_round_date(autumn), "Директор", "Выводы"))
        record_flag_check(con, autumn, WEAK, "all_max", "подтверждено")
        tables = ("interviews", "interview_causes", "measures", "measure_indicators", "flag_checks")

        def snapshot():
            return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}

        before = snapshot()
        (import_id,) = con.execute("select max(import_id) from imports").fetchone()
        withdraw_import(con, import_id)
        assert con.execute("select count(*) from current_schools").fetchone()[0] == 0
        assert snapshot() == before
        corrected = [SchoolSpec(WEAK, "Школа 01", KIROV, track_points={"health": 10})]
        path = write_long_csv(tmp_path / "corrected.csv", rubric, corrected)
        import_uploads(con, [Upload.from_path(path)], ROUND)
        assert snapshot() == before
        assert stored_measure(con, measure_id) == club()
