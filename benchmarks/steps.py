"""The measured steps. Each runs in a process of its own, so the peak memory it reports is its own.

A step is a small picklable description with a `run` method; `run_step` executes it in the
child process and returns the timings of its timed part (setup such as creating an empty store
is not timed) with the child's peak resident memory, `ru_maxrss`: the whole process at its
highest, interpreter and libraries included, native memory (DuckDB, calamine) as well as Python's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import resource
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from analytics.config import RUBRIC_DIR
from analytics.db import connect, open_store
from analytics.documents import checklists_zip
from analytics.loading import Upload, import_uploads
from analytics.rounds import list_rounds
from analytics.scoring import rescore_all
from analytics.views import round_schools
from benchmarks.bench_pages import frame_calls, page_calls

EVERY_PAGE = "every page"
STDOUT = 1
MUNICIPALITY = "Муниципальное образование"
LONG_CSV = {"sep": ";", "encoding": "cp1251"}
WIDE_HEADER_ROW = 3
"""The demo's wide sheet: a title, an empty row and the merged track names above the header."""


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    """Seconds of CPU of the whole process, DuckDB's threads included."""


@dataclass(frozen=True)
class Outcome:
    runs: dict[str, list[Run]]
    """What was timed ('' for a step that times one thing) → its runs."""
    peak_rss: int
    """Bytes."""


def run_step(step: BareParse | PandasWay | Import | Rescore | PageCalls | Checklists) -> Outcome:
    """Executed in the child process, whose output is silenced: DuckDB draws a progress bar on
    standard output during long queries, and the table is printed there."""
    with _stdout_silenced():
        runs = step.run()
    return Outcome(runs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


@contextmanager
def _stdout_silenced() -> Iterator[None]:
    saved = os.dup(STDOUT)
    with Path(os.devnull).open("w") as devnull:
        os.dup2(devnull.fileno(), STDOUT)
    try:
        yield
    finally:
        os.dup2(saved, STDOUT)
        os.close(saved)


def timed(action: Callable[[], object]) -> Run:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return Run(time.perf_counter() - wall, time.process_time() - cpu)


@dataclass(frozen=True)
class BareParse:
    """The least any import does: every sheet's rows with python-calamine, every csv's rows with
    the csv module (one archive member at a time, as the importer reads them)."""

    path: Path

    def run(self) -> dict[str, list[Run]]:
        return {"": [timed(lambda: bare_parse(self.path))]}


def bare_parse(path: Path) -> int:
    """Rows read; the rows themselves are dropped."""
    if path.suffix == ".xlsx":
        workbook = CalamineWorkbook.from_path(str(path))
        return sum(len(workbook.get_sheet_by_name(name).to_python()) for name in workbook.sheet_names)
    with zipfile.ZipFile(path) as archive:
        return sum(len(_csv_rows(archive.read(member))) for member in archive.infolist())


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1251")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@dataclass(frozen=True)
class PandasWay:
    """How an analyst does it today: pandas reads the export (openpyxl for xlsx), then a groupby
    per track — mean points per municipality and track."""

    path: Path
    methodology: str

    def run(self) -> dict[str, list[Run]]:
        return {"": [timed(lambda: pandas_way(self.path, self.methodology))]}


def pandas_way(path: Path, methodology: str) -> pd.Series:
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, header=WIDE_HEADER_ROW, engine="openpyxl")
        points = [column for column in frame.columns if str(column).endswith(": баллы")]
        long = frame.melt(id_vars=[MUNICIPALITY], value_vars=points, var_name="track", value_name="points")
        return long.groupby([MUNICIPALITY, "track"])["points"].mean()
    with zipfile.ZipFile(path) as archive:
        frame = pd.concat(pd.read_csv(archive.open(member), **LONG_CSV) for member in archive.infolist())
    # The long export names no track: the analyst looks indicators up in the methodology.
    folder = RUBRIC_DIR / methodology
    forms = pd.read_csv(folder / "forms.csv")
    indicators = pd.read_csv(folder / "indicators.csv").merge(forms, on=["version", "form"])
    tracks = indicators.rename(columns={"form_title": "Тип самодиагностики", "number": "Номер показателя"})
    merged = frame.merge(tracks[["Тип самодиагностики", "Номер показателя", "track_code"]])
    per_school = merged.groupby([MUNICIPALITY, "ИНН", "track_code"])["Баллы"].sum()
    return per_school.groupby(level=[MUNICIPALITY, "track_code"]).mean()


@dataclass(frozen=True)
class Import:
    """`import_uploads` of a round's files into an empty store: validation, the one transaction
    and the rescoring of the round, from the files on disk."""

    files: tuple[Path, ...]
    round_name: str
    date: dt.date
    scratch: Path

    def run(self) -> dict[str, list[Run]]:
        store = self.scratch / "import.duckdb"
        con = open_store(store)
        try:
            run = timed(
                lambda: import_uploads(
                    con, [Upload.from_path(path) for path in self.files], self.round_name, date=self.date
                )
            )
        finally:
            con.close()
            store.unlink()
        return {"": [run]}


@dataclass(frozen=True)
class Rescore:
    """`rescore_all`: every derived row of every round rebuilt from the stored answers."""

    db_path: Path

    def run(self) -> dict[str, list[Run]]:
        con = open_store(self.db_path)
        try:
            return {"": [timed(lambda: rescore_all(con))]}
        finally:
            con.close()


@dataclass(frozen=True)
class PageCalls:
    """Every analytics call each page makes for the latest round, as `benchmarks/bench_pages.py`
    (written with the pages) lists them, each timed `repeat` times on one read-only connection,
    as the app holds it."""

    db_path: Path
    repeat: int

    def run(self) -> dict[str, list[Run]]:
        con = connect(self.db_path, read_only=True)
        try:
            rnd = list_rounds(con)[-1]
            calls = {f"{EVERY_PAGE}: {name}": call for name, call in frame_calls(con, rnd)}
            for page, page_list in page_calls(con, rnd).items():
                calls.update({f"{page}: {name}": call for name, call in page_list})
            return {name: [timed(call) for _ in range(self.repeat)] for name, call in calls.items()}
        finally:
            con.close()


@dataclass(frozen=True)
class Checklists:
    """The bulk checklist zip of the largest municipality's first `count` schools (latest round),
    as a coordinator downloads it from the «Дефициты» page."""

    db_path: Path
    fmt: str
    count: int

    def run(self) -> dict[str, list[Run]]:
        con = connect(self.db_path, read_only=True)
        try:
            rnd = list_rounds(con)[-1]
            schools = round_schools(con, rnd)
            largest = schools["municipality"].value_counts().idxmax()
            inns = schools.loc[schools["municipality"] == largest, "inn"].tolist()[: self.count]
            return {"": [timed(lambda: checklists_zip(con, rnd, inns, self.fmt))]}
        finally:
            con.close()
