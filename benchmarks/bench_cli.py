"""How long the command line takes to start: `--help` and `rounds`, each in a fresh interpreter.

Automation calls `python -m analytics …` once per answer it needs, so what a light command costs
is mostly the interpreter starting and the imports. The floor is `python -c "import duckdb"`:
any command that opens the store pays for DuckDB. The commands run in turn (one run of each, then
the next round of runs), so a change in the machine's load falls on all of them alike.

Separate from `python -m benchmarks`, whose steps run in processes forked with the project
already imported: here the imports are what is measured. Run by hand from the project root on a
store built beforehand (the demo, or a store of `python -m benchmarks`):
`.venv/bin/python -m benchmarks.bench_cli PATH [--runs 11]`. Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from analytics.config import PROJECT_ROOT

FLOOR = "python -c 'import duckdb'"


def commands(db_path: Path) -> dict[str, list[str]]:
    """What is timed → the interpreter's arguments; the floor first."""
    return {
        FLOOR: ["-c", "import duckdb"],
        "python -m analytics --help": ["-m", "analytics", "--help"],
        "python -m analytics rounds": ["-m", "analytics", "rounds", "--db", str(db_path)],
    }


def time_commands(db_path: Path, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per command, the wall seconds and the CPU seconds (user + system) of each run."""
    timings: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands(db_path)}
    for _ in range(runs):
        for name, args in commands(db_path).items():
            walls, cpus = timings[name]
            wall, cpu = _timed_run([sys.executable, *args])
            walls.append(wall)
            cpus.append(cpu)
    return timings


def _timed_run(command: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", type=Path, help="the store `rounds` reads (built beforehand)")
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (default 11)")
    args = parser.parse_args()
    timings = time_commands(args.db, args.runs)
    floor = statistics.median(timings[FLOOR][0])
    print(f"{args.db}: {args.runs} runs of each command, a fresh interpreter each\n")
    print(f"{'command':<30}{'median, ms':>12}{'min–max, ms':>16}{'cpu, ms':>10}{'× the floor':>13}")
    for name, (walls, cpus) in timings.items():
        median = statistics.median(walls)
        spread = f"{min(walls) * 1000:.0f}–{max(walls) * 1000:.0f}"
        print(
            f"{name:<30}{median * 1000:>12.0f}{spread:>16}{statistics.median(cpus) * 1000:>10.0f}"
            f"{median / floor:>13.2f}"
        )


if __name__ == "__main__":
    main()
