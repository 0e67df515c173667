"""The frame every page shares: the store, the sidebar filters, the header and the level palette.

Why several people can use one app at once:
- one DuckDB connection per process (st.cache_resource) and a fresh cursor for every caller,
  because a DuckDB connection object must not be shared between threads;
- every write (an import, a withdrawal, the roster) goes through `write_store`, one at a time
  behind a single lock, and the engine writes each in one transaction, so a reader sees the
  store before or after an import, never half of one;
- data calls are cached on plain values (round, municipality…) and every cache is cleared after a
  write, so nobody reads figures from before an import.

The filters live in the session (so they survive a page switch) and in the URL query string (so a
link opens the same view for a colleague): `?round=…&mun=…&type=…`.

Who is asking (pages/_access.py signs them in before any page runs) limits what a page reads: a
coordinator's municipality filter is fixed to their own, and a `?mun=` or `?inn=` of another
municipality stops the page with the engine's refusal (analytics.accounts).
"""

from __future__ import annotations

import os
import re
import runpy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler
from streamlit.runtime.pages_manager import PagesManager

from analytics import palette
from analytics.accounts import (
    AccessDenied,
    Scope,
    account_scope,
    check_school_in_scope,
    check_schools_in_scope,
    resolve_municipality,
)
from analytics.config import db_path_from_env
from analytics.db import open_store
from analytics.demo_db import ensure_demo_database
from analytics.documents import checklists_zip, interview_packs_zip
from analytics.documents.common import safe_file_name
from analytics.errors import SamodiagError
from analytics.rounds import Round, rounds_default_first
from analytics.rubric import LEVELS
from analytics.views import SCHOOL_TYPES, Filters, describe_provenance, municipalities, round_provenance

T = TypeVar("T")

NO_DATA_MESSAGE = "Данных за этот раунд нет — загрузите выгрузку на странице «Загрузка»"
FILTERED_OUT_MESSAGE = "По выбранным фильтрам школ нет — выберите другой муниципалитет или тип школы"
APP_SCRIPT = Path(__file__).resolve().parents[1] / "app.py"
UPLOAD_PAGE = "pages/upload.py"
SCHOOL_PAGE = "pages/school.py"

ROUND_PARAM = "round"
MUNICIPALITY_PARAM = "mun"
SCHOOL_TYPE_PARAM = "type"
ALL_MUNICIPALITIES = "Все муниципалитеты"
ALL_SCHOOL_TYPES = "Все типы"
SCHOOL_PARAM = "inn"
SIGNED_IN_KEY = "access_login"
"""The session's signed-in login; the scope itself is read from the store on every run."""
NO_LOGIN_ENV = "SAMODIAG_NO_LOGIN"
LAPTOP_SCOPE = Scope.for_region_operator("local")
"""Who works in single-user laptop mode (SAMODIAG_NO_LOGIN=1): the operator, audited as «local»."""

LEVEL_COLORS = dict(zip(LEVELS, palette.LEVEL_COLORS, strict=True))
LEVEL_TEXT_COLORS = dict(zip(LEVELS, palette.LEVEL_TEXT_COLORS, strict=True))
LEVEL_PATTERNS = dict(zip(LEVELS, palette.LEVEL_PATTERNS, strict=True))
STYLED_ROWS = 1000
"""Longest table whose level cells are coloured (see with_level_colors)."""


@st.cache_resource(show_spinner="Открываем базу данных (при первом запуске строится демонстрационная база)…")
def _store(path: str) -> duckdb.DuckDBPyConnection:
    ensure_demo_database(path)
    return open_store(Path(path))


@st.cache_resource
def _write_lock() -> threading.Lock:
    return threading.Lock()


def get_connection() -> duckdb.DuckDBPyConnection:
    """A fresh cursor on the process's one connection to the store (SAMODIAG_DB or data/)."""
    try:
        return _store(str(db_path_from_env())).cursor()
    except SamodiagError as error:
        st.error(f"Не удалось открыть базу: {error}")
        st.stop()


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached_call(
    _func: Callable[..., Any],
    func_name: str,  # noqa: ARG001 -- the cache key: Streamlit does not hash `_func`
    args: tuple,
    kwargs: tuple,
) -> Any:
    return _func(get_connection(), *args, **dict(kwargs))


def cached(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """func(cursor, *args, **kwargs) cached on its plain arguments until the next write."""
    name = f"{func.__module__}.{func.__qualname__}"
    return _cached_call(func, name, args, tuple(sorted(kwargs.items())))


def write_store(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one write on the store, one at a time, then drop every cached figure."""
    with _write_lock():
        try:
            return func(get_connection(), *args, **kwargs)
        finally:
            st.cache_data.clear()


def write_log(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A write that changes no figure (a sign-in and its audit entry): one at a time, caches kept,
    so thirty people signing in do not make everyone's pages recompute."""
    with _write_lock():
        return func(get_connection(), *args, **kwargs)


def laptop_mode() -> bool:
    """Single-user mode without sign-in: only when SAMODIAG_NO_LOGIN=1 is set explicitly."""
    return os.environ.get(NO_LOGIN_ENV, "").strip() == "1"


def current_scope() -> Scope:
    """Who this session is; app.py signed them in before any page ran (else the run stops here)."""
    if laptop_mode():
        return LAPTOP_SCOPE
    login = st.session_state.get(SIGNED_IN_KEY)
    scope = account_scope(get_connection(), login) if login else None
    if scope is None:
        st.stop()
    return scope


def refuse(error: AccessDenied) -> NoReturn:
    """Show the engine's refusal and stop the page: nothing of what was asked is drawn."""
    st.error(str(error))
    st.stop()


def require_operator_page() -> Scope:
    """The operator's scope on a page that changes the store; anyone else is refused."""
    scope = current_scope()
    if not scope.may_change_store:
        refuse(AccessDenied(f"Эта страница доступна только региональному оператору, вы — {scope.role_name}"))
    return scope


def _route_through_app() -> None:
    # Streamlit treats a folder named pages/ beside app.py as the legacy multipage layout until
    # some run calls st.navigation (and AppTest resets that before every run). Meanwhile a request
    # for a page's own URL (a shared link, right after a server start) runs the page alone,
    # without app.py's navigation and page set-up. Then switch the legacy layout off and run
    # app.py in this same run, so the page's widget events (a click) are not lost to a rerun;
    # app.py runs this page again under its url_path, which equals the file's name.
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


def _sidebar_filters(con: duckdb.DuckDBPyConnection) -> Filters:
    """Round, municipality and school type from the sidebar, kept in the session and the URL."""
    _route_through_app()
    scope = current_scope()
    rounds = {r.name: r for r in rounds_default_first(con)}
    st.sidebar.header("Фильтры")
    round_name = url_select("Раунд", list(rounds), ROUND_PARAM, sidebar=True)
    municipality = _municipality_filter(scope)
    school_type = url_select(
        "Тип школы", list(SCHOOL_TYPES), SCHOOL_TYPE_PARAM, all_label=ALL_SCHOOL_TYPES, sidebar=True
    )
    filters = Filters(rounds.get(round_name) if round_name else None, municipality, school_type)
    _check_school_param(con, scope, filters)
    return filters


def _municipality_filter(scope: Scope) -> str | None:
    """The sidebar's municipality: any for the region's roles, fixed to their own for a coordinator."""
    if scope.municipality is None:
        return url_select(
            "Муниципалитет",
            cached(municipalities),
            MUNICIPALITY_PARAM,
            all_label=ALL_MUNICIPALITIES,
            sidebar=True,
        )
    try:
        own = resolve_municipality(scope, st.query_params.get(MUNICIPALITY_PARAM))
    except AccessDenied as error:
        refuse(error)
    st.sidebar.selectbox("Муниципалитет", [own], disabled=True, key="shared_own_municipality")
    _sync_query_param(MUNICIPALITY_PARAM, own)
    return own


def _check_school_param(con: duckdb.DuckDBPyConnection, scope: Scope, filters: Filters) -> None:
    """Refuse a `?inn=` of a school outside the coordinator's municipality before the page reads it."""
    inn = st.query_params.get(SCHOOL_PARAM)
    if inn and filters.round is not None:
        try:
            check_school_in_scope(con, scope, filters.round, inn)
        except AccessDenied as error:
            refuse(error)


def url_select(
    label: str,
    options: list[str],
    param: str,
    *,
    all_label: str | None = None,
    format_func: Callable[[str], str] = str,
    sidebar: bool = False,
) -> str | None:
    """A selectbox whose value lives in the session and in the URL as `?param=…`.

    With `all_label`, the first choice means «all» and returns None. A value in the URL that this
    session did not write (a shared link, a link from another page) wins over the remembered one.
    """
    widget_key = f"shared_select_{param}"
    written_key = f"{widget_key}_written"
    container = st.sidebar if sidebar else st
    # A selectbox shows None as «nothing chosen», so «all» is its own label, mapped to None below.
    choices = [all_label, *options] if all_label else list(options)
    if not choices:
        container.selectbox(label, ["нет данных"], disabled=True, key=f"{widget_key}_empty")
        return None
    url_value = st.query_params.get(param)
    remembered = st.session_state.get(written_key)
    current = st.session_state.get(widget_key)
    if url_value in options and url_value != remembered:
        current = url_value
    elif current not in choices:
        current = remembered if remembered in options else choices[0]
    # Set on every run: the same key on another page is a new widget that would start at index 0.
    st.session_state[widget_key] = current
    chosen = container.selectbox(
        label, choices, format_func=lambda v: v if v == all_label else format_func(v), key=widget_key
    )
    value = None if chosen == all_label else chosen
    st.session_state[written_key] = value
    _sync_query_param(param, value)
    return value


def url_choice(
    widget: Callable[..., Any],
    label: str,
    options: list[str],
    param: str,
    *,
    key: str,
    default: str | None,
    **kwargs: Any,
) -> str | None:
    """A page's selectbox (or radio) whose value is also `?param=…`, so a link reopens the same view.

    A URL value this session did not write (a shared link) wins; otherwise the widget keeps its
    own value, or starts at `default` (a new key, e.g. after the sidebar's round changed).
    """
    current = _seeded_value(param, key, st.query_params.get(param), options.__contains__, default)
    st.session_state[key] = current if current in options else default
    value = widget(label, options, key=key, **kwargs)
    _remember_in_url(param, value, [] if value is None else [value])
    return value


def url_choices(label: str, options: list[str], param: str, *, key: str, **kwargs: Any) -> list[str]:
    """A page's multiselect whose values are also `?param=a&param=b` (none chosen: no parameter)."""
    asked = st.query_params.get_all(param)
    current = _seeded_value(param, key, asked or None, lambda v: set(v) <= set(options), [])
    st.session_state[key] = [v for v in current if v in options]
    values = st.multiselect(label, options, key=key, **kwargs)
    _remember_in_url(param, values, values)
    return values


def _seeded_value(param: str, key: str, asked: Any, valid: Callable[[Any], bool], default: Any) -> Any:
    """What a URL-backed widget shows: a new URL value, else its own state, else the default."""
    if asked is not None and valid(asked) and asked != st.session_state.get(f"url_written_{param}"):
        return asked
    return st.session_state.get(key, default)


def _remember_in_url(param: str, value: Any, url_values: list[str]) -> None:
    st.session_state[f"url_written_{param}"] = value
    if not url_values:
        st.query_params.pop(param, None)
    elif st.query_params.get_all(param) != url_values:
        st.query_params[param] = url_values if len(url_values) > 1 else url_values[0]


def select_round_next_run(round_name: str) -> None:
    """Make the sidebar show `round_name` from the next run on (e.g. the round just imported)."""
    st.query_params[ROUND_PARAM] = round_name


def _sync_query_param(param: str, value: str | None) -> None:
    if value is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != value:
        st.query_params[param] = value


def _page_header(con: duckdb.DuckDBPyConnection, filters: Filters, title: str) -> None:
    """The page title and what the figures are: round, methodology, when imported."""
    st.title(title)
    if filters.round is None:
        st.caption("В базе ещё нет ни одного раунда")
        return
    provenance = round_provenance(con, filters.round)
    st.caption(plain(describe_provenance(provenance, filters.municipality, filters.school_type)))


def show_empty_state(message: str = NO_DATA_MESSAGE, *, upload_link: bool = True) -> NoReturn:
    """Say what is missing and what to do about it, then stop the page (never a traceback)."""
    st.info(message)
    if upload_link:
        st.page_link(UPLOAD_PAGE, label="Перейти к загрузке")
    st.stop()


def start_page(
    title: str, *, needs_round: bool = True
) -> tuple[duckdb.DuckDBPyConnection, Filters, Round | None]:
    """Every page's opening: the store, the sidebar filters and the title with what the figures are.

    With `needs_round` (every page but «Загрузка») a store without rounds shows the empty state
    and stops the page, so the round returned is never None.
    """
    con = get_connection()
    filters = _sidebar_filters(con)
    _page_header(con, filters, title)
    return con, filters, _require_round(filters) if needs_round else filters.round


def _require_round(filters: Filters) -> Round:
    """The filtered round, or the empty state when the store has no rounds yet."""
    if filters.round is None:
        show_empty_state()
    return filters.round


def require_schools(filters: Filters, count_schools: int) -> None:
    """The empty state when no school of the round passes the filters: upload, or widen the filters."""
    if count_schools:
        return
    if filters.municipality or filters.school_type:
        show_empty_state(FILTERED_OUT_MESSAGE, upload_link=False)
    show_empty_state()


def level_cell_style(level: object) -> str:
    """CSS for a table cell holding a level name: the level's colour with readable text."""
    if level not in LEVEL_COLORS:
        return ""
    return f"background-color: {LEVEL_COLORS[level]}; color: {LEVEL_TEXT_COLORS[level]}"


def with_level_colors(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame | Styler:
    """The table with its level columns coloured — if it is short enough to colour quickly.

    Streamlit draws a styled table cell by cell: the level colours of a national municipality's
    5,800 schools would take seconds, so a table longer than STYLED_ROWS shows its levels as text.
    """
    if len(frame) > STYLED_ROWS:
        return frame
    return frame.style.map(level_cell_style, subset=columns)


SCHOOL_ROW_HINT = "Выберите строку — откроется профиль школы"
SCHOOL_PICK_KEY = "school_pick"


def school_query(inn: str, municipality: str, filters: Filters) -> dict[str, str]:
    """The query of a school's «Школа» page: the school, its municipality and the round shown, so
    the page opens inside the sidebar's filters and its URL is a link a colleague can follow."""
    query = {"inn": inn, MUNICIPALITY_PARAM: municipality}
    if filters.round is not None:
        query[ROUND_PARAM] = filters.round.name
    return query


def school_link(label: str, inn: str, municipality: str, filters: Filters) -> None:
    """A link to a school that opens «Школа» in this tab and session (a short list's line). The
    label is markdown: names in it go through `plain`."""
    st.page_link(SCHOOL_PAGE, label=label, query_params=school_query(inn, municipality, filters))


_MARKDOWN_CHARACTERS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def plain(text: object) -> str:
    """Text from data (a school, municipality, round or file name) shown literally where Streamlit
    reads markdown: every markdown character escaped, so «**СОШ**», «[СОШ](http://…)», «$x$» or
    «:red[СОШ]» stay the characters they are — not bold, a live link, a formula or a colour."""
    return _MARKDOWN_CHARACTERS.sub(r"\\\1", str(text))


def school_table(
    frame: pd.DataFrame | Styler,
    filters: Filters,
    *,
    key: str,
    inn_column: str = "inn",
    municipality_column: str = "municipality",
    container: Any = st,
    **dataframe_options: Any,
) -> None:
    """A table of schools whose row, once selected, opens that school in the same tab.

    A link column would open a new tab and a new session, which starts the app again (seconds);
    switching pages keeps the session, its caches and the sidebar's filters.
    """
    selection = container.dataframe(
        frame, on_select="rerun", selection_mode="single-row", key=key, **dataframe_options
    )
    if not selection.selection.rows:
        return
    row = getattr(frame, "data", frame).iloc[selection.selection.rows[0]]  # a Styler keeps its frame
    if pd.notna(row[inn_column]):
        query = school_query(row[inn_column], row[municipality_column], filters)
        st.switch_page(SCHOOL_PAGE, query_params=query)


def pick_school(names: dict[str, str]) -> None:
    """A school picker with nothing chosen until the user (or the URL's `inn`) chooses.

    The URL is the one source of the school: the picker shows its `inn` when that school is among
    the filtered ones, and a choice is written to the URL before the page runs again.
    """
    url_inn = st.query_params.get("inn")
    st.session_state[SCHOOL_PICK_KEY] = url_inn if url_inn in names else None
    st.selectbox(
        "Школа",
        list(names),
        format_func=names.get,
        placeholder=f"Выберите школу (по фильтрам — {len(names)})",
        key=SCHOOL_PICK_KEY,
        on_change=_write_picked_school,
    )


def _write_picked_school() -> None:
    st.query_params["inn"] = st.session_state[SCHOOL_PICK_KEY]


def clear_filters() -> None:
    """Show every municipality and school type from the next run on (a button's on_click).

    Sets the sidebar widgets the way `url_select` keys them and drops their URL parameters.
    """
    for param, all_label in ((MUNICIPALITY_PARAM, ALL_MUNICIPALITIES), (SCHOOL_TYPE_PARAM, ALL_SCHOOL_TYPES)):
        st.session_state[f"shared_select_{param}"] = all_label
        st.query_params.pop(param, None)


def stop_on_unknown_round(asked: str | None, shown: Round) -> None:
    """Say that the URL's round does not exist, and show nothing in place of its figures.

    `asked` is the URL's round read before the sidebar replaced it with the default round.
    """
    known = {r.name for r in rounds_default_first(get_connection())}
    if not asked or asked in known:
        return
    st.error(f"Раунда «{plain(asked)}» в базе нет — проверьте ссылку или выберите раунд в боковой панели")
    st.button(f"Показать раунд «{shown.name}»", key="unknown_round_show_default")
    st.stop()


def stacked_level_bars(
    frame: pd.DataFrame, category: str, *, value: str = "count_schools", horizontal: bool = False
) -> go.Figure:
    """One bar per category, stacked by level: colour, pattern and hover text all name the level."""
    figure = go.Figure()
    name_axis, value_axis = ("y", "x") if horizontal else ("x", "y")
    for level in LEVELS:
        part = frame[frame["level"] == level]
        axis = (
            {"x": part[value], "y": part[category]} if horizontal else {"x": part[category], "y": part[value]}
        )
        figure.add_bar(
            name=level,
            orientation="h" if horizontal else "v",
            marker={
                "color": LEVEL_COLORS[level],
                "pattern": {
                    "shape": LEVEL_PATTERNS[level],
                    "fillmode": "overlay",
                    "bgcolor": LEVEL_COLORS[level],
                    "fgcolor": "#333333",
                    "solidity": 0.2,
                },
                "line": {"color": "#333333", "width": 0.5},
            },
            hovertemplate=f"%{{{name_axis}}}<br>{level}: %{{{value_axis}}}<extra></extra>",
            **axis,
        )
    figure.update_layout(
        barmode="stack",
        legend={"title": {"text": "Уровень"}, "traceorder": "normal"},
        margin={"t": 30, "b": 10},
    )
    return figure


MIME_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}


def download_document(
    label: str, make: Callable[[duckdb.DuckDBPyConnection], bytes], file_name: str, key: str
) -> None:
    """A download button whose file is generated only when clicked (on its own cursor)."""
    extension = file_name.rsplit(".", 1)[-1]
    st.download_button(
        label,
        data=lambda: make(get_connection()),
        file_name=file_name,
        mime=MIME_TYPES[extension],
        key=key,
    )


BULK_KINDS = {
    "Пакеты к собеседованию (повестка и чек-листы)": ("Пакеты к собеседованию", None),
    "Чек-листы xlsx": ("Чек-листы", "xlsx"),
    "Чек-листы docx": ("Чек-листы", "docx"),
}
"""What a bulk archive may hold: its title in the file name, and the checklist format (None: packs)."""


def bulk_documents(rnd: Round, inns: list[str], *, scope_label: str, key: str) -> None:
    """Prepare a zip of interview packs or checklists on request (with a progress bar), then offer
    it for download; packs put the schools below basic first.

    The schools are checked against the session's scope first: a coordinator's zip holds only
    their municipality's schools, whatever list a page passes.
    """
    if not inns:
        st.caption(f"Нет школ для документов: {scope_label}")
        return
    try:
        check_schools_in_scope(get_connection(), current_scope(), rnd, inns)
    except AccessDenied as error:
        refuse(error)
    kind = st.radio("Что выгрузить", list(BULK_KINDS), horizontal=True, key=f"{key}_format")
    title, fmt = BULK_KINDS[kind]
    ready_key = f"{key}_archive"
    request = (rnd.round_id, tuple(inns), kind)
    if st.button(f"Подготовить архив ({len(inns)}: {scope_label})", key=f"{key}_prepare"):
        bar = st.progress(0.0, text="Подготовка архива…")

        def progress(done: float, text: str) -> None:
            bar.progress(done, text=text)

        con = get_connection()
        if fmt is None:
            data = interview_packs_zip(con, rnd, inns, progress=progress)
        else:
            data = checklists_zip(con, rnd, inns, fmt=fmt, progress=progress)
        st.session_state[ready_key] = (request, data)
    prepared = st.session_state.get(ready_key)
    if prepared and prepared[0] == request:
        st.download_button(
            f"Скачать архив: {title.lower()}",
            data=prepared[1],
            file_name=safe_file_name(f"{title} {scope_label} {rnd.name}") + ".zip",
            mime=MIME_TYPES["zip"],
            key=f"{key}_download",
        )
