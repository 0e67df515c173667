"""The roster: the schools a region expects to pass the self-diagnostic.

It gives participation (expected against passed), the school type used by filters and by
«similar schools» (locality and size), and each ИНН's canonical name and municipality. A
roster is a whole list, so importing one replaces the previous roster in one transaction,
after every row has been checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from analytics.accounts import Scope, require_operator
from analytics.audit import record
from analytics.db import transaction
from analytics.errors import ImportRejected, Location, Problem
from analytics.loading import Upload
from analytics.parsing import read_table_rows
from analytics.scoring import refresh_schools
from analytics.text import clean_cell, normalize

LOCALITIES = ("городская", "сельская")
_YES = {"да", "1", "true", "истина", "+"}
_NO = {"нет", "0", "false", "ложь", "-", ""}
COLUMNS = {
    "inn": ("инн",),
    "name": ("наименование оо", "наименование", "название школы", "образовательная организация"),
    "municipality": ("муниципальное образование", "муниципалитет"),
    "locality": ("тип местности", "тип населенного пункта", "местность"),
    "pupils": ("число обучающихся", "численность обучающихся", "количество обучающихся"),
    "is_correctional": ("коррекционная", "коррекционная школа", "овз"),
}
REQUIRED = ("inn", "name", "municipality")
TITLES = {
    "inn": "ИНН",
    "name": "Наименование ОО",
    "municipality": "Муниципальное образование",
    "locality": "Тип местности",
    "pupils": "Число обучающихся",
    "is_correctional": "Коррекционная",
}


@dataclass(frozen=True)
class RosterSchool:
    inn: str
    name: str
    municipality: str
    locality: str | None
    pupils: int | None
    is_correctional: bool | None


def import_roster(
    con: duckdb.DuckDBPyConnection, upload: Upload, *, actor: Scope | str | None = None
) -> int:
    """Replace the roster with the file's schools; raise ImportRejected listing every problem.

    `actor` is refused unless it may change the store, and named in the audit log.
    """
    require_operator(actor, "Загрузка реестра")
    schools, problems = read_roster(upload)
    if problems:
        raise ImportRejected(problems)
    table = pa.table(
        {
            "inn": [s.inn for s in schools],
            "name": [s.name for s in schools],
            "municipality": [s.municipality for s in schools],
            "locality": [s.locality for s in schools],
            "pupils": pa.array([s.pupils for s in schools], pa.int32()),
            "is_correctional": pa.array([s.is_correctional for s in schools], pa.bool_()),
        }
    )
    with transaction(con):
        con.execute("delete from roster")
        con.register("incoming_roster", table)
        con.execute("insert into roster by name select * from incoming_roster")
        con.unregister("incoming_roster")
        refresh_schools(con)
        record(con, actor, "roster_import", {"file": upload.name, "schools": len(schools)})
    return len(schools)


def roster_size(con: duckdb.DuckDBPyConnection) -> int:
    """How many schools the roster expects; 0 when no roster is loaded."""
    return int(con.execute("select count(*) from roster").fetchone()[0])


def read_roster(upload: Upload) -> tuple[list[RosterSchool], list[Problem]]:
    """Schools of a roster file (xlsx or csv) found by header text, with every problem."""
    problems: list[Problem] = []
    sheets = read_table_rows(upload.name, upload.data, problems)
    for sheet, rows in sheets:
        header_index, columns = _find_header(rows)
        if columns is None:
            continue
        schools = _read_rows(upload.name, sheet, rows, header_index, columns, problems)
        if not schools and not problems:
            problems.append(Problem(Location(upload.name, sheet), "в реестре нет ни одной школы"))
        return schools, problems
    if not problems:
        expected = ", ".join(f"«{TITLES[c]}»" for c in REQUIRED)
        problems.append(
            Problem(
                Location(upload.name), f"не найдена строка заголовков реестра: ожидались столбцы {expected}"
            )
        )
    return [], problems


def _find_header(rows: list[list[object]]) -> tuple[int, dict[str, int] | None]:
    for index, row in enumerate(rows[:20]):
        cells = [normalize(c) for c in row]
        columns = {
            field: cells.index(variant)
            for field, variants in COLUMNS.items()
            for variant in variants
            if variant in cells
        }
        if all(field in columns for field in REQUIRED):
            return index, columns
    return 0, None


def _read_rows(
    file_name: str,
    sheet: str | None,
    rows: list[list[object]],
    header_index: int,
    columns: dict[str, int],
    problems: list[Problem],
) -> list[RosterSchool]:
    schools: dict[str, RosterSchool] = {}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = {
            field: clean_cell(row[index]) if index < len(row) else "" for field, index in columns.items()
        }
        if not any(cells.values()):
            continue

        def report(field: str, message: str, row_number: int = offset) -> None:
            problems.append(Problem(Location(file_name, sheet, row_number, TITLES[field]), message))

        school = _school_from_cells(cells, report)
        if school is None:
            continue
        if school.inn in schools:
            report("inn", f"ИНН {school.inn} встречается в реестре дважды")
            continue
        schools[school.inn] = school
    return list(schools.values())


def _school_from_cells(cells: dict[str, str], report) -> RosterSchool | None:
    ok = True
    inn = cells["inn"]
    if not (inn.isdigit() and len(inn) in (10, 12)):
        report("inn", f"ИНН «{inn}» должен состоять из 10 или 12 цифр")
        ok = False
    for field in ("name", "municipality"):
        if not cells[field]:
            report(field, "значение не заполнено")
            ok = False
    locality = normalize(cells.get("locality", "")) or None
    if locality is not None and locality not in LOCALITIES:
        report("locality", f"тип местности «{cells['locality']}»: ожидается «городская» или «сельская»")
        ok = False
    pupils = None
    if cells.get("pupils"):
        text = cells["pupils"].replace(" ", "")
        if text.isdigit():
            pupils = int(text)
        else:
            report("pupils", f"в ячейке ожидается число, а указано «{cells['pupils']}»")
            ok = False
    correctional = normalize(cells.get("is_correctional", ""))
    if correctional not in _YES | _NO:
        report("is_correctional", f"ожидается «да» или «нет», а указано «{cells['is_correctional']}»")
        ok = False
    if not ok:
        return None
    return RosterSchool(
        inn=inn,
        name=cells["name"],
        municipality=cells["municipality"],
        locality=locality,
        pupils=pupils,
        is_correctional=(correctional in _YES) if "is_correctional" in cells else None,
    )
