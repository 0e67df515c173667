"""Running a step in fresh processes and summarising its runs.

Each run of a step is a new process forked from a server that has already imported the project
and its libraries ("forkserver"), so a run neither pays for the imports nor inherits the memory
of the runs before it: its `ru_maxrss` is that run's peak alone.
"""

from __future__ import annotations

import multiprocessing
import statistics
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from benchmarks.steps import Outcome, Run, run_step

PRELOADED = ["benchmarks.steps"]


@dataclass(frozen=True)
class Summary:
    """One timed thing: its runs in seconds and the peak memory of the processes that ran it."""

    name: str
    walls: list[float]
    cpus: list[float]
    peak_rss: int

    @property
    def median(self) -> float:
        return statistics.median(self.walls)

    @property
    def p95(self) -> float:
        """Nearest rank: with 20 runs, the second slowest."""
        ordered = sorted(self.walls)
        return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpus)


@dataclass(frozen=True)
class Failure:
    """A step that raised: the table says so and the other steps are still measured."""

    name: str
    message: str


class Measurer:
    def __init__(self, executor: ProcessPoolExecutor) -> None:
        self._executor = executor

    def runs(self, step: object, count: int) -> Summary | Failure:
        """`count` runs of a step that times one thing, each in its own process."""
        try:
            outcomes = [self._run(step) for _ in range(count)]
        except Exception as error:  # any error of the code measured is reported, not raised
            return _failure("", error)
        runs = [run for outcome in outcomes for run in outcome.runs[""]]
        return _summary("", runs, max(outcome.peak_rss for outcome in outcomes))

    def calls(self, step: object) -> list[Summary] | list[Failure]:
        """A step that times several calls in one process (the page calls): one summary each."""
        try:
            outcome = self._run(step)
        except Exception as error:  # any error of the code measured is reported, not raised
            return [_failure("", error)]
        return [_summary(name, runs, outcome.peak_rss) for name, runs in outcome.runs.items()]

    def _run(self, step: object) -> Outcome:
        return self._executor.submit(run_step, step).result()


def _failure(name: str, error: Exception) -> Failure:
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return Failure(name, f"{type(error).__name__}: {first_line}")


def _summary(name: str, runs: list[Run], peak_rss: int) -> Summary:
    return Summary(name, [run.wall for run in runs], [run.cpu for run in runs], peak_rss)


@contextmanager
def measurer() -> Iterator[Measurer]:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOADED)
    with ProcessPoolExecutor(max_workers=1, mp_context=context, max_tasks_per_child=1) as executor:
        yield Measurer(executor)
