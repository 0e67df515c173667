"""«Учётные записи»: the operator adds accounts, resets passwords, disables them, reads the audit log.

Every change goes through `analytics.accounts` with the operator's scope, so the engine refuses
anyone else even if this page were reached; the page only collects the fields. Passwords are typed
twice in forms that clear on submit, so a password never stays in the session.
"""

import datetime as dt

import streamlit as st

from analytics import views
from analytics.accounts import (
    COORDINATOR,
    ROLES,
    account_rules,
    accounts_overview,
    add_user,
    audit_entries,
    disable_user,
    enabled_others,
    reset_password,
)
from analytics.audit import ACTIONS
from analytics.errors import SamodiagError
from analytics.export import csv_bytes
from pages._shared import require_operator_page, start_page, write_log

DONE_KEY = "accounts_done"
MISMATCH = "Пароли не совпадают — введите один и тот же пароль дважды"


def report_done(message: str) -> None:
    """Show the outcome after a rerun, so the list above already shows the change."""
    st.session_state[DONE_KEY] = message
    st.rerun()


def change(func, *args, done: str, **kwargs) -> None:
    """One account change through the engine (serialised with other writes); its refusal is shown."""
    try:
        write_log(func, *args, **kwargs)
    except SamodiagError as error:
        st.error(str(error))
    else:
        report_done(done)


def password_fields(prefix: str) -> tuple[str, str]:
    """The password and its repetition, with the rules' minimum length named."""
    length = account_rules().min_password_length
    first = st.text_input(
        "Пароль", type="password", help=f"Не короче {length} символов", key=f"{prefix}_password"
    )
    second = st.text_input("Пароль ещё раз", type="password", key=f"{prefix}_password_again")
    return first, second


def show_accounts(frame) -> None:
    st.dataframe(
        frame,
        hide_index=True,
        column_order=["login", "display_name", "role_name", "municipality", "disabled", "locked_until"],
        column_config={
            "login": "Логин",
            "display_name": "Имя",
            "role_name": "Роль",
            "municipality": "Муниципалитет",
            "disabled": st.column_config.CheckboxColumn("Отключена"),
            "locked_until": st.column_config.DatetimeColumn(
                "Вход заблокирован до", format="DD.MM.YYYY HH:mm"
            ),
        },
        key="accounts_table",
    )


def add_account_form(con, scope) -> None:
    """Role first (outside the form), so a coordinator's municipality field appears at once."""
    role = st.selectbox("Роль", list(ROLES), format_func=ROLES.get, key="accounts_new_role")
    with st.form("accounts_add", clear_on_submit=True):
        login = st.text_input("Логин", help="Латинские буквы, цифры, «.», «_», «-»", key="accounts_new_login")
        name = st.text_input("Имя (видно в приложении)", key="accounts_new_name")
        municipality = None
        if role == COORDINATOR:
            municipality = st.selectbox(
                "Муниципалитет", views.municipalities(con), index=None, key="accounts_new_municipality"
            )
        password, again = password_fields("accounts_new")
        submitted = st.form_submit_button("Создать учётную запись", type="primary")
    if not submitted:
        return
    if password != again:
        st.error(MISMATCH)
        return
    login = login.strip()
    change(
        add_user, scope, login, password, role,
        municipality=municipality, display_name=name, done=f"Учётная запись «{login}» создана",
    )  # fmt: skip


def reset_password_form(scope, logins: list[str]) -> None:
    with st.form("accounts_reset", clear_on_submit=True):
        login = st.selectbox("Учётная запись", logins, key="accounts_reset_login")
        password, again = password_fields("accounts_reset")
        submitted = st.form_submit_button("Сменить пароль")
    if submitted:
        if password != again:
            st.error(MISMATCH)
            return
        change(reset_password, scope, login, password, done=f"Пароль «{login}» сменён, блокировка снята")


def disable_form(scope, logins: list[str]) -> None:
    login = st.selectbox("Учётная запись", logins, index=None, key="accounts_disable_login")
    sure = st.checkbox("Да, отключить: войти под ней больше нельзя", key="accounts_disable_sure")
    if st.button("Отключить", disabled=not (login and sure), key="accounts_disable"):
        change(disable_user, scope, login, done=f"Учётная запись «{login}» отключена")


def audit_section(con, scope) -> None:
    """The audit log with its filters and the CSV of exactly what is shown."""
    login_column, action_column, days_column = st.columns(3)
    login = login_column.text_input("Логин", key="accounts_audit_login").strip()
    action = action_column.selectbox(
        "Действие", list(ACTIONS), format_func=ACTIONS.get, index=None,
        placeholder="все действия", key="accounts_audit_action",
    )  # fmt: skip
    days = days_column.date_input("Период", value=(), format="DD.MM.YYYY", key="accounts_audit_days")
    first_day, last_day = (*days, None, None)[:2]
    entries = audit_entries(
        con, scope, login=login, action=action, first_day=first_day, last_day=last_day or first_day
    )
    st.caption(f"Записей: {len(entries)}")
    st.dataframe(
        entries,
        hide_index=True,
        column_order=["at", "login", "action_name", "details"],
        column_config={
            "at": st.column_config.DatetimeColumn("Когда", format="DD.MM.YYYY HH:mm:ss"),
            "login": "Кто",
            "action_name": "Действие",
            "details": st.column_config.TextColumn("Подробности", width="large"),
        },
        key="accounts_audit_table",
    )
    st.download_button(
        "Журнал (csv)",
        csv_bytes(entries, excel=True),
        file_name=f"журнал действий {dt.date.today():%Y-%m-%d}.csv",
        mime="text/csv",
        key="accounts_audit_csv",
    )


con, _, _ = start_page("Учётные записи", needs_round=False)
scope = require_operator_page()  # hidden from others' navigation; the engine refuses them as well
if done := st.session_state.pop(DONE_KEY, None):
    st.success(done)

accounts = accounts_overview(con, scope)
show_accounts(accounts)
st.subheader("Новая учётная запись")
add_account_form(con, scope)
st.subheader("Сменить пароль")
reset_password_form(scope, accounts["login"].tolist())
st.subheader("Отключить учётную запись")
disable_form(scope, enabled_others(accounts, scope))
st.subheader("Журнал действий")
audit_section(con, scope)
