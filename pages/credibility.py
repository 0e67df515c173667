"""«Достоверность»: questions to put to a school before trusting its level, with the reason and the figures.

A flag is worded as a question («уточните …»): honest answers trip the rules too, so some flags
are false. The mild findings (credibility.MILD_RULES) are marked as such: they exclude no school
from mentoring."""

import streamlit as st

from analytics.credibility import (
    MILD_RULES,
    RULE_TITLES,
    count_flags_by_municipality,
    count_flags_by_rule,
)
from analytics.export import csv_bytes
from analytics.plan_views import flags_with_checks
from pages._shared import SCHOOL_ROW_HINT, cached, school_table, start_page, url_choices

con, filters, rnd = start_page("Достоверность")

flags = cached(flags_with_checks, rnd, filters.municipality, school_type=filters.school_type)
st.caption(
    "Отметка — вопрос, который стоит уточнить у школы, и повод попросить подтверждающие документы. "
    "Правила срабатывают и на честно заполненных анкетах, поэтому часть отметок не подтвердится. "
    "Мягкие отметки (уровень изменился из-за критического показателя) не мешают школе быть "
    "наставником. Похожие школы и совпадения ответов ищутся по всему региону."
)
MILD_LABEL = "Мягкая отметка"

columns = st.columns(3)
columns[0].metric("Школ с отметками", flags["inn"].nunique())
columns[1].metric("Отметок", len(flags))
columns[2].metric("Правил сработало", flags["rule"].nunique())

st.subheader("Правила проверки")
rule_counts = count_flags_by_rule(flags)
st.dataframe(
    rule_counts.assign(mild=rule_counts["rule"].isin(MILD_RULES)),
    hide_index=True,
    column_order=["title", "count_schools", "mild"],
    column_config={
        "title": st.column_config.TextColumn("Правило", width="large"),
        "count_schools": "Школ",
        "mild": st.column_config.CheckboxColumn(MILD_LABEL),
    },
    key="credibility_rules",
)
if flags.empty:
    st.success("Ни одно правило не сработало: уточнять у школ нечего")
    st.stop()

if filters.municipality is None:
    st.subheader("По муниципалитетам")
    st.dataframe(
        count_flags_by_municipality(flags),
        hide_index=True,
        column_config={
            "municipality": "Муниципалитет",
            "count_schools": "Школ с отметками",
            "count_flags": "Отметок",
        },
        key="credibility_municipalities",
    )

st.subheader("Что уточнить у школ")
rules = url_choices(
    "Правила",
    list(RULE_TITLES),
    "rule",
    format_func=RULE_TITLES.get,
    placeholder="все правила",
    key="credibility_rule_filter",
)
shown = flags[flags["rule"].isin(rules)] if rules else flags
st.caption(SCHOOL_ROW_HINT)
school_table(
    shown.assign(rule_title=shown["rule"].map(RULE_TITLES), mild=shown["rule"].isin(MILD_RULES)),
    filters,
    key="credibility_flags",
    hide_index=True,
    column_order=["municipality", "name", "inn", "rule_title", "mild", "reason", "evidence", "check_outcome"],
    column_config={
        "municipality": "Муниципалитет",
        "name": "Школа",
        "inn": "ИНН",
        "rule_title": "Правило",
        "mild": st.column_config.CheckboxColumn(MILD_LABEL),
        "reason": st.column_config.TextColumn("Что уточнить", width="large"),
        "evidence": st.column_config.TextColumn("Что в ответах", width="large"),
        "check_outcome": st.column_config.TextColumn("Итог проверки", help="Записывают на странице «Школа»"),
    },
)
st.download_button(
    "Скачать список (CSV для Excel)",
    data=csv_bytes(shown, excel=True),
    file_name=f"Достоверность {rnd.name}.csv",
    mime="text/csv",
    key="credibility_download",
)
