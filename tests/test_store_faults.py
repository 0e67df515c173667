"""Store faults through the command line: a read-only file or folder, a corrupt file, a full disk.

Each ends in exit code 2 and a Russian message naming the cause, with no traceback, and leaves
the store as it was; a read-only store is still read. Root ignores file modes, so as root the
file or folder is made immutable (`chattr +i`) instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from analytics.config import PROJECT_ROOT
from tests.conftest import EXAMPLES
from tests.test_cli import run_cli

WIDE_EXAMPLE = EXAMPLES / "region_wide_autumn_2025.xlsx"
DISK_FULL = "диск заполнен: данные не записаны, в базе ничего не изменилось"
READ_ONLY = "база только для чтения: данные не записаны, в базе ничего не изменилось"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """A store of «Весна 2026» in a folder of its own."""
    path = tmp_path_factory.mktemp("faults") / "store.duckdb"
    done = run_cli(
        "import", str(EXAMPLES / "region_long_spring_2026.csv"), "--round", "Весна 2026", "--db", str(path)
    )
    assert done.returncode == 0, done.stderr.decode()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


CHATTR = shutil.which("chattr")


@contextmanager
def unwritable(path: Path) -> Iterator[None]:
    """The file or folder made unwritable, and writable again afterwards."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    if CHATTR is None or subprocess.run([CHATTR, "+i", str(path)], check=False).returncode:
        pytest.skip("as root only an immutable file is unwritable, and chattr +i failed here")
    try:
        yield
    finally:
        subprocess.run([CHATTR, "-i", str(path)], check=True)


def assert_refused(done: subprocess.CompletedProcess[bytes], message: str) -> None:
    stderr = done.stderr.decode()
    assert done.returncode == 2, stderr
    assert stderr.startswith("Ошибка: "), stderr
    assert message in stderr
    assert "Traceback" not in stderr


def test_read_only_store_is_read_and_refuses_an_import(store):
    before = digest(store)
    with unwritable(store):
        rounds = run_cli("rounds", "--db", str(store))
        assert rounds.returncode == 0, rounds.stderr.decode()
        assert "Весна 2026,2026-04-01,demo-2025,14" in rounds.stdout.decode()
        assert_refused(
            run_cli("import", str(WIDE_EXAMPLE), "--round", "Осень 2025", "--db", str(store)), READ_ONLY
        )
    assert digest(store) == before


def test_store_in_a_read_only_folder_is_read_and_refuses_an_import(store):
    before = digest(store)
    with unwritable(store.parent):
        levels = run_cli("levels", "--round", "Весна 2026", "--db", str(store))
        assert levels.returncode == 0, levels.stderr.decode()
        assert_refused(
            run_cli("import", str(WIDE_EXAMPLE), "--round", "Осень 2025", "--db", str(store)), READ_ONLY
        )
        assert_refused(
            run_cli("rounds", "--db", str(store.parent / "new.duckdb")),
            f"папка базы «{store.parent}» только для чтения: файл базы в ней не создать",
        )
    assert digest(store) == before
    assert not (store.parent / "new.duckdb").exists()


def test_read_only_store_needing_a_migration_is_refused_with_the_reason(tmp_path):
    store = tmp_path / "old.duckdb"
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import duckdb; duckdb.connect({str(store)!r}).execute('create table t (a int)')",
        ],
        check=True,
    )
    before = digest(store)
    with unwritable(store):
        assert_refused(
            run_cli("rounds", "--db", str(store)),
            f"база «{store}» только для чтения, а её нужно обновить (миграция 0001_initial",
        )
    assert digest(store) == before


def test_corrupt_store_is_named_so(tmp_path):
    store = tmp_path / "random.duckdb"
    store.write_bytes(os.urandom(300_000))
    before = digest(store)
    assert_refused(
        run_cli("rounds", "--db", str(store)), f"файл базы «{store}» повреждён или это не база DuckDB"
    )
    assert digest(store) == before


FULL_DISK = """
import sys
import duckdb
from analytics import loading
from analytics.cli import main

def no_space(*_args):
    raise duckdb.IOException('IO Error: Could not write file "store.duckdb.wal": No space left on device')

loading._insert_arrow = no_space
sys.exit(main(sys.argv[1:]))
"""


def test_full_disk_during_an_import_names_the_cause_and_writes_nothing(store):
    before = run_cli("imports", "--db", str(store)).stdout
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            FULL_DISK,
            "import",
            str(WIDE_EXAMPLE),
            "--round",
            "Осень 2025",
            "--db",
            str(store),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert_refused(done, DISK_FULL)
    assert "no transaction is active" not in done.stderr.decode()
    assert run_cli("imports", "--db", str(store)).stdout == before
    assert "Осень 2025" not in run_cli("rounds", "--db", str(store)).stdout.decode()
