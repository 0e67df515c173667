"""Every CSV the product writes (command line and page downloads) goes through `csv_bytes`.

Text cells starting with `=`, `+`, `-`, `@`, tab or CR would run as formulas in Excel or
LibreOffice (a school named `=HYPERLINK(...)`); they get a leading single quote, as OWASP
recommends. Only text cells change: numbers, negative ones included, stay numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NOT_TEXT_KINDS = frozenset("biufcmM")
"""dtype kinds that hold no text: booleans, numbers, datetimes and durations. Read off the dtype,
so that this module (and `rounds`, which writes CSV without pandas) need not import pandas."""


def neutralise_cell(value: object) -> object:
    """A text cell made inert for spreadsheets; anything that is not text is returned as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a formula; numeric columns untouched.

    Headers are cells too, and some come from data (a methodology's track codes).
    """
    safe = frame.copy()
    safe.columns = [neutralise_cell(column) for column in safe.columns]
    for column in safe.columns:
        series = safe[column]
        if series.dtype.kind in _NOT_TEXT_KINDS:
            continue
        safe[column] = series.map(neutralise_cell)
    return safe


def csv_bytes(frame: pd.DataFrame, *, excel: bool = False) -> bytes:
    """UTF-8 CSV: commas and no BOM, or `;` with a BOM for Russian Excel; formulas neutralised."""
    text = neutralise_formulas(frame).to_csv(index=False, sep=";" if excel else ",", lineterminator="\n")
    return ("\ufeff" if excel else "").encode() + text.encode("utf-8")
