"""Checking parsed exports against a methodology version before anything is written.

Every problem in every file is collected, so a user fixes a file once rather than once per
error. An answer that the rubric does not know is an error, never a silent 0: a wrong rubric
would otherwise pass as a school's deficit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from analytics.errors import Location, Problem, ProblemList, problem_count
from analytics.records import ExportSchool, ParsedFile
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.text import normalize, strip_critical_suffix

INFER_HINT = (
    "возможно, файл составлен по другой методике: укажите её ключом --methodology "
    "или предложите методику по выгрузкам командой «methodology infer»"
)


@dataclass(frozen=True)
class Option:
    option_id: int
    answer: str
    points: int


@dataclass(frozen=True)
class IndicatorRef:
    number: int
    text: str
    options: dict[str, Option]
    """Keyed by the normalised answer text."""


@dataclass
class RubricIndex:
    """The parts of one methodology version that validation looks up, keyed for speed."""

    version: str
    form_by_title: dict[str, str]
    form_titles: list[str]
    indicators: dict[str, dict[str, IndicatorRef]]
    """form → normalised indicator text → indicator."""
    track_code_by_name: dict[str, str]

    @classmethod
    def from_store(cls, con: duckdb.DuckDBPyConnection, version: str) -> RubricIndex:
        forms = con.execute(
            "select form, form_title from forms where version = ? order by form", [version]
        ).fetchall()
        tracks = con.execute(
            "select track_code, track_name from tracks where version = ?", [version]
        ).fetchall()
        rows = con.execute(
            """
            select i.form, i.number, i.indicator, o.option_id, o.answer, o.points
            from indicators as i
            join answer_options as o
                on o.version = i.version and o.form = i.form and o.number = i.number
            where i.version = ?
            order by i.form, i.number, o.option_id
            """,
            [version],
        ).fetchall()
        indicators: dict[str, dict[str, IndicatorRef]] = {form: {} for form, _ in forms}
        for form, number, text, option_id, answer, points in rows:
            ref = indicators[form].setdefault(normalize(text), IndicatorRef(number, text, {}))
            ref.options[normalize(answer)] = Option(option_id, answer, points)
        return cls(
            version=version,
            form_by_title={normalize(title): form for form, title in forms},
            form_titles=[title for _, title in forms],
            indicators=indicators,
            track_code_by_name={normalize(name): code for code, name in tracks},
        )


@dataclass
class ValidSchool:
    """A school ready to be written: resolved form, option per indicator, stated figures."""

    inn: str
    name: str
    municipality: str
    region: str | None
    form: str
    source_file: str
    location: Location
    numbers: list[int]
    """The indicators answered, in the export's order; `option_ids` and `points_exported` align
    with it. Parallel lists rather than dicts: a national import holds tens of thousands of
    schools, and a dict per school costs several times the memory."""
    option_ids: list[int]
    points_exported: list[int | None]
    stated: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)
    """scope ('total' or a track code) → (points, level rank) as the export states them."""

    @property
    def option_by_number(self) -> dict[int, int]:
        return dict(zip(self.numbers, self.option_ids, strict=True))


@dataclass
class ValidationResult:
    schools: list[ValidSchool]
    problems: list[Problem]
    duplicates_skipped: int = 0


def validate_files(files: list[ParsedFile], index: RubricIndex) -> ValidationResult:
    """Check every school of every file; the same ИНН twice must carry identical answers."""
    problems = ProblemList()
    for parsed in files:
        problems.extend(parsed.problems)
    accepted: dict[str, ValidSchool] = {}
    duplicates = 0
    normalizer = _CachedNormalizer()
    for parsed in files:
        for school in parsed.schools:
            valid = _validate_school(school, parsed.name, index, normalizer, problems)
            if valid is None:
                continue
            earlier = accepted.get(valid.inn)
            if earlier is None:
                accepted[valid.inn] = valid
            elif earlier.option_by_number == valid.option_by_number:
                duplicates += 1
            else:
                problems.append(
                    Problem(
                        valid.location,
                        f"школа с ИНН {valid.inn} уже есть в этой загрузке "
                        f"({earlier.location.describe()}) с другими ответами",
                    )
                )
    return ValidationResult(list(accepted.values()), problems, duplicates)


class _NormalizedTexts(dict[str, str]):
    """Exports repeat the same few hundred texts thousands of times; normalise each once."""

    def __missing__(self, text: str) -> str:
        key = self[text] = normalize(text)
        return key


class _NormalizedIndicators(dict[str, str]):
    """An indicator's text as the rubric keys it: normalised, without the critical marker."""

    def __missing__(self, text: str) -> str:
        key = self[text] = normalize(strip_critical_suffix(text)[0])
        return key


class _CachedNormalizer:
    """Both caches, shared by every school of one import."""

    def __init__(self) -> None:
        self.texts = _NormalizedTexts()
        self.indicators = _NormalizedIndicators()


def _validate_school(
    school: ExportSchool,
    file_name: str,
    index: RubricIndex,
    normalizer: _CachedNormalizer,
    problems: list[Problem],
) -> ValidSchool | None:
    form = index.form_by_title.get(normalizer.texts[school.form_title])
    if form is None:
        known = "; ".join(f"«{t}»" for t in index.form_titles)
        problems.append(
            Problem(
                Location(
                    school.location.file, school.location.sheet, school.location.row, "Тип самодиагностики"
                ),
                f"неизвестный тип самодиагностики «{school.form_title}»; в методике "
                f"{index.version} есть: {known}",
            )
        )
        return None
    count_before = problem_count(problems)
    indicators = index.indicators[form]
    indicator_keys, answer_keys = normalizer.indicators, normalizer.texts
    option_by_number: dict[int, int] = {}
    points_exported: dict[int, int | None] = {}
    for answer in school.answers:
        ref = indicators.get(indicator_keys[answer.indicator])
        if ref is None:
            problems.append(
                Problem(
                    answer.location,
                    f"показатель «{answer.indicator}» не найден в методике {index.version} "
                    f"для формы {form}; {INFER_HINT}",
                )
            )
            continue
        if answer.number is not None and answer.number != ref.number and answer.number_is_own_form:
            problems.append(
                Problem(
                    answer.location,
                    f"номер показателя {answer.number} не совпадает с методикой "
                    f"{index.version}: у показателя «{ref.text}» номер {ref.number}",
                )
            )
            continue
        option = ref.options.get(answer_keys[answer.answer])
        if option is None:
            problems.append(
                Problem(
                    answer.location,
                    f"ответ «{answer.answer}» не найден в методике {index.version} "
                    f"для показателя {ref.number}; {INFER_HINT}",
                )
            )
            continue
        if answer.points is not None and answer.points != option.points:
            problems.append(
                Problem(
                    answer.location,
                    f"баллы {answer.points} противоречат методике {index.version}: за ответ "
                    f"«{option.answer}» положено {option.points}; {INFER_HINT}",
                )
            )
            continue
        if ref.number in option_by_number:
            problems.append(
                Problem(answer.location, f"показатель {ref.number} у школы {school.inn} указан повторно")
            )
            continue
        option_by_number[ref.number] = option.option_id
        points_exported[ref.number] = answer.points
    missing = _missing_numbers(indicators, option_by_number)
    if missing and problem_count(problems) == count_before:
        problems.append(
            Problem(
                school.location,
                f"у школы {school.inn} нет ответов на показатели: {', '.join(map(str, missing))}",
            )
        )
    if problem_count(problems) > count_before:
        return None
    return ValidSchool(
        inn=school.inn,
        name=school.name,
        municipality=school.municipality,
        region=school.region,
        form=form,
        source_file=file_name,
        location=school.location,
        numbers=list(option_by_number),
        option_ids=list(option_by_number.values()),
        points_exported=list(points_exported.values()),
        stated=_stated_figures(school, index, normalizer.texts),
    )


def _missing_numbers(indicators: dict[str, IndicatorRef], option_by_number: dict[int, int]) -> list[int]:
    """The form's indicators a school did not answer; answers only come from the form's indicators."""
    if len(option_by_number) == len(indicators):
        return []
    return sorted({ref.number for ref in indicators.values()} - option_by_number.keys())


_RANK_BY_LEVEL = {level: rank for rank, level in enumerate(LEVELS)}


def _stated_figures(
    school: ExportSchool, index: RubricIndex, keys: _NormalizedTexts
) -> dict[str, tuple[int | None, int | None]]:
    """The portal's figures by scope; `keys` gives the same text as `normalize`, from a cache."""
    stated: dict[str, tuple[int | None, int | None]] = {}
    if school.stated_total is not None or school.stated_level is not None:
        rank = _RANK_BY_LEVEL.get(keys[school.stated_level]) if school.stated_level else None
        stated[TOTAL_SCOPE] = (school.stated_total, rank)
    for name, track in school.stated_tracks.items():
        code = index.track_code_by_name.get(keys[name])
        if code is not None and (track.points is not None or track.level is not None):
            stated[code] = (track.points, _RANK_BY_LEVEL.get(keys[track.level]) if track.level else None)
    return stated
