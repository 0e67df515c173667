"""The «пакет к собеседованию»: everything a coordinator takes to one school's interview.

A pack is one folder per school holding its interview agenda (docx) and its deficit checklist in
both formats (xlsx to fill in, docx to print). A municipal archive holds the packs of the chosen
schools, the schools below basic overall first, since the roadmaps give them priority; folder
numbers keep that order in any file manager. The mentor assignment and the credibility flags are
computed once for the archive and shared by all its documents.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import duckdb
import pandas as pd

from analytics.credibility import flag_schools
from analytics.documents.agenda import render_agenda
from analytics.documents.checklist import checklist_content, render_docx, render_xlsx
from analytics.documents.common import safe_file_name
from analytics.documents.interview_support import interview_support
from analytics.documents.school_results import SchoolResult, load_school_results
from analytics.errors import SamodiagError
from analytics.mentors import assign_mentors
from analytics.rounds import Round

Progress = Callable[[float, str], None]
BELOW_BASIC_RANK = 0


def interview_packs_zip(
    con: duckdb.DuckDBPyConnection, rnd: Round, inns: list[str], progress: Progress | None = None
) -> bytes:
    """A zip with one pack per school, below-basic schools first; reports progress per school."""
    if not inns:
        raise SamodiagError(f"нет школ для пакетов к собеседованию в раунде «{rnd.name}»")
    step = progress or (lambda _fraction, _text: None)
    step(0.0, f"Чтение результатов школ: {len(inns)}")
    schools = load_school_results(con, rnd, inns)
    ordered = pack_order([schools[inn] for inn in dict.fromkeys(inns)])
    assignment = assign_mentors(con, rnd)
    flags = flag_schools(con, rnd)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, school in enumerate(ordered, start=1):
            mentors = assignment[assignment["inn"] == school.inn]
            for name, data in _pack_files(con, rnd, school, mentors, flags):
                archive.writestr(f"{pack_folder(number, school)}/{name}", data)
            step(number / len(ordered), f"{number} из {len(ordered)}: {school.name}")
    return buffer.getvalue()


def pack_order(schools: list[SchoolResult]) -> list[SchoolResult]:
    """Below basic overall first; otherwise the order asked for."""
    return sorted(schools, key=lambda school: school.level_rank != BELOW_BASIC_RANK)


def pack_folder(number: int, school: SchoolResult) -> str:
    """«001 4701000001 МОБУ «СОШ №1» (ниже базового)»."""
    return safe_file_name(f"{number:03d} {school.inn} {school.name} ({school.level})", limit=120)


def _pack_files(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    school: SchoolResult,
    mentors: pd.DataFrame,
    flags: pd.DataFrame,
) -> list[tuple[str, bytes]]:
    """The three files of one pack, named so that they stay distinct once copied out of their folder."""
    support = interview_support(con, rnd, school, mentors, flags)
    content = checklist_content(school, rnd, support)

    def named(what: str, extension: str) -> str:
        return safe_file_name(f"{school.inn} — {what} {rnd.name}", limit=120) + extension

    return [
        (
            named("повестка собеседования", ".docx"),
            render_agenda(con, rnd, school, support),
        ),
        (named("чек-лист", ".xlsx"), render_xlsx(content)),
        (named("чек-лист для печати", ".docx"), render_docx(content)),
    ]
