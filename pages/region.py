"""«Обзор региона»: levels overall and per track, municipalities, the schools to support first."""

import streamlit as st

from analytics import views
from analytics.documents import analytic_report_docx
from analytics.documents.common import safe_file_name
from analytics.mentors import internship_sites, mentor_rules
from analytics.rubric import LEVELS, TOTAL_SCOPE
from pages._shared import (
    SCHOOL_ROW_HINT,
    cached,
    download_document,
    plain,
    require_schools,
    school_link,
    school_table,
    stacked_level_bars,
    start_page,
)

con, filters, rnd = start_page("Обзор региона")
where = (rnd, filters.municipality, filters.school_type)

overview = cached(views.region_overview, *where)
counts = overview.level_counts
overall = counts[counts["scope"] == TOTAL_SCOPE]
require_schools(filters, int(overall["count_schools"].sum()))

st.subheader("Уровни школ")
for column, row in zip(st.columns(len(LEVELS)), overall.itertuples(), strict=True):
    column.metric(row.level, row.count_schools, help="Число школ с этим общим уровнем")
    column.caption(f"{row.share:.1%} школ".replace(".", ","))

participation = cached(views.participation, *where)
st.markdown(f"**Участие.** {participation.describe()}")
if participation.has_roster and len(participation.missing):
    with st.expander(f"Не прошли самодиагностику: {len(participation.missing)}"):
        st.dataframe(
            participation.missing,
            hide_index=True,
            column_config={
                "inn": "ИНН",
                "name": "Школа",
                "municipality": "Муниципалитет",
                "school_type": "Тип",
            },
        )

st.subheader("По направлениям")
st.plotly_chart(
    stacked_level_bars(
        counts.sort_values("scope_order", ascending=False), "scope_name", horizontal=True
    ).update_layout(xaxis_title="Число школ", yaxis_title=None, height=420),
    key="region_tracks_chart",
)

st.subheader("Муниципалитеты")
st.caption("Муниципалитеты с наибольшим числом школ ниже базового уровня — первыми")
by_municipality = overview.municipality_levels
st.plotly_chart(
    stacked_level_bars(by_municipality, "municipality", horizontal=True).update_layout(
        xaxis_title="Число школ",
        yaxis={"title": None, "autorange": "reversed"},
        height=120 + 26 * by_municipality["municipality"].nunique(),
    ),
    key="region_municipalities_chart",
)

st.subheader("Кому помочь в первую очередь")
support = overview.support
if support.empty:
    st.success("Школ ниже базового уровня и направлений ниже базового нет")
else:
    for k, row in enumerate(support.itertuples(), start=1):
        school_link(
            f"{k}. {plain(row.name)} — {plain(row.municipality)}, {row.points} б., **{row.level}**: "
            f"{plain(row.reason)}",
            row.inn,
            row.municipality,
            filters,
        )

below = overview.below_basic
st.subheader(f"Школы с общим уровнем «{LEVELS[0]}»: {len(below)}")
if below.empty:
    st.success("Школ с общим уровнем «ниже базового» нет")
else:
    st.caption(SCHOOL_ROW_HINT)
    school_table(
        below,
        filters,
        key="region_below_basic_table",
        hide_index=True,
        column_order=["name", "tracks_lowest", "critical_failed", "points", "municipality"],
        column_config={
            "name": st.column_config.TextColumn("Школа", width="medium"),
            "municipality": "Муниципалитет",
            "points": st.column_config.NumberColumn("Балл"),
            "tracks_lowest": st.column_config.TextColumn("Направления ниже базового", width="large"),
            "critical_failed": st.column_config.TextColumn(
                "Невыполненные критические показатели", width="large"
            ),
        },
    )

st.subheader("Стажировочные площадки")
st.caption(mentor_rules().sites_explained())
names = cached(views.scope_names, rnd)
track = st.selectbox(
    "Направление",
    [code for code in names if code != TOTAL_SCOPE],
    format_func=names.get,
    key="region_sites_track",
)
sites = cached(internship_sites, rnd, track, filters.municipality)
if sites.empty:
    st.info(f"По направлению «{names[track]}» подходящих школ уровня «{LEVELS[-1]}» нет")
else:
    st.caption(f"Подходящих школ по направлению: {int(sites['hosts_in_track'].iloc[0])}; показаны лучшие")
    st.caption(SCHOOL_ROW_HINT)
    school_table(
        sites,
        filters,
        key="region_sites_table",
        hide_index=True,
        column_order=["name", "municipality", "reason"],
        column_config={
            "name": st.column_config.TextColumn("Школа", width=230),
            "municipality": st.column_config.TextColumn("Муниципалитет", width=170),
            "reason": st.column_config.TextColumn("Почему", width="large"),
        },
    )

st.subheader("Аналитическая справка")
scope = filters.municipality or "регион"
download_document(
    f"Аналитическая справка (docx): {scope}",
    lambda cursor: analytic_report_docx(cursor, rnd, filters.municipality),
    safe_file_name(f"Аналитическая справка {scope} {rnd.name}") + ".docx",
    key="region_report_docx",
)
