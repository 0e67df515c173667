"""The scoring rubric as data: one folder of CSV files per methodology version.

A methodology year is a new folder under `data/rubric/`, never new code. The loader checks the
invariants every real methodology has (eight tracks, four rising levels, each indicator's maximum
equal to its best answer, track maxima adding up to the total), so a mistyped table fails on load
rather than producing plausible wrong levels.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path

from analytics.config import RUBRIC_DIR
from analytics.datafiles import read_data_csv
from analytics.errors import SamodiagError
from analytics.text import normalize

LEVELS = ("ниже базового", "базовый", "средний", "высокий")
"""The four levels, lowest first; a level's rank is its index here."""
TOTAL_SCOPE = "total"
RUBRIC_FILES = (
    "tracks.csv",
    "forms.csv",
    "indicators.csv",
    "answers.csv",
    "thresholds.csv",
    "critical_rule.csv",
)
TRACK_COUNT = 8
MAX_INDICATOR_NUMBER = 128
"""Indicators are numbered 1 … 128 within a form: a school's deficits are kept as one bit per
indicator of a 128-bit integer (analytics/sql/import_digests.sql)."""


class RubricError(SamodiagError):
    """A methodology folder is missing or breaks an invariant."""


def level_rank(level: str) -> int | None:
    """Rank of a level name in any case («НИЖЕ БАЗОВОГО» → 0); None when it is no level."""
    try:
        return LEVELS.index(normalize(level))
    except ValueError:
        return None


@dataclass(frozen=True)
class Track:
    code: str
    order: int
    name: str
    kind: str


@dataclass(frozen=True)
class Form:
    code: str
    title: str


@dataclass(frozen=True)
class Indicator:
    form: str
    number: int
    track_code: str
    text: str
    is_critical: bool
    points_max: int


@dataclass(frozen=True)
class AnswerOption:
    form: str
    number: int
    answer: str
    points: int


@dataclass(frozen=True)
class Threshold:
    form: str
    scope: str
    level_rank: int
    points_min: int
    points_max: int


@dataclass(frozen=True)
class CriticalRule:
    applies_to: str
    cap_level_rank: int
    meaning: str


@dataclass(frozen=True)
class Rubric:
    """A whole methodology version; immutable once loaded."""

    version: str
    tracks: tuple[Track, ...]
    forms: tuple[Form, ...]
    indicators: tuple[Indicator, ...]
    options: tuple[AnswerOption, ...]
    thresholds: tuple[Threshold, ...]
    critical_rules: tuple[CriticalRule, ...]
    sha256: str

    @cached_property
    def track_by_code(self) -> dict[str, Track]:
        return {t.code: t for t in self.tracks}

    @cached_property
    def track_code_by_name(self) -> dict[str, str]:
        return {normalize(t.name): t.code for t in self.tracks}

    @cached_property
    def form_by_title(self) -> dict[str, Form]:
        return {normalize(f.title): f for f in self.forms}

    def indicators_of(self, form: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.form == form)

    def options_of(self, form: str, number: int) -> tuple[AnswerOption, ...]:
        return tuple(o for o in self.options if o.form == form and o.number == number)

    def thresholds_of(self, form: str, scope: str) -> tuple[Threshold, ...]:
        found = (t for t in self.thresholds if t.form == form and t.scope == scope)
        return tuple(sorted(found, key=lambda t: t.level_rank))


def available_versions(root: Path = RUBRIC_DIR) -> list[str]:
    """Every methodology folder that holds the rubric files."""
    return sorted(p.name for p in root.iterdir() if (p / "tracks.csv").is_file())


def load_rubric(version: str, root: Path = RUBRIC_DIR) -> Rubric:
    """Read and check one methodology version; raise RubricError listing every broken rule."""
    folder = root / version
    missing = [name for name in RUBRIC_FILES if not (folder / name).is_file()]
    if missing:
        raise RubricError(f"Методика «{version}»: нет файлов {', '.join(missing)} в {folder}")
    rows = {name: _read_rows(folder / name, version) for name in RUBRIC_FILES}
    rubric = Rubric(
        version=version,
        tracks=tuple(
            Track(r["track_code"], int(r["order"]), r["track_name"], r["track_kind"])
            for r in rows["tracks.csv"]
        ),
        forms=tuple(Form(r["form"], r["form_title"]) for r in rows["forms.csv"]),
        indicators=tuple(
            Indicator(
                r["form"],
                int(r["number"]),
                r["track_code"],
                r["indicator"],
                r["critical"].strip() == "1",
                int(r["max_points"]),
            )
            for r in rows["indicators.csv"]
        ),
        options=tuple(
            AnswerOption(r["form"], int(r["number"]), r["answer"], int(r["points"]))
            for r in rows["answers.csv"]
        ),
        thresholds=tuple(_threshold(r, version) for r in rows["thresholds.csv"]),
        critical_rules=tuple(
            CriticalRule(r["applies_to"], _known_level(r["cap_level"], version), r["meaning"])
            for r in rows["critical_rule.csv"]
        ),
        sha256=_folder_sha256(folder),
    )
    broken = check_rubric(rubric)
    if broken:
        raise RubricError(f"Методика «{version}» не прошла проверку:\n" + "\n".join(broken))
    return rubric


def check_rubric(rubric: Rubric) -> list[str]:
    """Every invariant the rubric breaks, in Russian; empty when it is sound."""
    broken = []
    if len(rubric.tracks) != TRACK_COUNT:
        broken.append(f"направлений {len(rubric.tracks)}, а должно быть {TRACK_COUNT}")
    for form in rubric.forms:
        broken += _check_form(rubric, form.code)
    return broken


def _check_form(rubric: Rubric, form: str) -> list[str]:
    broken = []
    indicators = rubric.indicators_of(form)
    if not indicators:
        broken.append(f"форма {form}: нет ни одного показателя")
    for ind in indicators:
        if not 1 <= ind.number <= MAX_INDICATOR_NUMBER:
            broken.append(
                f"форма {form}, показатель {ind.number}: номер должен быть от 1 до {MAX_INDICATOR_NUMBER}"
            )
        if ind.track_code not in rubric.track_by_code:
            broken.append(f"форма {form}, показатель {ind.number}: неизвестное направление {ind.track_code}")
        options = rubric.options_of(form, ind.number)
        best = max((o.points for o in options), default=None)
        if best != ind.points_max:
            broken.append(
                f"форма {form}, показатель {ind.number}: максимум {ind.points_max}, "
                f"а лучший ответ даёт {best}"
            )
        keys = [normalize(o.answer) for o in options]
        if len(set(keys)) != len(keys):
            broken.append(f"форма {form}, показатель {ind.number}: повторяются варианты ответа")
    track_sum = 0
    for scope in (TOTAL_SCOPE, *rubric.track_by_code):
        levels = rubric.thresholds_of(form, scope)
        if [t.level_rank for t in levels] != list(range(len(LEVELS))):
            broken.append(f"форма {form}, {scope}: пороги должны задавать все четыре уровня")
            continue
        mins = [t.points_min for t in levels]
        if mins[0] != 0 or any(a >= b for a, b in pairwise(mins)):
            broken.append(f"форма {form}, {scope}: пороги должны начинаться с 0 и расти")
        scope_max = sum(i.points_max for i in indicators if scope in (TOTAL_SCOPE, i.track_code))
        if levels[-1].points_max != scope_max:
            broken.append(
                f"форма {form}, {scope}: максимум {levels[-1].points_max}, "
                f"а сумма максимумов показателей {scope_max}"
            )
        if scope != TOTAL_SCOPE:
            track_sum += levels[-1].points_max
    total = rubric.thresholds_of(form, TOTAL_SCOPE)
    if total and track_sum != total[-1].points_max:
        broken.append(f"форма {form}: сумма максимумов направлений {track_sum} ≠ общему максимуму")
    return broken


def _read_rows(path: Path, version: str) -> list[dict[str, str]]:
    return [row for _, row in read_data_csv(path) if row.get("version") == version]


def _threshold(row: dict[str, str], version: str) -> Threshold:
    return Threshold(
        row["form"],
        row["scope"],
        _known_level(row["level"], version),
        int(row["min_points"]),
        int(row["max_points"]),
    )


def _known_level(name: str, version: str) -> int:
    rank = level_rank(name)
    if rank is None:
        raise RubricError(f"Методика «{version}»: неизвестный уровень «{name}»")
    return rank


def _folder_sha256(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in RUBRIC_FILES:
        digest.update((folder / name).read_bytes())
    return digest.hexdigest()
