"""A methodology proposed from exports, for a region that lacks the official tables.

Across hundreds of schools the exports themselves reveal the rubric: every (answer → points)
pair of the long and protocol layouts, each indicator's maximum, which indicators carry the
« (критический показатель)» mark, and for each level threshold the interval that the schools'
stated (total, level) pairs allow. Schools capped by a failed critical indicator say nothing
about point thresholds and are left out of the intervals. The result is written in the rubric's
own CSV layout, with the intervals beside it, for a person to check against official tables.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import Location, NothingToInfer, Problem
from analytics.loading import Upload
from analytics.parsing import parse_export
from analytics.records import ExportSchool, ParsedFile
from analytics.rubric import LEVELS, TOTAL_SCOPE, Rubric, level_rank
from analytics.text import normalize, strip_critical_suffix

NO_POINTS = "в файле нет ответов с баллами: нужна таблица по показателям или протоколы школ"
"""Why a file read cleanly gives nothing to infer from (a wide export states no answer's points)."""


@dataclass
class _IndicatorEvidence:
    form: str
    text: str
    number: int | None = None
    is_critical: bool = False
    points_by_answer: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    answer_text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ThresholdInterval:
    form: str
    scope: str
    level: str
    lowest_possible: int | None
    highest_possible: int | None
    schools: int

    @property
    def proposed(self) -> int | None:
        return self.highest_possible if self.highest_possible is not None else self.lowest_possible


@dataclass
class InferredMethodology:
    version: str
    forms: dict[str, str]
    indicators: list[_IndicatorEvidence]
    intervals: list[ThresholdInterval]
    conflicts: list[str]
    unplaced: list[str]


def infer_methodology(uploads: list[Upload], base: Rubric, version: str = "inferred") -> InferredMethodology:
    """Read exports and propose a rubric; tracks and the critical rule come from `base`.

    Raises NothingToInfer when no answer carries points: an empty proposal would pass for a
    methodology with no indicators.
    """
    parsed = [member for upload in uploads for member in parse_export(upload.name, upload.data)]
    forms = _forms(parsed, base)
    evidence = _indicator_evidence(parsed, forms, base)
    if not any(e.points_by_answer for e in evidence.values()):
        raise NothingToInfer(_why_no_points(parsed))
    conflicts = [
        f"форма {e.form}, показатель «{e.text}», ответ «{e.answer_text[key]}»: баллы {sorted(points)}"
        for e in evidence.values()
        for key, points in e.points_by_answer.items()
        if len(points) > 1
    ]
    track_of = {(i.form, normalize(i.text)): i.track_code for i in base.indicators}
    unplaced = [f"{e.form}: «{e.text}»" for key, e in evidence.items() if key not in track_of]
    intervals = _threshold_intervals(parsed, forms, evidence, base)
    return InferredMethodology(version, forms, list(evidence.values()), intervals, conflicts, unplaced)


def _why_no_points(parsed: list[ParsedFile]) -> list[Problem]:
    """Each file's own problems, or, for a file read cleanly, that it states no points."""
    return [
        problem for file in parsed for problem in file.problems or [Problem(Location(file.name), NO_POINTS)]
    ]


def write_methodology(inferred: InferredMethodology, base: Rubric, out_dir: Path) -> Path:
    """Write the proposal as a rubric folder plus `intervals.csv` and `report.txt`."""
    folder = out_dir / inferred.version
    folder.mkdir(parents=True, exist_ok=True)
    v = inferred.version
    track_of = {(i.form, normalize(i.text)): i.track_code for i in base.indicators}
    _write(
        folder / "tracks.csv",
        ["version", "order", "track_code", "track_name", "track_kind"],
        [[v, t.order, t.code, t.name, t.kind] for t in base.tracks],
    )
    _write(
        folder / "forms.csv",
        ["version", "form", "form_title"],
        [[v, code, title] for title, code in sorted(inferred.forms.items(), key=lambda kv: kv[1])],
    )
    indicators, answers = [], []
    for e in sorted(inferred.indicators, key=lambda e: (e.form, e.number or 0)):
        best = max((max(p) for p in e.points_by_answer.values()), default=0)
        track = track_of.get((e.form, normalize(e.text)), "unknown")
        indicators.append([v, e.form, e.number, track, e.text, int(e.is_critical), best])
        answers += [
            [v, e.form, e.number, e.answer_text[key], max(points)]
            for key, points in e.points_by_answer.items()
        ]
    _write(
        folder / "indicators.csv",
        ["version", "form", "number", "track_code", "indicator", "critical", "max_points"],
        indicators,
    )
    _write(folder / "answers.csv", ["version", "form", "number", "answer", "points"], answers)
    _write(
        folder / "thresholds.csv",
        ["version", "form", "scope", "level", "min_points", "max_points"],
        _threshold_rows(inferred, indicators),
    )
    _write(
        folder / "critical_rule.csv",
        ["version", "applies_to", "cap_level", "meaning"],
        [[v, r.applies_to, LEVELS[r.cap_level_rank], r.meaning] for r in base.critical_rules],
    )
    _write(
        folder / "intervals.csv",
        ["form", "scope", "level", "lowest_possible", "highest_possible", "schools"],
        [
            [i.form, i.scope, i.level, i.lowest_possible, i.highest_possible, i.schools]
            for i in inferred.intervals
        ],
    )
    (folder / "report.txt").write_text(_report(inferred), encoding="utf-8")
    return folder


def _forms(parsed: list[ParsedFile], base: Rubric) -> dict[str, str]:
    """Normalised form title → form code (the base's code where the title matches)."""
    forms: dict[str, str] = {}
    for school in _schools(parsed):
        key = normalize(school.form_title)
        if key not in forms:
            known = base.form_by_title.get(key)
            forms[key] = known.code if known else f"form{len(forms) + 1}"
    return forms


def _schools(parsed: list[ParsedFile]) -> list[ExportSchool]:
    return [school for f in parsed for school in f.schools]


def _indicator_evidence(parsed, forms, base) -> dict[tuple[str, str], _IndicatorEvidence]:
    evidence: dict[tuple[str, str], _IndicatorEvidence] = {}
    base_numbers = {(i.form, normalize(i.text)): i.number for i in base.indicators}
    for school in _schools(parsed):
        form = forms[normalize(school.form_title)]
        for answer in school.answers:
            text, marked = strip_critical_suffix(answer.indicator)
            key = (form, normalize(text))
            item = evidence.setdefault(key, _IndicatorEvidence(form, text, base_numbers.get(key)))
            item.is_critical |= marked
            if answer.number_is_own_form and answer.number is not None:
                item.number = answer.number
            answer_key = normalize(answer.answer)
            item.answer_text.setdefault(answer_key, answer.answer)
            if answer.points is not None:
                item.points_by_answer[answer_key].add(answer.points)
            else:
                item.points_by_answer.setdefault(answer_key, set())
    for item in evidence.values():
        item.points_by_answer = {k: p for k, p in item.points_by_answer.items() if p}
    return evidence


def _threshold_intervals(parsed, forms, evidence, base) -> list[ThresholdInterval]:
    points_of = {
        (key, answer): max(points)
        for key, item in evidence.items()
        for answer, points in item.points_by_answer.items()
    }
    observed: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    code_by_name = {normalize(t.name): t.code for t in base.tracks}
    for school in _schools(parsed):
        form = forms[normalize(school.form_title)]
        if _fails_critical(school, form, evidence, points_of):
            continue
        if (
            school.stated_total is not None
            and school.stated_level
            and level_rank(school.stated_level) is not None
        ):
            observed[(form, TOTAL_SCOPE)].append((school.stated_total, level_rank(school.stated_level)))
        for name, stated in school.stated_tracks.items():
            rank = level_rank(stated.level) if stated.level else None
            if stated.points is not None and rank is not None and normalize(name) in code_by_name:
                observed[(form, code_by_name[normalize(name)])].append((stated.points, rank))
    intervals = []
    for (form, scope), pairs in sorted(observed.items()):
        for rank in range(1, len(LEVELS)):
            below = [p for p, r in pairs if r < rank]
            at_or_above = [p for p, r in pairs if r >= rank]
            intervals.append(
                ThresholdInterval(
                    form,
                    scope,
                    LEVELS[rank],
                    max(below) + 1 if below else None,
                    min(at_or_above) if at_or_above else None,
                    len(pairs),
                )
            )
    return intervals


def _fails_critical(school: ExportSchool, form: str, evidence, points_of) -> bool:
    """True when a critical answer scores 0, or scores what no export with points shows."""
    for answer in school.answers:
        key = (form, normalize(strip_critical_suffix(answer.indicator)[0]))
        item = evidence.get(key)
        points = (
            answer.points if answer.points is not None else points_of.get((key, normalize(answer.answer)))
        )
        if item is not None and item.is_critical and points in (0, None):
            return True
    return False


def _threshold_rows(inferred: InferredMethodology, indicators: list[list]) -> list[list]:
    maxima: dict[tuple[str, str], int] = defaultdict(int)
    for _, form, _, track, _, _, best in indicators:
        maxima[(form, track)] += best
        maxima[(form, TOTAL_SCOPE)] += best
    rows = []
    by_scope = defaultdict(dict)
    for interval in inferred.intervals:
        by_scope[(interval.form, interval.scope)][interval.level] = interval.proposed
    for (form, scope), proposed in sorted(by_scope.items()):
        rows.append([inferred.version, form, scope, LEVELS[0], 0, maxima[(form, scope)]])
        rows += [
            [inferred.version, form, scope, level, proposed.get(level), maxima[(form, scope)]]
            for level in LEVELS[1:]
        ]
    return rows


def _report(inferred: InferredMethodology) -> str:
    lines = [
        f"Предложенная методика «{inferred.version}»: проверьте по официальным таблицам.",
        f"Форм: {len(inferred.forms)}, показателей: {len(inferred.indicators)}.",
        "Пороги: в thresholds.csv — наименьшее значение, встреченное на уровне; intervals.csv даёт "
        "интервал, который допускают данные (школы с невыполненным критическим показателем не учтены).",
    ]
    if inferred.conflicts:
        lines.append("Ответы с разными баллами в разных выгрузках:")
        lines += [f"  {c}" for c in inferred.conflicts]
    if inferred.unplaced:
        lines.append("Показатели, которым не найдено направление в базовой методике (track_code = unknown):")
        lines += [f"  {u}" for u in inferred.unplaced]
    return "\n".join(lines) + "\n"


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
