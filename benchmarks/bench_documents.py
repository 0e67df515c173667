"""How long the documents take: bulk checklists of a 200-school municipality (target ≤ 10 s).

Run by hand from the project root: `.venv/bin/python -m benchmarks.bench_documents [--schools N]
[--db PATH]`. It
builds a demo region through the real importer (or reuses --db when the file exists), takes the
largest municipality's first 200 schools and times the bulk zip in both formats, one checklist,
the interview agenda and the analytic report. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analytics.db import open_store
from analytics.demo_db import build_demo_database
from analytics.documents import (
    analytic_report_docx,
    below_basic_inns,
    checklist_xlsx,
    checklists_zip,
    interview_agenda_docx,
    interview_packs_zip,
)
from analytics.levels import school_scores_long
from analytics.mentors import mentor_assignment_csv
from analytics.rounds import list_rounds
from analytics.rubric import TOTAL_SCOPE

MUNICIPALITY_SIZE = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schools", type=int, default=1600, help="schools in the demo region (default 1600)")
    parser.add_argument("--db", type=Path, help="reuse this store if it exists, else build it there")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as scratch:
        db = args.db or Path(scratch) / "bench.duckdb"
        if not db.exists():
            started = time.perf_counter()
            build_demo_database(db, schools=args.schools, rounds=2, seed=1)
            print(f"demo store of {args.schools} schools built in {time.perf_counter() - started:.1f} s")
        run_benchmarks(db)


def run_benchmarks(db: Path) -> None:
    con = open_store(db)
    rnd = list_rounds(con)[-1]
    scores = school_scores_long(con, rnd)
    totals = scores[scores["scope"] == TOTAL_SCOPE]
    municipality = totals["municipality"].value_counts().idxmax()
    inns = totals.loc[totals["municipality"] == municipality, "inn"].tolist()[:MUNICIPALITY_SIZE]
    below = below_basic_inns(con, rnd, municipality)
    print(f"round «{rnd.name}», {len(totals)} schools; «{municipality}»: {len(inns)} schools taken\n")
    cases: list[tuple[str, int, Callable[[], bytes]]] = [
        ("checklists zip, xlsx", len(inns), lambda: checklists_zip(con, rnd, inns, "xlsx")),
        ("checklists zip, docx", len(inns), lambda: checklists_zip(con, rnd, inns, "docx")),
        ("checklist xlsx, one school", 1, lambda: checklist_xlsx(con, rnd, inns[0])),
        ("interview agenda", 1, lambda: interview_agenda_docx(con, rnd, (below or inns)[0])),
        ("interview packs zip", len(inns), lambda: interview_packs_zip(con, rnd, inns)),
        (
            "mentor assignment, region (CSV)",
            len(totals),
            lambda: mentor_assignment_csv(con, rnd).to_csv().encode(),
        ),
        ("analytic report, municipality", len(inns), lambda: analytic_report_docx(con, rnd, municipality)),
        ("analytic report, region", len(totals), lambda: analytic_report_docx(con, rnd)),
    ]
    print(f"{'document':<32}{'schools':>8}{'wall, s':>10}{'cpu, s':>9}{'ms/school':>11}{'size, KB':>10}")
    for name, schools, build in cases:
        wall, cpu = time.perf_counter(), time.process_time()
        data = build()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        per_school = 1000 * wall / schools
        print(f"{name:<32}{schools:>8}{wall:>10.2f}{cpu:>9.2f}{per_school:>11.1f}{len(data) / 1024:>10.0f}")
    con.close()


if __name__ == "__main__":
    main()
