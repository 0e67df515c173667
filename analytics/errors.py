"""Errors the user sees: Russian text naming the file, sheet, row and column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

MAX_PROBLEMS = 1000
"""Problems kept per import; past it they are only counted (see `ProblemList`)."""
SHOWN_IN_MESSAGE = 50


@dataclass(frozen=True)
class Location:
    """Where a value sits in an export file; row numbers count from 1 as in Excel."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def describe(self) -> str:
        parts = [f"Файл «{self.file}»"]
        if self.sheet:
            parts.append(f"лист «{self.sheet}»")
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column:
            parts.append(f"столбец «{self.column}»")
        return ", ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, reported before anything is written."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location.describe()}: {self.message}"


class ProblemList(list[Problem]):
    """An import's problems: the first MAX_PROBLEMS kept, every one counted in `total`.

    A zip of files with a wrong value in every cell yields millions of problems; keeping each
    cost gigabytes of memory, and nobody reads past the first screen of them.
    """

    def __init__(self, problems: Iterable[Problem] = ()) -> None:
        super().__init__()
        self.total = 0
        self.extend(problems)

    def __reduce__(self) -> tuple:
        """Pickled with its count (the parse worker sends problems back to the app)."""
        return _unpickle_problems, (list(self), self.total)

    def append(self, problem: Problem) -> None:
        self.total += 1
        if len(self) < MAX_PROBLEMS:
            super().append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Keeps the counts of a ProblemList added: its dropped problems are counted here too."""
        problems = problems if isinstance(problems, list) else list(problems)
        for problem in problems:
            self.append(problem)
        self.total += problem_count(problems) - len(problems)

    def note(self) -> str | None:
        """What the user is told when problems were dropped, else None."""
        if self.total <= len(self):
            return None
        return f"показаны первые {len(self)} из {self.total} проблем"


def _unpickle_problems(problems: list[Problem], total: int) -> ProblemList:
    restored = ProblemList(problems)
    restored.total = total
    return restored


def problem_count(problems: list[Problem]) -> int:
    """How many problems were found, the dropped ones of a ProblemList included."""
    return problems.total if isinstance(problems, ProblemList) else len(problems)


class SamodiagError(Exception):
    """Base of every error whose text is meant for the user as it is."""


class ImportRejected(SamodiagError):
    """An import found problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        total = problem_count(problems)
        shown = "\n".join(f"— {p}" for p in problems[:SHOWN_IN_MESSAGE])
        more = f"\n… и ещё {total - SHOWN_IN_MESSAGE}" if total > SHOWN_IN_MESSAGE else ""
        super().__init__(f"Загрузка отклонена, ничего не записано. Найдено проблем: {total}.\n{shown}{more}")


class NothingToInfer(SamodiagError):
    """The files hold no answer with points, so there is no methodology to propose; nothing written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"— {p}" for p in problems[:50])
        super().__init__(
            "Методика не предложена, ничего не записано: в файлах нет ни одного ответа с баллами.\n" + shown
        )


class DatabaseBusy(SamodiagError):
    """Another process (the app) holds the write lock on the store."""

    def __init__(self) -> None:
        super().__init__(
            "база открыта другим процессом (приложением); загрузите файлы на странице "
            "«Загрузка» или остановите приложение"
        )


class StoreFault(SamodiagError):
    """The store's file, folder or disk refused: the cause in Russian, the data in it untouched."""


class NotFound(SamodiagError):
    """A round, school or import named by the user does not exist."""
