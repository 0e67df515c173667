"""Read export files (xlsx, csv, or a zip of them) into `analytics.records`.

Portal and regional exports drift: columns come reordered or with extras, under title rows, in
cp1251 or utf-8, with ё/е, dash and case variants. Every column is therefore found by its header
text after `normalize`, never by its position, so a file whose headers are recognisable is read
whatever its arrangement, and a file whose headers are not is refused with a Russian `Problem`
naming the file, sheet, row and column instead of being misread. Parsing never raises on content:
a broken, empty or unrecognised file comes back as a `ParsedFile` carrying its problems. Points
and levels are not judged here; validation does that against the rubric.
"""

from __future__ import annotations

import codecs
import copy
import csv
import io
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property, partial
from itertools import chain, compress, islice, repeat
from operator import itemgetter
from pathlib import PurePosixPath
from typing import NamedTuple

from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from analytics.errors import Location, Problem
from analytics.records import AnswerColumn, ExportAnswer, ExportSchool, Layout, ParsedFile, StatedTrack
from analytics.sheet_extent import SheetTooLarge, check_sheet_extents, hidden_sheets
from analytics.text import clean_cell, normalize, split_numbered_header

Row = list[object]
SheetRows = tuple[str | None, Iterable[Row]]

HEADER_SEARCH_ROWS = 100
MAX_NAME_CHARS = 2000
"""A stored name (school, municipality, region): the longest real school name is a few hundred."""
MAX_CSV_CELL_CHARS = csv.field_size_limit()
"""The csv module's own limit on a field (128 KiB): a longer cell is refused at the cell."""
"""How far down a sheet the header row is looked for (title rows and a protocol's header block)."""

MAX_ZIP_MEMBER_BYTES = 128 * 1024 * 1024
"""A real export is a few megabytes; a larger member is refused rather than inflated into memory."""
MAX_ZIP_TOTAL_BYTES = 256 * 1024 * 1024
"""All members of one archive together: many members each under the member limit are refused too."""
MAX_ZIP_TOTAL_ROWS = 5_000_000
"""Answer rows of all members together: a national long export (40,000 schools × 100) fits."""
_ZIP_CHUNK = 1 << 20
"""Members are inflated a chunk at a time, so a lying header costs one chunk past the limit."""

EMPTY_FILE = "файл пуст"
BROKEN_TABLE = "файл повреждён или не является таблицей xlsx/csv"
BROKEN_ZIP = "архив повреждён или не является zip-архивом"
EMPTY_ZIP = "в архиве нет ни одного файла"
BROKEN_ZIP_MEMBER = "файл не удалось извлечь из архива: он повреждён или защищён паролем"
TOO_LARGE_ZIP_MEMBER = (
    "файл в архиве распаковывается больше чем в {limit}: это больше любой выгрузки самодиагностики"
)
TOO_LARGE_ZIP = (
    "архив распаковывается больше чем в {limit}: это больше любой выгрузки самодиагностики; "
    "загрузите файлы частями"
)
TOO_MANY_ZIP_ROWS = (
    "в файлах архива больше {limit} строк ответов: это больше любой выгрузки самодиагностики; "
    "загрузите файлы частями"
)
UNSUPPORTED_FORMAT = "формат файла не поддерживается: ожидается xlsx, csv или zip"
SAVE_AS_XLSX = "формат .{extension} не читается; сохраните таблицу как .xlsx"
ENCRYPTED_OR_XLS = (
    "файл защищён паролем или это старый формат Excel (.xls); сохраните его как .xlsx без пароля"
)
OPENDOCUMENT = "это таблица OpenDocument (.ods), а не .xlsx; сохраните её в Excel или LibreOffice как .xlsx"
UNSUPPORTED_ZIP_MEMBER = "формат файла не поддерживается: в архиве ожидаются файлы xlsx или csv"
NO_SCHOOLS = "в файле нет ни одной школы"
NO_HEADER = (
    "не найдена строка заголовков: ожидались столбцы «ИНН», «Тип самодиагностики», "
    "«Наименование ОО» и столбцы показателей «1. …» (сводная таблица), или «ИНН», "
    "«Номер показателя», «Показатель», «Ответ» (таблица по показателям), или «№», "
    "«Показатель оценивания», «Значение показания», «Балльная оценка» (протокол школы)"
)
NO_PROTOCOL_TABLE = (
    "на листе не найдена таблица протокола школы: ожидались столбцы «№», "
    "«Показатель оценивания», «Значение показания», «Балльная оценка»"
)
MIXED_LAYOUTS = "лист оформлен иначе, чем предыдущие листы файла: в одном файле ожидается один формат"
TOO_LONG_NAME = "текст длиннее {limit} символов ({length}): так длинно наименование не бывает"
TOO_LONG_CELL = "ячейка длиннее {limit} символов: в выгрузке самодиагностики таких не бывает"
HIDDEN_SHEET = (
    "Файл «{file}»: лист «{sheet}» скрыт: школ на нём — {schools}, они загружаются вместе с "
    "остальными; если они не нужны, удалите лист"
)
NO_FORM_TITLE = "над таблицей нет строки с типом самодиагностики («Самодиагностика … школы …»)"


class _ColumnSpec(NamedTuple):
    title: str
    keys: tuple[str, ...]


def _spec(title: str, *variants: str) -> _ColumnSpec:
    return _ColumnSpec(title, tuple(normalize(text) for text in (title, *variants)))


INN = _spec("ИНН")
NAME = _spec("Наименование ОО", "Наименование образовательной организации")
MUNICIPALITY = _spec("Муниципальное образование")
FORM_TITLE = _spec("Тип самодиагностики")
REGION = _spec("Регион")
TOTAL = _spec("Сумма баллов")
LEVEL = _spec("Уровень")
NUMBER = _spec("Номер показателя")
INDICATOR = _spec("Показатель")
ANSWER = _spec("Ответ")
POINTS = _spec("Баллы")
PROTOCOL_NUMBER = _spec("№", "№ п/п")
PROTOCOL_INDICATOR = _spec("Показатель оценивания")
PROTOCOL_ANSWER = _spec("Значение показания", "Значение показателя")
PROTOCOL_POINTS = _spec("Балльная оценка")

WIDE_SIGNATURE = (INN, FORM_TITLE, NAME)
LONG_SIGNATURE = (INN, NUMBER, INDICATOR, ANSWER)
PROTOCOL_SIGNATURE = (PROTOCOL_NUMBER, PROTOCOL_INDICATOR, PROTOCOL_ANSWER, PROTOCOL_POINTS)

PROTOCOL_FIELDS = (
    "Образовательная организация",
    "ИНН",
    "Муниципальное образование",
    "Сумма баллов за весь тест",
    "Уровень",
)
_PROTOCOL_FIELD_BY_KEY = {normalize(label): label for label in PROTOCOL_FIELDS}

_INDICATOR_HEADER = re.compile(r"^\d+\.\s")
_STATED_TRACK_HEADER = re.compile(r"^(.+?)\s*:\s*(баллы|уровень)$", re.IGNORECASE)
_ROUND_TITLE = re.compile(r"\b(весна|осень)\s+(\d{4})\b", re.IGNORECASE)
_INN_DIGITS = re.compile(r"\d{10}|\d{12}")
_CSV_DELIMITERS = (";", ",", "\t")
_OLE2_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
_OPENDOCUMENT_MIMETYPE = b"application/vnd.oasis.opendocument."
_OFFICE_EXTENSIONS = ("xls", "xlsm", "xlsb", "ods")


class _UnreadableFileError(Exception):
    """The bytes are not a table of the format the file name promises."""


class _CellTooLong(Exception):
    """A csv field past the csv module's limit, at its row and column (letters, as in Excel)."""

    def __init__(self, row: int, column: str | None) -> None:
        super().__init__(row, column)
        self.row = row
        self.column = column


class _Column(NamedTuple):
    index: int
    header: str


class _WideIndicator(NamedTuple):
    index: int
    number: int | None
    indicator: str
    header: str


class _TrackColumns(NamedTuple):
    track: str
    points: _Column | None
    level: _Column | None


class _IdentityColumns(NamedTuple):
    inn: _Column
    name: _Column
    municipality: _Column
    form_title: _Column
    region: _Column | None


class _AnswerColumns(NamedTuple):
    number: _Column
    indicator: _Column
    answer: _Column
    points: _Column | None
    place: AnswerColumn
    """Where the answers are: the answer column, as a problem with an answer names it."""


class _HeaderLine(NamedTuple):
    value: str
    row_number: int


class _Header:
    """A header row: each column's text as shown, looked up by its normalised text."""

    def __init__(self, row: Row) -> None:
        self.texts = [clean_cell(cell) for cell in row]
        self._index_by_key: dict[str, int] = {}
        for index, text in enumerate(self.texts):
            self._index_by_key.setdefault(normalize(text), index)

    def find(self, spec: _ColumnSpec) -> _Column | None:
        for key in spec.keys:
            index = self._index_by_key.get(key)
            if index is not None:
                return _Column(index, self.texts[index])
        return None

    def has_all(self, specs: tuple[_ColumnSpec, ...]) -> bool:
        return all(self.find(spec) for spec in specs)

    def columns(self, specs: tuple[_ColumnSpec, ...]) -> list[_Column]:
        """The columns of specs that exist; all of them once `layout()` has matched their signature."""
        return [column for spec in specs if (column := self.find(spec)) is not None]

    @cached_property
    def indicators(self) -> list[_WideIndicator]:
        columns = []
        for index, text in enumerate(self.texts):
            if _INDICATOR_HEADER.match(text):
                number, indicator = split_numbered_header(text)
                columns.append(_WideIndicator(index, number, indicator, text))
        return columns

    def layout(self) -> Layout | None:
        if self.has_all(WIDE_SIGNATURE) and self.indicators:
            return "wide"
        if self.has_all(LONG_SIGNATURE):
            return "long"
        if self.has_all(PROTOCOL_SIGNATURE):
            return "protocol"
        return None


class _CellTexts(dict[object, str]):
    """Cell → its `clean_cell` text, computed once per distinct text cell of a file.

    An export repeats a few hundred answer and indicator texts over hundreds of thousands of
    cells: looking each up here is several times faster than cleaning it again, and every answer
    then shares one text object instead of keeping its own copy. Only text cells are stored, so
    a boolean cell never picks up the text of an equal number (True == 1 == 1.0).
    """

    def __missing__(self, cell: object) -> str:
        text = clean_cell(cell)
        if cell.__class__ is str:
            self[cell] = text
        return text


class _SheetRows:
    """A sheet's rows, read once from top to bottom.

    The first HEADER_SEARCH_ROWS rows are kept, since the header is looked for among them and the
    lines above it carry the round title or a protocol's school; the rest are handed on as they
    are read, so a national export is never held in memory as Python rows all at once.
    """

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rest = iter(rows)
        self.head = list(islice(self._rest, HEADER_SEARCH_ROWS))

    def below(self, index: int) -> Iterator[Row]:
        """The rows after `head[index]`, then the rest of the sheet."""
        return chain(islice(self.head, index + 1, None), self._rest)

    def is_blank(self) -> bool:
        """Reads the rest of the sheet: only for a sheet whose header was not found."""
        return all(map(_is_blank, self.head)) and all(map(_is_blank, self._rest))


@dataclass
class _Sheet:
    """One sheet (or a csv) being read; problems go to its file's shared list."""

    file: str
    name: str | None
    rows: _SheetRows
    problems: list[Problem]
    texts: _CellTexts
    numbers: dict[str, int]
    """Cell text → the whole number it reads as, for texts that read cleanly."""

    def at(self, row_number: int | None = None, column: str | None = None) -> Location:
        return Location(self.file, self.name, row_number, column)

    def answer_column(self, column: _Column, *, number_is_own_form: bool) -> AnswerColumn:
        return AnswerColumn(self.file, self.name, column.header, number_is_own_form)

    def report(self, message: str, row_number: int | None = None, column: str | None = None) -> None:
        self.problems.append(Problem(self.at(row_number, column), message))

    def data_rows(self, header_index: int) -> Iterator[tuple[int, Row]]:
        """Non-blank rows below the header, with their 1-based row numbers."""
        for row_number, row in enumerate(self.rows.below(header_index), header_index + 2):
            if not _is_blank(row):
                yield row_number, row

    def require(self, header: _Header, spec: _ColumnSpec, row_number: int) -> _Column | None:
        column = header.find(spec)
        if column is None:
            self.report(f"не найден столбец «{spec.title}»", row_number)
        return column

    def read_number(self, value: object, row_number: int, column: str) -> int | None:
        """An int, a whole float or numeric text (« 2 », «1,0»); anything else is reported."""
        if value.__class__ is float and value.is_integer():  # an xlsx number cell, the usual case
            return int(value)
        text = self.texts[value]
        known = self.numbers.get(text)
        if known is not None:
            return known
        if not text:
            return None
        number = _as_float(text)
        if number is None:
            self.report(f"в ячейке ожидается число, а указано «{text}»", row_number, column)
            return None
        if not number.is_integer():
            self.report(f"в ячейке ожидается целое число, а указано «{text}»", row_number, column)
            return None
        self.numbers[text] = int(number)
        return int(number)

    def read_inn(self, value: object, row_number: int, column: str) -> str | None:
        inn = _inn_text(value)
        if not inn:
            self.report(f"не заполнен столбец «{column}»", row_number, column)
            return None
        if not _INN_DIGITS.fullmatch(inn):
            self.report(f"ИНН «{inn}» должен состоять из 10 или 12 цифр", row_number, column)
            return None
        return inn

    def read_required(self, value: object, row_number: int, column: str) -> str | None:
        text = clean_cell(value)
        if not text:
            self.report(f"не заполнен столбец «{column}»", row_number, column)
        return self.read_name(text, row_number, column) or None

    def read_name(self, text: str, row_number: int, column: str) -> str | None:
        """The text of a name that will be stored, or None (reported) for one no name could be:
        a megabyte in a name cell was stored, and every page showing the school carried it."""
        if len(text) > MAX_NAME_CHARS:
            self.report(
                TOO_LONG_NAME.format(limit=_thousands(MAX_NAME_CHARS), length=_thousands(len(text))),
                row_number,
                column,
            )
            return None
        return text


def _thousands(number: int) -> str:
    return f"{number:_}".replace("_", " ")


def parse_export(name: str, data: bytes) -> list[ParsedFile]:
    """Parse one uploaded file (xlsx, csv or zip). A zip yields one ParsedFile per member file
    (member names shown as 'archive.zip/inner.csv'); nested folders in the zip are fine; a zip
    member that is not xlsx/csv is a Problem. Never raises for bad content: every problem is a
    Problem(Location(file, sheet, row, column), Russian message) in ParsedFile.problems."""
    if _extension(name) == "zip":
        return _parse_zip(name, data)
    return [_parse_file(name, data)]


def _parse_zip(name: str, data: bytes) -> list[ParsedFile]:
    if not data:
        return [_failed(name, EMPTY_FILE)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir() and not _is_system_file(m)]
            parsed = _parse_zip_members(name, archive, members)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return [_failed(name, BROKEN_ZIP)]
    except _ZipTooLarge as error:
        return [_failed(name, str(error))]
    return parsed or [_failed(name, EMPTY_ZIP)]


class _ZipTooLarge(Exception):
    """The archive as a whole is past a limit; the message is Russian and names the limit."""


class _ZipBudget:
    """What the members read so far have left of the archive's limits on bytes and rows."""

    def __init__(self) -> None:
        self.bytes_left = MAX_ZIP_TOTAL_BYTES
        self.rows_left = MAX_ZIP_TOTAL_ROWS

    def spend_bytes(self, size: int) -> None:
        self.bytes_left -= size
        if self.bytes_left < 0:
            raise _ZipTooLarge(TOO_LARGE_ZIP.format(limit=_mebibytes(MAX_ZIP_TOTAL_BYTES)))

    def spend_rows(self, parsed: ParsedFile) -> None:
        self.rows_left -= sum(len(school.answers) for school in parsed.schools)
        if self.rows_left < 0:
            raise _ZipTooLarge(TOO_MANY_ZIP_ROWS.format(limit=_thousands(MAX_ZIP_TOTAL_ROWS)))


def _mebibytes(size: int) -> str:
    return f"{size // (1024 * 1024)} МиБ"


def _parse_zip_members(
    archive_name: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> list[ParsedFile]:
    """Members one at a time, each one's bytes let go before the next is inflated."""
    budget = _ZipBudget()
    parsed = []
    for member in members:
        parsed_member = _parse_zip_member(archive_name, archive, member, budget)
        budget.spend_rows(parsed_member)
        parsed.append(parsed_member)
    return parsed


def _parse_zip_member(
    archive_name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: _ZipBudget
) -> ParsedFile:
    name = f"{archive_name}/{_member_filename(member)}"
    if _extension(name) not in _SHEET_READERS:
        return _failed(name, UNSUPPORTED_ZIP_MEMBER)
    try:
        data = _read_member(archive, member, budget)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        return _failed(name, BROKEN_ZIP_MEMBER)
    if data is None:
        return _failed(name, TOO_LARGE_ZIP_MEMBER.format(limit=_mebibytes(MAX_ZIP_MEMBER_BYTES)))
    return _parse_file(name, data)


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: _ZipBudget) -> bytes | None:
    """The member's bytes, counted as they are inflated; None past MAX_ZIP_MEMBER_BYTES.

    The sizes in a zip's headers are the file's word about itself: zipfile stops at the declared
    size, and `read()` inflates the whole member in one call first. So the member is opened as if
    it declared one byte over the limit, without its CRC (zipfile would check it against the bytes
    cut at that size), and read a chunk at a time: the bytes really inflated decide, and the CRC
    is checked here once an honest member ends where its data does.
    """
    bounded = copy.copy(member)
    bounded.file_size = MAX_ZIP_MEMBER_BYTES + 1
    del bounded.CRC
    chunks = []
    size = crc = 0
    with archive.open(bounded) as stream:
        while chunk := stream.read(_ZIP_CHUNK):
            size += len(chunk)
            if size > MAX_ZIP_MEMBER_BYTES:
                return None
            budget.spend_bytes(len(chunk))
            crc = zlib.crc32(chunk, crc)
            chunks.append(chunk)
    if crc != member.CRC:
        raise zipfile.BadZipFile(member.filename)
    return b"".join(chunks)


def _member_filename(member: zipfile.ZipInfo) -> str:
    """Russian Windows writes zip names in cp866 without the utf-8 flag; Python reads them as cp437."""
    if member.flag_bits & 0x800:
        return member.filename
    try:
        return member.filename.encode("cp437").decode("cp866")
    except UnicodeError:
        return member.filename


def _is_system_file(member: zipfile.ZipInfo) -> bool:
    """macOS resource forks, hidden files and Office lock files ride along in archives users make."""
    path = PurePosixPath(member.filename)
    return path.parts[:1] == ("__MACOSX",) or path.name.startswith((".", "~$"))


def _parse_file(name: str, data: bytes) -> ParsedFile:
    unreadable = _unreadable_reason(name, data)
    if unreadable is not None:
        return _failed(name, unreadable)
    read_sheets = _SHEET_READERS[_extension(name)]
    parsed = ParsedFile(name=name, layout=None)
    texts = _CellTexts()
    numbers: dict[str, int] = {}
    try:
        # A workbook's sheets are read as parsing reaches them, so a broken one can surface here.
        sheets = (
            _Sheet(name, sheet_name, _SheetRows(rows), parsed.problems, texts, numbers)
            for sheet_name, rows in read_sheets(data)
        )
        filled_sheets = _parse_sheets(parsed, sheets)
    except _UnreadableFileError:
        return _failed(name, BROKEN_TABLE)
    except _CellTooLong as error:
        message = TOO_LONG_CELL.format(limit=_thousands(MAX_CSV_CELL_CHARS))
        return ParsedFile(
            name, None, problems=[Problem(Location(name, None, error.row, error.column), message)]
        )
    except SheetTooLarge as error:
        return _failed(name, str(error))
    if not filled_sheets:
        return _failed(name, EMPTY_FILE)
    if _extension(name) == "xlsx":
        parsed.notes += _hidden_sheet_notes(parsed, hidden_sheets(data))
    return parsed


def _hidden_sheet_notes(parsed: ParsedFile, hidden: list[str]) -> list[str]:
    """A note for each hidden sheet schools were read from: Excel does not show it, so its
    data would otherwise be imported without the user having seen it."""
    counts = Counter(school.location.sheet for school in parsed.schools)
    return [
        HIDDEN_SHEET.format(file=parsed.name, sheet=sheet, schools=counts[sheet])
        for sheet in hidden
        if counts[sheet]
    ]


def _unreadable_reason(name: str, data: bytes) -> str | None:
    """Why the file cannot be read as a table of its extension, before any reader sees it; None if it may.

    Office formats other than xlsx get the way out in the message. An OLE2 container is what Excel
    writes for a password-protected workbook and for an old .xls; an OpenDocument spreadsheet under
    a .xlsx name would be read by calamine past `check_sheet_extents`, which knows only xlsx.
    """
    extension = _extension(name)
    if extension in _OFFICE_EXTENSIONS:
        return SAVE_AS_XLSX.format(extension=extension)
    if extension not in _SHEET_READERS:
        return UNSUPPORTED_FORMAT
    if not data or data.isspace():
        return EMPTY_FILE
    if data.startswith(_OLE2_SIGNATURE):
        return ENCRYPTED_OR_XLS
    if _is_opendocument(data):
        return OPENDOCUMENT
    return None


def _is_opendocument(data: bytes) -> bool:
    """An OpenDocument package names its type in a first member `mimetype`."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package, package.open("mimetype") as member:
            return member.read(len(_OPENDOCUMENT_MIMETYPE)) == _OPENDOCUMENT_MIMETYPE
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, zlib.error, NotImplementedError, RuntimeError):
        return False


def _failed(name: str, message: str) -> ParsedFile:
    return ParsedFile(name=name, layout=None, problems=[Problem(Location(name), message)])


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _read_workbook(data: bytes) -> Iterator[SheetRows]:
    """Each sheet's rows, the sheet read from the workbook only when it is reached."""
    check_sheet_extents(data)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        for sheet_name in workbook.sheet_names:
            yield sheet_name, _excel_rows(workbook.get_sheet_by_name(sheet_name))
    except CalamineError as error:
        raise _UnreadableFileError from error


def _excel_rows(sheet: CalamineSheet) -> Iterator[Row]:
    """Rows with true Excel positions, as `to_python(skip_empty_area=False)` gives them.

    `iter_rows` yields the leading empty rows but starts each row at the sheet's first filled
    column, so the empty cells before it are put back; an empty sheet has no start and no rows.
    """
    if sheet.start is None:
        return iter(())
    leading_cells = [""] * sheet.start[1]
    if not leading_cells:
        return iter(sheet.iter_rows())
    return (leading_cells + row for row in sheet.iter_rows())


def _read_csv(data: bytes) -> list[SheetRows]:
    text = _decode_csv(data)
    return [(None, _csv_rows(text, _csv_delimiter(text)))]


def _csv_rows(text: str, delimiter: str) -> Iterator[Row]:
    """The rows as they are read, each short one padded to the widest row so far: a header comes
    before the rows it names, so every data row has a cell under every header column."""
    width = 0
    reader = csv.reader(_lines(text), delimiter=delimiter)
    try:
        for row in reader:
            if len(row) < width:
                row.extend([""] * (width - len(row)))
            else:
                width = len(row)
            yield row
    except csv.Error as error:
        if str(error).startswith("field larger than field limit"):
            raise _CellTooLong(
                reader.line_num, _long_field_column(text, reader.line_num, delimiter)
            ) from error
        raise _UnreadableFileError from error


def _long_field_column(text: str, line_number: int, delimiter: str) -> str | None:
    """The column letters of the first over-long field of a line (the error path only: it reads
    the text again up to that line)."""
    line = next(islice(_lines(text), line_number - 1, None), "")
    for index, field in enumerate(line.split(delimiter)):
        if len(field) > MAX_CSV_CELL_CHARS:
            return _column_letters(index)
    return None


def _column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as Excel names it."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


_SHEET_READERS: dict[str, Callable[[bytes], Iterable[SheetRows]]] = {
    "xlsx": _read_workbook,
    "csv": _read_csv,
}


def _decode_csv(data: bytes) -> str:
    """The text with LF line ends: a CR-only file (old Mac, some exporters) would else be one line."""
    text = _decode_bytes(data)
    if "\n" not in text:
        return text.replace("\r", "\n")
    return text


def _decode_bytes(data: bytes) -> str:
    """utf-8 or utf-16 by their BOM (Excel's «Юникод» text is utf-16), else utf-8, else cp1251."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251", errors="replace")


def _csv_delimiter(text: str) -> str:
    """The delimiter under which a known header row appears; title rows may hold commas too."""
    for delimiter in _CSV_DELIMITERS:
        try:
            head = list(islice(csv.reader(_lines(text), delimiter=delimiter), HEADER_SEARCH_ROWS))
        except csv.Error:
            continue
        if _find_header(head) is not None:
            return delimiter
    return _CSV_DELIMITERS[0]


def _lines(text: str) -> Iterator[str]:
    """The lines of text as `io.StringIO(text)` yields them, cut only as far as they are read:
    StringIO would first copy the whole text at four bytes a character."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start) + 1 or size
        yield text[start:end]
        start = end


def _is_blank(row: Row) -> bool:
    # Runs for every row of the file; a plain loop returning at the first filled cell is
    # four times faster than all() over a generator.
    for cell in row:  # noqa: SIM110 - see above
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return False
    return True


def _find_header(rows: list[Row]) -> tuple[Layout, _Header, int] | None:
    for index, row in enumerate(islice(rows, HEADER_SEARCH_ROWS)):
        if _is_blank(row):
            continue
        header = _Header(row)
        layout = header.layout()
        if layout is not None:
            return layout, header, index
    return None


def _parse_sheets(parsed: ParsedFile, sheets: Iterable[_Sheet]) -> int:
    """Parse every sheet that is not blank into `parsed`; returns how many were not blank."""
    unrecognised = []
    filled = 0
    for sheet in sheets:
        found = _find_header(sheet.rows.head)
        if found is None:
            if not sheet.rows.is_blank():
                filled += 1
                unrecognised.append(sheet)
            continue
        filled += 1
        layout, header, header_index = found
        if parsed.layout not in (None, layout):
            sheet.report(MIXED_LAYOUTS)
            continue
        parsed.layout = layout
        parsed.schools.extend(_LAYOUT_PARSERS[layout](sheet, header, header_index))
        parsed.round_title = parsed.round_title or _round_title(sheet.rows.head[:header_index])
    message = NO_PROTOCOL_TABLE if parsed.layout == "protocol" else NO_HEADER
    for sheet in unrecognised:
        sheet.report(message)
    if parsed.layout is not None and not parsed.schools and not parsed.problems:
        parsed.problems.append(Problem(Location(parsed.name), NO_SCHOOLS))
    return filled


def _round_title(rows: list[Row]) -> str | None:
    for row in rows:
        for cell in row:
            match = _ROUND_TITLE.search(cell) if isinstance(cell, str) else None
            if match:
                return f"{match[1].capitalize()} {match[2]}"
    return None


def _as_float(text: str) -> float | None:
    try:
        return float(text.replace(",", "."))
    except ValueError:
        return None


def _inn_text(value: object) -> str:
    """A numeric ИНН cell loses its leading zero in Excel (regions 01–09); put it back."""
    inn = clean_cell(value)
    if isinstance(value, int | float) and len(inn) in (9, 11):
        return inn.zfill(len(inn) + 1)
    return inn


# --- layout W: one row per school -------------------------------------------------------------


def _parse_wide(sheet: _Sheet, header: _Header, header_index: int) -> list[ExportSchool]:
    identity = _identity_columns(sheet, header, header_index + 1)
    if identity is None:
        return []
    read_answers = _WideAnswers(sheet, header.indicators)
    tracks = _track_columns(header)
    total, level = header.find(TOTAL), header.find(LEVEL)
    schools = []
    for row_number, row in sheet.data_rows(header_index):
        school = _read_identity(sheet, identity, row, row_number)
        if school is None:
            continue
        school.answers = read_answers(row, row_number)
        if total is not None:
            school.stated_total = sheet.read_number(row[total.index], row_number, total.header)
        if level is not None:
            school.stated_level = clean_cell(row[level.index]) or None
        school.stated_tracks = _stated_tracks(sheet, tracks, row, row_number)
        schools.append(school)
    return schools


class _WideAnswers:
    """Reads the answers of a school's row, one per indicator column.

    A national wide export has millions of answer cells, and a Python statement per cell costs
    as much as reading the file, so a row is read with `map`, `zip` and `compress`, which run
    per cell in C: the cells' cleaned texts, then an answer for each, kept where the text is not
    empty (a correctional school leaves the general form's other columns empty).
    """

    def __init__(self, sheet: _Sheet, columns: list[_WideIndicator]) -> None:
        self._texts = sheet.texts
        self._indices = [column.index for column in columns]
        self._numbers = [column.number for column in columns]
        self._indicators = [column.indicator for column in columns]
        self._places = [
            sheet.answer_column(_Column(column.index, column.header), number_is_own_form=False)
            for column in columns
        ]

    def __call__(self, row: Row, row_number: int) -> list[ExportAnswer]:
        texts = list(map(self._texts.__getitem__, map(row.__getitem__, self._indices)))
        answers = zip(self._numbers, self._indicators, texts, repeat(None), repeat(row_number), self._places)
        return list(compress(map(_new_answer, answers), texts))


_new_answer = partial(tuple.__new__, ExportAnswer)
"""`ExportAnswer._make` without its Python-level length check, for the per-cell loops."""


def _track_columns(header: _Header) -> list[_TrackColumns]:
    """«<track>: баллы» and «<track>: уровень» columns, paired by the track's normalised name."""
    names: dict[str, str] = {}
    points: dict[str, _Column] = {}
    levels: dict[str, _Column] = {}
    for index, text in enumerate(header.texts):
        match = _STATED_TRACK_HEADER.match(text)
        if match:
            key = normalize(match[1])
            names.setdefault(key, match[1])
            by_kind = points if match[2].lower() == "баллы" else levels
            by_kind.setdefault(key, _Column(index, text))
    return [_TrackColumns(track, points.get(key), levels.get(key)) for key, track in names.items()]


def _stated_tracks(
    sheet: _Sheet, tracks: list[_TrackColumns], row: Row, row_number: int
) -> dict[str, StatedTrack]:
    stated = {}
    for track, points_column, level_column in tracks:
        points = None
        if points_column is not None:
            points = sheet.read_number(row[points_column.index], row_number, points_column.header)
        level = clean_cell(row[level_column.index]) or None if level_column is not None else None
        if points is not None or level is not None:
            stated[track] = StatedTrack(points, level)
    return stated


# --- school identity (W and L) ----------------------------------------------------------------


def _identity_columns(sheet: _Sheet, header: _Header, row_number: int) -> _IdentityColumns | None:
    found = [sheet.require(header, spec, row_number) for spec in (INN, NAME, MUNICIPALITY, FORM_TITLE)]
    inn, name, municipality, form_title = found
    if inn is None or name is None or municipality is None or form_title is None:
        return None
    return _IdentityColumns(inn, name, municipality, form_title, header.find(REGION))


def _read_identity(
    sheet: _Sheet, columns: _IdentityColumns, row: Row, row_number: int
) -> ExportSchool | None:
    inn = sheet.read_inn(row[columns.inn.index], row_number, columns.inn.header)
    name = sheet.read_required(row[columns.name.index], row_number, columns.name.header)
    municipality = sheet.read_required(
        row[columns.municipality.index], row_number, columns.municipality.header
    )
    form_title = sheet.read_required(row[columns.form_title.index], row_number, columns.form_title.header)
    if inn is None or name is None or municipality is None or form_title is None:
        return None
    region = None
    if columns.region is not None:
        text = clean_cell(row[columns.region.index])
        region = sheet.read_name(text, row_number, columns.region.header) or None
    return ExportSchool(
        inn=inn,
        name=name,
        municipality=municipality,
        region=region,
        form_title=form_title,
        location=sheet.at(row_number),
    )


# --- layout L: one row per school and indicator -----------------------------------------------


def _parse_long(sheet: _Sheet, header: _Header, header_index: int) -> list[ExportSchool]:
    identity = _identity_columns(sheet, header, header_index + 1)
    answer_columns = _answer_columns(sheet, header, (NUMBER, INDICATOR, ANSWER), POINTS)
    if identity is None:
        return []
    schools = _LongSchools(sheet, identity)
    school_of, read_answer = schools.school_of, _answer_reader(sheet, answer_columns)
    for row_number, row in sheet.data_rows(header_index):
        school = school_of(row, row_number)
        answer = read_answer(row, row_number)
        if school is not None and answer is not None:
            school.answers.append(answer)
    return schools.valid()


class _LongSchools:
    """Layout L rows gathered by ИНН, in the order schools first appear (rows need not be contiguous)."""

    def __init__(self, sheet: _Sheet, identity: _IdentityColumns) -> None:
        self.sheet = sheet
        self.identity = identity
        self._by_inn: dict[str, ExportSchool | None] = {}
        """None marks an ИНН whose identity was already reported as invalid."""
        self._first_cells: dict[str, tuple[object, ...]] = {}
        self._reported_conflicts: set[tuple[str, int]] = set()
        self._identity_cells = itemgetter(
            identity.inn.index, identity.name.index, identity.municipality.index, identity.form_title.index
        )
        self._previous: tuple[tuple[object, ...], ExportSchool | None] = ((), None)
        """The last row's identity cells and school: a school's rows usually come one after another."""

    def school_of(self, row: Row, row_number: int) -> ExportSchool | None:
        cells = self._identity_cells(row)
        previous_cells, previous_school = self._previous
        if cells == previous_cells:
            # Same cells as the row above: whatever it had to report has been reported.
            return previous_school
        school = self._school_of(cells, row, row_number)
        self._previous = (cells, school)
        return school

    def _school_of(self, cells: tuple[object, ...], row: Row, row_number: int) -> ExportSchool | None:
        key = self.sheet.texts[cells[0]]
        if key not in self._by_inn:
            school = self._by_inn[key] = _read_identity(self.sheet, self.identity, row, row_number)
            if school is not None:
                # Only a valid school's rows are compared: a file of a million invalid ИНН kept them all.
                self._first_cells[key] = cells
            return school
        school = self._by_inn[key]
        # Raw cells are compared first: the usual row repeats its school's cells exactly.
        if school is not None and cells != self._first_cells[key]:
            self._check_same_school(school, row, row_number)
        return school

    def valid(self) -> list[ExportSchool]:
        return [school for school in self._by_inn.values() if school is not None]

    def _check_same_school(self, school: ExportSchool, row: Row, row_number: int) -> None:
        """Rows of one ИНН must name the same school; each disagreeing column is reported once."""
        for column, first in (
            (self.identity.name, school.name),
            (self.identity.municipality, school.municipality),
            (self.identity.form_title, school.form_title),
        ):
            text = clean_cell(row[column.index])
            conflict = (school.inn, column.index)
            if text == first or conflict in self._reported_conflicts or normalize(text) == normalize(first):
                continue
            self._reported_conflicts.add(conflict)
            self.sheet.report(
                f"у школы с ИНН {school.inn} здесь указано «{text}», "
                f"а в строке {school.location.row} — «{first}»",
                row_number,
                column.header,
            )


def _answer_columns(
    sheet: _Sheet, header: _Header, specs: tuple[_ColumnSpec, ...], points: _ColumnSpec
) -> _AnswerColumns:
    """The layout's signature guarantees the number, indicator and answer columns."""
    number, indicator, answer = header.columns(specs)
    place = sheet.answer_column(answer, number_is_own_form=True)
    return _AnswerColumns(number, indicator, answer, header.find(points), place)


def _answer_reader(sheet: _Sheet, columns: _AnswerColumns) -> Callable[[Row, int], ExportAnswer | None]:
    """Reads one row's answer; runs for every row of a long export, so it keeps its lookups local
    and reads a number from the cache, calling `read_number` only for a text not seen before."""
    texts, numbers, read_number = sheet.texts, sheet.numbers, sheet.read_number
    number_column, points_column = columns.number, columns.points
    indicator_index, answer_index, place = columns.indicator.index, columns.answer.index, columns.place

    def read_answer(row: Row, row_number: int) -> ExportAnswer | None:
        """A row with neither an answer nor points is a section header or a note, not an answer."""
        answer = texts[row[answer_index]]
        points_value = row[points_column.index] if points_column is not None else ""
        if not answer and not texts[points_value]:
            return None
        points = None
        if points_column is not None:
            points = numbers.get(texts[points_value])
            if points is None:
                points = read_number(points_value, row_number, points_column.header)
        number_value = row[number_column.index]
        number = numbers.get(texts[number_value])
        if number is None:
            number = read_number(number_value, row_number, number_column.header)
        return _new_answer((number, texts[row[indicator_index]], answer, points, row_number, place))

    return read_answer


# --- layout P: one school's protocol per sheet ------------------------------------------------


def _parse_protocol(sheet: _Sheet, header: _Header, header_index: int) -> list[ExportSchool]:
    school = _read_protocol_school(sheet, sheet.rows.head[:header_index])
    columns = _answer_columns(
        sheet, header, (PROTOCOL_NUMBER, PROTOCOL_INDICATOR, PROTOCOL_ANSWER), PROTOCOL_POINTS
    )
    read_answer = _answer_reader(sheet, columns)
    answers = [
        answer
        for row_number, row in sheet.data_rows(header_index)
        if (answer := read_answer(row, row_number)) is not None
    ]
    if school is None:
        return []
    school.answers = answers
    return [school]


def _read_protocol_school(sheet: _Sheet, block: list[Row]) -> ExportSchool | None:
    """The lines above the table: the form title, then «Label: value» lines."""
    form_title, fields = _read_protocol_block(block)
    if form_title is None:
        sheet.report(NO_FORM_TITLE)
    inn_line, name_line, municipality_line = (
        _protocol_field(sheet, fields, label)
        for label in ("ИНН", "Образовательная организация", "Муниципальное образование")
    )
    inn = sheet.read_inn(inn_line.value, inn_line.row_number, "ИНН") if inn_line else None
    name, municipality = (
        sheet.read_name(line.value, line.row_number, label) if line else None
        for line, label in (
            (name_line, "Образовательная организация"),
            (municipality_line, "Муниципальное образование"),
        )
    )
    if form_title is None or inn is None or name is None or municipality is None:
        return None
    school = ExportSchool(
        inn=inn,
        name=name,
        municipality=municipality,
        region=None,
        form_title=form_title.value,
        location=sheet.at(form_title.row_number),
    )
    total_line = fields.get("Сумма баллов за весь тест")
    if total_line is not None:
        school.stated_total = sheet.read_number(
            total_line.value, total_line.row_number, "Сумма баллов за весь тест"
        )
    level_line = fields.get("Уровень")
    school.stated_level = level_line.value or None if level_line is not None else None
    return school


def _read_protocol_block(block: list[Row]) -> tuple[_HeaderLine | None, dict[str, _HeaderLine]]:
    form_title = None
    fields: dict[str, _HeaderLine] = {}
    for row_number, row in enumerate(block, 1):
        line = " ".join(text for cell in row if (text := clean_cell(cell)))
        key = normalize(line)
        # The form title holds a colon of its own («…по программам: НОО, ООО»), so it goes first.
        if (
            form_title is None
            and key.startswith("самодиагностика ")
            and not key.startswith("самодиагностика проекта")
        ):
            form_title = _HeaderLine(line, row_number)
            continue
        label, colon, value = line.partition(":")
        field = _PROTOCOL_FIELD_BY_KEY.get(normalize(label))
        if colon and field is not None:
            fields.setdefault(field, _HeaderLine(value.strip(), row_number))
    return form_title, fields


def _protocol_field(sheet: _Sheet, fields: dict[str, _HeaderLine], label: str) -> _HeaderLine | None:
    line = fields.get(label)
    if line is None:
        sheet.report(f"над таблицей нет строки «{label}: …»")
        return None
    if not line.value:
        sheet.report(f"не заполнена строка «{label}: …»", line.row_number, label)
        return None
    return line


_LAYOUT_PARSERS: dict[Layout, Callable[[_Sheet, _Header, int], list[ExportSchool]]] = {
    "wide": _parse_wide,
    "long": _parse_long,
    "protocol": _parse_protocol,
}


def read_table_rows(name: str, data: bytes, problems: list[Problem]) -> list[tuple[str | None, list[Row]]]:
    """Rows of every sheet of an xlsx or csv file of any layout (the roster uses it).

    The csv delimiter is the one the first line uses most, since no export header is expected.
    """
    unreadable = _unreadable_reason(name, data)
    if unreadable is not None:
        problems.append(Problem(Location(name), unreadable))
        return []
    if _extension(name) == "xlsx":
        try:
            return [(sheet_name, list(rows)) for sheet_name, rows in _read_workbook(data)]
        except (_UnreadableFileError, SheetTooLarge) as error:
            reason = str(error) if isinstance(error, SheetTooLarge) else BROKEN_TABLE
            problems.append(Problem(Location(name), reason))
            return []
    text = _decode_csv(data)
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = max(_CSV_DELIMITERS, key=first_line.count)
    try:
        return [(None, list(csv.reader(io.StringIO(text), delimiter=delimiter)))]
    except csv.Error:
        problems.append(Problem(Location(name), BROKEN_TABLE))
        return []
