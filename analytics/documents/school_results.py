"""One school's result in a round, gathered once for every document that prints it.

Totals, levels and deficits are read from the engine (`school_scores_long`, `school_deficits`)
and never recomputed here, so a document shows exactly the figures the pages and the `levels`
command show. Bulk exports read the round (or the one municipality the schools share) in one
pass instead of once per school.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from analytics.deficits import school_deficits
from analytics.documents.common import format_points, round_label
from analytics.errors import NotFound
from analytics.levels import school_scores_long
from analytics.rounds import Round
from analytics.rubric import TOTAL_SCOPE


@dataclass(frozen=True)
class TrackInfo:
    code: str
    name: str
    kind: str
    order: int

    @property
    def title(self) -> str:
        """«Магистральное направление «Знание»»."""
        return f"{self.kind} «{self.name}»"


@dataclass(frozen=True)
class TrackResult:
    track: TrackInfo
    points: int
    points_max: int
    level: str
    level_rank: int
    count_failed_critical: int


@dataclass(frozen=True)
class Deficit:
    """One indicator below its maximum, as `school_deficits` reports it."""

    track_code: str
    number: int
    indicator: str
    is_critical: bool
    answer_current: str
    points_current: int
    points_max: int
    points_lost: int
    answer_best: str
    is_failed_critical: bool


DEFICIT_FIELDS = tuple(Deficit.__dataclass_fields__)


@dataclass(frozen=True)
class SchoolResult:
    """A school's identity, total, per-track results and deficits (worst first) in one round."""

    inn: str
    name: str
    municipality: str
    form: str
    form_title: str
    points: int
    points_max: int
    level: str
    level_rank: int
    count_failed_critical: int
    tracks: tuple[TrackResult, ...]
    deficits: tuple[Deficit, ...]

    def identity_rows(self) -> list[tuple[str, str]]:
        """Who the school is, as the header of a checklist or an agenda states it."""
        return [
            ("Образовательная организация", self.name),
            ("ИНН", self.inn),
            ("Муниципальное образование", self.municipality),
            ("Тип самодиагностики", self.form_title),
        ]

    def result_rows(self, rnd: Round) -> list[tuple[str, str]]:
        """What the school reached in the round, as the same headers state it."""
        return [
            ("Раунд самодиагностики", round_label(rnd)),
            ("Сумма баллов", format_points(self.points, self.points_max)),
            ("Уровень", self.level),
            ("Критических показателей с 0 баллов", str(self.count_failed_critical)),
        ]

    def deficits_of(self, code: str) -> list[Deficit]:
        """The track's deficits, in the engine's order (failed critical first, then worst)."""
        return [d for d in self.deficits if d.track_code == code]

    def tracks_worst_first(self) -> list[TrackResult]:
        """Tracks by level (lowest first), then by rubric order."""
        return sorted(self.tracks, key=lambda t: (t.level_rank, t.track.order))


def track_infos(con: duckdb.DuckDBPyConnection, version: str) -> list[TrackInfo]:
    """The tracks of a methodology version in rubric order."""
    rows = con.execute(
        "select track_code, track_name, track_kind, track_order from tracks where version = ? "
        "order by track_order",
        [version],
    ).fetchall()
    return [TrackInfo(*row) for row in rows]


def form_titles(con: duckdb.DuckDBPyConnection, version: str) -> dict[str, str]:
    rows = con.execute("select form, form_title from forms where version = ?", [version]).fetchall()
    return dict(rows)


def load_school_result(con: duckdb.DuckDBPyConnection, rnd: Round, inn: str) -> SchoolResult:
    """The school's result, or NotFound in Russian when it has none in the round."""
    return load_school_results(con, rnd, [inn])[inn]


def load_school_results(
    con: duckdb.DuckDBPyConnection, rnd: Round, inns: list[str]
) -> dict[str, SchoolResult]:
    """Results of the given schools, keyed by ИНН; NotFound names the first school missing."""
    municipality = _shared_municipality(con, inns)
    scores = school_scores_long(con, rnd, municipality)
    scores = scores[scores["inn"].isin(inns)]
    found = set(scores["inn"])
    missing = [inn for inn in inns if inn not in found]
    if missing:
        msg = f"школа с ИНН {missing[0]} не проходила самодиагностику в раунде «{rnd.name}»"
        raise NotFound(msg)
    if len(inns) == 1:
        deficits = school_deficits(con, rnd, inn=inns[0])
    else:
        deficits = school_deficits(con, rnd, municipality=municipality)
    tracks = track_infos(con, rnd.methodology)
    titles = form_titles(con, rnd.methodology)
    deficits_by_inn = _deficits_by_inn(deficits[deficits["inn"].isin(inns)])
    return {
        inn: _school_result(rows, tracks, titles, tuple(deficits_by_inn.get(inn, ())))
        for inn, rows in scores.groupby("inn", sort=False)
    }


def _deficits_by_inn(deficits: pd.DataFrame) -> dict[str, list[Deficit]]:
    """Plain records, converted once: filtering a DataFrame per school and track cost seconds."""
    grouped: dict[str, list[Deficit]] = {}
    columns = [deficits[name].tolist() for name in ("inn", *DEFICIT_FIELDS)]
    for inn, *values in zip(*columns, strict=True):
        grouped.setdefault(inn, []).append(_deficit(values))
    return grouped


def _deficit(values: list) -> Deficit:
    record = dict(zip(DEFICIT_FIELDS, values, strict=True))
    for name in ("number", "points_current", "points_max", "points_lost"):
        record[name] = int(record[name])
    for name in ("is_critical", "is_failed_critical"):
        record[name] = bool(record[name])
    return Deficit(**record)


def _shared_municipality(con: duckdb.DuckDBPyConnection, inns: list[str]) -> str | None:
    """The municipality all the schools belong to, to read only it; None when they differ."""
    rows = con.execute(
        "select distinct municipality from schools where inn in (select unnest($inns))", {"inns": inns}
    ).fetchall()
    return rows[0][0] if len(rows) == 1 else None


def _school_result(
    rows: pd.DataFrame, tracks: list[TrackInfo], titles: dict[str, str], deficits: tuple[Deficit, ...]
) -> SchoolResult:
    by_scope = {row.scope: row for row in rows.itertuples(index=False)}
    total = by_scope[TOTAL_SCOPE]
    return SchoolResult(
        inn=total.inn,
        name=total.name,
        municipality=total.municipality,
        form=total.form,
        form_title=titles.get(total.form, total.form),
        points=int(total.points),
        points_max=int(total.points_max),
        level=total.level,
        level_rank=int(total.level_rank),
        count_failed_critical=int(total.count_failed_critical),
        tracks=tuple(
            TrackResult(
                track=track,
                points=int(by_scope[track.code].points),
                points_max=int(by_scope[track.code].points_max),
                level=by_scope[track.code].level,
                level_rank=int(by_scope[track.code].level_rank),
                count_failed_critical=int(by_scope[track.code].count_failed_critical),
            )
            for track in tracks
            if track.code in by_scope
        ),
        deficits=deficits,
    )
