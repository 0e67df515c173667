"""«Муниципалитет»: every school of one municipality, school × track, with change since last round."""

import streamlit as st
from plotly.subplots import make_subplots

from analytics import views
from analytics.documents import analytic_report_docx, below_basic_inns
from analytics.documents.common import safe_file_name
from analytics.rubric import LEVELS
from pages._shared import (
    LEVEL_COLORS,
    SCHOOL_ROW_HINT,
    bulk_documents,
    cached,
    download_document,
    plain,
    require_schools,
    school_table,
    start_page,
    url_choice,
    url_choices,
    with_level_colors,
)

con, filters, rnd = start_page("Муниципалитет")

if filters.municipality is None:
    st.info("Выберите муниципалитет — в боковой панели слева или в списке ниже")
    overview = cached(views.municipality_counts, rnd, filters.school_type)
    for row in overview.itertuples():
        st.page_link(
            "pages/municipality.py",
            label=plain(
                f"{row.municipality} — школ: {row.count_schools}, ниже базового: {row.count_below_basic}"
            ),
            query_params={"mun": row.municipality},
        )
    st.stop()

table = cached(views.municipality_schools, rnd, filters.municipality, filters.school_type)
require_schools(filters, len(table))
previous_name = cached(views.previous_round_name, rnd)
totals = views.municipality_totals(table, previous_name)

columns = st.columns(2 + len(LEVELS))
columns[0].metric("Школ", totals.count_schools)
columns[1].metric("Средний балл", f"{totals.mean_points:.1f}".replace(".", ","))
for column, level in zip(columns[2:], LEVELS, strict=True):
    count = totals.count_by_level[level]
    if level == LEVELS[0] and totals.count_below_basic_prev is not None:
        column.metric(
            level,
            count,
            delta=count - totals.count_below_basic_prev,
            delta_color="inverse",
            help=f"Изменение с раунда «{previous_name}»",
        )
    else:
        column.metric(level, count)
if previous_name is None:
    st.caption("Предыдущего раунда нет: изменения не показаны")
else:
    st.caption(f"Изменение балла — по сравнению с раундом «{previous_name}»")

sort_column, level_column, search_column = st.columns([2, 3, 2])
sort_options = list(views.SORT_OPTIONS)
sort_by = url_choice(
    sort_column.selectbox,
    "Сортировка",
    sort_options,
    "sort",
    key="municipality_sort",
    default=sort_options[0],
)
with level_column:
    levels = url_choices(
        "Общий уровень", list(LEVELS), "level", placeholder="все уровни", key="municipality_levels"
    )
search = search_column.text_input("Поиск по названию", key="municipality_search")
shown = views.order_schools(table, sort_by, levels, search)
if shown.empty:
    st.info("Ни одна школа не подходит под условия отбора — снимите фильтр уровня или поиск")
    st.stop()

st.subheader("Школы × направления")
tracks = cached(views.track_titles, rnd)
grid = views.heatmap(shown, tracks)
figure = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.9, 0.1], horizontal_spacing=0.01)
figure.add_heatmap(
    z=grid.ranks,
    x=grid.tracks,
    y=grid.schools,
    text=grid.texts,
    texttemplate="%{text}",
    textfont={"size": 10},
    zmin=-0.5,
    zmax=len(LEVELS) - 0.5,
    colorscale=[
        [bound, LEVEL_COLORS[level]]
        for k, level in enumerate(LEVELS)
        for bound in (k / len(LEVELS), (k + 1) / len(LEVELS))
    ],
    showscale=False,
    xgap=2,
    ygap=2,
    hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>",
    row=1,
    col=1,
)
figure.add_heatmap(
    z=[[count] for count in grid.count_tracks_lowest],
    x=["Направлений ниже базового"],
    y=grid.schools,
    text=[[str(count)] for count in grid.count_tracks_lowest],
    texttemplate="%{text}",
    textfont={"size": 13},
    colorscale=[[0, "#ffffff"], [1, "#9e9e9e"]],
    zmin=0,
    zmax=max(len(tracks), 1),
    showscale=False,
    xgap=2,
    ygap=2,
    hovertemplate="%{y}<br>направлений ниже базового: %{text}<extra></extra>",
    row=1,
    col=2,
)
figure.update_layout(height=160 + 50 * len(grid.schools), margin={"t": 10, "b": 10, "l": 10, "r": 10})
figure.update_xaxes(side="top", tickangle=-35, tickfont={"size": 11})
figure.update_yaxes(autorange="reversed", ticks="")
st.plotly_chart(figure, key="municipality_heatmap")
if grid.count_left_out:
    st.caption(
        f"Школ на карте: {len(grid.schools)} из {len(shown)}, в выбранном порядке; полный список — "
        "в таблице ниже. Сузьте отбор уровнем или поиском, чтобы увидеть на карте остальные"
    )

st.subheader("Таблица школ")
st.caption(SCHOOL_ROW_HINT)
school_table(
    with_level_colors(shown.assign(municipality=filters.municipality), ["level", "level_prev", *tracks]),
    filters,
    key="municipality_table",
    hide_index=True,
    column_order=[
        "name",
        "points",
        "level",
        "points_change",
        "level_prev",
        "count_tracks_lowest",
        *tracks,
    ],
    column_config={
        "name": st.column_config.TextColumn("Школа", pinned=True),
        "points": st.column_config.NumberColumn("Балл"),
        "level": "Уровень",
        "points_change": st.column_config.NumberColumn("Изменение балла", format="%+d"),
        "level_prev": "Уровень в прошлом раунде",
        "count_tracks_lowest": st.column_config.NumberColumn("Направлений ниже базового"),
    },
)

st.subheader("Чек-листы дефицитов")
which = st.radio(
    "Для каких школ",
    ["ниже базового уровня", "все школы в таблице"],
    horizontal=True,
    key="municipality_checklist_scope",
)
if which == "все школы в таблице":
    inns = shown["inn"].tolist()
else:
    below = set(cached(below_basic_inns, rnd, filters.municipality))
    inns = [inn for inn in shown["inn"] if inn in below]
bulk_documents(rnd, inns, scope_label=f"{filters.municipality}, {which}", key="municipality_checklists")

st.subheader("Аналитическая справка")
download_document(
    f"Аналитическая справка (docx): {filters.municipality}",
    lambda cursor: analytic_report_docx(cursor, rnd, filters.municipality),
    safe_file_name(f"Аналитическая справка {filters.municipality} {rnd.name}") + ".docx",
    key="municipality_report_docx",
)
