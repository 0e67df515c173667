"""`python -m benchmarks [--quick]`: build or reuse the demo stores, measure, print one table.

Without options: region size (3,000 schools × 4 rounds) and national size (40,000 × 4), five runs
of each step and twenty of each page call; the national store is built on the first run only (it
takes a while) and kept in benchmarks/out/. `--quick`: region size only, three runs. `--schools N`
measures one small store of N schools × 2 rounds instead (what the test of the machinery uses).
Progress goes to stderr, the table to stdout.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from analytics.config import DEFAULT_METHODOLOGY, PROJECT_ROOT
from benchmarks.bench_documents import MUNICIPALITY_SIZE
from benchmarks.measure import Failure, Measurer, Summary, measurer
from benchmarks.report import MIB, ImportComparison, Row, SizeResults, render
from benchmarks.steps import BareParse, Checklists, Import, PageCalls, PandasWay, Rescore
from benchmarks.stores import NATIONAL, REGION, DemoStore, Size, demo_store

RUNS = 5
QUICK_RUNS = 3
PAGE_CALL_REPEATS_PER_RUN = 4
LARGE_STORE_HEAVY_RUNS = 2
"""Runs of the minutes-long steps (the pandas way, checklists) on a store larger than a region."""
CUSTOM_ROUNDS = 2
EXPORTS = (("wide xlsx (W)", "_region_wide.xlsx"), ("long csv zip (L)", "_region_long.zip"))
CHECKLIST_FORMATS = ("xlsx", "docx")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    sizes = _sizes(args)
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    stores = [demo_store(size, args.out) for size in sizes]
    scratch = args.out / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        with measurer() as measure:
            results = [_measure_store(measure, store, runs, scratch) for store in stores]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(render(" ".join(["python -m benchmarks", *argv]), results))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="region size only, fewer runs")
    parser.add_argument("--runs", type=int, help=f"runs per step (default {RUNS}, quick {QUICK_RUNS})")
    parser.add_argument("--schools", type=int, help="measure one store of this many schools instead")
    parser.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "benchmarks" / "out", help="where stores are kept"
    )
    return parser


def _sizes(args: argparse.Namespace) -> list[Size]:
    if args.schools:
        return [Size("custom", args.schools, CUSTOM_ROUNDS)]
    return [REGION] if args.quick else [REGION, NATIONAL]


def _measure_store(measure: Measurer, store: DemoStore, runs: int, scratch: Path) -> SizeResults:
    size = store.size
    heavy_runs = runs if size.schools <= REGION.schools else min(runs, LARGE_STORE_HEAVY_RUNS)
    results = SizeResults(
        size.name,
        size.schools,
        size.rounds,
        store_bytes=store.db_path.stat().st_size,
        exports_bytes=store.exports_bytes,
    )

    def add(step: str, summary: Summary | Failure, *, as_p95: bool = False, baseline: bool = False) -> None:
        results.rows.append(Row(size.name, step, summary, as_p95, baseline))

    for label, suffix in EXPORTS:
        rnd, path = store.export_file(suffix)
        _progress(size, f"{label}: bare parse, import, pandas way")
        bare = measure.runs(BareParse(path), runs)
        imported = measure.runs(Import((path,), rnd.name, rnd.date, scratch), runs)
        pandas_way = measure.runs(PandasWay(path, DEFAULT_METHODOLOGY), heavy_runs)
        reader = "openpyxl" if path.suffix == ".xlsx" else "read_csv"
        add(f"{label}, {path.stat().st_size / MIB:.1f} MB: bare parse (calamine / csv)", bare, baseline=True)
        add(f"{label}: import (plan + commit, rescoring the round)", imported)
        add(f"{label}: pandas way ({reader}), groupby per track", pandas_way, baseline=True)
        results.imports.append(ImportComparison(label, bare, imported, pandas_way, reader == "openpyxl"))
    _progress(size, "rescore_all")
    results.rescore = measure.runs(Rescore(store.db_path), runs)
    add("rescore_all (every round)", results.rescore)
    _progress(size, "page calls")
    results.page_calls = measure.calls(PageCalls(store.db_path, runs * PAGE_CALL_REPEATS_PER_RUN))
    for call in results.page_calls:
        add(f"page {call.name}" if call.name else "page calls", call, as_p95=True)
    for fmt in CHECKLIST_FORMATS:
        _progress(size, f"checklists, {fmt}")
        add(
            f"checklists zip, {fmt}, up to {MUNICIPALITY_SIZE} schools of a municipality",
            measure.runs(Checklists(store.db_path, fmt, MUNICIPALITY_SIZE), heavy_runs),
        )
    return results


def _progress(size: Size, text: str) -> None:
    print(f"{size.name}: {text}…", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
