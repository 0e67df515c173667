"""What a parsed export file is, before it is checked against the rubric.

Parsers (`analytics.parsing`) only read layouts and cells; they know nothing of points or
levels. Validation (`analytics.validation`) then matches these records against a methodology
version. Every value keeps its `Location`, so any later problem can name the file, sheet, row
and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from analytics.errors import Location, Problem, ProblemList

Layout = Literal["wide", "long", "protocol"]


class AnswerColumn(NamedTuple):
    """The column a run of answers is read from; every answer of that column shares it."""

    file: str
    sheet: str | None
    column: str
    number_is_own_form: bool
    """False in the wide layout, whose column numbers follow the general form."""


class ExportAnswer(NamedTuple):
    """One indicator's answer as a school's export gives it.

    A national export holds millions of answers, so an answer keeps its row and a shared
    `AnswerColumn` rather than a `Location` of its own; the location is built when asked for,
    which in practice is only when a problem is reported.
    """

    number: int | None
    indicator: str
    answer: str
    points: int | None
    row: int
    column: AnswerColumn

    @property
    def location(self) -> Location:
        return Location(self.column.file, self.column.sheet, self.row, self.column.column)

    @property
    def number_is_own_form(self) -> bool:
        return self.column.number_is_own_form


@dataclass(frozen=True)
class StatedTrack:
    """A track's points and level as the export states them (either may be absent)."""

    points: int | None
    level: str | None


@dataclass
class ExportSchool:
    """One school's block of an export: identity, form, answers and the portal's figures."""

    inn: str
    name: str
    municipality: str
    region: str | None
    form_title: str
    location: Location
    answers: list[ExportAnswer] = field(default_factory=list)
    stated_total: int | None = None
    stated_level: str | None = None
    stated_tracks: dict[str, StatedTrack] = field(default_factory=dict)
    """Keyed by the track's name as the header gives it («Знание», «Школьный климат»)."""


@dataclass
class ParsedFile:
    """A single export file (a zip yields one per member) with its schools and problems."""

    name: str
    layout: Layout | None
    schools: list[ExportSchool] = field(default_factory=list)
    round_title: str | None = None
    """The round a wide export's title row names («Осень 2025»), if any."""
    problems: list[Problem] = field(default_factory=ProblemList)
    notes: list[str] = field(default_factory=list)
    """What the user should know about a file read without problems (a hidden sheet's data)."""
