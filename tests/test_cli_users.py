"""`users` and `audit` on the command line: the password never on it, CSV out, Russian errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
VSEVOLOZHSK = "Всеволожский муниципальный район"
PASSWORD = "пароль-для-проверки"


def run_cli(*args: str, password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SAMODIAG_PASSWORD"}
    if password is not None:
        env["SAMODIAG_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "analytics", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def rows(done: subprocess.CompletedProcess[str]) -> list[dict[str, str]]:
    assert done.returncode == 0, done.stderr
    return list(csv.DictReader(io.StringIO(done.stdout)))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "users.duckdb"
    done = run_cli(
        "import", str(EXAMPLES / "region_long_spring_2026.csv"), "--round", "Весна 2026", "--db", str(path)
    )
    assert done.returncode == 0, done.stderr
    return path


def test_add_list_reset_disable_and_audit(db: Path):
    done = run_cli(
        "users", "add", "ivanova", "--role", "operator", "--name", "Иванова И. И.", "--db", str(db)
    )
    assert done.returncode == 0, done.stderr
    assert "Учётная запись «ivanova» создана: региональный оператор" in done.stdout
    done = run_cli(
        "users", "add", "vsev", "--role", "coordinator", "--municipality", VSEVOLOZHSK, "--db", str(db)
    )
    assert done.returncode == 0, done.stderr
    listed = rows(run_cli("users", "list", "--db", str(db)))
    assert [(r["login"], r["role"], r["municipality"]) for r in listed] == [
        ("vsev", "coordinator", VSEVOLOZHSK),
        ("ivanova", "operator", ""),
    ]
    assert "password_hash" not in listed[0]
    assert (
        run_cli("users", "reset-password", "vsev", "--db", str(db), password="другой-пароль-123").returncode
        == 0
    )
    assert run_cli("users", "disable", "vsev", "--db", str(db)).returncode == 0
    assert rows(run_cli("users", "list", "--db", str(db)))[0]["disabled"] == "True"

    log = rows(run_cli("audit", "--db", str(db)))
    assert [r["action"] for r in log] == [
        "import",
        "account_added",
        "account_added",
        "password_reset",
        "account_disabled",
    ]
    assert {r["login"] for r in log} == {log[0]["login"]}
    assert log[0]["login"].startswith("cli")
    assert json.loads(log[-1]["details"]) == {"login": "vsev"}
    assert PASSWORD not in run_cli("audit", "--db", str(db)).stdout
    only = rows(run_cli("audit", "--action", "password_reset", "--db", str(db)))
    assert [r["action"] for r in only] == ["password_reset"]
    imports = rows(run_cli("imports", "--db", str(db)))
    assert imports[0]["imported_by"] == log[0]["login"]


def test_errors_are_russian_and_exit_2(db: Path):
    done = run_cli(
        "users", "add", "vsev", "--role", "coordinator", "--municipality", "Атлантида", "--db", str(db)
    )
    assert done.returncode == 2
    assert "муниципалитет «Атлантида» не найден" in done.stderr
    done = run_cli("users", "add", "short", "--role", "observer", "--db", str(db), password="123")
    assert done.returncode == 2
    assert "пароль короче 10 символов" in done.stderr
    done = run_cli("users", "disable", "nobody", "--db", str(db))
    assert done.returncode == 2
    assert "учётная запись «nobody» не найдена" in done.stderr


def test_password_is_not_an_option(db: Path):
    done = run_cli("users", "add", "x1", "--role", "observer", "--password", "секрет-секрет", "--db", str(db))
    assert done.returncode == 2
    assert "unrecognized arguments" in done.stderr
