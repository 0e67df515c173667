"""Importing portal exports: validate everything first, then write all of it or nothing.

Why an import can be repeated safely:
- a file whose sha256 is already in force in the round is reported as loaded and skipped;
- answers are stored per import and never overwritten, so a later import of a school only
  becomes the answers in force, and withdrawing it brings the earlier answers back;
- every write of an import, the rebuilt scores included, happens in one transaction, so a
  failure or a killed process leaves the store exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from analytics.accounts import Scope, require_operator
from analytics.audit import actor_login, record
from analytics.db import transaction
from analytics.errors import ImportRejected, Location, NotFound, Problem, ProblemList
from analytics.parsing import parse_export
from analytics.records import ParsedFile
from analytics.rounds import Round, find_round, plan_round
from analytics.scoring import refresh_round
from analytics.sql import query
from analytics.text import normalize
from analytics.validation import RubricIndex, ValidSchool, validate_files

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Upload:
    """A file as the user handed it over: a path's name and bytes, or an uploaded file."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: Path | str) -> Upload:
        path = Path(path)
        return cls(path.name, path.read_bytes())

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class FileSummary:
    name: str
    sha256: str
    layouts: tuple[str, ...]
    schools: int
    rows: int
    notes: tuple[str, ...] = ()


@dataclass
class ImportPlan:
    """Everything an import would write, checked and counted, with nothing written yet."""

    round: Round
    round_is_new: bool
    files: list[FileSummary]
    already_loaded: list[str]
    schools: list[ValidSchool]
    problems: list[Problem]
    new_count: int = 0
    replaced_count: int = 0
    unchanged_count: int = 0
    duplicates_skipped: int = 0

    @property
    def is_valid(self) -> bool:
        return not self.problems

    @property
    def notes(self) -> list[str]:
        return [note for f in self.files for note in f.notes]

    @property
    def answers_count(self) -> int:
        return sum(len(s.numbers) for s in self.schools)


@dataclass
class ImportReport:
    """What an import did, in the words of the log."""

    import_id: int | None
    round_name: str
    files: list[FileSummary] = field(default_factory=list)
    already_loaded: list[str] = field(default_factory=list)
    new_count: int = 0
    replaced_count: int = 0
    unchanged_count: int = 0

    def describe(self) -> str:
        lines = [note for f in self.files for note in f.notes]
        lines += [
            f"Файл «{name}» уже загружен в раунд «{self.round_name}», пропущен"
            for name in self.already_loaded
        ]
        if self.import_id is None:
            lines.append("Новых данных нет: ничего не изменилось")
        else:
            lines.append(
                f"Загрузка №{self.import_id} в раунд «{self.round_name}»: школ новых — {self.new_count}, "
                f"заменено ответов — {self.replaced_count}, без изменений — {self.unchanged_count}"
            )
        return "\n".join(lines)


def plan_import(
    con: duckdb.DuckDBPyConnection,
    uploads: Iterable[Upload],
    round_name: str,
    *,
    methodology: str | None = None,
    date: dt.date | None = None,
    parse: Callable[[str, bytes], list[ParsedFile]] = parse_export,
) -> ImportPlan:
    """Parse and validate uploads against the round's methodology; writes nothing. `parse` is
    `parse_export` or what stands for it (the app parses in a worker: analytics.isolation)."""
    target = plan_round(con, round_name, methodology, date)
    round_is_new = find_round(con, target.name) is None
    loaded = set() if round_is_new else _shas_in_force(con, target.round_id)
    parsed: list[ParsedFile] = []
    files: list[FileSummary] = []
    already: list[str] = []
    with _collector_paused():
        for upload in uploads:
            if upload.sha256 in loaded:
                already.append(upload.name)
                continue
            members = parse(upload.name, upload.data)
            parsed += members
            files.append(_summarize(upload, members))
        problems = ProblemList(_round_title_problems(parsed, target.name))
        result = validate_files(parsed, RubricIndex.from_store(con, target.methodology))
        problems.extend(result.problems)
    plan = ImportPlan(
        round=target,
        round_is_new=round_is_new,
        files=files,
        already_loaded=already,
        schools=result.schools,
        problems=problems,
        duplicates_skipped=result.duplicates_skipped,
    )
    if plan.is_valid:
        _count_changes(con, plan)
    return plan


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while exports are parsed and validated.

    Parsing makes millions of small objects that form no reference cycles, yet every few
    thousand allocations the collector walks all the objects still alive: a quarter of the
    parse time of a region's export, growing with its size. Whatever it would have collected
    is collected at its next run once it is back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def commit_import(
    con: duckdb.DuckDBPyConnection,
    plan: ImportPlan,
    progress: Progress | None = None,
    *,
    actor: Scope | str | None = None,
) -> ImportReport:
    """Write a valid plan in one transaction; raise ImportRejected for an invalid one.

    `actor` (a signed-in scope, or the command line's login) is refused unless it may change the
    store, and is written to the import log and the audit log.
    """
    require_operator(actor, "Загрузка выгрузок")
    if not plan.is_valid:
        raise ImportRejected(plan.problems)
    report = ImportReport(None, plan.round.name, plan.files, plan.already_loaded)
    if not plan.schools:
        return report
    step = progress or (lambda _fraction, _text: None)
    with transaction(con):
        import_id = _write_import(con, plan, step, actor_login(actor))
        record(con, actor, "import", {"import_id": import_id, "round": plan.round.name})
        step(0.8, "Пересчёт баллов и уровней")
        refresh_round(con, plan.round.round_id)
    step(1.0, "Готово")
    report.import_id = import_id
    report.new_count = plan.new_count
    report.replaced_count = plan.replaced_count
    report.unchanged_count = plan.unchanged_count
    return report


def import_uploads(
    con: duckdb.DuckDBPyConnection,
    uploads: Iterable[Upload],
    round_name: str,
    *,
    methodology: str | None = None,
    date: dt.date | None = None,
    progress: Progress | None = None,
    actor: Scope | str | None = None,
) -> ImportReport:
    """Plan and commit in one call: the command line's and the demo's way in."""
    require_operator(actor, "Загрузка выгрузок")
    plan = plan_import(con, uploads, round_name, methodology=methodology, date=date)
    return commit_import(con, plan, progress, actor=actor)


def withdraw_import(
    con: duckdb.DuckDBPyConnection, import_id: int, *, actor: Scope | str | None = None
) -> str:
    """Take an import back: the answers it replaced are in force again. `actor` as for commit_import."""
    require_operator(actor, "Отзыв загрузки")
    row = con.execute(
        "select round_id, withdrawn_at from imports where import_id = ?", [import_id]
    ).fetchone()
    if row is None:
        msg = f"загрузка №{import_id} не найдена"
        raise NotFound(msg)
    round_id, withdrawn_at = row
    if withdrawn_at is not None:
        return f"Загрузка №{import_id} уже отозвана"
    with transaction(con):
        con.execute(
            "update imports set withdrawn_at = ?, status = 'отозвана' where import_id = ?",
            [dt.datetime.now(), import_id],
        )
        record(con, actor, "withdrawal", {"import_id": import_id})
        refresh_round(con, round_id)
    return f"Загрузка №{import_id} отозвана; действуют ответы предыдущих загрузок"


def _shas_in_force(con: duckdb.DuckDBPyConnection, round_id: int) -> set[str]:
    rows = con.execute(
        """
        select f.sha256
        from import_files as f
        join imports as i on i.import_id = f.import_id
        where i.round_id = ? and i.withdrawn_at is null
        """,
        [round_id],
    ).fetchall()
    return {sha for (sha,) in rows}


def _summarize(upload: Upload, members: list[ParsedFile]) -> FileSummary:
    return FileSummary(
        name=upload.name,
        sha256=upload.sha256,
        layouts=tuple(sorted({m.layout for m in members if m.layout})),
        schools=sum(len(m.schools) for m in members),
        rows=sum(len(s.answers) for m in members for s in m.schools),
        notes=tuple(note for m in members for note in m.notes),
    )


def _round_title_problems(parsed: list[ParsedFile], round_name: str) -> list[Problem]:
    return [
        Problem(
            Location(f.name),
            f"в заголовке файла указан раунд «{f.round_title}», а загрузка идёт в раунд «{round_name}»",
        )
        for f in parsed
        if f.round_title and normalize(f.round_title) != normalize(round_name)
    ]


def _count_changes(con: duckdb.DuckDBPyConnection, plan: ImportPlan) -> None:
    if plan.round_is_new:
        plan.new_count = len(plan.schools)
        return
    rows = con.execute(
        """
        select a.inn, list(a.number || '=' || a.option_id order by a.number)
        from answers as a
        join current_schools as c
            on c.import_id = a.import_id and c.inn = a.inn and c.round_id = a.round_id
        where c.round_id = ?
        group by a.inn
        """,
        [plan.round.round_id],
    ).fetchall()
    current = dict(rows)
    for school in plan.schools:
        stored = current.get(school.inn)
        if stored is None:
            plan.new_count += 1
        elif stored == [f"{n}={o}" for n, o in sorted(school.option_by_number.items())]:
            plan.unchanged_count += 1
        else:
            plan.replaced_count += 1


def _write_import(
    con: duckdb.DuckDBPyConnection, plan: ImportPlan, step: Progress, imported_by: str | None
) -> int:
    r = plan.round
    if plan.round_is_new:
        con.execute("insert into rounds values (?, ?, ?, ?)", [r.round_id, r.name, r.date, r.methodology])
    import_id = con.execute("select coalesce(max(import_id), 0) + 1 from imports").fetchone()[0]
    con.execute(
        "insert into imports values (?, ?, ?, ?, ?, ?, ?, ?, 'загружена', null, ?)",
        [
            import_id,
            r.round_id,
            dt.datetime.now(),
            len(plan.schools),
            plan.new_count,
            plan.replaced_count,
            plan.unchanged_count,
            plan.answers_count,
            imported_by,
        ],
    )
    con.executemany(
        "insert into import_files values (?, ?, ?, ?, ?)",
        [(import_id, f.name, f.sha256, ",".join(f.layouts), f.rows) for f in plan.files],
    )
    step(0.2, "Запись школ")
    _insert_arrow(con, "import_schools", _school_rows(plan.schools, import_id, r.round_id))
    step(0.4, "Запись ответов")
    _insert_arrow(con, "answers", _answer_rows(plan.schools, import_id, r.round_id))
    con.execute(query("import_digests"), {"import_id": import_id})
    step(0.6, "Запись итогов портала")
    _insert_arrow(con, "portal_results", _portal_rows(plan.schools, import_id, r.round_id))
    return import_id


INSERT_TARGETS = frozenset({"import_schools", "answers", "portal_results"})


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    if table not in INSERT_TARGETS:
        msg = f"unexpected insert target {table!r}"
        raise ValueError(msg)
    con.register("incoming_rows", rows)
    try:
        con.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        con.unregister("incoming_rows")


def _school_rows(schools: list[ValidSchool], import_id: int, round_id: int) -> pa.Table:
    return pa.table(
        {
            "import_id": [import_id] * len(schools),
            "round_id": [round_id] * len(schools),
            "inn": [s.inn for s in schools],
            "name": [s.name for s in schools],
            "municipality": [s.municipality for s in schools],
            "region": [s.region for s in schools],
            "form": [s.form for s in schools],
            "source_file": [s.source_file for s in schools],
        }
    )


def _answer_rows(schools: list[ValidSchool], import_id: int, round_id: int) -> pa.Table:
    """One row per school and indicator, built column by column without a loop per answer."""
    counts = np.fromiter((len(s.numbers) for s in schools), np.int64, len(schools))
    size = int(counts.sum())
    school_of_row = np.repeat(np.arange(len(schools)), counts)
    chained = chain.from_iterable
    return pa.table(
        {
            "import_id": pa.array(np.full(size, import_id, np.int32)),
            "round_id": pa.array(np.full(size, round_id, np.int32)),
            "inn": pa.array([s.inn for s in schools], pa.string()).take(school_of_row),
            "number": pa.array(chained(s.numbers for s in schools), pa.int16()),
            "option_id": pa.array(chained(s.option_ids for s in schools), pa.int32()),
            "points_exported": pa.array(chained(s.points_exported for s in schools), pa.int16()),
        }
    )


def _portal_rows(schools: list[ValidSchool], import_id: int, round_id: int) -> pa.Table:
    rows = [(s.inn, scope, points, rank) for s in schools for scope, (points, rank) in s.stated.items()]
    return pa.table(
        {
            "import_id": pa.array([import_id] * len(rows), pa.int32()),
            "round_id": pa.array([round_id] * len(rows), pa.int32()),
            "inn": [r[0] for r in rows],
            "scope": [r[1] for r in rows],
            "points": pa.array([r[2] for r in rows], pa.int16()),
            "level_rank": pa.array([r[3] for r in rows], pa.int8()),
        }
    )
