"""A synthetic region for the demo and for benchmarks, written as the portal's export files.

The demo must go through the same importer as a real region's files, so it is produced as exports
in the portal's layouts (W: one wide xlsx; L: long cp1251 CSVs, one per municipality, in a zip;
P: per-school protocols) plus a roster, and never inserted into tables. Whatever the importer
accepts, rejects or computes for a real region, it does for the demo too.

The figures are believable because they come from a small model rather than from noise: every
school has a latent quality per track (weaker on average for small rural schools), each answer is
drawn from the rubric's options tilted by that quality, critical indicators fail rarely, and
between rounds quality drifts up a little while a school's answers stay put unless its quality
moves. A few schools answer implausibly in the latest round, each with a known tag, and every
other school is kept clear of those patterns so that credibility checks have exact answers.
Stated totals and levels follow the rubric's rules, so they equal what the engine computes.
"""

from __future__ import annotations

import csv
import datetime
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from analytics.config import DEFAULT_METHODOLOGY
from analytics.rubric import LEVELS, TOTAL_SCOPE, AnswerOption, Form, Indicator, Rubric, Track, load_rubric
from analytics.text import CRITICAL_SUFFIX, normalize

REGION = "Ленинградская область"
REGION_TAX_CODE = "47"
LATEST_YEAR = 2025
MAX_ROUNDS = 4
MIN_SCHOOLS = 10

TOP_LEVEL = len(LEVELS) - 1
LOWEST_LEVEL = 0
CRITICAL_MARK = f" {CRITICAL_SUFFIX}"

WIDE_SHEET = "Результаты"
WIDE_TITLE = "Результаты самодиагностики ОО, {round_name}"
WIDE_ID_COLUMNS = ("Регион", "Муниципальное образование", "Наименование ОО", "ИНН", "Тип самодиагностики")
LONG_COLUMNS = (
    "ИНН",
    "Наименование ОО",
    "Муниципальное образование",
    "Тип самодиагностики",
    "Номер показателя",
    "Показатель",
    "Ответ",
    "Баллы",
)
LONG_ENCODING = "cp1251"
PROTOCOL_TITLE = "Самодиагностика проекта «Школа Минпросвещения России»"
PROTOCOL_COLUMNS = ("№", "Показатель оценивания", "Значение показания", "Балльная оценка")
PROTOCOL_SCHOOLS = 3
ROSTER_COLUMNS = (
    "ИНН",
    "Наименование ОО",
    "Муниципальное образование",
    "Тип местности",
    "Число обучающихся",
    "Коррекционная",
)

# cp1251 has no figure dash and its kin; the portal's cp1251 files carry «-» instead.
_CP1251_SUBSTITUTES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2015\u2212", "-"))
_INN_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)

# Shares of the region's schools and of the roster.
ABSENT_SHARE = 0.02
SKIP_LATEST_SHARE = 0.015
IMPLAUSIBLE_SHARE_PER_PATTERN = 0.004

# The answer model; tuned so a region shows a realistic level mix (see tests/test_demo.py).
TRACK_SPREAD = 0.35
DIFFICULTY_SPREAD = 0.9
ANSWER_SLOPE = 2.2
ANSWER_OFFSET = 1.0
QUALITY_SPREAD = 0.55
MUNICIPALITY_SPREAD = 0.2
DRIFT_MEAN = 0.1
DRIFT_SPREAD = 0.15
TRACK_DRIFT_SPREAD = 0.08
REFRESHED_ANSWER_SHARE = 0.04
CRITICAL_FAIL_NEW = 0.02
CRITICAL_FAIL_NEW_WEAK = 0.04
CRITICAL_FAIL_KEPT = 0.5
WEAK_QUALITY = -0.5
JUMP_DEFICITS = (3, 7)


@dataclass(frozen=True)
class DemoRound:
    """One round of the demo: its name, its date and the export files written for it."""

    name: str
    date: datetime.date
    files: tuple[Path, ...]


@dataclass(frozen=True)
class DemoRegion:
    """What `write_demo_region` wrote: rounds oldest first, the roster and the planted cheats."""

    region: str
    rounds: tuple[DemoRound, ...]
    roster: Path
    implausible: dict[str, str]
    """ИНН → the implausible pattern planted in the latest round: all_max, copy, jump,
    critical_contradiction."""


@dataclass(frozen=True)
class _Municipality:
    name: str
    tax_code: str
    urban_share: float
    weight: float


MUNICIPALITIES = (
    _Municipality("Всеволожский муниципальный район", "03", 0.65, 60),
    _Municipality("Гатчинский муниципальный округ", "05", 0.5, 50),
    _Municipality("Выборгский район", "04", 0.5, 45),
    _Municipality("Лужский муниципальный район", "10", 0.35, 30),
    _Municipality("Волховский муниципальный район", "02", 0.45, 25),
    _Municipality("Кингисеппский муниципальный район", "07", 0.45, 25),
    _Municipality("Тосненский муниципальный район", "16", 0.45, 25),
    _Municipality("Кировский муниципальный район", "06", 0.5, 20),
    _Municipality("Приозерский муниципальный район", "12", 0.35, 20),
    _Municipality("Ломоносовский муниципальный район", "20", 0.2, 20),
    _Municipality("Тихвинский муниципальный район", "15", 0.55, 15),
    _Municipality("Волосовский муниципальный район", "17", 0.3, 15),
    _Municipality("Бокситогорский муниципальный район", "01", 0.45, 12),
    _Municipality("Киришский муниципальный район", "08", 0.6, 10),
    _Municipality("Городской округ Сосновый Бор", "14", 1.0, 10),
    _Municipality("Лодейнопольский муниципальный район", "09", 0.45, 8),
    _Municipality("Подпорожский муниципальный район", "11", 0.45, 8),
    _Municipality("Сланцевский муниципальный район", "13", 0.5, 8),
)

VILLAGES = (
    "Ивановская", "Никольская", "Сосновская", "Рощинская", "Кузьминская", "Петровская",
    "Заборьевская", "Сельцовская", "Большедворская", "Оредежская", "Толмачёвская", "Мгинская",
    "Шумская", "Путиловская", "Алёховщинская", "Винницкая", "Копорская", "Лопухинская",
    "Кобраловская", "Сиверская", "Вырицкая", "Дружногорская", "Рождественская", "Волошовская",
    "Скребловская", "Осьминская", "Мшинская", "Громовская", "Плодовская", "Мельниковская",
    "Запорожская", "Ларионовская", "Кузнеченская", "Токсовская", "Агалатовская", "Лесколовская",
    "Романовская", "Разметелевская", "Колтушская", "Дубровская", "Павловская", "Назиевская",
    "Суховская", "Пашская", "Староладожская", "Хваловская", "Борская", "Ефимовская",
)  # fmt: skip
MUNICIPAL_PREFIXES = ("МОБУ", "МОУ", "МБОУ")


@dataclass(frozen=True)
class _SchoolKind:
    """A type of school: how common it is, how it is named, how big and how good it tends to be."""

    code: str
    is_rural: bool
    is_correctional: bool
    pupils: tuple[int, int]
    quality: float


URBAN = _SchoolKind("urban", is_rural=False, is_correctional=False, pupils=(300, 1500), quality=0.15)
SELECTIVE = _SchoolKind("selective", is_rural=False, is_correctional=False, pupils=(600, 1500), quality=0.75)
RURAL = _SchoolKind("rural", is_rural=True, is_correctional=False, pupils=(100, 450), quality=-0.15)
RURAL_SMALL = _SchoolKind("rural_small", is_rural=True, is_correctional=False, pupils=(12, 99), quality=-0.6)
CORRECTIONAL = _SchoolKind("correctional", is_rural=False, is_correctional=True, pupils=(40, 300), quality=-0.1)
CORRECTIONAL_SHARE = 0.05
SELECTIVE_SHARE_OF_URBAN = 0.15
SMALL_SHARE_OF_RURAL = 0.5


@dataclass(frozen=True)
class _School:
    inn: str
    name: str
    municipality: str
    is_rural: bool
    pupils: int
    is_correctional: bool
    quality: float


@dataclass(frozen=True)
class _FormModel:
    """One form of the rubric as arrays: options sorted by points, so a higher index is better."""

    form: Form
    indicators: tuple[Indicator, ...]
    options: tuple[tuple[AnswerOption, ...], ...]
    points: np.ndarray
    best: np.ndarray
    track_of: np.ndarray
    track_matrix: np.ndarray
    is_critical: np.ndarray
    can_fail: np.ndarray
    total_mins: np.ndarray
    track_mins: np.ndarray
    track_cap: int | None
    total_cap: int | None

    @property
    def size(self) -> int:
        return len(self.indicators)


@dataclass(frozen=True)
class _Scores:
    points: np.ndarray
    total: np.ndarray
    level: np.ndarray
    track_points: np.ndarray
    track_level: np.ndarray


@dataclass
class _FormGroup:
    """The schools answering one form, and their answers (option indices) in every round."""

    model: _FormModel
    school_ids: np.ndarray
    rounds: list[np.ndarray]


@dataclass(frozen=True)
class _Result:
    school: _School
    model: _FormModel
    choices: np.ndarray
    total: int
    level: int
    track_points: tuple[int, ...]
    track_levels: tuple[int, ...]


def write_demo_region(
    out_dir: Path,
    *,
    schools: int = 600,
    rounds: int = 3,
    seed: int = 1,
    rubric: Rubric | None = None,
) -> DemoRegion:
    """Write a synthetic region's exports and roster into `out_dir`; the same seed gives the same files."""
    if not 1 <= rounds <= MAX_ROUNDS:
        raise ValueError(f"Число раундов должно быть от 1 до {MAX_ROUNDS}, а не {rounds}")
    if schools < MIN_SCHOOLS:
        raise ValueError(f"Школ должно быть не меньше {MIN_SCHOOLS}, а не {schools}")
    rubric = rubric or load_rubric(DEFAULT_METHODOLOGY)
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)

    absent_count = max(1, round(schools * ABSENT_SHARE))
    roster = _generate_schools(schools + absent_count, rng)
    absent = set(rng.choice(len(roster), absent_count, replace=False).tolist())
    participants = [i for i in range(len(roster)) if i not in absent]
    skip_latest = set(rng.choice(participants, max(1, round(schools * SKIP_LATEST_SHARE)), replace=False).tolist())

    general, groups = _simulate_region(rubric, roster, participants, rounds, rng)
    implausible = _plant_implausible(groups[0], roster, skip_latest, rng)

    round_names = demo_round_names(rounds)
    written = []
    for index, (name, date) in enumerate(round_names):
        is_latest = index == rounds - 1
        results = _round_results(groups, roster, index, skip_latest if is_latest else set())
        files = [_write_round_export(out_dir, name, date, index, rubric, general, results)]
        if is_latest:
            chosen = _protocol_schools(results, implausible, rng)
            files.append(_write_protocols(out_dir / f"{_round_slug(name, date)}_school_protocols.xlsx", rubric, chosen))
        written.append(DemoRound(name, date, tuple(files)))

    roster_path = out_dir / "roster.csv"
    _write_roster(roster_path, roster)
    return DemoRegion(REGION, tuple(written), roster_path, {roster[i].inn: tag for i, tag in implausible.items()})


def demo_round_names(count: int) -> list[tuple[str, datetime.date]]:
    """Names and dates of `count` alternating rounds ending with «Осень {LATEST_YEAR}», oldest first."""
    names = []
    year, is_autumn = LATEST_YEAR, True
    for _ in range(count):
        if is_autumn:
            names.append((f"Осень {year}", datetime.date(year, 11, 1)))
        else:
            names.append((f"Весна {year}", datetime.date(year, 4, 1)))
            year -= 1
        is_autumn = not is_autumn
    return names[::-1]


# --- the schools -------------------------------------------------------------------------------


def _generate_schools(count: int, rng: np.random.Generator) -> list[_School]:
    municipalities = _pick_municipalities(count)
    weights = np.array([m.weight for m in municipalities], dtype=float)
    assigned = np.concatenate(
        [np.arange(len(municipalities)), rng.choice(len(municipalities), count - len(municipalities), p=weights / weights.sum())]
    )
    taken_inns: set[str] = set()
    schools: list[_School] = []
    correctional_number = 0
    for index, municipality in enumerate(municipalities):
        effect = rng.normal(0, MUNICIPALITY_SPREAD)
        prefix = MUNICIPAL_PREFIXES[rng.integers(len(MUNICIPAL_PREFIXES))]
        namer = _SchoolNamer(prefix)
        for _ in range(int(np.sum(assigned == index))):
            kind = _draw_kind(municipality, rng)
            if kind.is_correctional:
                correctional_number += 1
                name = _correctional_name(correctional_number, rng)
            else:
                name = namer.name(kind, rng)
            schools.append(
                _School(
                    inn=_new_inn(municipality.tax_code, taken_inns, rng),
                    name=name,
                    municipality=municipality.name,
                    is_rural=kind.is_rural,
                    pupils=int(rng.integers(kind.pupils[0], kind.pupils[1] + 1)),
                    is_correctional=kind.is_correctional,
                    quality=kind.quality + effect + rng.normal(0, QUALITY_SPREAD),
                )
            )
    return schools


def _pick_municipalities(school_count: int) -> list[_Municipality]:
    count = max(2, min(len(MUNICIPALITIES), school_count // 30))
    return list(MUNICIPALITIES[:count])


def _draw_kind(municipality: _Municipality, rng: np.random.Generator) -> _SchoolKind:
    if rng.random() < CORRECTIONAL_SHARE:
        return CORRECTIONAL
    if rng.random() < municipality.urban_share:
        return SELECTIVE if rng.random() < SELECTIVE_SHARE_OF_URBAN else URBAN
    return RURAL_SMALL if rng.random() < SMALL_SHARE_OF_RURAL else RURAL


class _SchoolNamer:
    """Names a municipality's schools: numbered urban schools, rural schools after their village."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.numbers: dict[str, int] = {}
        self.villages: dict[str, int] = {}

    def name(self, kind: _SchoolKind, rng: np.random.Generator) -> str:
        if kind.is_rural:
            return self._rural_name(kind, rng)
        if kind is SELECTIVE:
            label = "Лицей" if rng.random() < 0.5 else "Гимназия"
            prefix = "МАОУ" if rng.random() < 0.3 else self.prefix
            return f"{prefix} «{label} №{self._next_number(label)}»"
        number = self._next_number("СОШ")
        suffix = " с углублённым изучением отдельных предметов" if rng.random() < 0.05 else ""
        return f"{self.prefix} «СОШ №{number}{suffix}»"

    def _rural_name(self, kind: _SchoolKind, rng: np.random.Generator) -> str:
        village = VILLAGES[rng.integers(len(VILLAGES))]
        label = "ООШ" if kind is RURAL_SMALL else "СОШ"
        seen = self._next_number(f"{village} {label}", counter=self.villages)
        number = f" №{seen}" if seen > 1 else ""
        return f"{self.prefix} «{village} {label}{number}»"

    def _next_number(self, key: str, counter: dict[str, int] | None = None) -> int:
        counter = self.numbers if counter is None else counter
        counter[key] = counter.get(key, 0) + 1
        return counter[key]


def _correctional_name(number: int, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return f"ГКОУ «Специальная (коррекционная) школа №{number}»"
    return f"ГБОУ «Специальная (коррекционная) школа-интернат №{number}»"


def _new_inn(tax_code: str, taken: set[str], rng: np.random.Generator) -> str:
    while True:
        body = f"{REGION_TAX_CODE}{tax_code}{rng.integers(0, 100_000):05d}"
        inn = body + str(sum(int(d) * w for d, w in zip(body, _INN_WEIGHTS, strict=True)) % 11 % 10)
        if inn not in taken:
            taken.add(inn)
            return inn


# --- the rubric as arrays ----------------------------------------------------------------------


def _form_model(rubric: Rubric, form: Form, tracks: Sequence[Track]) -> _FormModel:
    indicators = rubric.indicators_of(form.code)
    options = tuple(tuple(sorted(rubric.options_of(form.code, i.number), key=lambda o: o.points)) for i in indicators)
    widest = max(len(o) for o in options)
    points = np.zeros((len(indicators), widest), dtype=np.int16)
    for row, choices in enumerate(options):
        points[row, : len(choices)] = [o.points for o in choices]
    track_index = {t.code: k for k, t in enumerate(tracks)}
    track_of = np.array([track_index[i.track_code] for i in indicators])
    is_critical = np.array([i.is_critical for i in indicators])
    has_zero = points[:, 0] == 0
    has_more = np.array([len(o) > 1 for o in options])
    return _FormModel(
        form=form,
        indicators=indicators,
        options=options,
        points=points,
        best=np.array([len(o) - 1 for o in options]),
        track_of=track_of,
        track_matrix=np.eye(len(tracks), dtype=np.int32)[track_of],
        is_critical=is_critical,
        can_fail=is_critical & has_zero & has_more,
        total_mins=_level_mins(rubric, form.code, TOTAL_SCOPE),
        track_mins=np.array([_level_mins(rubric, form.code, t.code) for t in tracks]),
        track_cap=_critical_cap(rubric, "track"),
        total_cap=_critical_cap(rubric, "total"),
    )


def _level_mins(rubric: Rubric, form: str, scope: str) -> np.ndarray:
    return np.array([t.points_min for t in rubric.thresholds_of(form, scope)])


def _critical_cap(rubric: Rubric, applies_to: str) -> int | None:
    caps = [r.cap_level_rank for r in rubric.critical_rules if r.applies_to == applies_to]
    return min(caps) if caps else None


def _score(model: _FormModel, choices: np.ndarray) -> _Scores:
    points = model.points[np.arange(model.size), choices].astype(np.int32)
    failed = (points == 0) & model.is_critical
    total = points.sum(axis=1)
    level = np.searchsorted(model.total_mins, total, side="right") - 1
    if model.total_cap is not None:
        level = np.where(failed.any(axis=1), np.minimum(level, model.total_cap), level)
    track_points = points @ model.track_matrix
    track_level = np.stack(
        [np.searchsorted(mins, track_points[:, k], side="right") - 1 for k, mins in enumerate(model.track_mins)],
        axis=1,
    )
    if model.track_cap is not None:
        track_failed = (failed.astype(np.int32) @ model.track_matrix) > 0
        track_level = np.where(track_failed, np.minimum(track_level, model.track_cap), track_level)
    return _Scores(points, total, level, track_points, track_level)


# --- answering ---------------------------------------------------------------------------------


def _simulate_region(
    rubric: Rubric, roster: list[_School], participants: list[int], rounds: int, rng: np.random.Generator
) -> tuple[_FormModel, list[_FormGroup]]:
    """Answers of every participating school in every round, grouped by form (general first)."""
    tracks = sorted(rubric.tracks, key=lambda t: t.order)
    forms = sorted(rubric.forms, key=lambda f: -len(rubric.indicators_of(f.code)))
    general = _form_model(rubric, forms[0], tracks)
    correctional = _form_model(rubric, forms[1], tracks) if len(forms) > 1 else general
    groups = []
    for model, wants_correctional in ((general, False), (correctional, True)):
        ids = np.array([i for i in participants if roster[i].is_correctional == wants_correctional], dtype=int)
        quality = np.array([roster[i].quality for i in ids])
        groups.append(_FormGroup(model, ids, _simulate_rounds(model, quality, rounds, rng)))
    return general, groups


def _simulate_rounds(model: _FormModel, base_quality: np.ndarray, rounds: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Answers per round: a school keeps its answers unless its quality moves or it rethinks a few."""
    count, tracks = len(base_quality), model.track_matrix.shape[1]
    difficulty = rng.normal(0, DIFFICULTY_SPREAD, model.size)
    quality = base_quality[:, None] + rng.normal(0, TRACK_SPREAD, (count, tracks))
    propensity = rng.random((count, model.size))
    failing = np.full(count, -1)
    history: list[np.ndarray] = []
    for _ in range(rounds):
        if history:
            quality = quality + _quality_drift(count, tracks, rng)
            rethought = rng.random(propensity.shape) < REFRESHED_ANSWER_SHARE
            propensity = np.where(rethought, rng.random(propensity.shape), propensity)
        choices = _draw_choices(model, quality, difficulty, propensity)
        _apply_critical_failures(model, choices, _draw_critical_failures(model, base_quality, failing, rng))
        _break_all_max(model, choices, np.ones(count, dtype=bool), rng)
        _break_critical_contradictions(model, choices, rng)
        if history:
            _revert_level_jumps(model, choices, history[-1])
        _make_rows_unique(model, choices, np.zeros(count, dtype=bool), rng)
        failing = _failing_critical(model, choices)
        history.append(choices)
    return history


def _quality_drift(count: int, tracks: int, rng: np.random.Generator) -> np.ndarray:
    school = rng.normal(DRIFT_MEAN, DRIFT_SPREAD, (count, 1))
    return school + rng.normal(0, TRACK_DRIFT_SPREAD, (count, tracks))


def _draw_choices(
    model: _FormModel, quality: np.ndarray, difficulty: np.ndarray, propensity: np.ndarray
) -> np.ndarray:
    """Each answer by inverse CDF of options tilted towards more points as quality grows.

    A fixed propensity per school and indicator makes a better quality never give a worse answer,
    so between rounds answers move only where quality moved.
    """
    choices = np.empty(propensity.shape, dtype=np.int8)
    for column in range(model.size):
        count = model.best[column] + 1
        share = model.points[column, :count] / max(1, model.points[column, count - 1])
        tilt = ANSWER_SLOPE * (quality[:, model.track_of[column]] - difficulty[column]) + ANSWER_OFFSET
        logits = tilt[:, None] * share[None, :]
        if model.can_fail[column]:
            logits[:, share == 0] = -np.inf
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        cdf = np.cumsum(weights, axis=1) / weights.sum(axis=1, keepdims=True)
        choices[:, column] = (propensity[:, column, None] > cdf[:, :-1]).sum(axis=1)
    return choices


def _draw_critical_failures(
    model: _FormModel, base_quality: np.ndarray, failing: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Per school the critical indicator it fails this round, or -1: rare, sticky, likelier when weak."""
    candidates = np.flatnonzero(model.can_fail)
    if candidates.size == 0:
        return np.full(len(failing), -1)
    new_chance = np.where(base_quality < WEAK_QUALITY, CRITICAL_FAIL_NEW_WEAK, CRITICAL_FAIL_NEW)
    chance = np.where(failing >= 0, CRITICAL_FAIL_KEPT, new_chance)
    fails = rng.random(len(failing)) < chance
    column = np.where(failing >= 0, failing, rng.choice(candidates, len(failing)))
    return np.where(fails, column, -1)


def _apply_critical_failures(model: _FormModel, choices: np.ndarray, failing: np.ndarray) -> None:
    rows = np.flatnonzero(failing >= 0)
    choices[rows, failing[rows]] = 0
    del model  # option 0 scores 0 for every indicator that can fail (see `_form_model`)


def _failing_critical(model: _FormModel, choices: np.ndarray) -> np.ndarray:
    failed = (model.points[np.arange(model.size), choices] == 0) & model.can_fail
    return np.where(failed.any(axis=1), failed.argmax(axis=1), -1)
