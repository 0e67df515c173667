"""The support cycle as the pages show it: a school's plan as an editable table, execution counts,
and credibility flags with the outcome of their check.

The pages edit a plan as one table (stored measures, or the draft when there are none), so the
table comes back whole and is saved all or nothing, as a filled-in roadmap is: a half-saved plan
would leave the coordinator unsure which rows were kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.catalogue import kind_labels
from analytics.credibility import flag_schools
from analytics.db import transaction
from analytics.plans import (
    STATUSES,
    Actor,
    Measure,
    PlanRejected,
    SchoolForm,
    draft_plan,
    flag_checks,
    insert_measure,
    measure_problems,
    measures_frame,
    require_recorder,
    rewrite_measure,
    school_form,
    schools_without_interview,
    stored_measure,
)
from analytics.rounds import Round

PLAN_COLUMNS = [
    "measure_id", "numbers", "indicators", "action", "kind", "responsible", "due_on", "status", "comment",
]  # fmt: skip
COUNT_COLUMNS = ["municipality", "count_schools", *STATUSES, "count_overdue", "count_all"]
NOT_CHECKED = "не проверялась"
_NUMBER_SPLIT = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class PlanSaved:
    new: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return (
            f"План сохранён: мер новых — {self.new}, изменено — {self.updated}, "
            f"без изменений — {self.unchanged}"
        )


def plan_table(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> pd.DataFrame:
    """The school's plan as the editor shows it: stored measures, or the draft from its deficits.

    Targets are «3, 5» text and the kind its Russian label, as a person types and reads them.
    """
    form = school_form(con, rnd, inn)
    stored = measures_frame(con, rnd, inn=inn)
    if stored.empty:
        rows = [(None, draft.measure) for draft in draft_plan(con, rnd, inn)]
    else:
        rows = [(int(i), stored_measure(con, int(i))) for i in stored["measure_id"]]
    table = pd.DataFrame([_table_row(measure_id, m, form) for measure_id, m in rows], columns=PLAN_COLUMNS)
    return table.assign(due_on=pd.to_datetime(table["due_on"]))  # a typed column, edited as dates


def _table_row(measure_id: int | None, measure: Measure, form: SchoolForm) -> dict[str, object]:
    return {
        "measure_id": measure_id,
        "numbers": ", ".join(map(str, measure.numbers)),
        "indicators": "; ".join(form.indicators[n][1] for n in measure.numbers if n in form.indicators),
        "action": measure.action,
        "kind": kind_labels()[measure.kind],
        "responsible": measure.responsible,
        "due_on": measure.due_on,
        "status": measure.status,
        "comment": measure.comment,
    }


@dataclass(frozen=True)
class RowDefaults:
    """What a row left empty gets: a draft of thirty deficits usually has one responsible and one
    due date, and typing them thirty times is what keeps a plan from being approved in minutes."""

    responsible: str = ""
    due_on: dt.date | None = None

    def fill(self, row: Mapping[str, object]) -> dict[str, object]:
        filled = dict(row)
        if not _text(row.get("responsible")):
            filled["responsible"] = self.responsible
        if not _text(row.get("due_on")):
            filled["due_on"] = self.due_on
        return filled


def save_plan_table(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    inn: str,
    table: pd.DataFrame,
    actor: Actor = None,
    defaults: RowDefaults = RowDefaults(),
) -> PlanSaved:
    """Validate every row of the edited table, then write them all in one transaction.

    Empty rows (the editor's added blanks) are skipped; stored measures missing from the table are
    kept — a measure is given up by its status «отменено», so its history stays.
    """
    require_recorder(con, actor, rnd, inn)
    form = school_form(con, rnd, inn)
    stored_ids = {int(i) for i in measures_frame(con, rnd, inn=inn)["measure_id"]}
    rows, problems = [], []
    for number, edited in enumerate(table.to_dict("records"), start=1):
        if _blank(edited):
            continue
        row = defaults.fill(edited)
        measure_id, measure, row_problems = _parse_row(row, stored_ids, form, rnd)
        problems.extend(f"строка {number}: {message}" for message in row_problems)
        rows.append((measure_id, measure))
    if problems:
        raise PlanRejected(problems)
    return _write_rows(con, rnd, inn, form, rows, actor)


def _blank(row: Mapping[str, object]) -> bool:
    return not any(_text(row.get(column)) for column in ("numbers", "action", "responsible"))


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def _parse_row(
    row: Mapping[str, object], stored_ids: set[int], form: SchoolForm, rnd: Round
) -> tuple[int | None, Measure, list[str]]:
    problems = []
    raw_id = row.get("measure_id")
    measure_id = None if raw_id is None or pd.isna(raw_id) else int(raw_id)
    if measure_id is not None and measure_id not in stored_ids:
        problems.append(f"мера № {measure_id} не из плана этой школы")
    numbers, bad = _numbers(_text(row.get("numbers")))
    if bad:
        problems.append(f"«{bad}» — не номер показателя")
    due_on, bad_date = _date(row.get("due_on"))
    if bad_date:
        problems.append(bad_date)
    codes = {label: code for code, label in kind_labels().items()}
    kind = codes.get(_text(row.get("kind")), _text(row.get("kind")) or "не указан")
    measure = Measure(
        numbers,
        _text(row.get("action")),
        kind,
        _text(row.get("responsible")),
        due_on,
        _text(row.get("status")) or STATUSES[0],
        _text(row.get("comment")),
    )
    problems.extend(message for _field, message in measure_problems(measure, form, rnd))
    return measure_id, measure, problems


def _numbers(text: str) -> tuple[tuple[int, ...], str | None]:
    """The indicator numbers of «3, 5; 7», and the first token that is not a number."""
    tokens = [token for token in _NUMBER_SPLIT.split(text) if token]
    bad = next((token for token in tokens if not token.isdigit()), None)
    return tuple(int(token) for token in tokens if token.isdigit()), bad


def _date(value: object) -> tuple[dt.date | None, str | None]:
    """The due date of a cell: a date, a timestamp, or text as the editor sends an untyped column."""
    text = _text(value)  # empty for None, NaN and NaT
    if not text:
        return None, None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10], pattern).date(), None
        except ValueError:
            continue
    return None, f"срок «{text}» — не дата (ДД.ММ.ГГГГ)"


def _write_rows(con, rnd: Round, inn: str, form: SchoolForm, rows, actor: Actor) -> PlanSaved:
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    with transaction(con):
        for measure_id, measure in rows:
            if measure_id is None:
                insert_measure(con, rnd, inn, form, measure, actor)
                counts["new"] += 1
            elif stored_measure(con, measure_id) == measure:
                counts["unchanged"] += 1
            else:
                rewrite_measure(con, measure_id, form, measure, actor)
                counts["updated"] += 1
    return PlanSaved(**counts)


def status_counts(
    con: duckdb.DuckDBPyConnection, rnd: Round, today: dt.date, municipality: str | None = None
) -> pd.DataFrame:
    """Per municipality: schools with a plan, measures by status (every status a column), overdue."""
    measures = measures_frame(con, rnd, municipality=municipality, today=today)
    if measures.empty:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    by_status = pd.crosstab(measures["municipality"], measures["status"]).reindex(columns=list(STATUSES))
    grouped = measures.groupby("municipality")
    counts = (
        by_status.fillna(0)
        .astype(int)
        .assign(
            count_schools=grouped["inn"].nunique(),
            count_overdue=grouped["is_overdue"].sum().astype(int),
            count_all=grouped.size(),
        )
    )
    return counts.reset_index()[COUNT_COLUMNS]


def execution_totals(counts: pd.DataFrame) -> dict[str, int]:
    """The region's (or municipality's) figures at a glance, summed over `status_counts` rows."""
    return {
        "schools": int(counts["count_schools"].sum()),
        "measures": int(counts["count_all"].sum()),
        "done": int(counts["выполнено"].sum()),
        "overdue": int(counts["count_overdue"].sum()),
    }


def flags_with_checks(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    *,
    school_type: str | None = None,
    inn: str | None = None,
) -> pd.DataFrame:
    """The round's credibility flags with the outcome in force of their check (or «не проверялась»)."""
    flags = flag_schools(con, rnd, municipality, school_type=school_type)
    if inn is not None:
        flags = flags[flags["inn"] == inn]
    if flags.empty:  # its columns have no types to merge on
        return flags.assign(check_outcome=NOT_CHECKED, check_comment="", check_at=None)
    checks = flag_checks(con, rnd, inn).rename(
        columns={"outcome": "check_outcome", "comment": "check_comment", "checked_at": "check_at"}
    )
    shown = checks[["inn", "rule", "check_outcome", "check_comment", "check_at"]]
    merged = flags.merge(shown, how="left", on=["inn", "rule"])
    return merged.fillna({"check_outcome": NOT_CHECKED, "check_comment": ""}).reset_index(drop=True)


def missing_support(
    con: duckdb.DuckDBPyConnection, rnd: Round, today: dt.date, municipality: str | None = None
) -> pd.DataFrame:
    """`schools_without_interview` with what each school lacks in words, as the page lists it."""
    missing = schools_without_interview(con, rnd, today, municipality)
    lacks = [
        " и ".join(
            word
            for word, absent in (("собеседования", not interview), ("плана", deficits and not plan))
            if absent
        )
        for interview, plan, deficits in zip(
            missing["has_interview"], missing["has_plan"], missing["has_deficits"], strict=True
        )
    ]
    return missing.assign(lacks=lacks)
