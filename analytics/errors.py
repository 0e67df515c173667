"""Errors the user sees: Russian text naming the file, sheet, row and column."""

from __future__ import annotations

from dataclasses import dataclass


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


class SamodiagError(Exception):
    """Base of every error whose text is meant for the user as it is."""


class ImportRejected(SamodiagError):
    """An import found problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "\n".join(f"— {p}" for p in problems[:50])
        more = f"\n… и ещё {len(problems) - 50}" if len(problems) > 50 else ""
        super().__init__(
            f"Загрузка отклонена, ничего не записано. Найдено проблем: {len(problems)}.\n{shown}{more}"
        )


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


class NotFound(SamodiagError):
    """A round, school or import named by the user does not exist."""
