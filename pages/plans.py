"""«Исполнение планов»: the plans of measures across municipalities — by status, overdue, and the
schools still without an interview or a plan ten days after the round's results."""

import datetime as dt

import streamlit as st

from analytics.plan_views import execution_totals, missing_support, status_counts
from analytics.plans import INTERVIEW_DAYS, STATUSES, interview_due_date, overdue_measures, results_date
from pages._shared import SCHOOL_ROW_HINT, cached, school_table, start_page

con, filters, rnd = start_page("Исполнение планов")
today = dt.date.today()

st.subheader("Меры по статусам")
counts = cached(status_counts, rnd, today, filters.municipality)
if counts.empty:
    st.info(f"В раунде «{rnd.name}» планов мероприятий ещё нет — их записывают на странице «Школа»")
else:
    totals = execution_totals(counts)
    for column, (label, key) in zip(
        st.columns(4),
        (
            ("Школ с планом", "schools"),
            ("Мер в планах", "measures"),
            ("Выполнено", "done"),
            ("Просрочено", "overdue"),
        ),
        strict=True,
    ):
        column.metric(label, totals[key])
    st.dataframe(
        counts,
        hide_index=True,
        column_config={
            "municipality": "Муниципалитет",
            "count_schools": "Школ с планом",
            **{status: status.capitalize() for status in STATUSES},
            "count_overdue": "Просрочено",
            "count_all": "Всего мер",
        },
        key="plans_status_counts",
    )

st.subheader("Просроченные меры")
st.caption("Срок прошёл, а мера ещё «запланировано» или «выполняется» — по всем раундам")
overdue = cached(overdue_measures, today, filters.municipality)
if overdue.empty:
    st.success("Просроченных мер нет")
else:
    st.caption(SCHOOL_ROW_HINT)
    school_table(
        overdue,
        filters,
        key="plans_overdue",
        hide_index=True,
        column_order=[
            "municipality",
            "name",
            "round_name",
            "track_name",
            "action",
            "responsible",
            "due_on",
            "status",
        ],
        column_config={
            "municipality": "Муниципалитет",
            "name": "Школа",
            "round_name": "Раунд",
            "track_name": "Направление",
            "action": st.column_config.TextColumn("Мера", width="large"),
            "responsible": "Ответственный",
            "due_on": st.column_config.DateColumn("Срок", format="DD.MM.YYYY"),
            "status": "Статус",
        },
    )

st.subheader(f"Без собеседования или плана через {INTERVIEW_DAYS} дней после результатов")
results_on = cached(results_date, rnd)
missing = cached(missing_support, rnd, today, filters.municipality)
due = cached(interview_due_date, rnd)
if due is not None and today < due:
    st.info(f"Результаты раунда — {results_on:%d.%m.%Y}: собеседования и планы ожидаются до {due:%d.%m.%Y}")
elif missing.empty:
    st.success("У всех школ раунда есть собеседование и (при дефицитах) план")
else:
    st.caption(SCHOOL_ROW_HINT)
    school_table(
        missing,
        filters,
        key="plans_missing",
        hide_index=True,
        column_order=["municipality", "name", "inn", "interview_due_on", "lacks"],
        column_config={
            "municipality": "Муниципалитет",
            "name": "Школа",
            "inn": "ИНН",
            "interview_due_on": st.column_config.DateColumn("Срок", format="DD.MM.YYYY"),
            "lacks": "Нет",
        },
    )
