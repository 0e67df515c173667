"""Writing cells safely and quickly: outside text lands in xlsx as text, never as a formula.

openpyxl turns any string that starts with «=» into a formula, and Excel or LibreOffice would
evaluate it when the file is opened (a school name like «=HYPERLINK(…)» is an injection). Every
cell here goes through `put`, which stores strings as text and marks those that look like
formulas with a quote prefix, so the spreadsheet shows them literally even after editing.

Looks are named styles registered once per workbook: assigning a named style copies a ready
style record, while assigning fonts and borders cell by cell hashes them every time and made a
bulk export of two hundred checklists several times slower.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.worksheet import Worksheet

from analytics.documents.common import clean_text

FORMULA_PREFIXES = ("=", "+", "-", "@")
DEFAULT_WIDTH = 8.43
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(wrap_text=True, vertical="top", horizontal="center")
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_GROUP_FILL = PatternFill("solid", fgColor="EDEDED")
_CRITICAL_FILL = PatternFill("solid", fgColor="F8CBAD")
_CRITICAL_FONT = Font(bold=True, color="9C0006")

STYLES = {
    "title": NamedStyle("Документ: заголовок", font=Font(bold=True, size=14), alignment=_WRAP),
    "line": NamedStyle("Документ: строка", alignment=_WRAP),
    "line_bold": NamedStyle("Документ: строка жирным", font=Font(bold=True), alignment=_WRAP),
    "text": NamedStyle("Таблица: текст", alignment=_WRAP, border=_BORDER),
    "number": NamedStyle("Таблица: число", alignment=_CENTER, border=_BORDER),
    "header": NamedStyle(
        "Таблица: шапка", font=Font(bold=True), fill=_HEADER_FILL, alignment=_CENTER, border=_BORDER
    ),
    "group": NamedStyle(
        "Таблица: направление", font=Font(bold=True), fill=_GROUP_FILL, alignment=_WRAP, border=_BORDER
    ),
    "mark": NamedStyle("Таблица: отметка", font=_CRITICAL_FONT, alignment=_CENTER, border=_BORDER),
    "failed_text": NamedStyle(
        "Таблица: текст, критический", fill=_CRITICAL_FILL, alignment=_WRAP, border=_BORDER
    ),
    "failed_number": NamedStyle(
        "Таблица: число, критический", fill=_CRITICAL_FILL, alignment=_CENTER, border=_BORDER
    ),
    "failed_mark": NamedStyle(
        "Таблица: отметка, критический",
        font=_CRITICAL_FONT,
        fill=_CRITICAL_FILL,
        alignment=_CENTER,
        border=_BORDER,
    ),
}


def new_workbook(sheet_title: str, widths: tuple[float, ...]) -> tuple[Workbook, Worksheet]:
    """A workbook with the named styles registered and the column widths set."""
    workbook = Workbook()
    for style in STYLES.values():
        workbook.add_named_style(style)
    ws = workbook.active
    ws.title = sheet_title
    for column, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(1, column).column_letter].width = width
    return workbook, ws


def put(ws: Worksheet, row: int, column: int, value: object, style: str = "line") -> Cell:
    """Write a value with a named style; strings are stored as text whatever they start with."""
    cell = ws.cell(row=row, column=column)
    cell.style = STYLES[style].name
    if isinstance(value, str):
        text = clean_text(value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def put_span(ws: Worksheet, row: int, first: int, last: int, value: object, *, style: str = "line") -> Cell:
    """A value across columns first..last of one row (merged), every covered cell styled alike."""
    for column in range(first + 1, last + 1):
        ws.cell(row=row, column=column).style = STYLES[style].name
    if last > first:
        # Registering the range directly skips openpyxl's border re-drawing, which the named
        # style already covers and which costs more than all the rest of the sheet.
        ws.merged_cells.add(CellRange(min_col=first, min_row=row, max_col=last, max_row=row))
    return put(ws, row, first, value, style)


def fit_row_heights(ws: Worksheet, widths: tuple[float, ...], line_height: float = 15.0) -> None:
    """Row heights that show all wrapped text (LibreOffice does not grow rows on opening).

    A column width counts characters of the default font; a line of wrapped text holds a little
    fewer than that, and a merged cell holds as many as its columns together.
    """
    width_of = dict(enumerate(widths, start=1))
    spans = {
        (r.min_row, r.min_col): sum(width_of.get(c, DEFAULT_WIDTH) for c in range(r.min_col, r.max_col + 1))
        for r in ws.merged_cells.ranges
    }
    for row in ws.iter_rows():
        lines = 1
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value:
                continue
            width = spans.get((cell.row, cell.column), width_of.get(cell.column, DEFAULT_WIDTH))
            per_line = max(int(width * 0.85) - 1, 1)
            lines = max(lines, sum(-(-max(len(part), 1) // per_line) for part in cell.value.split("\n")))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = lines * line_height


def landscape_a4(ws: Worksheet) -> None:
    """Print on A4 landscape, as wide as the page, numbered: a table people sign on paper."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Страница &P из &N"
