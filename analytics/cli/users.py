"""Commands that manage who may sign in and show what was done: users, audit.

A password is read from SAMODIAG_PASSWORD or typed at a hidden prompt, never taken from the
command line, where the shell history and the process list would keep it. Changes made here are
audited under `cli:<the system user>`: whoever can run the command can open the store file itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os

from analytics.cli.common import (
    Handler,
    add_db_option,
    add_excel_option,
    cli_actor,
    store_from_args,
    write_csv,
)
from analytics.errors import SamodiagError

PASSWORD_ENV_VAR = "SAMODIAG_PASSWORD"  # noqa: S105 -- the variable's name, not a password
ROLE_CHOICES = ("operator", "coordinator", "observer")
"""analytics.accounts.ROLES, written out: importing the engine here would load DuckDB for --help."""


def register(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser(
        "users", help="учётные записи: add, list, reset-password, disable", description="учётные записи"
    )
    add_db_option(users)
    actions = users.add_subparsers(dest="users_action", required=True, metavar="ДЕЙСТВИЕ")
    add = _action(
        actions, "add", "создать учётную запись (пароль — из SAMODIAG_PASSWORD или с клавиатуры)", run_add
    )
    add.add_argument("login", help="логин: латинские буквы, цифры, «.», «_», «-»")
    add.add_argument("--role", required=True, choices=ROLE_CHOICES, help="роль")
    add.add_argument("--municipality", help="муниципалитет координатора (обязателен для coordinator)")
    add.add_argument("--name", help="имя, которое видно в приложении")
    listing = _action(actions, "list", "учётные записи (CSV, без паролей)", run_list)
    add_excel_option(listing)
    reset = _action(actions, "reset-password", "задать новый пароль и снять блокировку", run_reset)
    reset.add_argument("login", help="логин")
    disable = _action(actions, "disable", "отключить учётную запись", run_disable)
    disable.add_argument("login", help="логин")

    audit = commands.add_parser("audit", help="журнал действий (CSV)", description="журнал действий (CSV)")
    add_db_option(audit)
    audit.set_defaults(handler=run_audit)
    audit.add_argument("--login", help="только действия этого логина")
    audit.add_argument("--action", help="только это действие, например sign_in_refused или import")
    audit.add_argument("--since", type=_parse_day, help="с этого дня, ГГГГ-ММ-ДД")
    add_excel_option(audit)


def _action(
    actions: argparse._SubParsersAction, name: str, help_text: str, handler: Handler
) -> argparse.ArgumentParser:
    parser = actions.add_parser(name, help=help_text, description=help_text)
    add_db_option(parser)
    parser.set_defaults(handler=handler)
    return parser


def _parse_day(text: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    except ValueError as error:
        msg = f"дата «{text}» не в формате ГГГГ-ММ-ДД"
        raise argparse.ArgumentTypeError(msg) from error


def _read_password() -> str:
    """SAMODIAG_PASSWORD, or a hidden prompt typed twice."""
    if password := os.environ.get(PASSWORD_ENV_VAR):
        return password
    first = getpass.getpass("Пароль: ")
    if getpass.getpass("Пароль ещё раз: ") != first:
        raise SamodiagError("пароли не совпадают")
    return first


def run_add(args: argparse.Namespace) -> int:
    from analytics.accounts import ROLES, add_user

    con = store_from_args(args)
    add_user(
        con,
        cli_actor(),
        args.login,
        _read_password(),
        args.role,
        municipality=args.municipality,
        display_name=args.name,
    )
    where = f", {args.municipality}" if args.municipality else ""
    print(f"Учётная запись «{args.login}» создана: {ROLES[args.role]}{where}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from analytics.accounts import list_users

    write_csv(list_users(store_from_args(args)), excel=args.excel)
    return 0


def run_reset(args: argparse.Namespace) -> int:
    from analytics.accounts import reset_password

    con = store_from_args(args)
    reset_password(con, cli_actor(), args.login, _read_password())
    print(f"Пароль учётной записи «{args.login}» изменён, блокировка снята")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from analytics.accounts import disable_user

    disable_user(store_from_args(args), cli_actor(), args.login)
    print(f"Учётная запись «{args.login}» отключена")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from analytics.audit import read_audit

    con = store_from_args(args)
    write_csv(read_audit(con, since=args.since, login=args.login, action=args.action), excel=args.excel)
    return 0
