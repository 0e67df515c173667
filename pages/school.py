"""«Школа»: one school's interview material on one screen (?inn=… in the URL)."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analytics import views
from analytics.deficits import plan_next_levels, school_deficits
from analytics.documents import checklist_docx, checklist_xlsx, interview_agenda_docx, interview_packs_zip
from analytics.documents.common import safe_file_name
from analytics.fidelity import school_fidelity
from analytics.mentors import mentor_rules, mentors_of
from analytics.rubric import LEVELS, TOTAL_SCOPE
from pages._shared import (
    LEVEL_COLORS,
    LEVEL_PATTERNS,
    ROUND_PARAM,
    SCHOOL_ROW_HINT,
    cached,
    clear_filters,
    download_document,
    pick_school,
    require_schools,
    school_table,
    start_page,
    stop_on_unknown_round,
    with_level_colors,
)
from pages._support import support_sections

asked_round = st.query_params.get(ROUND_PARAM)  # read before the sidebar writes its round there
con, filters, rnd = start_page("Школа")
stop_on_unknown_round(asked_round, rnd)

schools = cached(views.round_schools, rnd, filters.municipality, filters.school_type)
require_schools(filters, len(schools))
pick_school(dict(zip(schools["inn"], schools["name"] + " — " + schools["municipality"], strict=True)))
choice = cached(
    views.school_choice, rnd, st.query_params.get("inn"), filters.municipality, filters.school_type
)
if problem := choice.problem(rnd):
    st.warning(problem)
    if choice.filtered_out_by:
        st.button("Снять фильтры муниципалитета и типа", on_click=clear_filters, key="school_clear_filters")
if choice.shown is None:
    if not choice.inn:
        st.info("Выберите школу в списке выше")
    st.stop()
profile = choice.shown
inn = profile.inn

st.header(profile.name)
st.caption(f"ИНН {profile.inn} · {profile.municipality} · тип: {profile.school_type}")
total_column, level_column, critical_column = st.columns(3)
total_column.metric("Общий балл", f"{profile.points} из {profile.points_max}")
level_column.metric("Общий уровень", profile.level)
critical_column.metric("Невыполненных критических показателей", profile.count_failed_critical)
if profile.level != profile.level_by_points:
    st.warning(
        f"По сумме баллов уровень был бы «{profile.level_by_points}», но невыполненный критический "
        f"показатель ограничивает его уровнем «{profile.level}»"
    )

fidelity = cached(school_fidelity, rnd, inn)
if not fidelity.empty:
    st.error("Расчёт расходится с данными портала — проверьте выгрузку:")
    st.dataframe(
        fidelity,
        hide_index=True,
        column_config={
            "scope": "Направление",
            "points_engine": "Балл (расчёт)",
            "points_portal": "Балл (портал)",
            "level_engine": "Уровень (расчёт)",
            "level_portal": "Уровень (портал)",
        },
        key="school_fidelity_table",
    )

st.subheader("Направления против порогов уровней")
thresholds = cached(views.school_thresholds, rnd, inn)
tracks = thresholds[thresholds["scope"] != TOTAL_SCOPE].iloc[::-1]
figure = go.Figure()
figure.add_bar(
    x=tracks["points_max"],
    y=tracks["scope_name"],
    orientation="h",
    marker={"color": "#eeeeee", "line": {"color": "#999999", "width": 0.5}},
    name="максимум",
    hovertemplate="%{y}: максимум %{x}<extra></extra>",
)
figure.add_bar(
    x=tracks["points"],
    y=tracks["scope_name"],
    orientation="h",
    marker={
        "color": [LEVEL_COLORS[level] for level in tracks["level"]],
        "pattern": {
            "shape": [LEVEL_PATTERNS[level] for level in tracks["level"]],
            "fillmode": "overlay",
            "bgcolor": [LEVEL_COLORS[level] for level in tracks["level"]],
            "fgcolor": "#333333",
            "solidity": 0.2,
        },
        "line": {"color": "#333333", "width": 0.5},
    },
    text=[f"{p} — {level}" for p, level in zip(tracks["points"], tracks["level"], strict=True)],
    textposition="outside",
    name="балл школы",
)
for column, title, mark in (
    ("points_basic", "порог «базовый» (Б)", "Б"),
    ("points_middle", "порог «средний» (С)", "С"),
    ("points_high", "порог «высокий» (В)", "В"),
):
    figure.add_scatter(
        x=tracks[column],
        y=tracks["scope_name"],
        mode="markers+text",
        marker={
            "symbol": "line-ns-open",
            "size": 22,
            "color": "#222222",
            "line": {"width": 3, "color": "#222222"},
        },
        text=[mark] * len(tracks),
        textposition="top center",
        textfont={"size": 9},
        name=title,
    )
figure.update_layout(
    height=80 + 48 * len(tracks),
    margin={"t": 10, "b": 10},
    xaxis_title="Баллы",
    barmode="overlay",
    legend={"orientation": "h"},
)
st.plotly_chart(figure, key="school_tracks_chart")
st.dataframe(
    with_level_colors(thresholds, ["level"]),
    hide_index=True,
    column_order=[
        "scope_name",
        "points",
        "points_max",
        "points_basic",
        "points_middle",
        "points_high",
        "level",
    ],
    column_config={
        "scope_name": "Направление",
        "points": "Балл",
        "points_max": "Максимум",
        "points_basic": "Порог «базовый»",
        "points_middle": "Порог «средний»",
        "points_high": "Порог «высокий»",
        "level": "Уровень",
    },
    key="school_thresholds_table",
)

st.subheader("Критические показатели")
critical = cached(views.school_critical_indicators, rnd, inn)
st.dataframe(
    critical.assign(status=critical["is_failed_critical"].map({True: "не выполнен", False: "выполнен"})),
    hide_index=True,
    column_order=["status", "track_name", "number", "indicator", "answer", "points"],
    column_config={
        "status": "Статус",
        "track_name": "Направление",
        "number": "№",
        "indicator": st.column_config.TextColumn("Показатель", width="large"),
        "answer": st.column_config.TextColumn("Ответ", width="large"),
        "points": "Балл",
    },
    key="school_critical_table",
)

st.subheader("Дефициты — сначала самые важные")
deficits = cached(school_deficits, rnd, inn=inn)
if deficits.empty:
    st.success("Дефицитов нет: по всем показателям максимальный балл")
else:
    st.dataframe(
        deficits,
        hide_index=True,
        column_order=[
            "track_name",
            "number",
            "indicator",
            "is_critical",
            "answer_current",
            "points_current",
            "points_max",
            "answer_best",
            "points_lost",
        ],
        column_config={
            "track_name": "Направление",
            "number": "№",
            "indicator": st.column_config.TextColumn("Показатель", width="large"),
            "is_critical": st.column_config.CheckboxColumn("Критический"),
            "answer_current": st.column_config.TextColumn("Ответ школы", width="medium"),
            "points_current": "Балл",
            "points_max": "Максимум",
            "answer_best": st.column_config.TextColumn("Ответ, который даст баллы", width="large"),
            "points_lost": "Недобрано",
        },
        key="school_deficits_table",
    )

st.subheader("До следующего уровня")
scope_names = cached(views.scope_names, rnd)
plans = cached(plan_next_levels, rnd, inn)
if not plans:
    st.success("Все направления и общий уровень — «высокий»")
for plan in plans:
    shortfall = f"не хватает {plan.points_needed} б." if plan.points_needed else "баллов хватает"
    with st.expander(f"{scope_names[plan.scope]}: {plan.level_now} → {plan.level_next} ({shortfall})"):
        st.dataframe(
            pd.DataFrame(plan.changes),
            hide_index=True,
            column_order=["number", "indicator", "answer_current", "answer_best", "points_gained"],
            column_config={
                "number": "№",
                "indicator": st.column_config.TextColumn("Показатель", width="large"),
                "answer_current": "Сейчас",
                "answer_best": st.column_config.TextColumn("Изменить на", width="large"),
                "points_gained": "+ баллов",
            },
            key=f"school_plan_{plan.scope}",
        )

st.subheader("История по раундам")
history = cached(views.school_history_view, inn)
if len(history.total) < 2:
    st.caption("Школа проходила самодиагностику только в одном раунде")
else:
    st.plotly_chart(
        go.Figure(
            go.Scatter(
                x=history.total["round"],
                y=history.total["points"],
                mode="lines+markers+text",
                text=[
                    f"{p} — {level}"
                    for p, level in zip(history.total["points"], history.total["level"], strict=True)
                ],
                textposition="top center",
                cliponaxis=False,
            )
        ).update_layout(height=280, margin={"t": 30, "b": 10, "l": 60, "r": 120}, yaxis_title="Общий балл"),
        key="school_history_chart",
    )
st.dataframe(history.table, key="school_history_table")

st.subheader("Кто может помочь: школы-наставники")
mentors = cached(mentors_of, rnd, inn)
if mentors.empty:
    st.caption(f"Направлений с уровнем «{LEVELS[0]}» нет — наставник не нужен")
else:
    mentors["mentor_result"] = [
        "" if pd.isna(points) else f"{points} из {points_max}"
        for points, points_max in zip(mentors["mentor_points"], mentors["mentor_points_max"], strict=True)
    ]
    st.caption(SCHOOL_ROW_HINT)
    school_table(
        mentors.fillna({"mentor_name": "—", "mentor_municipality": "—"}),
        filters,
        key="school_mentors_table",
        inn_column="mentor_inn",
        municipality_column="mentor_municipality",
        hide_index=True,
        column_order=["track_name", "mentor_name", "mentor_municipality", "mentor_result", "reason"],
        column_config={
            "track_name": st.column_config.TextColumn("Направление", width=150),
            "mentor_name": st.column_config.TextColumn("Школа-наставник", width=230),
            "mentor_municipality": st.column_config.TextColumn("Муниципалитет", width=170),
            "mentor_result": st.column_config.TextColumn("Балл", width=70),
            "reason": st.column_config.TextColumn("Почему", width="large"),
        },
    )
    st.caption(mentor_rules().explained())

base_name = safe_file_name(f"{profile.inn} {profile.name} — {rnd.name}")
support_sections(rnd, inn, base_name)

st.subheader("Документы")
documents = (
    (
        "Пакет к собеседованию (zip)",
        lambda cursor, rnd, inn: interview_packs_zip(cursor, rnd, [inn]),
        "пакет к собеседованию.zip",
        "school_pack_zip",
    ),
    ("Чек-лист дефицитов (xlsx)", checklist_xlsx, "чек-лист.xlsx", "school_checklist_xlsx"),
    ("Чек-лист дефицитов (docx)", checklist_docx, "чек-лист.docx", "school_checklist_docx"),
    (
        "Повестка собеседования (docx)",
        interview_agenda_docx,
        "повестка собеседования.docx",
        "school_agenda_docx",
    ),
)
for column, (label, make, file_suffix, key) in zip(st.columns(len(documents)), documents, strict=True):
    with column:
        download_document(
            label, lambda cursor, make=make: make(cursor, rnd, inn), f"{base_name} — {file_suffix}", key=key
        )
