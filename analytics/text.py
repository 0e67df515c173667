"""Text normalisation used to match export cells against the rubric.

Portal exports vary in case, ё/е, dash characters (U+2012 in xlsx, «-» in cp1251 files),
quotes and whitespace; matching on the normalised form makes those variants equal while
keeping every other difference significant.
"""

from __future__ import annotations

import re

CRITICAL_SUFFIX = "(критический показатель)"
_DASHES = re.compile("[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad]")
_QUOTES = re.compile("[«»“”„\"']")
_SPACES = re.compile(r"\s+")
_NUMBER_PREFIX = re.compile(r"^\s*(\d+)\s*[.)]\s*(.*)$", re.DOTALL)


def normalize(text: object) -> str:
    """Case-, ё-, dash-, quote- and whitespace-insensitive key for a cell's text."""
    if text is None:
        return ""
    value = str(text).replace("\u00a0", " ").lower().replace("ё", "е")
    value = _DASHES.sub("-", value)
    value = _QUOTES.sub('"', value)
    return _SPACES.sub(" ", value).strip()


def strip_critical_suffix(indicator: str) -> tuple[str, bool]:
    """Split the portal's « (критический показатель)» marker off an indicator's text."""
    stripped = indicator.rstrip()
    if normalize(stripped).endswith(CRITICAL_SUFFIX):
        return stripped[: len(stripped) - len(CRITICAL_SUFFIX)].rstrip(), True
    return stripped, False


def split_numbered_header(header: str) -> tuple[int | None, str]:
    """«12. Текст показателя» → (12, «Текст показателя»); other headers → (None, header)."""
    match = _NUMBER_PREFIX.match(header)
    if not match:
        return None, header
    return int(match.group(1)), match.group(2)


def clean_cell(value: object) -> str:
    """A cell as trimmed text; whole floats (10-digit ИНН read as 4713112062.0) lose '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\u00a0", " ").strip()
