"""The plan as the pages edit it, execution counts, flag outcomes, and who may record."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.accounts import AccessDenied, Scope
from analytics.audit import read_audit
from analytics.catalogue import kind_labels
from analytics.credibility import RULE_TITLES
from analytics.documents.roadmap import import_roadmap, roadmap_xlsx
from analytics.plan_views import (
    NOT_CHECKED,
    RowDefaults,
    execution_totals,
    flags_with_checks,
    plan_table,
    save_plan_table,
    status_counts,
)
from analytics.plans import (
    Interview,
    PlanRejected,
    add_measure,
    may_record,
    measures_frame,
    record_flag_check,
    record_interview,
    update_measure,
)
from tests.test_plans import DUE, KIROV, LUGA_WEAK, WEAK, club, import_autumn

COORDINATOR = Scope.for_coordinator("kirov", KIROV)
OTHER = Scope.for_coordinator("luga", "Лужский муниципальный район")
OBSERVER = Scope.for_observer("obs")


@pytest.fixture
def autumn(con, rubric, tmp_path):
    return import_autumn(con, rubric, tmp_path)


def filled(table):
    """The draft table with the two fields people must add: who and by when."""
    return table.assign(responsible="Завуч", due_on=DUE)


class TestPlanTable:
    def test_draft_when_empty_then_stored_after_saving(self, con, autumn):
        table = plan_table(con, autumn, WEAK)
        assert table["measure_id"].isna().all()
        assert table["numbers"].iloc[0] == "24"
        assert set(table["kind"]) <= set(kind_labels().values())
        saved = save_plan_table(con, autumn, WEAK, filled(table), COORDINATOR)
        assert (saved.new, saved.updated) == (len(table), 0)
        stored = plan_table(con, autumn, WEAK)
        assert stored["measure_id"].notna().all()
        assert set(measures_frame(con, autumn, inn=WEAK)["updated_by"]) == {"kirov"}

    def test_an_edited_row_is_updated_and_blank_rows_skipped(self, con, autumn):
        save_plan_table(con, autumn, WEAK, filled(plan_table(con, autumn, WEAK)).head(1))
        table = plan_table(con, autumn, WEAK)
        table.loc[0, "status"] = "выполняется"
        blank = dict.fromkeys(table.columns)
        with_blank = pd.concat([table, pd.DataFrame([blank])], ignore_index=True)
        saved = save_plan_table(con, autumn, WEAK, with_blank)
        assert (saved.new, saved.updated, saved.unchanged) == (0, 1, 0)
        assert measures_frame(con, autumn, inn=WEAK)["status"].tolist() == ["выполняется"]

    def test_a_bad_row_refuses_the_whole_table_naming_the_row(self, con, autumn):
        table = filled(plan_table(con, autumn, WEAK))
        table.loc[1, "numbers"] = "24, x"
        table.loc[2, "responsible"] = ""
        with pytest.raises(PlanRejected) as refused:
            save_plan_table(con, autumn, WEAK, table)
        assert "строка 2: «x» — не номер показателя" in refused.value.problems
        assert "строка 3: не указан ответственный" in refused.value.problems
        assert measures_frame(con, autumn, inn=WEAK).empty

    def test_defaults_fill_only_the_empty_cells(self, con, autumn):
        table = plan_table(con, autumn, WEAK)
        table.loc[0, "responsible"] = "Директор"
        save_plan_table(con, autumn, WEAK, table, defaults=RowDefaults("Завуч", DUE))
        stored = measures_frame(con, autumn, inn=WEAK)
        assert stored["responsible"].value_counts().to_dict() == {"Завуч": len(table) - 1, "Директор": 1}
        assert set(stored["due_on"].dt.date) == {DUE}


class TestWhoMayRecord:
    def test_the_schools_coordinator_and_the_operator_may(self, con, autumn):
        assert may_record(con, COORDINATOR, autumn, WEAK)
        assert may_record(con, Scope.for_region_operator("op"), autumn, LUGA_WEAK)

    @pytest.mark.parametrize("actor", [OTHER, OBSERVER], ids=["other coordinator", "observer"])
    def test_others_are_refused_by_every_write(self, con, autumn, actor):
        assert not may_record(con, actor, autumn, WEAK)
        interview = Interview(dt.date.today(), "Директор", "Выводы")
        writes = [
            lambda: record_interview(con, autumn, WEAK, interview, recorded_by=actor),
            lambda: add_measure(con, autumn, WEAK, club(), updated_by=actor),
            lambda: save_plan_table(con, autumn, WEAK, filled(plan_table(con, autumn, WEAK)), actor),
            lambda: record_flag_check(con, autumn, WEAK, next(iter(RULE_TITLES)), "подтверждено", "", actor),
            lambda: import_roadmap(con, roadmap_xlsx(con, autumn, WEAK), "карта.xlsx", updated_by=actor),
        ]
        for write in writes:
            with pytest.raises(AccessDenied):
                write()
        assert measures_frame(con, autumn, inn=WEAK).empty

    def test_a_coordinator_cannot_change_another_municipalitys_measure(self, con, autumn):
        measure_id = add_measure(con, autumn, LUGA_WEAK, club(numbers=(40,), action="Меры"))
        with pytest.raises(AccessDenied):
            update_measure(con, measure_id, club(numbers=(40,), status="выполнено"), updated_by=COORDINATOR)


class TestAudit:
    def test_interviews_measures_and_checks_are_logged_with_the_login(self, con, autumn):
        record_interview(con, autumn, WEAK, Interview(dt.date.today(), "Директор", "Выводы"), COORDINATOR)
        measure_id = add_measure(con, autumn, WEAK, club(), updated_by=COORDINATOR)
        update_measure(con, measure_id, club(status="выполнено"), updated_by=COORDINATOR)
        record_flag_check(con, autumn, WEAK, next(iter(RULE_TITLES)), "подтверждено", "", COORDINATOR)
        log = read_audit(con, login="kirov")
        actions = ["interview_recorded", "measure_added", "measure_changed", "flag_checked"]
        assert log["action"].tolist() == actions


class TestExecution:
    def test_counts_by_status_and_overdue_per_municipality(self, con, autumn):
        add_measure(con, autumn, WEAK, club())
        add_measure(con, autumn, WEAK, club(status="выполнено"))
        counts = status_counts(con, autumn, DUE + dt.timedelta(days=1)).set_index("municipality")
        row = counts.loc[KIROV]
        assert (row["count_schools"], row["запланировано"], row["выполнено"]) == (1, 1, 1)
        assert (row["count_overdue"], row["count_all"], row["отменено"]) == (1, 2, 0)
        totals = execution_totals(counts)
        assert totals == {"schools": 1, "measures": 2, "done": 1, "overdue": 1}

    def test_no_measures_no_rows(self, con, autumn):
        assert status_counts(con, autumn, DUE).empty


class TestFlagsWithChecks:
    def test_the_outcome_in_force_or_not_checked(self, con, autumn):
        flags = flags_with_checks(con, autumn)
        assert set(flags["check_outcome"]) <= {NOT_CHECKED}
        if flags.empty:
            pytest.skip("the hand-made round trips no flag")
        first = flags.iloc[0]
        record_flag_check(con, autumn, first["inn"], first["rule"], "исправлено школой", "сверили")
        checked = flags_with_checks(con, autumn, inn=first["inn"])
        row = checked[checked["rule"] == first["rule"]].iloc[0]
        assert (row["check_outcome"], row["check_comment"]) == ("исправлено школой", "сверили")
