"""«Динамика»: two rounds side by side — who moved a level, what changed, and whether it is noise."""

import plotly.graph_objects as go
import streamlit as st

from analytics.dynamics import MIN_SCHOOLS, compare_rounds, format_shares, verdict_rules
from analytics.errors import SamodiagError
from analytics.rounds import list_rounds, previous_round
from analytics.rubric import LEVELS
from pages._shared import (
    LEVEL_COLORS,
    SCHOOL_ROW_HINT,
    cached,
    plain,
    require_schools,
    school_table,
    start_page,
    url_choice,
    with_level_colors,
)

con, filters, selected = start_page("Динамика")

rounds = {r.name: r for r in reversed(list_rounds(con))}
if len(rounds) < 2:
    st.info("Для сравнения нужны хотя бы два раунда — загрузите выгрузку ещё одного раунда")
    st.stop()
earlier = previous_round(con, selected)
default_from = earlier.name if earlier else next(name for name in rounds if name != selected.name)
names = list(rounds)
left, right = st.columns(2)
# The pickers restart from «previous vs selected» whenever the sidebar round changes; the pair is
# in the URL (?from=…&to=…), so a colleague's link opens the same comparison.
from_name = url_choice(
    left.selectbox, "Первый раунд", names, "from", key=f"dynamics_from_{selected.name}", default=default_from
)
to_name = url_choice(
    right.selectbox, "Второй раунд", names, "to", key=f"dynamics_to_{selected.name}", default=selected.name
)
try:
    comparison = cached(
        compare_rounds,
        rounds[from_name],
        rounds[to_name],
        filters.municipality,
        school_type=filters.school_type,
    )
except SamodiagError as error:
    st.error(str(error))
    st.stop()
require_schools(filters, comparison.count_schools)
if comparison.methodology_note:
    st.warning(comparison.methodology_note)

total = comparison.track_changes.iloc[0]
columns = st.columns(5)
columns[0].metric("Школ в обоих раундах", int(total["n_pairs"]))
columns[1].metric("Повысили уровень", int(total["count_up"]))
columns[2].metric("Сохранили уровень", int(total["count_same"]))
columns[3].metric("Понизили уровень", int(total["count_down"]))
columns[4].metric("Только в одном раунде", len(comparison.only_in_from) + len(comparison.only_in_to))
st.caption(f"Доли и статистические проверки по менее чем {MIN_SCHOOLS} школам не считаются: «мало данных».")

st.subheader("Переходы между уровнями")
st.caption(plain(f"Строки — уровень в раунде «{from_name}», столбцы — в раунде «{to_name}»"))
counts_tab, shares_tab, sankey_tab = st.tabs(["Число школ", "Доля строки", "Диаграмма потоков"])
axis_names = {"index": f"{from_name} ↓ / {to_name} →", "columns": None}
counts_tab.dataframe(comparison.transitions.rename_axis(**axis_names), key="dynamics_transitions")
shares_tab.dataframe(
    format_shares(comparison.transition_shares).rename_axis(**axis_names), key="dynamics_transition_shares"
)
links = [
    (source, target, int(comparison.transitions.iloc[source, target]))
    for source in range(len(LEVELS))
    for target in range(len(LEVELS))
    if comparison.transitions.iloc[source, target]
]
sankey_tab.plotly_chart(
    go.Figure(
        go.Sankey(
            node={
                "label": [f"{level} ({from_name})" for level in LEVELS]
                + [f"{level} ({to_name})" for level in LEVELS],
                "color": [LEVEL_COLORS[level] for level in LEVELS] * 2,
                "line": {"color": "#333333", "width": 0.5},
                "pad": 20,
            },
            link={
                "source": [source for source, _, _ in links],
                "target": [len(LEVELS) + target for _, target, _ in links],
                "value": [value for _, _, value in links],
                "color": ["rgba(120, 120, 120, 0.35)"] * len(links),
            },
        )
    ).update_layout(height=420, margin={"t": 10, "b": 10}),
    key="dynamics_sankey",
)

st.subheader("Кто изменил уровень")
scope_names = dict(
    zip(comparison.track_changes["scope"], comparison.track_changes["scope_name"], strict=True)
)
scope = st.selectbox(
    "В целом или по направлению", list(scope_names), format_func=scope_names.get, key="dynamics_scope"
)
mover_columns = {
    "name": "Школа",
    "municipality": "Муниципалитет",
    "level_from": f"Уровень ({from_name})",
    "level_to": f"Уровень ({to_name})",
    "points_from": f"Баллы ({from_name})",
    "points_to": f"Баллы ({to_name})",
}
st.caption(SCHOOL_ROW_HINT)
for tab, rising, key in zip(
    st.tabs(["Повысили уровень", "Понизили уровень"]),
    (True, False),
    ("dynamics_risers", "dynamics_fallers"),
    strict=True,
):
    shown = comparison.movers(scope, rising=rising)
    if shown.empty:
        tab.caption("Таких школ нет")
        continue
    school_table(
        with_level_colors(shown, ["level_from", "level_to"]),
        filters,
        key=key,
        container=tab,
        hide_index=True,
        column_order=list(mover_columns),
        column_config=mover_columns,
    )

st.subheader("Уровень сейчас × изменение")
st.caption(
    plain(f"Уровень в раунде «{to_name}» и куда он сдвинулся с раунда «{from_name}»: {scope_names[scope]}")
)
grid = comparison.status_change_grid[comparison.status_change_grid["scope"] == scope]
st.dataframe(
    with_level_colors(grid, ["level"]),
    hide_index=True,
    column_order=["level", "count_up", "count_same", "count_down", "count_schools"],
    column_config={
        "level": "Уровень сейчас",
        "count_up": "Рост",
        "count_same": "Без изменений",
        "count_down": "Снижение",
        "count_schools": "Всего",
    },
    key="dynamics_status_grid",
)

st.subheader("Изменение баллов по направлениям")
with st.expander("Как проверяли"):
    st.write(verdict_rules().explained())
st.dataframe(
    comparison.track_changes,
    hide_index=True,
    column_order=[
        "scope_name",
        "verdict",
        "points_mean_from",
        "points_mean_to",
        "mean_change",
        "count_up",
        "count_same",
        "count_down",
        "n_pairs",
        "effect_size_r",
        "p_adjusted",
        "p_value",
    ],
    column_config={
        "scope_name": "Направление",
        "n_pairs": "Пар школ",
        "points_mean_from": st.column_config.NumberColumn(f"Средний балл ({from_name})", format="%.1f"),
        "points_mean_to": st.column_config.NumberColumn(f"Средний балл ({to_name})", format="%.1f"),
        "mean_change": st.column_config.NumberColumn("Изменение", format="%+.2f"),
        "p_value": st.column_config.NumberColumn("p без поправки", format="%.4f"),
        "p_adjusted": st.column_config.NumberColumn("p (Холм)", format="%.4f"),
        "effect_size_r": st.column_config.NumberColumn("r", format="%+.2f"),
        "verdict": "Вывод",
        "count_up": "Уровень вырос",
        "count_same": "Не изменился",
        "count_down": "Снизился",
    },
    key="dynamics_track_changes",
)

st.subheader("Школы ниже базового уровня")
st.caption(
    "Сколько школ, прошедших оба раунда, вышли из «ниже базового» и сколько вошли в него; точный "
    "критерий Мак-Немара с поправкой Холма."
)
st.dataframe(
    comparison.below_basic_changes,
    hide_index=True,
    column_order=[
        "scope_name",
        "verdict",
        "below_basic_from",
        "below_basic_to",
        "left",
        "entered",
        "n_pairs",
        "p_adjusted",
    ],
    column_config={
        "scope_name": "Направление",
        "verdict": "Вывод",
        "below_basic_from": f"Ниже базового ({from_name})",
        "below_basic_to": f"Ниже базового ({to_name})",
        "left": "Вышли",
        "entered": "Вошли",
        "n_pairs": "Пар школ",
        "p_adjusted": st.column_config.NumberColumn("p (Холм)", format="%.4f"),
    },
    key="dynamics_below_basic_changes",
)

st.subheader("Изменение по показателям")
st.caption(
    "Дефицит — балл ниже максимума. Закрыт — был в первом раунде и исчез во втором, открыт — наоборот; "
    "точный критерий Мак-Немара по школам, прошедшим оба раунда."
)
st.dataframe(
    comparison.indicator_changes,
    hide_index=True,
    column_order=[
        "track_name",
        "indicator",
        "is_critical",
        "n_pairs",
        "deficits_from",
        "deficits_to",
        "closed",
        "opened",
        "share_change",
        "verdict",
        "p_adjusted",
        "p_value",
    ],
    column_config={
        "track_name": "Направление",
        "indicator": st.column_config.TextColumn("Показатель", width="large"),
        "is_critical": st.column_config.CheckboxColumn("Критический"),
        "n_pairs": "Пар школ",
        "deficits_from": f"Дефицитов ({from_name})",
        "deficits_to": f"Дефицитов ({to_name})",
        "closed": "Закрыто",
        "opened": "Открыто",
        "share_change": st.column_config.NumberColumn("Изменение доли", format="percent"),
        "p_value": st.column_config.NumberColumn("p без поправки", format="%.4f"),
        "p_adjusted": st.column_config.NumberColumn("p (Бенджамини–Хохберг)", format="%.4f"),
        "verdict": "Вывод",
    },
    key="dynamics_indicator_changes",
)

st.subheader("Дефициты закрытые и открытые по муниципалитетам")
st.dataframe(
    comparison.deficits_by_municipality,
    hide_index=True,
    column_config={
        "municipality": "Муниципалитет",
        "n_schools": "Школ в обоих раундах",
        "closed": "Закрыто дефицитов",
        "opened": "Открыто дефицитов",
        "balance": st.column_config.NumberColumn("Баланс", format="%+d"),
        "critical_closed": "Закрыто критических",
        "critical_opened": "Открыто критических",
    },
    key="dynamics_deficits_by_municipality",
)

st.subheader("Школы только в одном раунде")
one_round_columns = {"name": "Школа", "municipality": "Муниципалитет", "total": "Баллы", "level": "Уровень"}
for label, schools, key in (
    (f"Только в раунде «{from_name}»", comparison.only_in_from, "dynamics_only_from"),
    (f"Только в раунде «{to_name}»", comparison.only_in_to, "dynamics_only_to"),
):
    with st.expander(f"{label}: {len(schools)}"):
        st.dataframe(
            schools,
            hide_index=True,
            column_order=list(one_round_columns),
            column_config=one_round_columns,
            key=key,
        )
