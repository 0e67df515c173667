"""What every document shares: the methodology label, numbers in Russian, safe text, data CSVs.

School names and answers come from outside (portal exports, the roster). Characters that XML
cannot hold would make a document unreadable, so every piece of outside text passes through
`clean_text` before it reaches a file; formula-looking text is dealt with where xlsx is written.
"""

from __future__ import annotations

import re

from analytics.rounds import Round

DEMO_VERSION_PREFIX = "demo"
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FILE_NAME_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
PROJECT_TITLE = "Проект «Школа Минпросвещения России»"


def methodology_label(version: str) -> str:
    """«Методика: demo-2025 (демонстрационная)»; a region's own version carries no remark."""
    remark = " (демонстрационная)" if version.startswith(DEMO_VERSION_PREFIX) else ""
    return f"Методика: {version}{remark}"


def round_label(rnd: Round) -> str:
    """«Весна 2026 (от 1 апреля 2026 г.)»."""
    return f"{rnd.name} (от {rnd.date.day} {_MONTHS_GENITIVE[rnd.date.month - 1]} {rnd.date.year} г.)"


def clean_text(value: object) -> str:
    """Outside text without the control characters XML cannot store."""
    if value is None:
        return ""
    return _XML_ILLEGAL.sub("", str(value))


def safe_file_name(text: str, limit: int = 80) -> str:
    """A file or folder name that every archive tool and file system accepts."""
    name = _FILE_NAME_ILLEGAL.sub("_", clean_text(text)).strip(" .")
    return name[:limit].rstrip(" .") or "_"


def format_share(part: int, whole: int) -> str:
    """«12,5 %» (one decimal, decimal comma); «—» when there is nothing to divide by."""
    if whole == 0:
        return "—"
    return f"{100 * part / whole:.1f}".replace(".", ",") + " %"


def goal_text(answer_best: str) -> str:
    """«Обеспечить: реализуется в полном объёме» — what the school must achieve, in the
    methodology's words for the indicator's best state, not the option to tick next time. An
    answer that opens with an abbreviation keeps its capitals."""
    best = answer_best.strip()
    if len(best) > 1 and best[1].islower():
        best = best[0].lower() + best[1:]
    return f"Обеспечить: {best}"


def format_points(points: int, points_max: int) -> str:
    """«59 из 100»."""
    return f"{points} из {points_max}"


def format_delta(value: int) -> str:
    """«+3», «−2» (a true minus sign), «0»."""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"\u2212{-value}"
    return "0"


def count_phrase(count: int, one: str, few: str, many: str) -> str:
    """«1 школа», «3 школы», «11 школ»: the noun agreeing with the number."""
    tens, units = count % 100, count % 10
    if 11 <= tens <= 14:
        noun = many
    elif units == 1:
        noun = one
    elif 2 <= units <= 4:
        noun = few
    else:
        noun = many
    return f"{count} {noun}"
