"""How fast each page's data arrives: the analytics calls a page makes, timed cold (no app cache).

Run by hand from the project root on a store built beforehand (the demo, or the national-scale
store of the benchmarks): `.venv/bin/python -m benchmarks.bench_pages PATH [--runs 20]`. For the
latest round it takes the municipality with most schools, the first school of the support list
and the most frequent deficit («Динамика» compares the round before it with it, and is left out
of a store with one round), times every call `--runs` times and prints p50/p95 per call and per
page (the sum of its calls, i.e. a first visit before Streamlit's cache holds anything).
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from analytics import views
from analytics.credibility import count_flags_by_municipality, count_flags_by_rule, flag_schools
from analytics.deficits import deficit_frequency, plan_next_levels, school_deficits
from analytics.documents import below_basic_inns
from analytics.dynamics import compare_rounds
from analytics.fidelity import school_fidelity
from analytics.mentors import mentors_of
from analytics.rounds import Round, list_rounds, previous_round
from analytics.rubric import TOTAL_SCOPE
from analytics.store_info import list_imports

Call = tuple[str, Callable[[], object]]


def frame_calls(con: duckdb.DuckDBPyConnection, rnd: Round) -> list[Call]:
    """What every page's sidebar and header ask for."""
    return [
        ("list_rounds", lambda: list_rounds(con)),
        ("municipalities", lambda: views.municipalities(con)),
        ("round_provenance", lambda: views.round_provenance(con, rnd)),
    ]


def compare_as_drawn(con: duckdb.DuckDBPyConnection, before: Round, rnd: Round) -> list[pd.DataFrame]:
    """The comparison as the «Динамика» page first draws it: with the overall risers and fallers,
    which the comparison leaves to be asked for."""
    comparison = compare_rounds(con, before, rnd)
    return [comparison.movers(TOTAL_SCOPE, rising=rising) for rising in (True, False)]


def page_calls(con: duckdb.DuckDBPyConnection, rnd: Round) -> dict[str, list[Call]]:
    """Each page's analytics calls, with the arguments a coordinator's first visit would use."""
    counts = views.municipality_counts(con, rnd)
    municipality = counts.sort_values("count_schools", ascending=False)["municipality"].iloc[0]
    inn = views.support_list(con, rnd)["inn"].iloc[0]
    top = deficit_frequency(con, rnd).iloc[0]
    flags = flag_schools(con, rnd)
    before = previous_round(con, rnd)
    dynamics = [
        ("previous_round", lambda: previous_round(con, rnd)),
        ("compare_rounds", lambda: compare_as_drawn(con, before, rnd)),
    ]
    return {
        "region": [
            ("region_overview", lambda: views.region_overview(con, rnd)),
            ("participation", lambda: views.participation(con, rnd)),
        ],
        "municipality": [
            ("municipality_schools", lambda: views.municipality_schools(con, rnd, municipality)),
            ("previous_round_name", lambda: views.previous_round_name(con, rnd)),
            ("track_titles", lambda: views.track_titles(con, rnd)),
            ("below_basic_inns", lambda: below_basic_inns(con, rnd, municipality)),
        ],
        "school": [
            ("round_schools", lambda: views.round_schools(con, rnd)),
            ("school_profile", lambda: views.school_profile(con, rnd, inn)),
            ("school_fidelity", lambda: school_fidelity(con, rnd, inn)),
            ("school_thresholds", lambda: views.school_thresholds(con, rnd, inn)),
            ("school_critical_indicators", lambda: views.school_critical_indicators(con, rnd, inn)),
            ("school_deficits", lambda: school_deficits(con, rnd, inn=inn)),
            ("plan_next_levels", lambda: plan_next_levels(con, rnd, inn)),
            ("school_history_view", lambda: views.school_history_view(con, inn)),
            ("mentors_of", lambda: mentors_of(con, rnd, inn)),
        ],
        "deficits": [
            ("deficit_frequency", lambda: deficit_frequency(con, rnd)),
            (
                "schools_with_deficit",
                lambda: views.schools_with_deficit(con, rnd, indicators=f"{top['form']}:{top['number']}"),
            ),
            ("round_schools", lambda: views.round_schools(con, rnd)),
            ("below_basic_inns", lambda: below_basic_inns(con, rnd)),
        ],
        **({"dynamics": dynamics} if before is not None else {}),
        "credibility": [
            ("flag_schools", lambda: flag_schools(con, rnd)),
            ("count_flags_by_rule", lambda: count_flags_by_rule(flags)),
            ("count_flags_by_municipality", lambda: count_flags_by_municipality(flags)),
        ],
        "upload": [
            ("list_imports", lambda: list_imports(con)),
            ("methodology_versions", lambda: views.methodology_versions(con)),
        ],
    }


def time_call(call: Callable[[], object], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append(1000 * (time.perf_counter() - started))
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", type=Path, help="the store to read (built beforehand)")
    parser.add_argument("--runs", type=int, default=20, help="timed runs per call (default 20)")
    args = parser.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)
    rnd = list_rounds(con)[-1]
    count_schools = views.round_provenance(con, rnd).count_schools
    print(f"{args.db}: round «{rnd.name}», {count_schools} schools, {args.runs} runs per call\n")
    print(f"{'page':<14}{'call':<30}{'p50, ms':>10}{'p95, ms':>10}")
    for page, calls in page_calls(con, rnd).items():
        per_run = [0.0] * args.runs
        for name, call in [*frame_calls(con, rnd), *calls]:
            timings = time_call(call, args.runs)
            per_run = [total + t for total, t in zip(per_run, timings, strict=True)]
            print(
                f"{page:<14}{name:<30}{statistics.median(timings):>10.1f}{percentile(timings, 0.95):>10.1f}"
            )
        whole_p50, whole_p95 = statistics.median(per_run), percentile(per_run, 0.95)
        print(f"{page:<14}{'= whole page':<30}{whole_p50:>10.1f}{whole_p95:>10.1f}\n")
    con.close()


if __name__ == "__main__":
    main()
