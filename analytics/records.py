"""What a parsed export file is, before it is checked against the rubric.

Parsers (`analytics.parsing`) only read layouts and cells; they know nothing of points or
levels. Validation (`analytics.validation`) then matches these records against a methodology
version. Every value keeps its `Location`, so any later problem can name the file, sheet, row
and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from analytics.errors import Location, Problem

Layout = Literal["wide", "long", "protocol"]


@dataclass(frozen=True)
class ExportAnswer:
    """One indicator's answer as a school's export gives it."""

    number: int | None
    indicator: str
    answer: str
    points: int | None
    location: Location
    number_is_own_form: bool = True
    """False in the wide layout, whose column numbers follow the general form."""


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
    problems: list[Problem] = field(default_factory=list)
