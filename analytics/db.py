"""The store: one DuckDB file, created and migrated by the code that opens it.

`ensure_schema` is safe on every start: each numbered migration in `analytics/schema/` runs once
and is recorded in `schema_migrations` inside the same file, and each methodology folder is
loaded into the reference tables once (a changed folder under a version that already scored
answers is refused, because the stored levels would silently change meaning).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from analytics.config import RUBRIC_DIR
from analytics.errors import DatabaseBusy, StoreFault
from analytics.rubric import LEVELS, Rubric, RubricError, available_versions, load_rubric
from analytics.sql import query

SCHEMA_DIR = Path(__file__).with_name("schema")
FILLED_AFTER_MIGRATION = {"0006_import_digests": "import_digests"}
"""Migrations that add a table of figures derived from the stored answers, and the query in
analytics/sql/ that fills it (with $import_id null: every import) in the migration's transaction."""


DISK_FULL = "диск заполнен: данные не записаны, в базе ничего не изменилось; освободите место и повторите"
READ_ONLY = "база только для чтения: данные не записаны, в базе ничего не изменилось"
READ_ONLY_OUTDATED = (
    "база «{path}» только для чтения, а её нужно обновить ({pending}): откройте её там, где в неё "
    "можно писать, или разрешите запись в файл и его папку"
)
CORRUPT = "файл базы «{path}» повреждён или это не база DuckDB; восстановите его из копии или укажите другой"
FOLDER_READ_ONLY = "папка базы «{path}» только для чтения: файл базы в ней не создать"
_CAUSES = (
    (("no space left on device", "disk full", "not enough space"), DISK_FULL),
    (("read-only", "permission denied", "operation not permitted"), READ_ONLY),
    (("not a valid duckdb database", "corrupt", "checksum"), CORRUPT),
)


def store_fault(error: Exception, path: Path | str = "") -> StoreFault | None:
    """The Russian cause of a DuckDB error the store's file or disk raised; None for any other.

    DuckDB names the cause only in its English text (a full disk is an IOException like any
    other), so the text is what is matched.
    """
    if not isinstance(error, duckdb.Error):
        return None
    text = str(error).lower()
    for markers, message in _CAUSES:
        if any(marker in text for marker in markers):
            return StoreFault(message.format(path=path))
    return None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All the writes inside, or none; a store fault comes out as its Russian cause.

    A full disk aborts DuckDB's transaction itself, and the `rollback` after it then fails with
    «no transaction is active», which used to hide the real error: that failure is not raised.
    """
    con.execute("begin transaction")
    try:
        yield
        con.execute("commit")
    except Exception as error:
        _rollback(con)
        fault = store_fault(error)
        if fault is None:
            raise
        raise fault from error


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    try:
        con.execute("rollback")
    except duckdb.TransactionException:
        return


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the store; a file locked by another process raises DatabaseBusy at once, a corrupt
    file or a read-only folder a StoreFault."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        if "lock" in str(error).lower():
            raise DatabaseBusy from error
        raise _open_fault(error, path) from error


def _open_fault(error: duckdb.Error, path: Path) -> Exception:
    """A new store in a folder that cannot be written is told apart from a read-only store."""
    if not path.exists() and not os.access(path.parent, os.W_OK):
        return StoreFault(FOLDER_READ_ONLY.format(path=path.parent))
    return store_fault(error, path) or error


def open_store(path: Path | str, rubric_root: Path = RUBRIC_DIR) -> duckdb.DuckDBPyConnection:
    """Connect, migrate and load the methodology folders: the one way code gets a store.

    A store whose file or folder cannot be written is opened read-only, so it can still be read;
    only if it needs a migration or a methodology loaded is it refused, with the reason.
    """
    path = Path(path)
    if path.exists() and not _writable(path):
        return _open_read_only(path, rubric_root)
    con = connect(path)
    ensure_schema(con, rubric_root)
    return con


def _writable(path: Path) -> bool:
    """DuckDB writes the file and, beside it, its write-ahead log: both need write access."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _open_read_only(path: Path, rubric_root: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path, read_only=True)
    pending = _pending_updates(con, rubric_root)
    if pending:
        con.close()
        raise StoreFault(READ_ONLY_OUTDATED.format(path=path, pending=", ".join(pending)))
    return con


def _pending_updates(con: duckdb.DuckDBPyConnection, rubric_root: Path) -> list[str]:
    """The migrations and methodology versions `ensure_schema` would write, by name."""
    logged = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'schema_migrations'"
    ).fetchone()[0]
    applied = set()
    if logged:
        applied = {name for (name,) in con.execute("select name from schema_migrations").fetchall()}
    pending = [f"миграция {script.stem}" for script in _migrations() if script.stem not in applied]
    if pending:
        return pending
    stored = dict(con.execute("select version, sha256 from methodology_versions").fetchall())
    return [
        f"методика {version}"
        for version in available_versions(rubric_root)
        if stored.get(version) != load_rubric(version, rubric_root).sha256
    ]


def _migrations() -> list[Path]:
    return sorted(SCHEMA_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))


def ensure_schema(con: duckdb.DuckDBPyConnection, rubric_root: Path = RUBRIC_DIR) -> None:
    """Apply pending migrations and load new methodology versions."""
    con.execute(
        "create table if not exists schema_migrations ("
        " name varchar primary key, applied_at timestamp default current_timestamp)"
    )
    applied = {name for (name,) in con.execute("select name from schema_migrations").fetchall()}
    for script in _migrations():
        if script.stem not in applied:
            _apply_migration(con, script)
    for version in available_versions(rubric_root):
        sync_rubric(con, load_rubric(version, rubric_root))


def _apply_migration(con: duckdb.DuckDBPyConnection, script: Path) -> None:
    with transaction(con):
        con.execute(script.read_text(encoding="utf-8"))
        if script.stem in FILLED_AFTER_MIGRATION:
            con.execute(query(FILLED_AFTER_MIGRATION[script.stem]), {"import_id": None})
        if script.stem == "0001_initial":
            con.executemany("insert into levels values (?, ?)", list(enumerate(LEVELS)))
        con.execute("insert into schema_migrations (name) values (?)", [script.stem])


def sync_rubric(con: duckdb.DuckDBPyConnection, rubric: Rubric) -> None:
    """Load a methodology version into the reference tables unless it is there already."""
    stored = con.execute(
        "select sha256 from methodology_versions where version = ?", [rubric.version]
    ).fetchone()
    if stored and stored[0] == rubric.sha256:
        return
    if stored and _version_has_answers(con, rubric.version):
        raise RubricError(
            f"Методика «{rubric.version}» изменилась после загрузки данных по ней; "
            "сохраните изменённые таблицы как новую версию (новую папку в data/rubric)"
        )
    with transaction(con):
        _replace_rubric_rows(con, rubric)


def _version_has_answers(con: duckdb.DuckDBPyConnection, version: str) -> bool:
    row = con.execute(
        "select count(*) from answers join rounds using (round_id) where rounds.methodology = ?",
        [version],
    ).fetchone()
    return bool(row and row[0])


REFERENCE_TABLES = (
    "methodology_versions",
    "tracks",
    "forms",
    "indicators",
    "answer_options",
    "level_thresholds",
    "critical_rules",
)


def _replace_rubric_rows(con: duckdb.DuckDBPyConnection, rubric: Rubric) -> None:
    v = rubric.version
    for table in REFERENCE_TABLES:
        con.execute(f"delete from {table} where version = ?", [v])
    first_id = con.execute("select coalesce(max(option_id), 0) + 1 from answer_options").fetchone()[0]
    rows_by_table = {
        "methodology_versions": [(v, rubric.sha256, dt.datetime.now())],
        "tracks": [(v, t.code, t.order, t.name, t.kind) for t in rubric.tracks],
        "forms": [(v, f.code, f.title) for f in rubric.forms],
        "indicators": [
            (v, i.form, i.number, i.track_code, i.text, i.is_critical, i.points_max)
            for i in rubric.indicators
        ],
        "answer_options": [
            (first_id + k, v, o.form, o.number, o.answer, o.points) for k, o in enumerate(rubric.options)
        ],
        "level_thresholds": [
            (v, t.form, t.scope, t.level_rank, t.points_min, t.points_max) for t in rubric.thresholds
        ],
        "critical_rules": [(v, r.applies_to, r.cap_level_rank, r.meaning) for r in rubric.critical_rules],
    }
    for table, rows in rows_by_table.items():
        _insert_rows(con, table, rows)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Insert many rows at once: a DataFrame scan instead of one statement per row.

    Only a new or changed methodology gets here, so pandas is imported here rather than with the
    module: opening an up-to-date store (every command's first step) does not load it.
    """
    import pandas as pd  # noqa: PLC0415 - see the docstring

    columns = [
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where table_name = ? order by column_index", [table]
        ).fetchall()
    ]
    con.register("incoming_rows", pd.DataFrame(rows, columns=columns))
    try:
        con.execute(f"insert into {table} select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")
