"""How long each page takes to draw: the app itself, run page by page by Streamlit's AppTest.

`bench_pages` times a page's analytics calls; this times what a visitor waits for once the server
is up — the page script with its calls, tables and charts — on a first visit (Streamlit's data
cache empty, as after an import) and on a rerun (a widget changed: the cache holds the figures).
The app's first run (opening the store, loading the pages' libraries) is timed once, as a server
pays it once.

Run by hand from the project root on a store built beforehand (the demo, or a store of
`python -m benchmarks`): `.venv/bin/python -m benchmarks.bench_app PATH [--runs 5]
[--municipality NAME]`. Pages open on the latest round, with no filter or with that municipality
chosen in the sidebar. AppTest checks for the end of the script every few milliseconds, so a
timing carries that much slack. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st  # noqa: TID251 -- the benchmark runs the app, which is the Streamlit layer
from streamlit.testing.v1 import AppTest  # noqa: TID251 -- the same

from analytics.config import PROJECT_ROOT
from benchmarks.bench_pages import percentile
from pages._shared import MUNICIPALITY_PARAM

APP_SCRIPT = PROJECT_ROOT / "app.py"
PAGES = ("region", "municipality", "school", "deficits", "dynamics", "credibility", "upload")
START_PAGE = "upload"
"""The page the start-up is timed on: it reads almost nothing, so its run is the start-up."""


def time_pages(
    db_path: Path, runs: int, municipality: str | None = None
) -> tuple[float, dict[str, tuple[list[float], list[float]]]]:
    """Seconds of the app's first run, and per page the first-visit and rerun timings (ms)."""
    os.environ["SAMODIAG_DB"] = str(db_path)
    os.environ["SAMODIAG_NO_LOGIN"] = "1"  # the pages' own time, without a sign-in
    app = AppTest.from_file(str(APP_SCRIPT), default_timeout=600)
    if municipality:
        app.query_params[MUNICIPALITY_PARAM] = municipality
    app.switch_page(f"pages/{START_PAGE}.py")
    start_up = _timed(app.run) / 1000
    timings = {}
    for page in PAGES:
        app.switch_page(f"pages/{page}.py")
        first, rerun = [], []
        for _ in range(runs):
            st.cache_data.clear()
            first.append(_timed(app.run))
            rerun.append(_timed(app.run))
        if app.exception:
            msg = f"page {page}: {app.exception[0].value}"
            raise RuntimeError(msg)
        timings[page] = (first, rerun)
    return start_up, timings


def _timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return 1000 * (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", type=Path, help="the store to draw (built beforehand)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per page (default 5)")
    parser.add_argument("--municipality", help="the municipality chosen in the sidebar (default: none)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # clearing the data cache outside a server warns on every run
    start_up, timings = time_pages(args.db, args.runs, args.municipality)
    chosen = f", municipality «{args.municipality}»" if args.municipality else ""
    print(f"{args.db}{chosen}: the app's first run {start_up:.2f} s, {args.runs} runs per page\n")
    print(f"{'page':<14}{'first visit p50, ms':>21}{'p95, ms':>10}{'rerun p50, ms':>16}{'p95, ms':>10}")
    for page, (first, rerun) in timings.items():
        print(
            f"{page:<14}{statistics.median(first):>21.0f}{percentile(first, 0.95):>10.0f}"
            f"{statistics.median(rerun):>16.0f}{percentile(rerun, 0.95):>10.0f}"
        )


if __name__ == "__main__":
    main()
