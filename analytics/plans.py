"""The support cycle after a round: the interview, the plan of measures, its execution, flag checks.

Regional roadmaps give the municipality ten days from the results to interview each school's
management team and approve its plan of measures («дорожная карта»), then ask it to follow the
plan's execution. These records are people's, kept in their own tables (migration 0008), apart
from the imported answers: withdrawing or re-importing an export never touches them.

Every write is validated first and refused whole with Russian messages (PlanRejected); a valid
one is written in one transaction with its audit entry. The actor (`updated_by`/`recorded_by`/
`checked_by`) is a signed-in Scope, a login (the command line) or None; a Scope is checked here
(`require_recorder`): only the operator and the school's own coordinator record, an observer
reads. The login is stored with the time of each write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics.accounts import OBSERVER, AccessDenied, Scope, check_school_in_scope
from analytics.audit import actor_login, record
from analytics.catalogue import KIND_CODES, kind_labels, typical_measures
from analytics.credibility import RULE_TITLES
from analytics.db import transaction
from analytics.deficits import plan_next_levels
from analytics.errors import NotFound, SamodiagError
from analytics.rounds import Round
from analytics.sql import query
from analytics.text import normalize

STATUSES = ("запланировано", "выполняется", "выполнено", "не выполнено", "отменено")
OPEN_STATUSES = ("запланировано", "выполняется")
"""Statuses of a measure still under way: past its due date it is overdue."""
OUTCOMES = ("подтверждено", "исправлено школой", "не подтверждено")
INTERVIEW_DAYS = 10
"""Days from the round's results (its last import in force) to the interview and the plan."""
LONGEST_PLAN_YEARS = 3
"""A due date further than this from the round is taken for a typo (2062 for 2026)."""
DEFAULT_KIND = "own"


class PlanRejected(SamodiagError):
    """A plan, interview or check that failed validation; nothing was written."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("Ничего не записано: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Measure:
    """One measure of a school's plan as people write it: targets are indicator numbers of the
    school's form; the track is the targets' own."""

    numbers: tuple[int, ...]
    action: str
    kind: str
    responsible: str
    due_on: dt.date | None
    status: str = "запланировано"
    comment: str = ""


@dataclass(frozen=True)
class DraftMeasure:
    """A measure proposed from a deficit and the catalogue, for people to complete."""

    track_code: str
    measure: Measure
    indicator: str
    on_short_list: bool
    alternatives: tuple[str, ...] = field(default=())
    """Other typical actions for the same indicator, for the coordinator to pick instead."""


@dataclass(frozen=True)
class SchoolForm:
    """The form a school answered in a round and its indicators: number → (track, text)."""

    form: str
    indicators: dict[int, tuple[str, str]]
    track_names: dict[str, str]


def school_form(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> SchoolForm:
    """The school's form in the round, or NotFound when it took no part in it."""
    rows = con.execute(query("plan_school_form"), {"round_id": rnd.round_id, "inn": inn}).fetchall()
    if not rows:
        msg = f"школа с ИНН {inn} не участвовала в раунде «{rnd.name}»"
        raise NotFound(msg)
    return SchoolForm(
        rows[0][0],
        {number: (track, text) for _form, number, track, text, _name in rows},
        {track: name for _form, _number, track, _text, name in rows},
    )


def measure_problems(measure: Measure, form: SchoolForm, rnd: Round) -> list[tuple[str, str]]:
    """What is wrong with a measure: (field of Measure, Russian message) pairs; empty when valid.

    The field lets the roadmap import name the column a problem sits in.
    """
    problems = []
    if not measure.numbers:
        problems.append(
            ("numbers", "не указаны показатели, на устранение дефицитов по которым направлена мера")
        )
    unknown = [n for n in measure.numbers if n not in form.indicators]
    if unknown:
        problems.append(("numbers", f"показателей № {', '.join(map(str, unknown))} нет в форме школы"))
    tracks = {form.indicators[n][0] for n in measure.numbers if n in form.indicators}
    if len(tracks) > 1:
        problems.append(("numbers", "показатели из разных направлений: разделите меру на несколько строк"))
    if not measure.action.strip():
        problems.append(("action", "не указано содержание меры"))
    if measure.kind not in KIND_CODES:
        problems.append(("kind", f"вид меры «{measure.kind}» неизвестен"))
    if not measure.responsible.strip():
        problems.append(("responsible", "не указан ответственный"))
    problems.extend(("due_on", message) for message in _due_date_problems(measure.due_on, rnd))
    if measure.status not in STATUSES:
        problems.append(("status", f"статус «{measure.status}» неизвестен; допустимы: {', '.join(STATUSES)}"))
    return problems


def _due_date_problems(due_on: dt.date | None, rnd: Round) -> list[str]:
    if due_on is None:
        return ["не указан срок"]
    leap_day = (rnd.date.month, rnd.date.day) == (2, 29)
    latest = rnd.date.replace(year=rnd.date.year + LONGEST_PLAN_YEARS, day=28 if leap_day else rnd.date.day)
    if not rnd.date <= due_on <= latest:
        return [
            f"срок {due_on:%d.%m.%Y} вне периода плана: от даты раунда {rnd.date:%d.%m.%Y} "
            f"не позже {latest:%d.%m.%Y}"
        ]
    return []


def track_of(measure: Measure, form: SchoolForm) -> str:
    """The track of a valid measure's targets."""
    return form.indicators[measure.numbers[0]][0]


def draft_plan(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> list[DraftMeasure]:
    """One proposed measure per deficit: the short list to the next level first, then the rest.

    The short list is every change `plan_next_levels` names for the total or a track (failed
    critical indicators among them); the action is the catalogue's first typical measure for the
    indicator, or «Обеспечить: <лучший ответ>» as the school's own measure when it has none.
    """
    form = school_form(con, rnd, inn)
    plans = plan_next_levels(con, rnd, inn)
    short = list(dict.fromkeys(change.number for plan in plans for change in plan.changes))
    deficits = con.execute(
        query("school_deficits"), {"round_id": rnd.round_id, "inn": inn, "municipality": None}
    ).fetchall()
    columns = [column for column, *_ in con.description]
    goals = {row[columns.index("number")]: row[columns.index("answer_best")] for row in deficits}
    order = short + [number for number in goals if number not in short]
    catalogue = typical_measures(rnd.methodology)
    return [_draft(number, form, goals[number], catalogue, number in short) for number in order]


def _draft(
    number: int, form: SchoolForm, answer_best: str, catalogue: dict, on_short_list: bool
) -> DraftMeasure:
    track, text = form.indicators[number]
    typical = catalogue.get(normalize(text), ())
    kind, action = (
        (typical[0].kind, typical[0].action) if typical else (DEFAULT_KIND, f"Обеспечить: {answer_best}")
    )
    return DraftMeasure(
        track_code=track,
        measure=Measure((number,), action, kind, responsible="", due_on=None),
        indicator=text,
        on_short_list=on_short_list,
        alternatives=tuple(f"{kind_labels()[t.kind]}: {t.action}" for t in typical[1:]),
    )


Actor = Scope | str | None
"""Who writes: a signed-in scope (checked), a command-line login or nobody (not checked)."""


def require_recorder(con: duckdb.DuckDBPyConnection, actor: Actor, rnd: Round, inn: str) -> None:
    """Refuse a signed-in observer, and a coordinator the school of another municipality.

    Checked in the engine, not only by hiding the forms: a page's stale form or a crafted request
    must not write into another municipality's plans.
    """
    if not isinstance(actor, Scope):
        return
    if actor.role == OBSERVER:
        msg = (
            "Записывать собеседования, планы и проверки может оператор или координатор, "
            f"вы — {actor.role_name}"
        )
        raise AccessDenied(msg)
    check_school_in_scope(con, actor, rnd, inn)


def may_record(con: duckdb.DuckDBPyConnection, actor: Actor, rnd: Round, inn: str) -> bool:
    """Whether `require_recorder` lets the actor write for the school: the page's forms ask first."""
    try:
        require_recorder(con, actor, rnd, inn)
    except AccessDenied:
        return False
    return True


def add_measure(
    con: duckdb.DuckDBPyConnection, rnd: Round, inn: str, measure: Measure, updated_by: Actor = None
) -> int:
    """Validate and store a new measure of the school's plan; its id."""
    require_recorder(con, updated_by, rnd, inn)
    form = school_form(con, rnd, inn)
    problems = measure_problems(measure, form, rnd)
    if problems:
        raise PlanRejected([message for _field, message in problems])
    with transaction(con):
        return insert_measure(con, rnd, inn, form, measure, updated_by)


def update_measure(
    con: duckdb.DuckDBPyConnection, measure_id: int, measure: Measure, updated_by: Actor = None
) -> None:
    """Validate and rewrite a stored measure (targets included) under its id."""
    rnd, inn = _measure_owner(con, measure_id)
    require_recorder(con, updated_by, rnd, inn)
    form = school_form(con, rnd, inn)
    problems = measure_problems(measure, form, rnd)
    if problems:
        raise PlanRejected([message for _field, message in problems])
    with transaction(con):
        rewrite_measure(con, measure_id, form, measure, updated_by)


def _measure_owner(con: duckdb.DuckDBPyConnection, measure_id: int) -> tuple[Round, str]:
    row = con.execute(query("plan_measure_owner"), {"measure_id": measure_id}).fetchone()
    if row is None:
        raise NotFound(f"мера № {measure_id} не найдена")
    return Round(*row[:4]), row[4]


def insert_measure(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    inn: str,
    form: SchoolForm,
    measure: Measure,
    updated_by: Actor,
) -> int:
    """Write a validated new measure inside the caller's transaction, with its audit entry."""
    params = _measure_params(form, measure, updated_by) | {"inn": inn, "round_id": rnd.round_id}
    (measure_id,) = con.execute(query("plan_insert_measure"), params).fetchone()
    _write_targets(con, measure_id, form, measure.numbers)
    record(con, updated_by, "measure_added", {"measure_id": measure_id, "inn": inn, "round": rnd.name})
    return measure_id


def rewrite_measure(
    con: duckdb.DuckDBPyConnection,
    measure_id: int,
    form: SchoolForm,
    measure: Measure,
    updated_by: Actor,
) -> None:
    """Rewrite a validated stored measure inside the caller's transaction, with its audit entry."""
    params = _measure_params(form, measure, updated_by) | {"measure_id": measure_id}
    con.execute(query("plan_update_measure"), params)
    con.execute(query("plan_delete_targets"), {"measure_id": measure_id})
    _write_targets(con, measure_id, form, measure.numbers)
    record(con, updated_by, "measure_changed", {"measure_id": measure_id, "status": measure.status})


def _measure_params(form: SchoolForm, measure: Measure, updated_by: Actor) -> dict[str, object]:
    return {
        "track_code": track_of(measure, form),
        "action": measure.action.strip(),
        "kind": measure.kind,
        "responsible": measure.responsible.strip(),
        "due_on": measure.due_on,
        "status": measure.status,
        "comment": measure.comment.strip(),
        "updated_by": actor_login(updated_by),
        "updated_at": dt.datetime.now(),
    }


def _write_targets(con: duckdb.DuckDBPyConnection, measure_id: int, form: SchoolForm, numbers) -> None:
    for number in sorted(set(numbers)):
        con.execute(
            query("plan_insert_target"), {"measure_id": measure_id, "form": form.form, "number": number}
        )


def stored_measure(con: duckdb.DuckDBPyConnection, measure_id: int) -> Measure:
    """A stored measure as a Measure, to compare with what a file brings back."""
    frame = measures_frame(con, measure_id=measure_id)
    if frame.empty:
        raise NotFound(f"мера № {measure_id} не найдена")
    row = frame.iloc[0]
    return Measure(
        tuple(int(n) for n in row["numbers"]),
        row["action"],
        row["kind"],
        row["responsible"],
        row["due_on"].date() if hasattr(row["due_on"], "date") else row["due_on"],
        row["status"],
        row["comment"],
    )


def measures_frame(
    con: duckdb.DuckDBPyConnection,
    rnd: Round | None = None,
    *,
    inn: str | None = None,
    municipality: str | None = None,
    today: dt.date | None = None,
    only_overdue: bool = False,
    measure_id: int | None = None,
) -> pd.DataFrame:
    """Measures with school, track and target numbers (analytics/sql/plan_measures.sql) by
    municipality and school; `is_overdue` as of `today`."""
    params = {
        "round_id": rnd.round_id if rnd else None,
        "inn": inn,
        "municipality": municipality,
        "today": today or dt.date.today(),
        "only_overdue": only_overdue,
        "measure_id": measure_id,
        "open_statuses": list(OPEN_STATUSES),
    }
    return con.execute(query("plan_measures"), params).df()


def overdue_measures(
    con: duckdb.DuckDBPyConnection, today: dt.date, municipality: str | None = None
) -> pd.DataFrame:
    """Measures of every round whose due date is before `today` and that are still open."""
    return measures_frame(con, municipality=municipality, today=today, only_overdue=True)


def interview_due_date(con: duckdb.DuckDBPyConnection, rnd: Round) -> dt.date | None:
    """The day interviews and plans are due: INTERVIEW_DAYS after the round's results (None
    while the round has no import in force)."""
    results_on = results_date(con, rnd)
    return None if results_on is None else results_on + dt.timedelta(days=INTERVIEW_DAYS)


def results_date(con: duckdb.DuckDBPyConnection, rnd: Round) -> dt.date | None:
    """The day of the round's last import in force: when every school's results are in the store."""
    row = con.execute(query("plan_results_date"), {"round_id": rnd.round_id}).fetchone()
    return row[0] if row else None


def schools_without_interview(
    con: duckdb.DuckDBPyConnection, rnd: Round, today: dt.date, municipality: str | None = None
) -> pd.DataFrame:
    """Schools without a recorded interview, or with deficits and no measure, INTERVIEW_DAYS after
    the results; empty before that day, when none of them is late yet."""
    params = {"round_id": rnd.round_id, "today": today, "days": INTERVIEW_DAYS, "municipality": municipality}
    return con.execute(query("plan_support_missing"), params).df()


@dataclass(frozen=True)
class Interview:
    held_on: dt.date
    participants: str
    conclusions: str
    causes: dict[str, str] = field(default_factory=dict)
    """Track code → the causes of its deficits the team named."""


def record_interview(
    con: duckdb.DuckDBPyConnection, rnd: Round, inn: str, interview: Interview, recorded_by: Actor = None
) -> int:
    """Validate and store an interview with its causes per track; its id."""
    require_recorder(con, recorded_by, rnd, inn)
    form = school_form(con, rnd, inn)
    problems = _interview_problems(interview, form, rnd)
    if problems:
        raise PlanRejected(problems)
    params = {
        "inn": inn,
        "round_id": rnd.round_id,
        "held_on": interview.held_on,
        "participants": interview.participants.strip(),
        "conclusions": interview.conclusions.strip(),
        "recorded_by": actor_login(recorded_by),
        "recorded_at": dt.datetime.now(),
    }
    with transaction(con):
        (interview_id,) = con.execute(query("plan_insert_interview"), params).fetchone()
        for track, causes in interview.causes.items():
            if causes.strip():
                cause = {"interview_id": interview_id, "track_code": track, "causes": causes.strip()}
                con.execute(query("plan_insert_cause"), cause)
        details = {"interview_id": interview_id, "inn": inn, "round": rnd.name}
        record(con, recorded_by, "interview_recorded", details)
    return interview_id


def _interview_problems(interview: Interview, form: SchoolForm, rnd: Round) -> list[str]:
    problems = []
    if not isinstance(interview.held_on, dt.date) or interview.held_on < rnd.date:
        problems.append(f"дата собеседования должна быть не раньше даты раунда {rnd.date:%d.%m.%Y}")
    elif interview.held_on > dt.date.today():
        problems.append("дата собеседования ещё не наступила")
    if not interview.participants.strip():
        problems.append("не указаны участники собеседования")
    if not interview.conclusions.strip():
        problems.append("не указаны выводы собеседования")
    tracks = {track for track, _text in form.indicators.values()}
    unknown = sorted(set(interview.causes) - tracks)
    if unknown:
        problems.append(f"направления {', '.join(unknown)} нет в методике")
    return problems


def interviews_frame(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> pd.DataFrame:
    """The school's interviews in the round, latest first, causes as one «track: text» list."""
    return con.execute(query("plan_interviews"), {"round_id": rnd.round_id, "inn": inn}).df()


def record_flag_check(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    inn: str,
    rule: str,
    outcome: str,
    comment: str = "",
    checked_by: Actor = None,
) -> None:
    """Store the outcome of checking one credibility flag; the latest check is the one in force."""
    require_recorder(con, checked_by, rnd, inn)
    school_form(con, rnd, inn)
    problems = []
    if rule not in RULE_TITLES:
        problems.append(f"правило «{rule}» неизвестно")
    if outcome not in OUTCOMES:
        problems.append(f"итог проверки «{outcome}» неизвестен; допустимы: {', '.join(OUTCOMES)}")
    if problems:
        raise PlanRejected(problems)
    params = {
        "inn": inn,
        "round_id": rnd.round_id,
        "rule": rule,
        "outcome": outcome,
        "comment": comment.strip(),
        "checked_by": actor_login(checked_by),
        "checked_at": dt.datetime.now(),
    }
    with transaction(con):
        con.execute(query("plan_insert_flag_check"), params)
        details = {"inn": inn, "round": rnd.name, "rule": rule, "outcome": outcome}
        record(con, checked_by, "flag_checked", details)


def flag_checks(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str | None = None) -> pd.DataFrame:
    """The check outcome in force per school and rule in the round."""
    return con.execute(query("plan_flag_checks"), {"round_id": rnd.round_id, "inn": inn}).df()
