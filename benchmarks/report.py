"""The printed table: the machine and versions first, then one row per measured thing, then
whether each target of issue 7 holds."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from analytics.config import PROJECT_ROOT
from benchmarks.measure import Failure, Summary

LIBRARIES = ("duckdb", "pandas", "pyarrow", "python-calamine", "openpyxl", "numpy", "python-docx")
GIB = 1024**3
MIB = 1024**2

IMPORT_OVER_PARSE_MAX = 2.0
PANDAS_OVER_IMPORT_MIN = 4.0
RESCORE_MAX_SECONDS = 1.0
PAGE_CALL_P95_MAX_SECONDS = 0.2
PEAK_RSS_MAX = 1.5 * GIB


@dataclass(frozen=True)
class Row:
    size: str
    step: str
    summary: Summary | Failure
    runs_shown_as_p95: bool = False
    is_baseline: bool = False
    """A comparison (the bare parse, the pandas way), not a step of the product: its memory is
    not held to the product's target."""


@dataclass(frozen=True)
class ImportComparison:
    """One export file: its bare parse, its import and the pandas way of reading it."""

    export: str
    bare: Summary | Failure
    imported: Summary | Failure
    pandas_way: Summary | Failure
    pandas_reads_with_openpyxl: bool
    """The «≥ 4× faster than pandas + openpyxl» target is about xlsx; pandas reads csv in C."""


@dataclass
class SizeResults:
    """Everything measured on one demo store."""

    name: str
    schools: int
    rounds: int
    rows: list[Row] = field(default_factory=list)
    store_bytes: int = 0
    exports_bytes: int = 0
    imports: list[ImportComparison] = field(default_factory=list)
    rescore: Summary | Failure | None = None
    page_calls: list[Summary] | list[Failure] = field(default_factory=list)


def machine_lines() -> list[str]:
    load = os.getloadavg()
    libraries = ", ".join(f"{name} {version(name)}" for name in LIBRARIES)
    return [
        f"machine: {_cpu_model()}, {os.cpu_count()} cores, {_memory_gib():.1f} GiB RAM, "
        f"{platform.platform()}",
        f"load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min), {load[2]:.1f} (15 min); "
        "other work on the machine lengthens wall times, not CPU times",
        f"versions: Python {platform.python_version()}, {libraries}",
        f"code: {_code_version()}",
        "peak RSS: ru_maxrss of the process that ran the step (a fresh process per run, the "
        "highest over the runs), interpreter and libraries included",
    ]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / GIB
    return float("nan")


def _code_version() -> str:
    """The commit measured, marked when the working tree has changes on top of it (read only)."""
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty=+changes"],  # noqa: S607 - git from PATH
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"git {described.stdout.strip()}"


def render(command: str, results: list[SizeResults]) -> str:
    lines = [f"command: {command}", *machine_lines(), ""]
    header = (
        f"{'size':<10}{'step':<66}{'runs':>5}{'median':>10}{'min–max':>19}{'p95':>9}{'cpu':>9}"
        f"{'peak RSS':>10}"
    )
    lines += [header, "-" * len(header)]
    for size in results:
        lines += [_row_line(row) for row in size.rows]
        lines.append(
            f"{size.name:<10}store: DuckDB file {size.store_bytes / MIB:.0f} MB, "
            f"the export files of its {size.rounds} rounds {size.exports_bytes / MIB:.0f} MB"
        )
    lines += ["", "targets (issue 7):", *[line for size in results for line in target_lines(size)]]
    return "\n".join(lines)


def _row_line(row: Row) -> str:
    s = row.summary
    if isinstance(s, Failure):
        return f"{row.size:<10}{row.step:<66}  FAILED: {s.message}"
    spread = f"{_duration(min(s.walls))} – {_duration(max(s.walls))}"
    p95 = _duration(s.p95) if row.runs_shown_as_p95 else ""
    cpu = "" if row.runs_shown_as_p95 else _duration(s.cpu_median)
    return (
        f"{row.size:<10}{row.step:<66}{len(s.walls):>5}{_duration(s.median):>10}{spread:>19}"
        f"{p95:>9}{cpu:>9}{s.peak_rss / MIB:>7.0f} MB"
    )


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def target_lines(size: SizeResults) -> list[str]:
    label = f"{size.name} ({size.schools} schools × {size.rounds} rounds)"
    lines = []
    failed = [row.step for row in size.rows if isinstance(row.summary, Failure)]
    if failed:
        lines.append(f"{label}: not measured, the step failed: {'; '.join(failed)}")
    for item in size.imports:
        if any(isinstance(s, Failure) for s in (item.bare, item.imported, item.pandas_way)):
            continue
        over_parse = item.imported.median / item.bare.median
        over_import = item.pandas_way.median / item.imported.median
        if item.pandas_reads_with_openpyxl:
            holds = over_import >= PANDAS_OVER_IMPORT_MIN
            pandas_verdict = f"{_verdict(holds)}, target ≥ {PANDAS_OVER_IMPORT_MIN:g}×"
        else:
            pandas_verdict = "no target: pandas reads csv with its C parser and checks nothing"
        lines.append(
            f"{label}: import of {item.export} = {over_parse:.2f}× the bare parse "
            f"({_verdict(over_parse <= IMPORT_OVER_PARSE_MAX)}, target ≤ {IMPORT_OVER_PARSE_MAX:g}×); "
            f"the pandas way = {over_import:.1f}× the import ({pandas_verdict})"
        )
    if isinstance(size.rescore, Summary):
        lines.append(
            f"{label}: rescore_all median {_duration(size.rescore.median)} "
            f"({_verdict(size.rescore.median <= RESCORE_MAX_SECONDS)}, target ≤ {RESCORE_MAX_SECONDS:g} s)"
        )
    calls = [call for call in size.page_calls if isinstance(call, Summary)]
    slow = [call for call in calls if call.p95 > PAGE_CALL_P95_MAX_SECONDS]
    slow_names = ", ".join(f"{call.name} {_duration(call.p95)}" for call in slow)
    lines.append(
        f"{label}: page calls with p95 over {_duration(PAGE_CALL_P95_MAX_SECONDS)}: {len(slow)} of "
        f"{len(calls)} ({_verdict(not slow)}){': ' + slow_names if slow else ''}"
    )
    measured = [row for row in size.rows if isinstance(row.summary, Summary)]
    product = max((row.summary.peak_rss for row in measured if not row.is_baseline), default=0)
    baseline = max((row.summary.peak_rss for row in measured if row.is_baseline), default=0)
    lines.append(
        f"{label}: highest peak RSS of the product's steps {product / GIB:.2f} GiB "
        f"({_verdict(product <= PEAK_RSS_MAX)}, target ≤ {PEAK_RSS_MAX / GIB:g} GiB); "
        f"of the comparisons (bare parse, pandas way) {baseline / GIB:.2f} GiB"
    )
    return lines


def _verdict(holds: bool) -> str:
    return "holds" if holds else "DOES NOT HOLD"
