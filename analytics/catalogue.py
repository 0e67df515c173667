"""The catalogue of typical measures (`data/catalogues/`): what a school usually does for a deficit.

A region edits these files by hand, so they are read strictly: a measure for an indicator the
methodology does not have, or of a kind the store does not know, is an error naming file and
line — read leniently, a retyped indicator would silently drop its measures from every plan.
Measures are keyed by the indicator's text (normalised), not its number: the correctional form
numbers the same indicators apart, and one row then serves both forms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from analytics.config import DATA_DIR
from analytics.datafiles import DataFileError, read_data_csv
from analytics.rubric import load_rubric
from analytics.text import normalize

CATALOGUE_DIR = DATA_DIR / "catalogues"
KINDS_FILE = CATALOGUE_DIR / "measure_kinds.csv"
MEASURES_FILE = CATALOGUE_DIR / "measures.csv"
KIND_CODES = ("own", "mentor", "seminar", "internship", "course", "municipal", "regional")
"""The kinds the store accepts (migration 0008 checks them); the files give their Russian labels."""


@dataclass(frozen=True)
class TypicalMeasure:
    kind: str
    action: str


@cache
def kind_labels() -> dict[str, str]:
    """Kind code → Russian label, in the order of KIND_CODES; every code labelled exactly once."""
    labels: dict[str, str] = {}
    for line, row in read_data_csv(KINDS_FILE, ("kind", "label")):
        kind, label = row["kind"].strip(), row["label"].strip()
        if kind not in KIND_CODES or kind in labels or not label:
            where = f"Файл «{KINDS_FILE.name}», строка {line}"
            msg = f"{where}: вид меры «{kind}» неизвестен, повторён или без названия"
            raise DataFileError(msg)
        labels[kind] = label
    missing = [code for code in KIND_CODES if code not in labels]
    if missing:
        raise DataFileError(f"Файл «{KINDS_FILE.name}»: нет названий для видов мер {', '.join(missing)}")
    return {code: labels[code] for code in KIND_CODES}


@cache
def typical_measures(version: str) -> dict[str, tuple[TypicalMeasure, ...]]:
    """Normalised indicator text → its typical measures in file order, for one methodology version."""
    known = {normalize(i.text) for i in load_rubric(version).indicators}
    found: dict[str, list[TypicalMeasure]] = {}
    for line, row in read_data_csv(MEASURES_FILE, ("version", "indicator", "kind", "action")):
        if row["version"].strip() != version:
            continue
        key, kind, action = normalize(row["indicator"]), row["kind"].strip(), row["action"].strip()
        where = f"Файл «{MEASURES_FILE.name}», строка {line}"
        if key not in known:
            raise DataFileError(f"{where}: показателя «{row['indicator']}» нет в методике {version}")
        if kind not in KIND_CODES:
            raise DataFileError(f"{where}: вид меры «{kind}» неизвестен (допустимы: {', '.join(KIND_CODES)})")
        if not action:
            raise DataFileError(f"{where}: не указано действие")
        found.setdefault(key, []).append(TypicalMeasure(kind, action))
    return {key: tuple(measures) for key, measures in found.items()}
