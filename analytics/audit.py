"""The audit log: who changed the store, when, and how — appended to, never rewritten.

Every change (sign-ins, imports, withdrawals, the roster, accounts) calls `record` in the same
transaction as the change where there is one, so the log never names a change that was rolled
back. There is deliberately no function that updates or deletes an entry. Details are JSON text:
readable in a CSV and filterable with DuckDB's json functions, and never a password.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from analytics.sql import query

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from analytics.accounts import Scope

ACTIONS = {
    "sign_in": "вход",
    "sign_in_refused": "отказ во входе",
    "sign_out": "выход",
    "session_expired": "сеанс истёк",
    "account_added": "создана учётная запись",
    "password_reset": "сменён пароль",
    "account_disabled": "отключена учётная запись",
    "import": "загрузка выгрузки",
    "withdrawal": "отзыв загрузки",
    "roster_import": "загрузка реестра",
}
"""Every action `record` is called with, in Russian for the operator's page."""


def actor_login(actor: Scope | str | None) -> str | None:
    """The login an audit entry names: a signed-in scope's, the command line's, or nobody (None)."""
    if actor is None or isinstance(actor, str):
        return actor
    return actor.login


def record(
    con: duckdb.DuckDBPyConnection,
    actor: Scope | str | None,
    action: str,
    details: dict[str, object] | None = None,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Append one entry; `details` is written as JSON with Russian text kept readable."""
    text = json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else None
    con.execute(
        query("audit_insert"),
        {"at": now or dt.datetime.now(), "login": actor_login(actor), "action": action, "details": text},
    )


def read_audit(
    con: duckdb.DuckDBPyConnection,
    since: dt.datetime | None = None,
    login: str | None = None,
    action: str | None = None,
    until: dt.datetime | None = None,
) -> pd.DataFrame:
    """The entries in the order they were written, optionally from `since` and before `until`, of a
    login, of an action."""
    params = {"since": since, "until": until, "login": login, "action": action}
    return con.execute(query("audit_read"), params).df()
