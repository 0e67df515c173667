"""The support cycle through the app (AppTest): an interview and a plan recorded on «Школа» show on
«Исполнение планов»; who may not record sees no form and cannot write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics.db import open_store
from analytics.plans import measures_frame
from analytics.rounds import get_round
from tests.conftest import metrics
from tests.test_pages import BELOW_BASIC_INN, SPRING, build_store, texts
from tests.test_pages_accounts import accounts_db, app, school_of, sign_in  # noqa: F401 -- fixtures

DUE = dt.date.today() + dt.timedelta(days=30)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_store(tmp_path / "plans.duckdb", rounds=(SPRING,))


def open_school(open_app, db: Path, inn: str = BELOW_BASIC_INN):
    return open_app(db, "school", inn=inn, round=SPRING)


def record_interview(at):
    at.text_area(key=next(k for k in keys(at) if k.startswith("causes_"))).input("Нет ответственного")
    at.date_input[0].set_value(dt.date.today())
    at.text_area[0].input("Директор, заместитель директора")
    at.text_area[1].input("Дефицит в спорте и профориентации")
    submit(at, "Записать собеседование")


def keys(at) -> list[str]:
    return [widget.key for widget in at.text_area if widget.key]


def submit(at, label: str):
    next(button for button in at.button if button.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_interview_and_plan_recorded_on_school_show_on_plans_page(open_app, store: Path):
    at = open_school(open_app, store)
    record_interview(at)
    assert "Собеседование записано" in texts(at)
    interviews = next(t.value for t in at.dataframe if "participants" in t.value.columns)
    assert interviews["participants"].tolist() == ["Директор, заместитель директора"]

    editor = next(t for t in at.dataframe if t.key == "school_plan_editor")
    count_rows = len(editor.value)
    assert count_rows > 1
    at.session_state["school_plan_editor"] = {
        "edited_rows": {0: {"responsible": "Завуч", "due_on": DUE.isoformat()}},
        "added_rows": [],
        "deleted_rows": list(range(1, count_rows)),
    }
    submit(at, "Сохранить план")
    assert not at.error, [e.value for e in at.error]
    assert "План сохранён: мер новых — 1" in texts(at)

    con = open_store(store)
    measures = measures_frame(con, get_round(con, SPRING), inn=BELOW_BASIC_INN)
    con.close()
    shown = measures[["responsible", "status", "updated_by"]].to_numpy().tolist()
    assert shown == [["Завуч", "запланировано", "local"]]

    at.switch_page("pages/plans.py").run()
    assert not at.exception
    assert metrics(at)["Мер в планах"] == "1"
    counts = next(t.value for t in at.dataframe if "count_all" in t.value.columns)
    assert counts["count_all"].sum() == 1
    assert counts["запланировано"].sum() == 1
    assert counts["municipality"].tolist() == measures["municipality"].tolist()


def test_a_plan_with_a_missing_field_is_refused_in_russian(open_app, store: Path):
    at = open_school(open_app, store)
    submit(at, "Сохранить план")
    assert at.error
    assert "Ничего не записано" in at.error[0].value
    assert "не указан ответственный" in at.error[0].value


def test_coordinator_records_own_school_observer_and_others_cannot(app, accounts_db: Path):  # noqa: F811
    own_inn, own = school_of(accounts_db, inside=True)
    other_inn, _ = school_of(accounts_db, inside=False)
    at = sign_in(app(accounts_db), "vsev")
    at.query_params.update({"inn": own_inn, "round": SPRING})
    at.switch_page("pages/school.py").run()
    assert any(b.label == "Записать собеседование" for b in at.button)

    at.query_params.update({"inn": other_inn, "mun": own})
    at.switch_page("pages/school.py").run()
    assert at.error
    assert not any(b.label == "Записать собеседование" for b in at.button)

    at = sign_in(app(accounts_db), "obs")
    at.query_params.update({"inn": other_inn, "round": SPRING})
    at.switch_page("pages/school.py").run()
    assert "Только просмотр" in texts(at)
    assert not any(b.label in ("Записать собеседование", "Сохранить план") for b in at.button)
