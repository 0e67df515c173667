"""«Школа»'s support-cycle sections: the interview, the plan of measures, the roadmap, flag checks.

The forms are shown only to whom the engine lets record (`plans.may_record`); the engine checks
again on every write, so a stale form of a signed-out operator cannot write as an observer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import streamlit as st

from analytics.accounts import Scope
from analytics.catalogue import kind_labels
from analytics.credibility import RULE_TITLES
from analytics.documents.roadmap import import_roadmap, roadmap_xlsx
from analytics.errors import SamodiagError
from analytics.plan_views import RowDefaults, flags_with_checks, plan_table, save_plan_table
from analytics.plans import (
    OUTCOMES,
    STATUSES,
    Interview,
    interviews_frame,
    may_record,
    record_flag_check,
    record_interview,
    school_form,
)
from analytics.rounds import Round
from pages._shared import cached, current_scope, download_document, write_store

NOTICE_KEY = "support_notice"
PLAN_EDITOR_KEY = "school_plan_editor"
READ_ONLY = "Только просмотр: записывать может региональный оператор или координатор муниципалитета школы"


def support_sections(rnd: Round, inn: str, base_name: str) -> None:
    """The interview, the plan and the roadmap of the school in the round, then its flag checks."""
    scope = current_scope()
    writable = cached(may_record, scope, rnd, inn)
    st.subheader("Собеседование и план мероприятий")
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.success(notice)
    if not writable:
        st.info(READ_ONLY)
    _interviews(rnd, inn, scope, writable)
    _plan(rnd, inn, scope, writable)
    _roadmap(rnd, inn, scope, writable, base_name)
    _flag_checks(rnd, inn, scope, writable)


def _write(done: Callable[[Any], str], func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Write through the engine; its refusal is shown in Russian, a success after the rerun."""
    try:
        result = write_store(func, *args, **kwargs)
    except SamodiagError as error:
        problems = getattr(error, "problems", None)
        shown = "\n".join(f"- {problem}" for problem in problems) if problems else str(error)
        st.error(f"Ничего не записано:\n{shown}" if problems else shown)
        return
    st.session_state[NOTICE_KEY] = done(result)
    st.session_state.pop(PLAN_EDITOR_KEY, None)
    st.rerun()


def _interviews(rnd: Round, inn: str, scope: Scope, writable: bool) -> None:
    if writable:
        _interview_form(rnd, inn, scope)
    recorded = cached(interviews_frame, rnd, inn)
    if recorded.empty:
        st.caption("Собеседование с управленческой командой школы ещё не записано")
        return
    st.dataframe(
        recorded,
        hide_index=True,
        column_order=["held_on", "participants", "conclusions", "causes", "recorded_by"],
        column_config={
            "held_on": st.column_config.DateColumn("Дата", format="DD.MM.YYYY"),
            "participants": st.column_config.TextColumn("Участники", width="medium"),
            "conclusions": st.column_config.TextColumn("Выводы", width="large"),
            "causes": st.column_config.ListColumn("Причины по направлениям", width="large"),
            "recorded_by": "Записал",
        },
        key="school_interviews_table",
    )


def _interview_form(rnd: Round, inn: str, scope: Scope) -> None:
    tracks = cached(school_form, rnd, inn).track_names
    with st.expander("Новое собеседование"), st.form("school_interview_form"):
        held_on = st.date_input("Дата собеседования", value=dt.date.today(), format="DD.MM.YYYY")
        participants = st.text_area("Участники", placeholder="ФИО и должности, через запятую")
        conclusions = st.text_area("Выводы")
        st.caption("Причины дефицитов, которые назвала команда, — по обсуждённым направлениям")
        causes = {c: st.text_area(f"Причины: {name}", key=f"causes_{c}") for c, name in tracks.items()}
        if st.form_submit_button("Записать собеседование"):
            interview = Interview(held_on, participants, conclusions, causes)
            _write(lambda _id: "Собеседование записано", record_interview, rnd, inn, interview, scope)


def _plan(rnd: Round, inn: str, scope: Scope, writable: bool) -> None:
    table = cached(plan_table, rnd, inn)
    drafted = table["measure_id"].isna().all() and not table.empty
    options = {
        "hide_index": True,
        "column_order": [c for c in table.columns if c != "measure_id"],
        "column_config": _plan_columns(),
    }
    if not writable:
        if drafted:
            st.caption("План мероприятий ещё не записан: ниже черновик из дефицитов школы")
        st.dataframe(table, key="school_plan_table", **options)
        return
    if drafted:
        st.caption(
            "План ещё не сохранён: ниже черновик из дефицитов школы (сначала — путь к следующему уровню). "
            "Укажите ответственного и срок, лишние строки удалите, затем сохраните."
        )
    st.caption("Чтобы отказаться от сохранённой меры, укажите статус «отменено»: история мер хранится.")
    with st.form("school_plan_form"):
        responsible_column, due_column = st.columns(2)
        defaults = RowDefaults(
            responsible_column.text_input(
                "Ответственный — для строк, где он не указан", key="plan_responsible"
            ),
            due_column.date_input("Срок — для строк, где он не указан", value=None, format="DD.MM.YYYY"),
        )
        edited = st.data_editor(
            table, key=PLAN_EDITOR_KEY, num_rows="dynamic", disabled=["indicators"], **options
        )
        if st.form_submit_button("Сохранить план"):
            _write(lambda saved: saved.summary(), save_plan_table, rnd, inn, edited, scope, defaults)


def _plan_columns() -> dict[str, Any]:
    return {
        "numbers": st.column_config.TextColumn("Показатели (№)", help="Номера показателей через запятую"),
        "indicators": st.column_config.TextColumn("Показатели", width="medium"),
        "action": st.column_config.TextColumn("Мера", width="large"),
        "kind": st.column_config.SelectboxColumn("Вид", options=list(kind_labels().values())),
        "responsible": st.column_config.TextColumn("Ответственный"),
        "due_on": st.column_config.DateColumn("Срок", format="DD.MM.YYYY"),
        "status": st.column_config.SelectboxColumn("Статус", options=list(STATUSES)),
        "comment": st.column_config.TextColumn("Комментарий", width="medium"),
    }


def _roadmap(rnd: Round, inn: str, scope: Scope, writable: bool, base_name: str) -> None:
    download_document(
        "Дорожная карта (xlsx)",
        lambda cursor: roadmap_xlsx(cursor, rnd, inn),
        f"{base_name} — дорожная карта.xlsx",
        key="school_roadmap_xlsx",
    )
    if not writable:
        return
    upload = st.file_uploader("Заполненная дорожная карта (xlsx)", type=["xlsx"], key="school_roadmap_upload")
    if upload is not None and st.button("Загрузить дорожную карту", key="school_roadmap_import"):
        _write(lambda report: report.summary(), import_roadmap, upload.getvalue(), upload.name, scope)


def _flag_checks(rnd: Round, inn: str, scope: Scope, writable: bool) -> None:
    st.subheader("Отметки достоверности и их проверка")
    flags = cached(flags_with_checks, rnd, inn=inn)
    if flags.empty:
        st.caption("Отметок достоверности у школы в этом раунде нет")
        return
    st.dataframe(
        flags.assign(rule_title=flags["rule"].map(RULE_TITLES)),
        hide_index=True,
        column_order=["rule_title", "reason", "check_outcome", "check_comment"],
        column_config={
            "rule_title": st.column_config.TextColumn("Правило", width="medium"),
            "reason": st.column_config.TextColumn("Что уточнить", width="large"),
            "check_outcome": "Итог проверки",
            "check_comment": st.column_config.TextColumn("Комментарий", width="medium"),
        },
        key="school_flags_table",
    )
    if not writable:
        return
    with st.form("school_flag_check_form"):
        rule = st.selectbox("Отметка", list(dict.fromkeys(flags["rule"])), format_func=RULE_TITLES.get)
        outcome = st.radio("Итог проверки", OUTCOMES, horizontal=True)
        comment = st.text_input("Комментарий")
        if st.form_submit_button("Записать проверку"):
            args = (rnd, inn, rule, outcome, comment, scope)
            _write(lambda _none: "Проверка записана", record_flag_check, *args)
