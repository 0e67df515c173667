"""Uploads parsed in a worker process under a memory limit, so that no file takes the server down.

In the app every user shares one server process: a file whose reading aborts the process or
swells it by gigabytes would end or starve every session, and memory a process has taken is not
given back. So the app parses uploads in a fresh child (spawned: nothing of the server's memory
is inherited) whose address space is capped with RLIMIT_AS. Whatever a file does, only the child
dies; its memory returns to the system, and the user is told in Russian which file it was.
The parsed files come back to validate against the store, which only the server may open.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
from collections.abc import Sequence
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from analytics.errors import SamodiagError
from analytics.parsing import parse_export
from analytics.records import ParsedFile

if TYPE_CHECKING:
    import duckdb

    from analytics.loading import ImportPlan, Upload

DEFAULT_MEMORY_LIMIT_BYTES = 2 << 30
"""The child's address space: a national export is parsed in well under 1 GiB of memory."""
WORKER_FAILED = "проверка файла «{name}» прервалась (код завершения {code}); ничего не записано"
TOO_MUCH_MEMORY = (
    "файл требует больше памяти, чем разрешено ({limit} ГиБ): «{name}»; проверка прервана, ничего не записано"
)


class UploadTooDemanding(SamodiagError):
    """The worker parsing an upload ran out of its memory or was killed; nothing was written."""


def plan_import_isolated(
    con: duckdb.DuckDBPyConnection,
    uploads: Sequence[Upload],
    round_name: str,
    *,
    methodology: str | None = None,
    date: dt.date | None = None,
    memory_limit_bytes: int = DEFAULT_MEMORY_LIMIT_BYTES,
) -> ImportPlan:
    """`plan_import`, its parsing done by `parse_uploads_isolated`: the app's way to check files.

    The store's modules are imported here, not with this module: the spawned worker imports this
    module, and DuckDB, NumPy and Arrow would take a large part of its address space for nothing.
    """
    from analytics.loading import Upload, plan_import  # noqa: PLC0415 - see the docstring

    parsed = parse_uploads_isolated(uploads, memory_limit_bytes)
    by_upload = {(upload.name, upload.sha256): files for upload, files in zip(uploads, parsed, strict=True)}

    def parsed_upload(name: str, data: bytes) -> list[ParsedFile]:
        return by_upload[name, Upload(name, data).sha256]

    return plan_import(con, uploads, round_name, methodology=methodology, date=date, parse=parsed_upload)


def parse_uploads_isolated(uploads: Sequence[Upload], memory_limit_bytes: int) -> list[list[ParsedFile]]:
    """Each upload's `parse_export`, run in a spawned child limited to `memory_limit_bytes`.

    Raises UploadTooDemanding naming the file being parsed when the child dies.
    """
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    child = context.Process(target=_parse_in_child, args=(theirs, memory_limit_bytes), daemon=True)
    child.start()
    theirs.close()
    results = []
    try:
        for upload in uploads:
            outcome = _exchange(ours, upload)
            if outcome is None:
                child.join()
                raise _death(upload.name, child.exitcode, memory_limit_bytes)
            results.append(outcome)
    finally:
        ours.close()
        child.join()
    return results


def _exchange(conn: Connection, upload: Upload) -> list[ParsedFile] | None:
    """One upload out, its parsed files back; None when the child died or ran out of memory."""
    try:
        conn.send(upload.name)
        conn.send_bytes(upload.data)
        return conn.recv()
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return None


def _death(name: str, exitcode: int | None, memory_limit_bytes: int) -> UploadTooDemanding:
    """A worker killed by a signal (a refused allocation aborts the spreadsheet reader; the
    kernel's out-of-memory killer) or ended by MemoryError ran out of memory; any other end is
    reported with its exit code."""
    if exitcode is None or exitcode < 0 or exitcode == _OUT_OF_MEMORY:
        gib = f"{memory_limit_bytes / (1 << 30):g}".replace(".", ",")
        return UploadTooDemanding(TOO_MUCH_MEMORY.format(limit=gib, name=name))
    return UploadTooDemanding(WORKER_FAILED.format(name=name, code=exitcode))


_OUT_OF_MEMORY = 3
"""The worker's exit code after a MemoryError."""


def _parse_in_child(conn: Connection, memory_limit_bytes: int) -> None:
    """The worker: caps its own address space, then parses what the parent sends until it hangs up."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        memory_limit_bytes = min(memory_limit_bytes, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, hard))
    while True:
        try:
            name = conn.recv()
        except EOFError:
            return
        try:
            conn.send(parse_export(name, conn.recv_bytes()))
        except MemoryError:
            raise SystemExit(_OUT_OF_MEMORY) from None
