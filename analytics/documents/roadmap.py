"""The «дорожная карта» xlsx: the plan of measures goes out to a school and comes back filled in.

The file is the school's to edit, so it comes back through the importers' discipline: every
problem is collected first and named by sheet, row and column in Russian, and the plan is
written whole in one transaction or not at all. Rows map back to stored measures by a hidden,
protected «Код меры» column; a row without a code is a new measure. A measure missing from the
file is kept as it is (to drop one, set «отменено»), so a school deleting a row loses nothing.
A row whose school-filled cells are all empty is skipped (a proposed measure the school did not
take), unless it carries a code. The school and round are read from the file's header and must
match every code in it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

import duckdb
from openpyxl import load_workbook
from openpyxl.styles import Protection
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from analytics.catalogue import kind_labels
from analytics.db import transaction
from analytics.documents import xlsx_helpers as xl
from analytics.documents.common import PROJECT_TITLE, methodology_label
from analytics.errors import ImportRejected, Location, NotFound, Problem
from analytics.plans import (
    STATUSES,
    Actor,
    Measure,
    SchoolForm,
    draft_plan,
    insert_measure,
    measure_problems,
    measures_frame,
    require_recorder,
    rewrite_measure,
    school_form,
    stored_measure,
)
from analytics.rounds import Round, find_round
from analytics.sheet_extent import SheetTooLarge, check_sheet_extents
from analytics.sql import query
from analytics.text import normalize

SHEET = "Дорожная карта"
TITLE = "Дорожная карта по устранению дефицитов по результатам самодиагностики"
COLUMNS = (
    "Код меры",
    "Направление",
    "№ показателей",
    "Показатели",
    "Мера",
    "Вид меры",
    "Ответственный",
    "Срок",
    "Статус",
    "Комментарий",
)
FIELD_COLUMNS = {
    "numbers": "№ показателей",
    "action": "Мера",
    "kind": "Вид меры",
    "responsible": "Ответственный",
    "due_on": "Срок",
    "status": "Статус",
    "comment": "Комментарий",
}
"""Measure field → the column the school fills it in; «Направление» and «Показатели» are read-only
reminders, derived again from the numbers on import."""
EDITABLE = tuple(COLUMNS.index(title) + 1 for title in FIELD_COLUMNS.values())
WIDTHS = (8, 18, 13, 40, 46, 22, 22, 12, 16, 30)
INN_ROW, ROUND_ROW = 5, 8
IDENTITY = (("ИНН", INN_ROW), ("Школа", 6), ("Муниципальное образование", 7), ("Раунд", ROUND_ROW))
HEADER_ROW = 10
SPARE_ROWS = 20
"""Empty rows left editable for measures the school adds."""
MAX_MEASURES = 500
"""No school plans more measures than this: a longer sheet is refused before it is validated."""
MAX_BYTES = 5 << 20
DATE_FORMAT = "DD.MM.YYYY"
CLEARED = "строка сохранённой меры очищена: чтобы отказаться от меры, укажите статус «отменено»"
_TEXT_DATES = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y")
_NUMBER_SPLIT = re.compile(r"[,;\s]+")


@dataclass(frozen=True)
class RoadmapReport:
    inn: str
    round_name: str
    new: int
    updated: int
    unchanged: int

    def summary(self) -> str:
        return (
            f"Дорожная карта школы {self.inn} («{self.round_name}»): мер новых — {self.new}, "
            f"изменено — {self.updated}, без изменений — {self.unchanged}"
        )


@dataclass(frozen=True)
class _Row:
    number: int
    measure_id: int | None
    measure: Measure


def roadmap_xlsx(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> bytes:
    """The school's plan as the xlsx it fills in: its stored measures, or the draft when none."""
    form = school_form(con, rnd, inn)
    stored = measures_frame(con, rnd, inn=inn)
    if stored.empty:
        rows = [(None, d.measure) for d in draft_plan(con, rnd, inn)]
    else:
        rows = [(int(r.measure_id), stored_measure(con, int(r.measure_id))) for r in stored.itertuples()]
    school = con.execute(query("plan_school_identity"), {"inn": inn}).fetchone()
    workbook, ws = xl.new_workbook(SHEET, WIDTHS)
    _put_heading(ws, rnd, (inn, *school, rnd.name))
    for offset, (measure_id, measure) in enumerate(rows, start=1):
        _put_measure(ws, HEADER_ROW + offset, measure_id, measure, form)
    _finish_sheet(ws, HEADER_ROW + len(rows) + 1, HEADER_ROW + len(rows) + SPARE_ROWS)
    xl.fit_row_heights(ws, WIDTHS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _put_heading(ws: Worksheet, rnd: Round, identity: tuple[str, ...]) -> None:
    last = len(COLUMNS)
    xl.put_span(ws, 1, 2, last, TITLE, style="title")
    xl.put_span(ws, 2, 2, last, PROJECT_TITLE)
    xl.put_span(ws, 3, 2, last, methodology_label(rnd.methodology), style="line_bold")
    for (label, row), value in zip(IDENTITY, identity, strict=True):
        xl.put(ws, row, 2, label, "line_bold")
        xl.put_span(ws, row, 3, last, value)
    for column, title in enumerate(COLUMNS, start=1):
        xl.put(ws, HEADER_ROW, column, title, "header")
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 2)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    xl.landscape_a4(ws)


def _put_measure(ws: Worksheet, row: int, measure_id: int | None, measure: Measure, form: SchoolForm) -> None:
    track = form.indicators[measure.numbers[0]][0]
    values = (
        measure_id or "",
        form.track_names[track],
        ", ".join(map(str, measure.numbers)),
        "\n".join(f"{n}. {form.indicators[n][1]}" for n in measure.numbers),
        measure.action,
        kind_labels()[measure.kind],
        measure.responsible,
        measure.due_on or "",
        measure.status,
        measure.comment,
    )
    for column, value in enumerate(values, start=1):
        xl.put(ws, row, column, value, "text")
    ws.cell(row, COLUMNS.index("Срок") + 1).number_format = DATE_FORMAT


def _finish_sheet(ws: Worksheet, first_spare: int, last_row: int) -> None:
    """Spare rows for new measures, dropdowns for kind and status, the code column hidden, every
    cell but the school's own locked (a named style resets protection, so it is set last)."""
    for row in range(first_spare, last_row + 1):
        for column in range(1, len(COLUMNS) + 1):
            xl.put(ws, row, column, "", "text")
    for row in range(HEADER_ROW + 1, last_row + 1):
        ws.cell(row, COLUMNS.index("Срок") + 1).number_format = DATE_FORMAT
        for column in EDITABLE:
            ws.cell(row, column).protection = Protection(locked=False)
    _dropdown(ws, "Вид меры", tuple(kind_labels().values()), last_row)
    _dropdown(ws, "Статус", STATUSES, last_row)
    ws.column_dimensions["A"].hidden = True
    ws.protection.sheet = True


def _dropdown(ws: Worksheet, title: str, choices: tuple[str, ...], last_row: int) -> None:
    letter = ws.cell(1, COLUMNS.index(title) + 1).column_letter
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error="Выберите значение из списка",
    )
    validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{last_row}")
    ws.add_data_validation(validation)


def import_roadmap(
    con: duckdb.DuckDBPyConnection, data: bytes, filename: str, updated_by: Actor = None
) -> RoadmapReport:
    """Validate a filled-in roadmap whole, then write its measures in one transaction.

    The school is the file's own, so a signed-in actor is checked against it, not the page's.
    """
    cells = _read_sheet(data, filename)
    rnd, inn, form = _identity(con, cells, filename)
    require_recorder(con, updated_by, rnd, inn)
    stored_ids = {int(i) for i in measures_frame(con, rnd, inn=inn)["measure_id"]}
    rows, problems = _measure_rows(cells, filename, rnd, form, stored_ids)
    if problems:
        raise ImportRejected(problems)
    return _write(con, rnd, inn, form, rows, updated_by)


def _refuse(filename: str, message: str, row: int | None = None, column: str | None = None) -> None:
    sheet = SHEET if row is not None else None
    raise ImportRejected([Problem(Location(filename, sheet, row, column), message)])


def _read_sheet(data: bytes, filename: str) -> list[tuple[tuple[object, bool], ...]]:
    """The sheet's rows as (value, is_formula) cells, up to the header and MAX_MEASURES after it."""
    if len(data) > MAX_BYTES:
        _refuse(filename, f"файл больше {MAX_BYTES >> 20} МБ — это не дорожная карта одной школы")
    try:
        check_sheet_extents(data)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except SheetTooLarge as error:
        _refuse(filename, str(error))
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        _refuse(filename, "файл не открывается как книга Excel (.xlsx)")
    try:
        if workbook.sheetnames != [SHEET]:
            extra = ", ".join(f"«{name}»" for name in workbook.sheetnames if name != SHEET)
            _refuse(filename, f"в книге должен быть один лист «{SHEET}»; лишние или чужие листы: {extra}")
        return _bounded_rows(workbook[SHEET], filename)
    finally:
        workbook.close()


def _bounded_rows(ws, filename: str) -> list[tuple[tuple[object, bool], ...]]:
    limit = HEADER_ROW + MAX_MEASURES + SPARE_ROWS
    rows = []
    for number, row in enumerate(ws.iter_rows(min_row=1, max_col=len(COLUMNS)), start=1):
        cells = tuple((cell.value, cell.data_type == "f") for cell in row)
        if number <= limit:
            rows.append(cells)
        elif any(value not in (None, "") for value, _f in cells):
            _refuse(
                filename, f"строк с мерами больше {MAX_MEASURES}: это не дорожная карта одной школы", number
            )
    return rows


def _cell(cells, row: int, column: int) -> tuple[object, bool]:
    line = cells[row - 1] if row <= len(cells) else ()
    return line[column - 1] if column <= len(line) else (None, False)


def _identity(con: duckdb.DuckDBPyConnection, cells, filename: str) -> tuple[Round, str, SchoolForm]:
    """The round and school the file names, checked against the store, and the header row."""
    header = tuple(_text(_cell(cells, HEADER_ROW, c)[0]) for c in range(1, len(COLUMNS) + 1))
    if header != COLUMNS:
        _refuse(filename, f"не найдена строка заголовков таблицы ({', '.join(COLUMNS)})", HEADER_ROW)
    inn_value, inn_formula = _cell(cells, INN_ROW, 3)
    round_value, round_formula = _cell(cells, ROUND_ROW, 3)
    for row, is_formula in ((INN_ROW, inn_formula), (ROUND_ROW, round_formula)):
        if is_formula:
            _refuse(filename, "формула вместо значения: ИНН и раунд вписываются значениями", row, "C")
    inn, round_name = _text(inn_value), _text(round_value)
    rnd = find_round(con, round_name) if round_name else None
    if rnd is None:
        _refuse(filename, f"раунд «{round_name}» не найден в базе", ROUND_ROW, "C")
    try:
        form = school_form(con, rnd, inn)
    except NotFound as error:
        _refuse(filename, str(error), INN_ROW, "C")
    return rnd, inn, form


def _measure_rows(
    cells, filename: str, rnd: Round, form: SchoolForm, stored_ids: set[int]
) -> tuple[list[_Row], list[Problem]]:
    rows, problems, seen = [], [], set()
    for number in range(HEADER_ROW + 1, len(cells) + 1):
        line = [_cell(cells, number, c) for c in range(1, len(COLUMNS) + 1)]
        if not any(_text(line[c - 1][0]) for c in EDITABLE):
            if _text(line[0][0]):
                problems.append(Problem(Location(filename, SHEET, number, COLUMNS[0]), CLEARED))
            continue
        row_problems = _row_problems(filename, number, line)
        if row_problems:
            problems.extend(row_problems)
            continue
        parsed, parse_problems = _parse_row(filename, number, line, rnd, form, stored_ids, seen)
        problems.extend(parse_problems)
        if parsed:
            rows.append(parsed)
    return rows, problems


def _row_problems(filename: str, number: int, line) -> list[Problem]:
    """Formulas anywhere in the row: the school's values must be values, not instructions."""
    return [
        Problem(Location(filename, SHEET, number, COLUMNS[c]), "формула вместо значения: впишите значение")
        for c, (_value, is_formula) in enumerate(line)
        if is_formula
    ]


def _parse_row(filename, number, line, rnd, form, stored_ids, seen) -> tuple[_Row | None, list[Problem]]:
    """The row as a measure, or every problem in it: a cell that does not parse is named once,
    and the measure's own checks are reported for the other cells."""

    def at(column: str, message: str) -> Problem:
        return Problem(Location(filename, SHEET, number, column), message)

    values = {title: value for title, (value, _f) in zip(COLUMNS, line, strict=True)}
    problems: list[Problem] = []
    measure_id = _measure_id(values["Код меры"], stored_ids, seen, problems, at)
    measure = Measure(
        _numbers(values["№ показателей"], problems, at),
        _text(values["Мера"]),
        _choice(values["Вид меры"], "Вид меры", {v: k for k, v in kind_labels().items()}, problems, at),
        _text(values["Ответственный"]),
        _date(values["Срок"], problems, at),
        _choice(values["Статус"], "Статус", {s: s for s in STATUSES}, problems, at),
        _text(values["Комментарий"]),
    )
    unparsed = {p.location.column for p in problems}
    problems += [
        at(FIELD_COLUMNS[f], message)
        for f, message in measure_problems(measure, form, rnd)
        if FIELD_COLUMNS[f] not in unparsed
    ]
    return (None if problems else _Row(number, measure_id, measure)), problems


def _measure_id(value, stored_ids, seen, problems, at) -> int | None:
    if value in (None, ""):
        return None
    text = _text(value)
    if not text.isdigit() or int(text) not in stored_ids:
        problems.append(at("Код меры", f"мера с кодом «{text}» не относится к этой школе и раунду"))
        return None
    if int(text) in seen:
        problems.append(at("Код меры", f"мера с кодом {text} повторена: оставьте одну строку"))
    seen.add(int(text))
    return int(text)


def _numbers(value, problems, at) -> tuple[int, ...]:
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | float) and float(value).is_integer():
        return (int(value),)
    tokens = [t for t in _NUMBER_SPLIT.split(_text(value)) if t]
    if not all(t.isdigit() for t in tokens):
        problems.append(at("№ показателей", f"«{_text(value)}»: укажите номера показателей через запятую"))
        return ()
    return tuple(dict.fromkeys(int(t) for t in tokens))


def _date(value, problems, at) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        return None
    text = _text(value)
    for pattern in _TEXT_DATES:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    problems.append(at("Срок", f"«{text}» — не дата; укажите срок как ДД.ММ.ГГГГ"))
    return None


def _choice(value, column: str, labels: dict[str, str], problems, at) -> str:
    """The stored value for a dropdown's label (case and spacing aside), else a problem listing them."""
    text = _text(value)
    found = {normalize(label): stored for label, stored in labels.items()}.get(normalize(text))
    if found is None:
        allowed = ", ".join(f"«{label}»" for label in labels)
        problems.append(at(column, f"«{text}» — выберите из списка: {allowed}"))
        return ""
    return found


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _write(con, rnd: Round, inn: str, form: SchoolForm, rows: list[_Row], updated_by) -> RoadmapReport:
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    with transaction(con):
        for row in rows:
            if row.measure_id is None:
                insert_measure(con, rnd, inn, form, row.measure, updated_by)
                counts["new"] += 1
            elif stored_measure(con, row.measure_id) == row.measure:
                counts["unchanged"] += 1
            else:
                rewrite_measure(con, row.measure_id, form, row.measure, updated_by)
                counts["updated"] += 1
    return RoadmapReport(inn, rnd.name, **counts)
