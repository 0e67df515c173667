"""«Дефициты»: the most frequent deficits per track, and which schools share one (for seminars)."""

import plotly.graph_objects as go
import streamlit as st

from analytics import views
from analytics.deficits import deficit_frequency, pooled_deficit_frequency
from analytics.documents import below_basic_inns
from analytics.rubric import LEVELS
from pages._shared import (
    SCHOOL_ROW_HINT,
    bulk_documents,
    cached,
    require_schools,
    school_table,
    start_page,
    url_choice,
)

con, filters, rnd = start_page("Дефициты")
where = (rnd, filters.municipality, filters.school_type)

frequency = pooled_deficit_frequency(cached(deficit_frequency, *where))
require_schools(filters, len(frequency))

st.subheader("Самые частые дефициты")
overall = frequency.head(10).iloc[::-1]
st.plotly_chart(
    go.Figure(
        go.Bar(
            x=overall["count_deficits"],
            y=[f"№{n} {text[:60]}" for n, text in zip(overall["number"], overall["indicator"], strict=True)],
            orientation="h",
            text=[f"{share:.0%}" for share in overall["share_deficit"]],
            textposition="outside",
            marker={"color": "#888888"},
            hovertemplate="%{y}<br>школ с дефицитом: %{x}<extra></extra>",
        )
    ).update_layout(height=420, margin={"t": 10, "b": 10}, xaxis_title="Школ с дефицитом (подпись — доля)"),
    key="deficits_top_chart",
)

st.subheader("По направлениям")
per_track = st.slider("Показателей на направление", 3, 10, 5, key="deficits_per_track")
top = views.top_deficits_by_track(frequency, list(cached(views.scope_names, rnd)), per_track)
if top.empty:
    st.success("Дефицитов нет: все школы набрали максимум по всем показателям")
else:
    for (track_code, rows), tab in zip(
        top.groupby("track_code", sort=False), st.tabs(list(dict.fromkeys(top["track_name"]))), strict=True
    ):
        tab.dataframe(
            rows,
            hide_index=True,
            column_order=[
                "number",
                "indicator",
                "is_critical",
                "count_deficits",
                "count_schools",
                "share_deficit",
                "count_failed_critical",
                "points_lost",
            ],
            column_config={
                "number": "№",
                "indicator": st.column_config.TextColumn("Показатель", width="large"),
                "is_critical": st.column_config.CheckboxColumn("Критический"),
                "count_deficits": "Школ с дефицитом",
                "count_schools": "Школ, в анкете которых он есть",
                "share_deficit": st.column_config.ProgressColumn(
                    "Доля школ", format="percent", min_value=0.0, max_value=1.0
                ),
                "count_failed_critical": "Из них 0 баллов по критическому",
                "points_lost": "Недобрано баллов всего",
            },
            key=f"deficits_top_{track_code}",
        )

st.subheader("Какие школы делят дефицит")
st.caption("Выберите показатель — получите список школ для общего семинара")
choices = views.deficit_choices(frequency)
chosen = url_choice(
    st.selectbox,
    "Показатель",
    list(choices),
    "indicator",
    key="deficits_indicator",
    default=next(iter(choices), None),
    format_func=choices.get,
)
sharing = None
if chosen:
    sharing = cached(
        views.schools_with_deficit,
        rnd,
        indicators=chosen,
        municipality=filters.municipality,
        school_type=filters.school_type,
    )
    st.caption(SCHOOL_ROW_HINT)
    school_table(
        sharing,
        filters,
        key="deficits_sharing_table",
        hide_index=True,
        column_order=[
            "name",
            "municipality",
            "school_type",
            "answer_current",
            "points_current",
            "points_max",
        ],
        column_config={
            "name": "Школа",
            "municipality": "Муниципалитет",
            "school_type": "Тип",
            "answer_current": st.column_config.TextColumn("Ответ школы", width="large"),
            "points_current": "Балл",
            "points_max": "Максимум",
        },
    )

st.subheader("Чек-листы дефицитов")
scope = filters.municipality or "регион"
targets = {"школы ниже базового уровня": "below"}
if sharing is not None and len(sharing):
    targets["школы с выбранным дефицитом"] = "sharing"
target = st.radio("Для каких школ", list(targets), horizontal=True, key="deficits_checklist_scope")
if targets[target] == "sharing":
    inns = sharing["inn"].tolist()
else:
    inns = cached(below_basic_inns, rnd, filters.municipality, filters.school_type)
    st.caption(f"Школ с общим уровнем «{LEVELS[0]}»: {len(inns)}")
bulk_documents(rnd, inns, scope_label=f"{scope}, {target}", key="deficits_checklists")
