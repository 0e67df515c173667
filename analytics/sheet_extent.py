"""How large an xlsx sheet is, read from its XML before the spreadsheet reader is let near it.

The reader allocates a sheet's whole rectangle up front, from the dimension the file declares or
from its farthest cell: a 5 KB file with one value in XFD1048576 asks for 512 GB and the process
aborts (no exception to catch). So every sheet's declared dimension and its real rows and columns
are checked here, streaming the sheet's XML, and a sheet larger than any export is refused.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from dataclasses import dataclass
from posixpath import join, normpath

MAX_SHEET_ROWS = 200_000
"""A national wide export has one row per school (about 40,000); five times that is no export."""
MAX_SHEET_COLUMNS = 702
"""Columns A…ZZ: a questionnaire of 100 indicators with answers and points fits four times over."""

_CHUNK = 8 << 20
_OVERLAP = 64
"""Bytes kept from the previous chunk so that a reference cut at a chunk's edge is still seen."""
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="([A-Z]*)(\d*)(?::([A-Z]*)(\d*))?"')
_ROW = re.compile(rb'row\b[^>]*?\br="(\d+)"')
"""A row's number; the pattern opens with literal text (any namespace prefix before it) so the
scan runs at memory speed: a leading `<(?:\\w+:)?` made it four times slower."""
_FAR_COLUMN = re.compile(rb'r="[A-Z]{3}')
_FAR_ROW = re.compile(rb'r="[A-Z]{1,2}\d{7}')
"""Cell references beyond column ZZ or row 999,999: a sheet no export could be."""


class SheetTooLarge(Exception):
    """A sheet whose size alone refuses it; the message is Russian and names the figures."""


@dataclass(frozen=True)
class _Extent:
    rows: int
    columns: int


def check_sheet_extents(data: bytes) -> None:
    """Raise SheetTooLarge (naming the sheet) when any sheet of the xlsx is larger than an export.

    A file that is not a readable xlsx package passes: the reader then reports it as broken.
    """
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
        parts = _sheet_parts(package)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return
    for sheet_name, part in parts.items():
        try:
            with package.open(part) as stream:
                _check_sheet(sheet_name, stream)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, ValueError):
            continue


def hidden_sheets(data: bytes) -> list[str]:
    """Names of the sheets Excel does not show (state hidden or veryHidden), from workbook.xml.

    A hidden sheet's rows are read like any other, so the user has to be told they were.
    """
    try:
        workbook = _read_small(zipfile.ZipFile(io.BytesIO(data)), "xl/workbook.xml")
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, ValueError):
        return []
    names = []
    for tag in _tags(workbook, "sheet"):
        attributes = {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(tag)}
        if attributes.get(b"state") in (b"hidden", b"veryHidden"):
            names.append(html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace")))
    return names


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the path of its XML inside the package, as workbook.xml and its rels say.

    Both files are small; they are read within _MAX_INDEX_BYTES and scanned by pattern, not handed
    to an XML parser (no entity expansion, whatever the file holds).
    """
    workbook = _read_small(package, "xl/workbook.xml")
    rels = _read_small(package, "xl/_rels/workbook.xml.rels")
    targets = {}
    for tag in _tags(rels, "Relationship"):
        attributes = dict(_ATTRIBUTE.findall(tag))
        targets[attributes.get(b"Id")] = attributes.get(b"Target", b"").decode("utf-8", "replace")
    parts = {}
    for tag in _tags(workbook, "sheet"):
        attributes = {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(tag)}
        target = targets.get(attributes.get(b"id"), "")
        if target:
            path = target.lstrip("/") if target.startswith("/") else normpath(join("xl", target))
            name = html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))
            parts[name] = path
    return parts


def _read_small(package: zipfile.ZipFile, part: str) -> bytes:
    with package.open(part) as stream:
        return stream.read(_MAX_INDEX_BYTES)


def _tags(text: bytes, local_name: str) -> list[bytes]:
    """Opening tags of one local name, under any namespace prefix."""
    return re.findall(rb"<(?:\w+:)?" + local_name.encode() + rb"\b[^>]*>", text)


_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_MAX_INDEX_BYTES = 4 << 20


def _check_sheet(sheet_name: str, stream: io.BufferedIOBase) -> None:
    tail = b""
    max_row = 0
    first = True
    while chunk := stream.read(_CHUNK):
        text = tail + chunk
        if first:
            _check_declared(sheet_name, text)
            first = False
        if _FAR_COLUMN.search(text) or _FAR_ROW.search(text):
            _refuse(sheet_name, "ячейки за пределами столбца ZZ или строки 999 999")
        max_row = max([max_row, *map(int, _ROW.findall(text))])
        if max_row > MAX_SHEET_ROWS:
            _refuse(sheet_name, f"не менее {max_row:,} строк".replace(",", "\u00a0"))
        tail = text[-_OVERLAP:]


def _check_declared(sheet_name: str, head: bytes) -> None:
    found = _DIMENSION.search(head)
    if not found:
        return
    last_column, last_row = found.group(3, 4) if found.group(3) is not None else found.group(1, 2)
    extent = _Extent(int(last_row or 1), _column_number(last_column or b"A"))
    if extent.rows > MAX_SHEET_ROWS or extent.columns > MAX_SHEET_COLUMNS:
        size = f"{extent.rows:,} строк × {extent.columns:,} столбцов".replace(",", "\u00a0")
        _refuse(sheet_name, f"по его собственному описанию {size}")


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _refuse(sheet_name: str, what: str) -> None:
    limit = f"{MAX_SHEET_ROWS:,} строк и {MAX_SHEET_COLUMNS} столбцов".replace(",", "\u00a0")
    msg = (
        f"лист «{sheet_name}» слишком велик для выгрузки самодиагностики "
        f"({what}; допускается не более {limit})"
    )
    raise SheetTooLarge(msg)
