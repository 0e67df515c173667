"""The product's own data files under `data/`, read strictly.

Rubrics, rule parameters and document wording are CSV files a methodologist edits by hand. A row
with more or fewer fields than the header is an error naming the file and line: read leniently, a
question with an unquoted comma would silently print cut at that comma.
"""

from __future__ import annotations

import csv
from pathlib import Path

from analytics.errors import SamodiagError


class DataFileError(SamodiagError):
    """A data file under data/ that does not have the shape its reader expects."""


def read_data_csv(path: Path, columns: tuple[str, ...] | None = None) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV holding `columns` (others allowed; all when None), with line numbers.

    Every row must have exactly as many fields as the header; blank lines are skipped.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            records, line = [], 1  # a record's first line: a quoted field may span several
            for fields in reader:
                records.append((line, fields))
                line = reader.line_num + 1
    except UnicodeDecodeError as error:
        msg = f"Файл «{path.name}»: текст не в кодировке UTF-8 (байт {error.start})"
        raise DataFileError(msg) from error
    except OSError as error:
        msg = f"Файл «{path}» не удалось прочитать: {error.strerror}"
        raise DataFileError(msg) from error
    except csv.Error as error:
        msg = f"Файл «{path.name}»: не удалось разобрать CSV ({error})"
        raise DataFileError(msg) from error
    if not records:
        raise DataFileError(f"Файл «{path.name}» пуст: нет строки заголовков")
    header = [name.strip() for name in records[0][1]]
    columns = tuple(header) if columns is None else columns
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataFileError(f"Файл «{path.name}»: нет столбцов {', '.join(missing)}")
    rows = []
    for line, fields in records[1:]:
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            msg = (
                f"Файл «{path.name}», строка {line}: полей {len(fields)}, а в заголовке {len(header)} "
                "(текст с запятой нужно взять в кавычки)"
            )
            raise DataFileError(msg)
        row = dict(zip(header, fields, strict=True))
        rows.append((line, {c: row[c] for c in columns}))
    return rows


def read_whole_number_parameters(path: Path, names: tuple[str, ...]) -> dict[str, int]:
    """A rule file of `parameter,value` rows: every value a whole number from 1, every name in
    `names` present; a bad value names file and line, a missing parameter names itself."""
    values = {}
    for line, row in read_data_csv(path, ("parameter", "value")):
        value = row["value"].strip()
        if not value.isdigit() or int(value) < 1:
            raise SamodiagError(f"Файл «{path.name}», строка {line}: значение должно быть целым числом от 1")
        values[row["parameter"].strip()] = int(value)
    missing = [name for name in names if name not in values]
    if missing:
        raise SamodiagError(f"Файл «{path.name}»: нет параметров {', '.join(missing)}")
    return values
