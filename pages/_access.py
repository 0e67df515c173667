"""The door of the app: sign-in, the session's idle expiry, sign-out and the mode banners.

app.py asks `signed_in()` before the navigation: a session that is not signed in gets a
navigation of one page, `sign_in_page`, so no data page runs (and no figure is read) for it,
whatever path its URL names, and it sees no list of pages. The session keeps only the login; the
role and municipality are read from the store on every run (pages/_shared.current_scope), so a
disabled account's session ends at its next click. A browser reload starts a new session and
asks to sign in again.
"""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import duckdb
import pandas as pd
import streamlit as st

from analytics.accounts import (
    ROLES,
    Scope,
    SignInRefused,
    account_rules,
    account_scope,
    authenticate,
    demo_accounts,
    has_accounts,
)
from analytics.audit import record
from pages._shared import LAPTOP_SCOPE, NO_LOGIN_ENV, SIGNED_IN_KEY, get_connection, laptop_mode, write_log

LAST_SEEN_KEY = "access_last_seen"
EXPIRED_KEY = "access_expired"
FIRST_OPERATOR_COMMAND = (
    "SAMODIAG_PASSWORD='пароль не короче 10 символов' python -m analytics users add ivanova "
    '--role operator --name "Иванова И. И."'
)


def signed_in() -> Scope | None:
    """The signed-in scope, with the account and sign-out in the sidebar; None: show sign_in_page."""
    if laptop_mode():
        st.sidebar.warning(f"Однопользовательский режим без входа ({NO_LOGIN_ENV}=1): доступно всё")
        return LAPTOP_SCOPE
    scope = _session_scope(get_connection())
    if scope is None:
        st.session_state.pop(SIGNED_IN_KEY, None)  # gone, disabled or expired: ask again
        return None
    _account_sidebar(scope)
    return scope


def _session_scope(con: duckdb.DuckDBPyConnection) -> Scope | None:
    """This session's scope, unless it was idle too long (then it is signed out)."""
    login = st.session_state.get(SIGNED_IN_KEY)
    if login is None:
        return None
    now = dt.datetime.now()
    idle = dt.timedelta(minutes=account_rules().idle_minutes)
    if now - st.session_state.get(LAST_SEEN_KEY, now) > idle:
        _sign_out(login, "session_expired")
        st.session_state[EXPIRED_KEY] = True
        return None
    st.session_state[LAST_SEEN_KEY] = now
    return account_scope(con, login)


def _sign_out(login: str, action: str) -> None:
    write_log(record, login, action)
    for key in (SIGNED_IN_KEY, LAST_SEEN_KEY):
        st.session_state.pop(key, None)


def _account_sidebar(scope: Scope) -> None:
    where = f", {scope.municipality}" if scope.municipality else ""
    st.sidebar.caption(f"Вы вошли как {scope.login} — {scope.role_name}{where}")
    if st.sidebar.button("Выйти", key="access_sign_out"):
        _sign_out(scope.login, "sign_out")
        st.rerun()


def sign_in_page() -> None:
    """The Russian sign-in form (or, in a store without accounts, how to create the first one)."""
    con = get_connection()
    st.title("Вход")
    if not has_accounts(con):
        _no_accounts()
    if st.session_state.pop(EXPIRED_KEY, False):
        minutes = account_rules().idle_minutes
        st.info(f"Сеанс завершён: не было действий больше {minutes} минут. Войдите снова.")
    _demo_banner(con)
    with st.form("access_sign_in", clear_on_submit=True):
        login = st.text_input("Логин", key="access_login_field")
        password = st.text_input("Пароль", type="password", key="access_password_field")
        submitted = st.form_submit_button("Войти", type="primary")
    if submitted:
        try:
            scope = write_log(authenticate, login.strip(), password, dt.datetime.now())
        except SignInRefused as error:
            st.error(str(error))
        else:
            st.session_state[SIGNED_IN_KEY] = scope.login
            st.session_state[LAST_SEEN_KEY] = dt.datetime.now()
            st.rerun()


def _no_accounts() -> NoReturn:
    st.error("В базе нет ни одной учётной записи, поэтому данные не показываются.")
    st.markdown("Создайте первого регионального оператора в командной строке на сервере:")
    st.code(FIRST_OPERATOR_COMMAND, language="bash")
    st.caption(
        "Без переменной SAMODIAG_PASSWORD команда спросит пароль. Для работы одного человека на своём "
        f"компьютере без входа запустите приложение с {NO_LOGIN_ENV}=1."
    )
    st.stop()


def _demo_banner(con: duckdb.DuckDBPyConnection) -> None:
    """The demo accounts and their passwords — only on a store marked as the demo."""
    accounts = demo_accounts(con)
    if not accounts:
        return
    st.warning("**Демонстрационный режим**: синтетические данные; войдите под одной из учётных записей")
    rows = [
        {"Логин": a.login, "Пароль": a.password, "Роль": ROLES[a.role], "Муниципалитет": m or "весь регион"}
        for a, m in accounts
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, key="access_demo_accounts")
