"""Accounts, roles and the scope a signed-in person reads: enforced here, not only by hiding widgets.

Roles:
- operator («региональный оператор») — everything: imports, withdrawals, roster, accounts;
- coordinator («муниципальный координатор») — the schools of one municipality, no changes;
- observer («наблюдатель») — reads the whole region, changes nothing.

The scope rule (`resolve_municipality`): a coordinator who asks for the whole region is narrowed
to their own municipality (every page opens on «all municipalities», and narrowing shows them
their own figures without a refusal); one who asks for another municipality by name (a tampered
`?mun=`) is refused with `AccessDenied`, because a silent swap would show figures under a
municipality's name they did not ask for. A school of another municipality is always refused.

Passwords are hashed with argon2id (argon2-cffi's defaults) and never stored, logged or audited
in clear. After `max_failed_attempts` wrong passwords in a row an account is locked for
`lockout_minutes`; while locked its password is not even checked. The parameters are in
`data/rules/accounts.csv`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from analytics.audit import ACTIONS, read_audit, record
from analytics.config import DATA_DIR
from analytics.datafiles import read_whole_number_parameters
from analytics.db import transaction
from analytics.errors import NotFound, SamodiagError
from analytics.sql import query

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from analytics.rounds import Round

ACCOUNT_RULES_PATH = DATA_DIR / "rules" / "accounts.csv"
OPERATOR, COORDINATOR, OBSERVER = "operator", "coordinator", "observer"
ROLES = {
    OPERATOR: "региональный оператор",
    COORDINATOR: "муниципальный координатор",
    OBSERVER: "наблюдатель",
}
LOGIN_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{1,63}")
WRONG_CREDENTIALS = "Неверный логин или пароль"
DEMO_SETTING = "demo_store"


class AccessDenied(SamodiagError):
    """The caller's role or municipality does not allow what was asked; nothing was read or written."""


class SignInRefused(SamodiagError):
    """A sign-in that did not succeed: wrong login or password, a locked or disabled account."""


@dataclass(frozen=True)
class AccountRules:
    """The password and lockout parameters of `data/rules/accounts.csv`."""

    min_password_length: int
    max_failed_attempts: int
    lockout_minutes: int
    idle_minutes: int


RULE_NAMES = ("min_password_length", "max_failed_attempts", "lockout_minutes", "idle_minutes")


@cache
def account_rules(path: Path = ACCOUNT_RULES_PATH) -> AccountRules:
    """The four parameters, each a whole number from 1, read strictly like the other rule files."""
    values = read_whole_number_parameters(path, RULE_NAMES)
    return AccountRules(*(values[name] for name in RULE_NAMES))


@dataclass(frozen=True)
class Scope:
    """Who is asking: their role, their municipality (coordinators only) and their login."""

    role: str
    municipality: str | None
    login: str

    @classmethod
    def for_region_operator(cls, login: str) -> Scope:
        return cls(OPERATOR, None, login)

    @classmethod
    def for_coordinator(cls, login: str, municipality: str) -> Scope:
        return cls(COORDINATOR, municipality, login)

    @classmethod
    def for_observer(cls, login: str) -> Scope:
        return cls(OBSERVER, None, login)

    @property
    def may_change_store(self) -> bool:
        """Only the operator imports, withdraws, loads the roster and manages accounts."""
        return self.role == OPERATOR

    @property
    def role_name(self) -> str:
        return ROLES[self.role]


def require_operator(actor: Scope | str | None, what: str) -> None:
    """Refuse a change to a signed-in scope that is not the operator's.

    A login string or None is the command line, run by whoever may open the store file itself.
    """
    if isinstance(actor, Scope) and not actor.may_change_store:
        msg = f"{what}: доступно только региональному оператору (вы вошли как {actor.role_name})"
        raise AccessDenied(msg)


def resolve_municipality(scope: Scope, requested: str | None) -> str | None:
    """The municipality a data call may read when `requested` is asked for (None = the region)."""
    if scope.role != COORDINATOR or requested == scope.municipality:
        return requested
    if requested is None:
        return scope.municipality
    msg = f"Нет доступа к муниципалитету «{requested}»: вам доступен только «{scope.municipality}»"
    raise AccessDenied(msg)


def check_school_in_scope(con: duckdb.DuckDBPyConnection, scope: Scope, rnd: Round, inn: str) -> None:
    """Refuse a coordinator a school outside their municipality in the round.

    A school absent from the round is refused in the same words, so a coordinator cannot learn
    which ИНН exist elsewhere.
    """
    if _outside_scope(con, scope, rnd, [inn]):
        msg = f"Нет доступа к школе с ИНН {inn}: она не из муниципалитета «{scope.municipality}»"
        raise AccessDenied(msg)


def check_schools_in_scope(
    con: duckdb.DuckDBPyConnection, scope: Scope, rnd: Round, inns: list[str]
) -> None:
    """The same for a bulk document (a zip of checklists): one school outside refuses them all."""
    outside = _outside_scope(con, scope, rnd, inns)
    if outside:
        shown = ", ".join(outside[:5]) + (f" и ещё {len(outside) - 5}" if len(outside) > 5 else "")
        msg = f"Нет доступа к школам не из муниципалитета «{scope.municipality}»: ИНН {shown}"
        raise AccessDenied(msg)


def _outside_scope(con: duckdb.DuckDBPyConnection, scope: Scope, rnd: Round, inns: list[str]) -> list[str]:
    if scope.role != COORDINATOR:
        return []
    params = {"round_id": rnd.round_id, "inns": list(inns), "municipality": scope.municipality}
    return [inn for (inn,) in con.execute(query("schools_out_of_municipality"), params).fetchall()]


# --- passwords -----------------------------------------------------------------------------


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _unknown_login_hash() -> str:
    """A hash to check an unknown login's password against, so it takes as long as a known one."""
    return _hasher().hash("samodiag-unknown-login")


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _checked_hash(password: str, rules: AccountRules) -> str:
    if len(password) < rules.min_password_length:
        msg = f"пароль короче {rules.min_password_length} символов"
        raise SamodiagError(msg)
    return _hasher().hash(password)


# --- accounts ------------------------------------------------------------------------------


def add_user(
    con: duckdb.DuckDBPyConnection,
    actor: Scope | str | None,
    login: str,
    password: str,
    role: str,
    *,
    municipality: str | None = None,
    display_name: str | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Create an account; a coordinator's municipality must be one the store knows."""
    require_operator(actor, "Создание учётной записи")
    _check_new_account(con, login, role, municipality)
    password_hash = _checked_hash(password, account_rules())
    params = {
        "login": login,
        "display_name": (display_name or "").strip() or login,
        "role": role,
        "municipality": municipality if role == COORDINATOR else None,
        "password_hash": password_hash,
        "created_at": now or dt.datetime.now(),
    }
    with transaction(con):
        con.execute(query("account_insert"), params)
        details = {"login": login, "role": role, "municipality": params["municipality"]}
        record(con, actor, "account_added", details, now=now)


def _check_new_account(
    con: duckdb.DuckDBPyConnection, login: str, role: str, municipality: str | None
) -> None:
    if not LOGIN_PATTERN.fullmatch(login):
        msg = f"логин «{login}»: от 2 до 64 латинских букв, цифр, «.», «_» или «-», с буквы или цифры"
        raise SamodiagError(msg)
    if role not in ROLES:
        raise SamodiagError(f"роль «{role}» неизвестна; возможны: {', '.join(ROLES)}")
    if role == COORDINATOR:
        if not municipality:
            raise SamodiagError("для муниципального координатора укажите муниципалитет")
        known = con.execute(query("known_municipality"), {"municipality": municipality}).fetchone()[0]
        if not known:
            msg = f"муниципалитет «{municipality}» не найден ни в выгрузках, ни в реестре школ"
            raise SamodiagError(msg)
    elif municipality:
        raise SamodiagError(f"муниципалитет указывается только для координатора, а роль — «{role}»")
    if _account_row(con, login) is not None:
        raise SamodiagError(f"учётная запись «{login}» уже есть")


def list_users(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every account without its password hash."""
    return con.execute(query("account_list")).df()


def accounts_overview(con: duckdb.DuckDBPyConnection, actor: Scope | str | None) -> pd.DataFrame:
    """The accounts as the operator's page lists them: the role in Russian, no hash.

    Refused to a signed-in non-operator: the list names every coordinator and their municipality.
    """
    require_operator(actor, "Список учётных записей")
    frame = list_users(con)
    frame.insert(frame.columns.get_loc("role") + 1, "role_name", frame["role"].map(ROLES))
    return frame


def enabled_others(overview: pd.DataFrame, actor: Scope) -> list[str]:
    """The logins the operator may disable: enabled ones other than their own."""
    enabled = overview.loc[~overview["disabled"] & (overview["login"] != actor.login), "login"]
    return enabled.tolist()


def audit_entries(
    con: duckdb.DuckDBPyConnection,
    actor: Scope | str | None,
    *,
    login: str | None = None,
    action: str | None = None,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> pd.DataFrame:
    """The audit log for the operator, filtered by login, action and a range of whole days.

    The days are inclusive (an entry at 23:59 of `last_day` is in), so the page's date range means
    what it says; the action is also named in Russian. Refused to a signed-in non-operator.
    """
    require_operator(actor, "Журнал действий")
    since = dt.datetime.combine(first_day, dt.time()) if first_day else None
    until = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time()) if last_day else None
    frame = read_audit(con, since=since, until=until, login=login or None, action=action or None)
    frame.insert(frame.columns.get_loc("action") + 1, "action_name", frame["action"].map(ACTIONS))
    return frame


def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether anyone may sign in: a store without accounts serves no data."""
    return bool(con.execute(query("account_count")).fetchone()[0])


def reset_password(
    con: duckdb.DuckDBPyConnection,
    actor: Scope | str | None,
    login: str,
    password: str,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Set a new password (and lift a lockout)."""
    require_operator(actor, "Смена пароля")
    _existing_row(con, login)
    password_hash = _checked_hash(password, account_rules())
    with transaction(con):
        con.execute(query("account_set_password"), {"login": login, "password_hash": password_hash})
        record(con, actor, "password_reset", {"login": login}, now=now)


def disable_user(
    con: duckdb.DuckDBPyConnection, actor: Scope | str | None, login: str, *, now: dt.datetime | None = None
) -> None:
    """Disable an account for good: it can no longer sign in, and its open sessions end."""
    require_operator(actor, "Отключение учётной записи")
    _existing_row(con, login)
    if isinstance(actor, Scope) and actor.login == login:
        raise SamodiagError("свою учётную запись отключить нельзя: некому будет управлять входом")
    with transaction(con):
        con.execute(query("account_disable"), {"login": login})
        record(con, actor, "account_disabled", {"login": login}, now=now)


def authenticate(
    con: duckdb.DuckDBPyConnection, login: str, password: str, now: dt.datetime
) -> Scope:
    """The scope of a correct sign-in; `SignInRefused` otherwise. Every attempt is audited."""
    rules = account_rules()
    row = _account_row(con, login)
    if row is None:
        _password_matches(_unknown_login_hash(), password)
        return _refuse(con, login, "unknown_login", WRONG_CREDENTIALS, now)
    if row["locked_until"] is not None and now < row["locked_until"]:
        until = row["locked_until"].strftime("%H:%M")
        return _refuse(con, login, "locked", f"Вход заблокирован до {until} после неверных паролей", now)
    if not _password_matches(row["password_hash"], password):
        _count_failure(con, login, row["failed_attempts"] + 1, rules, now)
        return _refuse(con, login, "wrong_password", WRONG_CREDENTIALS, now)
    if row["disabled"]:
        return _refuse(con, login, "disabled", "Учётная запись отключена; обратитесь к оператору", now)
    with transaction(con):
        con.execute(query("account_attempt"), {"login": login, "failed_attempts": 0, "locked_until": None})
        record(con, login, "sign_in", None, now=now)
    return _scope_of(row)


def _count_failure(
    con: duckdb.DuckDBPyConnection, login: str, failures: int, rules: AccountRules, now: dt.datetime
) -> None:
    """One more wrong password; the last allowed one locks the account and starts a new count."""
    locked_until = None
    if failures >= rules.max_failed_attempts:
        failures, locked_until = 0, now + dt.timedelta(minutes=rules.lockout_minutes)
    con.execute(
        query("account_attempt"), {"login": login, "failed_attempts": failures, "locked_until": locked_until}
    )


def _refuse(
    con: duckdb.DuckDBPyConnection, login: str, reason: str, message: str, now: dt.datetime
) -> NoReturn:
    record(con, login, "sign_in_refused", {"reason": reason}, now=now)
    raise SignInRefused(message)


def account_scope(con: duckdb.DuckDBPyConnection, login: str) -> Scope | None:
    """The scope of an enabled account as stored now (None if gone or disabled).

    The app asks on every rerun, so a disabled account's open session ends at its next click.
    """
    row = _account_row(con, login)
    if row is None or row["disabled"]:
        return None
    return _scope_of(row)


def _scope_of(row: dict) -> Scope:
    return Scope(row["role"], row["municipality"], row["login"])


def _account_row(con: duckdb.DuckDBPyConnection, login: str) -> dict | None:
    result = con.execute(query("account_get"), {"login": login})
    row = result.fetchone()
    if row is None:
        return None
    return dict(zip([column[0] for column in result.description], row, strict=True))


def _existing_row(con: duckdb.DuckDBPyConnection, login: str) -> dict:
    row = _account_row(con, login)
    if row is None:
        raise NotFound(f"учётная запись «{login}» не найдена")
    return row


# --- the demo store ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """An account of the demo store; its password is printed on the demo's login page."""

    login: str
    password: str
    role: str
    display_name: str


DEMO_ACCOUNTS = (
    DemoAccount("demo-operator", "demo-operator-pass", OPERATOR, "Демо: региональный оператор"),
    DemoAccount("demo-coordinator", "demo-coordinator-pass", COORDINATOR, "Демо: координатор"),
    DemoAccount("demo-observer", "demo-observer-pass", OBSERVER, "Демо: наблюдатель"),
)


def add_demo_accounts(con: duckdb.DuckDBPyConnection, coordinator_municipality: str) -> None:
    """Mark the store as the demo and give it one account per role."""
    con.execute(query("setting_set"), {"name": DEMO_SETTING, "value": "yes"})
    for account in DEMO_ACCOUNTS:
        municipality = coordinator_municipality if account.role == COORDINATOR else None
        add_user(
            con,
            "demo",
            account.login,
            account.password,
            account.role,
            municipality=municipality,
            display_name=account.display_name,
        )


def demo_accounts(con: duckdb.DuckDBPyConnection) -> list[tuple[DemoAccount, str | None]]:
    """The demo accounts with their municipality — only in a store marked as the demo."""
    value = con.execute(query("setting_get"), {"name": DEMO_SETTING}).fetchone()
    if value is None or value[0] != "yes":
        return []
    scopes = [(account, account_scope(con, account.login)) for account in DEMO_ACCOUNTS]
    return [(account, scope.municipality) for account, scope in scopes if scope is not None]
