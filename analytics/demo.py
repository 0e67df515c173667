"""A synthetic region for the demo and for benchmarks, written as the portal's export files.

The demo must go through the same importer as a real region's files, so it is produced as exports
in the portal's layouts (W: one wide xlsx; L: long cp1251 CSVs, one per municipality, in a zip;
P: per-school protocols) plus a roster, and never inserted into tables. Whatever the importer
accepts, rejects or computes for a real region, it does for the demo too.

The figures are believable because they come from a small model rather than from noise: every
school has a latent quality per track (weaker on average for small rural schools), each answer is
drawn from the rubric's options tilted by that quality, critical indicators fail rarely, and
between rounds quality drifts up a little while a school's answers stay put unless its quality
moves. A few schools answer implausibly in the latest round, each with a known tag, so that each
credibility rule has schools it must catch. The other schools are left as the model drew them: an
honest school that happens to answer everything at maximum, to contradict a related or critical
indicator, to share an answer set with another school or to move two levels is kept as it is, so
the demo shows what real data will — some flags are false, and a flag is a question to the school.
Stated totals and levels follow the rubric's rules, so they equal what the engine computes.
"""

from __future__ import annotations

import csv
import datetime
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

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

LOWEST_LEVEL = 0
CRITICAL_MARK = f" {CRITICAL_SUFFIX}"

WIDE_SHEET = "Результаты"
WIDE_TITLE = "Результаты самодиагностики ОО, {round_name}"
WIDE_TRACK_ROW = 3  # below the title and an empty row
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
ANSWER_OFFSET = 1.15
QUALITY_SPREAD = 0.78
QUALITY_SKEW = 0.75
MUNICIPALITY_SPREAD = 0.12
DRIFT_MEAN = 0.05
DRIFT_SPREAD = 0.15
TRACK_DRIFT_SPREAD = 0.08
REFRESHED_ANSWER_SHARE = 0.04
CRITICAL_FAIL_NEW = 0.03
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
    """What `write_demo_region` wrote: rounds oldest first, the roster and the implausible answerers."""

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
    """A type of school: where it is, how big it is and how good it tends to be."""

    is_rural: bool
    is_correctional: bool
    pupils: tuple[int, int]
    quality: float


URBAN = _SchoolKind(is_rural=False, is_correctional=False, pupils=(300, 1500), quality=0.1)
SELECTIVE = _SchoolKind(is_rural=False, is_correctional=False, pupils=(600, 1500), quality=0.6)
RURAL = _SchoolKind(is_rural=True, is_correctional=False, pupils=(100, 450), quality=-0.15)
RURAL_SMALL = _SchoolKind(is_rural=True, is_correctional=False, pupils=(12, 99), quality=-0.35)
CORRECTIONAL = _SchoolKind(is_rural=False, is_correctional=True, pupils=(40, 300), quality=-0.1)
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
    tracks: tuple[Track, ...]
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
    total: np.ndarray
    level: np.ndarray
    level_by_points: np.ndarray
    """The level by the total alone, before the critical rule caps it."""
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
    skip_latest = set(
        rng.choice(participants, max(1, round(schools * SKIP_LATEST_SHARE)), replace=False).tolist()
    )

    groups = _simulate_region(rubric, roster, participants, rounds, rng)
    general = groups[0].model
    per_pattern = max(1, round(schools * IMPLAUSIBLE_SHARE_PER_PATTERN))
    implausible = {
        roster[i].inn: tag for i, tag in _plant_implausible(groups[0], per_pattern, skip_latest, rng).items()
    }

    written = []
    for index, (name, date) in enumerate(demo_round_names(rounds)):
        is_latest = index == rounds - 1
        results = _round_results(groups, roster, index, skip_latest if is_latest else set())
        files = [
            _write_round_export(out_dir, name, date, is_wide=index % 2 == 0, general=general, results=results)
        ]
        if is_latest:
            protocols = out_dir / f"{_round_slug(name)}_school_protocols.xlsx"
            _write_protocols(protocols, _protocol_schools(results, set(implausible), rng))
            files.append(protocols)
        written.append(DemoRound(name, date, tuple(files)))

    roster_path = out_dir / "roster.csv"
    _write_roster(roster_path, roster)
    return DemoRegion(REGION, tuple(written), roster_path, implausible)


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
    sizes = _municipality_sizes(municipalities, count, rng)
    effects = MUNICIPALITY_SPREAD * _normal_ladder(len(municipalities), rng)
    noise = iter(_right_skewed(_normal_ladder(count, rng)).tolist())
    taken_inns: set[str] = set()
    schools: list[_School] = []
    correctional_number = 0
    for municipality, size, effect in zip(municipalities, sizes, effects, strict=True):
        namer = _SchoolNamer(MUNICIPAL_PREFIXES[rng.integers(len(MUNICIPAL_PREFIXES))])
        for _ in range(size):
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
                    quality=kind.quality + effect + next(noise),
                )
            )
    return schools


def _municipality_sizes(
    municipalities: list[_Municipality], count: int, rng: np.random.Generator
) -> list[int]:
    """Schools per municipality: at least one each, the rest in proportion to the weights."""
    weights = np.array([m.weight for m in municipalities], dtype=float)
    extra = rng.multinomial(count - len(municipalities), weights / weights.sum())
    return (extra + 1).tolist()


def _normal_ladder(count: int, rng: np.random.Generator) -> np.ndarray:
    """Standard normal quantiles evenly spread and shuffled: the mix does not hang on the seed's luck."""
    quantiles = [NormalDist().inv_cdf((k + 0.5) / count) for k in range(count)]
    return rng.permutation(np.array(quantiles))


def _right_skewed(normal: np.ndarray) -> np.ndarray:
    """Zero-mean noise with a long upper tail: few hopeless schools, a spread of strong ones."""
    return QUALITY_SPREAD * (np.exp(QUALITY_SKEW * normal) - np.exp(QUALITY_SKEW**2 / 2)) / QUALITY_SKEW


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
        self.counts: dict[str, int] = {}

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
        seen = self._next_number(f"{village} {label}")
        number = f" №{seen}" if seen > 1 else ""
        return f"{self.prefix} «{village} {label}{number}»"

    def _next_number(self, key: str) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


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
    """The form as arrays."""
    indicators = rubric.indicators_of(form.code)
    options = tuple(
        tuple(sorted(rubric.options_of(form.code, i.number), key=lambda o: o.points)) for i in indicators
    )
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
        tracks=tuple(tracks),
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
    level_by_points = np.searchsorted(model.total_mins, total, side="right") - 1
    level = level_by_points
    if model.total_cap is not None:
        level = np.where(failed.any(axis=1), np.minimum(level, model.total_cap), level)
    track_points = points @ model.track_matrix
    track_level = np.stack(
        [
            np.searchsorted(mins, track_points[:, k], side="right") - 1
            for k, mins in enumerate(model.track_mins)
        ],
        axis=1,
    )
    if model.track_cap is not None:
        track_failed = (failed.astype(np.int32) @ model.track_matrix) > 0
        track_level = np.where(track_failed, np.minimum(track_level, model.track_cap), track_level)
    return _Scores(total, level, level_by_points, track_points, track_level)


# --- answering ---------------------------------------------------------------------------------


def _simulate_region(
    rubric: Rubric, roster: list[_School], participants: list[int], rounds: int, rng: np.random.Generator
) -> list[_FormGroup]:
    """Answers of every participating school in every round, grouped by form (general first)."""
    tracks = sorted(rubric.tracks, key=lambda t: t.order)
    forms = sorted(rubric.forms, key=lambda f: -len(rubric.indicators_of(f.code)))
    general = _form_model(rubric, forms[0], tracks)
    correctional = _form_model(rubric, forms[1], tracks) if len(forms) > 1 else general
    groups = []
    for model, wants_correctional in ((general, False), (correctional, True)):
        ids = np.array(
            [i for i in participants if roster[i].is_correctional == wants_correctional], dtype=int
        )
        quality = np.array([roster[i].quality for i in ids])
        groups.append(_FormGroup(model, ids, _simulate_rounds(model, quality, rounds, rng)))
    return groups


def _simulate_rounds(
    model: _FormModel, base_quality: np.ndarray, rounds: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Answers per round: a school keeps its answers unless its quality moves or it rethinks a few."""
    count, tracks = len(base_quality), model.track_matrix.shape[1]
    difficulty = DIFFICULTY_SPREAD * _normal_ladder(model.size, rng)
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
        _apply_critical_failures(choices, _draw_critical_failures(model, base_quality, failing, rng))
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


def _apply_critical_failures(choices: np.ndarray, failing: np.ndarray) -> None:
    rows = np.flatnonzero(failing >= 0)
    choices[rows, failing[rows]] = 0  # option 0 scores 0 wherever an indicator can fail


def _failing_critical(model: _FormModel, choices: np.ndarray) -> np.ndarray:
    failed = (model.points[np.arange(model.size), choices] == 0) & model.can_fail
    return np.where(failed.any(axis=1), failed.argmax(axis=1), -1)


# --- implausible answerers ---------------------------------------------------------------------


def _adjustable(model: _FormModel, columns: np.ndarray | None = None) -> np.ndarray:
    """Non-critical indicators with more than one option: safe to move without a critical fail."""
    columns = np.arange(model.size) if columns is None else columns
    return columns[~model.is_critical[columns] & (model.best[columns] > 0)]


def _plant_implausible(
    group: _FormGroup, per_pattern: int, skipped: set[int], rng: np.random.Generator
) -> dict[int, str]:
    """Plant each implausible pattern in the latest round of a few schools; return school id → tag.

    Every planted school stays within one level of its previous round, except the jumps, so that no
    planted school is also a jump. A planted school may show other patterns too (a critical
    contradiction puts the school «ниже базового», which the critical-switch finding may list), and
    honest schools may show any pattern.
    """
    model, latest = group.model, group.rounds[-1]
    scores_now = _score(model, latest)
    scores_before = _score(model, group.rounds[-2]) if len(group.rounds) > 1 else scores_now
    # A level as set (critical rule included) and by points alone: the jump rule reads points, so a
    # planted school keeps within one level by both, and a jump starts «ниже базового» by points.
    now, now_by_points = scores_now.level, scores_now.level_by_points
    before, before_by_points = scores_before.level, scores_before.level_by_points
    free = np.array([school not in skipped for school in group.school_ids])
    tags: dict[int, str] = {}

    def take(candidates: np.ndarray, tag: str) -> np.ndarray:
        chosen = _pick(candidates & free, per_pattern, rng)
        free[chosen] = False
        tags.update(dict.fromkeys(chosen.tolist(), tag))
        return chosen

    if len(group.rounds) > 1:
        for row in take(before_by_points == LOWEST_LEVEL, "jump"):
            latest[row] = _near_max_row(model, rng)
    latest[take(before >= 2, "all_max")] = model.best  # from «средний» up: one level at most
    for row in take(before_by_points <= 1, "critical_contradiction"):
        _plant_critical_contradiction(model, latest[row], rng)
    for row in take(np.ones(len(latest), dtype=bool), "copy"):
        near = (np.abs(now - before[row]) <= 1) & (np.abs(now_by_points - before_by_points[row]) <= 1)
        source = _pick(free & near, 1, rng)
        if source.size:
            free[source] = False
            latest[row] = latest[source[0]]
        else:
            del tags[row]
    return {int(group.school_ids[row]): tag for row, tag in tags.items()}


def _pick(candidates: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    rows = np.flatnonzero(candidates)
    return np.sort(rng.choice(rows, min(count, rows.size), replace=False)) if rows.size else rows


def _near_max_row(model: _FormModel, rng: np.random.Generator) -> np.ndarray:
    """Every answer at maximum but a few one-step deficits: a total well inside «высокий»."""
    row = model.best.astype(np.int8)
    deficits = rng.choice(_adjustable(model), int(rng.integers(*JUMP_DEFICITS)), replace=False)
    row[deficits] -= 1
    return row


def _plant_critical_contradiction(model: _FormModel, row: np.ndarray, rng: np.random.Generator) -> None:
    critical = rng.choice(np.flatnonzero(model.can_fail))
    track = model.track_of == model.track_of[critical]
    row[track] = model.best[track]
    row[critical] = 0


# --- results per round -------------------------------------------------------------------------


def _round_results(
    groups: Sequence[_FormGroup], roster: list[_School], round_index: int, skipped: set[int]
) -> list[_Result]:
    """Every school that passed this round with its answers and the figures the portal states."""
    by_school: dict[int, _Result] = {}
    for group in groups:
        choices = group.rounds[round_index]
        scores = _score(group.model, choices)
        totals, levels = scores.total.tolist(), scores.level.tolist()
        track_points, track_levels = scores.track_points.tolist(), scores.track_level.tolist()
        for row, school_id in enumerate(group.school_ids.tolist()):
            if school_id in skipped:
                continue
            by_school[school_id] = _Result(
                roster[school_id],
                group.model,
                choices[row],
                totals[row],
                levels[row],
                tuple(track_points[row]),
                tuple(track_levels[row]),
            )
    return [by_school[school_id] for school_id in sorted(by_school)]


def _protocol_schools(
    results: list[_Result], implausible_inns: set[str], rng: np.random.Generator
) -> list[_Result]:
    """Three clean schools for the P file: a below-basic one, another general one, a correctional one."""
    clean = [r for r in results if r.school.inn not in implausible_inns]
    pools = (
        [r for r in clean if not r.school.is_correctional and r.level == LOWEST_LEVEL],
        [r for r in clean if not r.school.is_correctional and r.level > LOWEST_LEVEL],
        [r for r in clean if r.school.is_correctional],
        clean,
    )
    chosen: list[_Result] = []
    for pool in pools:
        left = [r for r in pool if r not in chosen]
        if left and len(chosen) < PROTOCOL_SCHOOLS:
            chosen.append(left[rng.integers(len(left))])
    while len(chosen) < PROTOCOL_SCHOOLS:
        chosen.append(next(r for r in clean if r not in chosen))
    return chosen


# --- export files ------------------------------------------------------------------------------


def _round_slug(name: str) -> str:
    season, year = name.split()
    return f"{year}_{'spring' if season == 'Весна' else 'autumn'}"


def _write_round_export(
    out_dir: Path,
    name: str,
    date: datetime.date,
    *,
    is_wide: bool,
    general: _FormModel,
    results: list[_Result],
) -> Path:
    """The round's regional export: one wide xlsx (W) or long CSVs per municipality in a zip (L)."""
    if is_wide:
        path = out_dir / f"{_round_slug(name)}_region_wide.xlsx"
        _write_wide(path, name, general, results)
    else:
        path = out_dir / f"{_round_slug(name)}_region_long.zip"
        _write_long_zip(path, date, results)
    return path


def _bold(sheet: object, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def _track_title(track: Track) -> str:
    return f"{track.kind} «{track.name}»"


def _marked_text(indicator: Indicator) -> str:
    return indicator.text + CRITICAL_MARK if indicator.is_critical else indicator.text


def _write_wide(path: Path, round_name: str, general: _FormModel, results: Iterable[_Result]) -> None:
    """Layout W: title, empty row, merged track headers, the header row, then one row per school."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(WIDE_SHEET)
    sheet.append([_bold(sheet, WIDE_TITLE.format(round_name=round_name))])
    sheet.append([])
    first_column = len(WIDE_ID_COLUMNS) + 1
    track_row: list[str | None] = [None] * (first_column - 1 + general.size)
    for track_index, track in enumerate(general.tracks):
        columns = np.flatnonzero(general.track_of == track_index) + first_column
        track_row[columns[0] - 1] = _track_title(track)
        first, last = get_column_letter(columns[0]), get_column_letter(columns[-1])
        sheet.merged_cells.add(f"{first}{WIDE_TRACK_ROW}:{last}{WIDE_TRACK_ROW}")
    sheet.append(track_row)
    sheet.append(
        [
            *WIDE_ID_COLUMNS,
            *(f"{i.number}. {_marked_text(i)}" for i in general.indicators),
            "Сумма баллов",
            "Уровень",
            *(f"{t.name}: баллы" for t in general.tracks),
            *(f"{t.name}: уровень" for t in general.tracks),
        ]
    )
    positions: dict[str, list[int]] = {}
    for result in results:
        if result.model.form.code not in positions:
            positions[result.model.form.code] = _wide_positions(general, result.model)
        sheet.append(_wide_row(result, positions[result.model.form.code], general.size))
    workbook.save(path)


def _wide_positions(general: _FormModel, model: _FormModel) -> list[int]:
    """Each indicator's column among the general form's, matched by text as the importer does."""
    column_of = {normalize(i.text): k for k, i in enumerate(general.indicators)}
    return [column_of[normalize(i.text)] for i in model.indicators]


def _wide_row(result: _Result, positions: list[int], width: int) -> list[object]:
    school = result.school
    answers: list[str | None] = [None] * width
    for column, (options, choice) in enumerate(
        zip(result.model.options, result.choices.tolist(), strict=True)
    ):
        answers[positions[column]] = options[choice].answer
    return [
        REGION,
        school.municipality,
        school.name,
        school.inn,
        result.model.form.title,
        *answers,
        result.total,
        LEVELS[result.level].upper(),
        *result.track_points,
        *(LEVELS[level] for level in result.track_levels),
    ]


def _write_long_zip(path: Path, date: datetime.date, results: Iterable[_Result]) -> None:
    """Layout L: one cp1251 CSV per municipality, all in one zip; fixed timestamps keep it reproducible."""
    by_municipality: dict[str, list[_Result]] = {}
    for result in results:
        by_municipality.setdefault(result.school.municipality, []).append(result)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for municipality, members in by_municipality.items():
            info = zipfile.ZipInfo(
                f"{municipality}.csv", date_time=(date.year, date.month, date.day, 0, 0, 0)
            )
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, _long_csv(members))


def _long_csv(results: list[_Result]) -> bytes:
    """The CSV as cp1251 bytes, joined from pre-encoded row ends: fast enough for 40,000 schools."""
    blocks = [_csv_line(LONG_COLUMNS)]
    row_ends: dict[str, list[list[bytes]]] = {}
    for result in results:
        model, school = result.model, result.school
        if model.form.code not in row_ends:
            row_ends[model.form.code] = _long_row_ends(model)
        ends = row_ends[model.form.code]
        start = _csv_line((school.inn, school.name, school.municipality, model.form.title))[:-2] + b";"
        chosen = [ends[column][choice] for column, choice in enumerate(result.choices.tolist())]
        blocks.append(start + start.join(chosen))
    return b"".join(blocks)


def _long_row_ends(model: _FormModel) -> list[list[bytes]]:
    """Per indicator and option, the encoded «number;indicator;answer;points» and line end."""
    return [
        [
            _csv_line((str(indicator.number), indicator.text, option.answer, str(option.points)))
            for option in options
        ]
        for indicator, options in zip(model.indicators, model.options, strict=True)
    ]


def _csv_line(values: Iterable[str]) -> bytes:
    return (";".join(_csv_field(value) for value in values) + "\r\n").encode(LONG_ENCODING)


def _csv_field(value: str) -> str:
    """A cp1251-safe CSV field, quoted only when it must be."""
    value = value.translate(_CP1251_SUBSTITUTES)
    if any(mark in value for mark in ';"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _write_protocols(path: Path, results: Iterable[_Result]) -> None:
    """Layout P: one sheet per school, named by its ИНН, as the portal prints a school's result."""
    workbook = Workbook(write_only=True)
    for result in results:
        sheet = workbook.create_sheet(result.school.inn)
        for row in _protocol_rows(sheet, result):
            sheet.append(row)
    workbook.save(path)


def _protocol_rows(sheet: object, result: _Result) -> Iterator[list[object]]:
    school, model = result.school, result.model
    yield [PROTOCOL_TITLE]
    yield [model.form.title]
    yield [f"Образовательная организация: {school.name}"]
    yield [f"ИНН: {school.inn}"]
    yield [f"Муниципальное образование: {school.municipality}"]
    yield [f"Сумма баллов за весь тест: {result.total}"]
    yield [f"Уровень: {LEVELS[result.level].upper()}"]
    yield []
    yield [_bold(sheet, title) for title in PROTOCOL_COLUMNS]
    choices = result.choices.tolist()
    for track_index, track in enumerate(model.tracks):
        yield [None, _bold(sheet, _track_title(track))]
        for column in np.flatnonzero(model.track_of == track_index).tolist():
            option = model.options[column][choices[column]]
            indicator = model.indicators[column]
            yield [indicator.number, _marked_text(indicator), option.answer, option.points]


def _write_roster(path: Path, roster: Iterable[_School]) -> None:
    """The schools expected to pass: utf-8 with BOM and «;», so Russian Excel opens it as is."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(ROSTER_COLUMNS)
        for school in roster:
            writer.writerow(
                [
                    school.inn,
                    school.name,
                    school.municipality,
                    "сельская" if school.is_rural else "городская",
                    school.pupils,
                    "да" if school.is_correctional else "нет",
                ]
            )
