"""Round comparison: what changed between two rounds, for whom, and whether it is more than noise.

Only schools present in both rounds are paired; the others are counted and listed, never dropped
silently. Tracks are matched by code and indicators by their normalised text, so two rounds under
different methodology versions are compared on what they share, and the comparison says so.
Shares and tests over fewer than MIN_SCHOOLS schools read «мало данных»: a handful of schools
cannot carry a verdict.

Two rounds of 40,000 schools compare in about 0.18 s on two quiet cores (a quarter of a second
while everything ran on one thread, 0.6 s before that). Three queries return one row per school
each — who is listed (the only strings), the scores packed into one list of integers, the
deficits as bit masks — and cross into Python as Arrow, several times cheaper than `.df()`. The
scores and the deficits are read on worker threads, each on a cursor of its own, while the
listed schools are read and sorted here, and the deficits are counted there while the levels are
shaped here: DuckDB, Arrow and numpy let go of the interpreter while they work, so the two cores
stay busy. The figures land in numpy arrays (school × scope, school × indicator) on which every
count is a vectorised step; the per-school tables are assembled from Arrow columns without a
Python string per cell; the signed-rank tests rank integer differences by counting them instead
of sorting them. What remains is mostly reading: the 2 × 2.7 million answers and 2 × 360,000
scores are grouped per school on every call.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special, stats

from analytics.errors import SamodiagError
from analytics.levels import track_names
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query
from analytics.text import normalize

MIN_SCHOOLS = 10
"""Below this many schools a share or a test is reported as «мало данных»."""
SIGNIFICANCE = 0.05
TOO_FEW = "мало данных"
TOTAL_NAME = "В целом"

CHANGE_UP = "рост"
CHANGE_SAME = "без изменений"
CHANGE_DOWN = "снижение"
CHANGES = (CHANGE_UP, CHANGE_SAME, CHANGE_DOWN)
ONLY_FROM = "только в первом раунде"
ONLY_TO = "только во втором раунде"

VERDICT_UP = "значимый рост"
VERDICT_DOWN = "значимое снижение"
VERDICT_FEWER_DEFICITS = "дефицит значимо реже"
VERDICT_MORE_DEFICITS = "дефицит значимо чаще"
VERDICT_NOT_SIGNIFICANT = "изменение не значимо"

_MASK_BITS = 128
"""Bits of a deficit mask per query: dyn_deficit_masks returns one UHUGEINT per round and school,
split in two 64-bit words."""
_MASK_COLUMNS = ("from_low", "from_high", "to_low", "to_high")
_EXACT_TEST_MAX_PAIRS = 50
"""Up to this many pairs scipy's signed-rank test chooses an exact or a permutation p-value."""
_LISTING_ORDER = [("municipality", "ascending"), ("name", "ascending"), ("inn", "ascending")]
_LEVEL_NAMES = pa.array(LEVELS)
_CHANGE_LABELS = pa.array([CHANGE_UP, CHANGE_SAME, CHANGE_DOWN, ONLY_FROM, ONLY_TO])


@dataclass(frozen=True)
class RoundComparison:
    """Everything the «Динамика» page and the `compare` command show for two rounds.

    The summaries are computed at once; the per-school tables only when asked for, since a page
    draws one scope's movers at a time and the full per-school table is the `compare` CSV.
    """

    from_round: Round
    to_round: Round
    transitions: pd.DataFrame
    """Level in the first round (rows) × level in the second (columns): counts of schools."""
    transition_shares: pd.DataFrame
    """The same as shares of each row; NaN for a row of fewer than MIN_SCHOOLS schools."""
    only_in_from: pd.DataFrame
    only_in_to: pd.DataFrame
    track_changes: pd.DataFrame
    """Per scope (total, then tracks): paired points, Wilcoxon signed-rank test, effect size r."""
    indicator_changes: pd.DataFrame
    """Per indicator: deficits closed and opened, exact McNemar test."""
    deficits_by_municipality: pd.DataFrame
    status_change_grid: pd.DataFrame
    """Per scope and level now: how many schools rose, stayed and fell."""
    methodology_note: str | None
    _pairs: _SchoolPairs = field(repr=False)

    @property
    def count_schools(self) -> int:
        """Schools in either round."""
        return len(self._pairs.identity)

    @cached_property
    def schools(self) -> pd.DataFrame:
        """One row per school in either round: the `compare` CSV."""
        return _schools_table(self._pairs)

    def movers(self, scope: str, *, rising: bool) -> pd.DataFrame:
        """Schools whose level in `scope` (the total or a track code) rose, or fell, in listing order."""
        return _movers(self._pairs, scope, rising=rising)


@dataclass(frozen=True)
class _SchoolPairs:
    """Both rounds' figures of every school in either round, as arrays: rows are the schools of
    `identity`, columns scopes (the total first, then the shared tracks); NaN where a school missed
    a round."""

    identity: pa.Table
    """inn, name, municipality, form, and form_from / form_to (null: not in that round)."""
    scopes: dict[str, str]
    points_from: np.ndarray
    points_to: np.ndarray
    levels_from: np.ndarray
    levels_to: np.ndarray

    @cached_property
    def in_from(self) -> np.ndarray:
        return ~np.isnan(self.levels_from[:, 0])

    @cached_property
    def in_to(self) -> np.ndarray:
        return ~np.isnan(self.levels_to[:, 0])

    @cached_property
    def paired(self) -> np.ndarray:
        return self.in_from & self.in_to

    @cached_property
    def level_changes(self) -> np.ndarray:
        """Schools in both rounds × scopes: 0 rose a level, 1 stayed, 2 fell."""
        return 1 - np.sign(self.levels_to[self.paired] - self.levels_from[self.paired]).astype(int)

    def change_counts(self) -> np.ndarray:
        """Scopes × (rose, stayed, fell): counts of schools in both rounds."""
        scopes = np.arange(len(self.scopes)) * len(CHANGES)
        counts = np.bincount((scopes + self.level_changes).ravel(), minlength=len(self.scopes) * len(CHANGES))
        return counts.reshape(len(self.scopes), len(CHANGES))


@dataclass(frozen=True)
class _DeficitPairs:
    """The schools in both rounds (rows, in listing order) as bit masks, 64 bits a word: bit key_id
    stands for a shared indicator, and bit count_keys + i for failing the i-th critical one."""

    count_keys: int
    width: int
    """count_keys plus the critical indicators."""
    answered: np.ndarray
    """The indicators answered in both rounds."""
    deficits_from: np.ndarray
    """Of those, a deficit (or a failure) in the first round."""
    deficits_to: np.ndarray

    @cached_property
    def closed(self) -> np.ndarray:
        return self.deficits_from & ~self.deficits_to

    @cached_property
    def opened(self) -> np.ndarray:
        return self.deficits_to & ~self.deficits_from

    def per_indicator(self, masks: np.ndarray) -> np.ndarray:
        """How many schools have each indicator's bit set."""
        bits = np.unpackbits(_bytes(masks), axis=1, count=self.count_keys, bitorder="little")
        return bits.sum(axis=0, dtype=np.int64)

    def per_school(self, masks: np.ndarray, *, failures: bool) -> np.ndarray:
        """How many indicator bits (or, with `failures`, critical failure bits) each school has set."""
        first, last = (self.count_keys, self.width) if failures else (0, self.count_keys)
        return np.bitwise_count(masks & _bit_range(first, last, masks.shape[1])).sum(axis=1, dtype=np.int64)


def compare_rounds(
    con: duckdb.DuckDBPyConnection,
    from_round: Round,
    to_round: Round,
    municipality: str | None = None,
    *,
    school_type: str | None = None,
) -> RoundComparison:
    """Compare two rounds for the region or one municipality (and one school type, if given)."""
    if from_round.round_id == to_round.round_id:
        msg = f"Для сравнения выберите два разных раунда, а не «{from_round.name}» дважды"
        raise SamodiagError(msg)
    shared = _shared_indicators(con, from_round, to_round)
    scopes = _comparable_scopes(con, from_round, to_round)
    masks = _DeficitMasks.of(shared)
    # Two workers read the deficits and the scores while the listed schools are read and sorted
    # here; then one counts the deficits while the levels are shaped here (see the module's
    # docstring). Arguments are evaluated in order: the deficit counts are waited for last.
    with ThreadPoolExecutor(max_workers=2) as workers:
        found = workers.submit(masks.read, con, from_round, to_round)
        scores = workers.submit(_read_scores, con, from_round, to_round, scopes)
        pairs = _school_pairs(con, from_round, to_round, scopes, scores, municipality, school_type)
        deficit_changes = workers.submit(
            _deficit_changes, masks, found, from_round, to_round, pairs, shared.catalogue
        )
        transitions = _transitions(pairs)
        return RoundComparison(
            from_round=from_round,
            to_round=to_round,
            transitions=transitions,
            transition_shares=_row_shares(transitions),
            only_in_from=_one_round_schools(pairs, present="from"),
            only_in_to=_one_round_schools(pairs, present="to"),
            track_changes=_track_changes(pairs),
            status_change_grid=_status_change_grid(pairs),
            methodology_note=_methodology_note(con, from_round, to_round, shared),
            indicator_changes=deficit_changes.result()[0],
            deficits_by_municipality=deficit_changes.result()[1],
            _pairs=pairs,
        )


def school_history(con: duckdb.DuckDBPyConnection, inn: str) -> pd.DataFrame:
    """A school's points and level in every round it passed, per scope (total first), oldest first."""
    return con.execute(query("dyn_school_history"), {"inn": inn, "total_name": TOTAL_NAME}).df()


def format_shares(shares: pd.DataFrame) -> pd.DataFrame:
    """Shares as Russian percentages («25,0 %»), with «мало данных» where there were too few schools."""
    return shares.apply(lambda column: column.map(_format_share)).astype(str)


def _format_share(share: float) -> str:
    if pd.isna(share):
        return TOO_FEW
    return f"{share * 100:.1f} %".replace(".", ",")


# --- what is comparable ------------------------------------------------------------------------


def _comparable_scopes(con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round) -> dict[str, str]:
    """Scope code → name: the total, then the tracks both methodologies have, in the later's order."""
    names_from = track_names(con, from_round.methodology)
    names_to = track_names(con, to_round.methodology)
    return {TOTAL_SCOPE: TOTAL_NAME} | {code: name for code, name in names_to.items() if code in names_from}


@dataclass(frozen=True)
class _SharedIndicators:
    """The indicators both methodologies have, matched by normalised text and numbered by key_id."""

    catalogue: pd.DataFrame
    """One row per shared indicator, indexed by key_id, as the second round's methodology has it."""
    keys: pd.DataFrame
    """(version, form, number) → key_id and is_critical for every form of both versions."""
    count_unmatched: int
    """Indicators that only one of the two methodologies has."""


def _shared_indicators(
    con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round
) -> _SharedIndicators:
    rows = con.execute(
        """
        select i.version, i.form, i.number, i.track_code, t.track_name, t.track_order,
            i.indicator, i.is_critical,
        from indicators as i
        join tracks as t on t.version = i.version and t.track_code = i.track_code
        where i.version in (?, ?)
        """,
        [from_round.methodology, to_round.methodology],
    ).fetchall()
    texts = [normalize(row[6]) for row in rows]
    in_from = {text for text, row in zip(texts, rows, strict=True) if row[0] == from_round.methodology}
    in_to = {text for text, row in zip(texts, rows, strict=True) if row[0] == to_round.methodology}
    key_ids = {text: k for k, text in enumerate(sorted(in_from & in_to))}
    shared = [(key_ids[text], row) for text, row in zip(texts, rows, strict=True) if text in key_ids]
    keys = pd.DataFrame(
        [(row[0], row[1], row[2], key_id, row[7]) for key_id, row in shared],
        columns=["version", "form", "number", "key_id", "is_critical"],
    )
    # An indicator appears once per form; list it where the fullest form (highest number) puts it.
    placed: dict[int, tuple] = {}
    for key_id, row in sorted(shared, key=lambda item: (item[1][5], -item[1][2])):
        if row[0] == to_round.methodology:
            placed.setdefault(key_id, row)
    listed = sorted(placed.items(), key=lambda item: (item[1][5], item[1][2]))
    catalogue = pd.DataFrame(
        [(row[3], row[4], row[6], row[7]) for _, row in listed],
        columns=["track_code", "track_name", "indicator", "is_critical"],
        index=pd.Index([key_id for key_id, _ in listed], dtype=int, name="key_id"),
    )
    return _SharedIndicators(catalogue, keys, count_unmatched=len(in_from ^ in_to))


def _methodology_note(
    con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round, shared: _SharedIndicators
) -> str | None:
    if from_round.methodology == to_round.methodology:
        return None
    names_from = track_names(con, from_round.methodology)
    names_to = track_names(con, to_round.methodology)
    unmatched_tracks = [names_to[c] for c in names_to if c not in names_from] + [
        names_from[c] for c in names_from if c not in names_to
    ]
    note = (
        f"Раунды «{from_round.name}» и «{to_round.name}» проведены по разным методикам "
        f"({from_round.methodology} и {to_round.methodology}). Направления сопоставлены по коду, "
        f"показатели — по совпадению формулировки: сравниваются {len(shared.catalogue)} общих "
        f"показателей, {shared.count_unmatched} показателей есть только в одной из методик."
    )
    if unmatched_tracks:
        note += " Не сопоставлены направления: " + ", ".join(f"«{n}»" for n in unmatched_tracks) + "."
    return note + " Баллы и пороги методик могут различаться: изменение суммы баллов читайте с осторожностью."


# --- figures from the store --------------------------------------------------------------------


def _arrow(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> pa.Table:
    """A named query's rows as Arrow, on a cursor of its own: a relation (`.sql`) wants a
    connection with no result pending, and only a relation hands over Arrow without a copy."""
    with con.cursor() as cursor:
        return cursor.sql(query(name), params=params).to_arrow_table()


def _positions(inns: pa.ChunkedArray, listed: pa.ChunkedArray) -> np.ndarray:
    """Each ИНН's row in `listed`; -1 for a school not listed."""
    return pc.index_in(inns, value_set=listed.combine_chunks()).fill_null(-1).to_numpy()


def _school_pairs(
    con: duckdb.DuckDBPyConnection,
    from_round: Round,
    to_round: Round,
    scopes: dict[str, str],
    scores: Future[tuple[pa.ChunkedArray, np.ndarray]],
    municipality: str | None,
    school_type: str | None,
) -> _SchoolPairs:
    rounds = {"from_round_id": from_round.round_id, "to_round_id": to_round.round_id}
    identity = _arrow(
        con, "dyn_schools_in_rounds", {**rounds, "municipality": municipality, "school_type": school_type}
    )
    identity = identity.take(pc.sort_indices(identity, sort_keys=_LISTING_ORDER))
    inns, figures = scores.result()
    figures = figures[_score_rows(inns, identity["inn"])]
    missing = figures < 0
    points = (figures & 0xFFFF).astype(float)
    points[missing] = np.nan
    levels = (figures >> 16).astype(float)
    levels[missing] = np.nan
    count = len(scopes)
    return _SchoolPairs(
        identity, scopes, points[:, :count], points[:, count:], levels[:, :count], levels[:, count:]
    )


def _read_scores(
    con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round, scopes: dict[str, str]
) -> tuple[pa.ChunkedArray, np.ndarray]:
    """The ИНН of every school of both rounds, and its figures (see _unpack_scores)."""
    rounds = {"from_round_id": from_round.round_id, "to_round_id": to_round.round_id}
    scores = _arrow(con, "dyn_school_scores", {**rounds, "scopes": list(scopes)})
    return scores["inn"], _unpack_scores(scores, len(scopes))


def _unpack_scores(scores: pa.Table, count_scopes: int) -> np.ndarray:
    """dyn_school_scores' rows × (side × count_scopes + scope): level_rank << 16 | points, -1 where
    missing, and one more row all missing."""
    codes = scores["codes"].combine_chunks()
    values = codes.flatten().to_numpy()
    width = 2 * count_scopes
    figures = np.full((len(scores) + 1, width), -1, dtype=np.int32)
    rows = np.repeat(np.arange(len(scores)), pc.list_value_length(codes).to_numpy())
    figures.reshape(-1)[rows * width + (values >> 24)] = values & 0xFFFFFF
    return figures


def _score_rows(inns: pa.ChunkedArray, listed: pa.ChunkedArray) -> np.ndarray:
    """For each listed school its row among `inns`; -1 (the all-missing row) for none."""
    positions = _positions(inns, listed)
    rows = np.full(len(listed), -1)
    rows[positions[positions >= 0]] = np.flatnonzero(positions >= 0)
    return rows


@dataclass(frozen=True)
class _DeficitMasks:
    """How dyn_deficit_masks numbers the bits of the shared indicators, and how its rows become
    the _DeficitPairs of the listed schools."""

    keys: pd.DataFrame
    critical: np.ndarray
    """The key_ids of the critical indicators: failing the i-th sets bit count_keys + i."""
    count_keys: int

    @classmethod
    def of(cls, shared: _SharedIndicators) -> _DeficitMasks:
        keys = shared.keys
        is_critical = keys["is_critical"].to_numpy(dtype=bool)
        critical = np.unique(keys["key_id"].to_numpy(dtype=int)[is_critical])
        return cls(keys, critical, len(shared.catalogue))

    @property
    def width(self) -> int:
        return self.count_keys + len(self.critical)

    def read(self, con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round) -> list[pa.Table]:
        """The deficit masks of every school of both rounds, one query per 128 bits."""
        key_ids = self.keys["key_id"].to_numpy(dtype=int)
        is_critical = self.keys["is_critical"].to_numpy(dtype=bool)
        params = {
            "from_round_id": from_round.round_id,
            "to_round_id": to_round.round_id,
            "key_versions": self.keys["version"].tolist(),
            "key_forms": self.keys["form"].tolist(),
            "key_numbers": self.keys["number"].astype(int).tolist(),
            "key_positions": key_ids.tolist(),
            "failed_positions": np.where(
                is_critical, self.count_keys + np.searchsorted(self.critical, key_ids), -1
            ).tolist(),
        }
        params["has_replaced"] = _has_replaced_answers(con, from_round, to_round)
        return [
            _arrow(con, "dyn_deficit_masks", {**params, "first_position": first})
            for first in range(0, self.width, _MASK_BITS)
        ]

    def pair(
        self, found: list[pa.Table], from_round: Round, to_round: Round, pairs: _SchoolPairs
    ) -> _DeficitPairs:
        """Answered, deficit and failed indicators of the schools in both rounds."""
        paired = pairs.paired
        pair_rows = np.cumsum(paired) - 1
        # Round (from, to) × school × 64-bit word; query `chunk` brought words 2 × chunk and
        # 2 × chunk + 1.
        masks = np.zeros((2, int(paired.sum()), 2 * len(found)), dtype=np.uint64)
        for chunk, table in enumerate(found):
            rows = _positions(table["inn"], pairs.identity["inn"])
            kept = np.append(paired, False)[rows]  # -1, not listed, picks the False
            words = np.stack([table[column].to_numpy()[kept] for column in _MASK_COLUMNS])
            masks[:, pair_rows[rows[kept]], 2 * chunk : 2 * chunk + 2] = words.reshape(2, 2, -1).transpose(
                0, 2, 1
            )
        forms = (pairs.identity["form_from"], pairs.identity["form_to"])
        answered = np.bitwise_and(
            *(
                _answered(self.keys, self.critical, self.count_keys, masks.shape[2], rnd, form)[paired]
                for rnd, form in zip((from_round, to_round), forms, strict=True)
            )
        )
        return _DeficitPairs(self.count_keys, self.width, answered, masks[0] & answered, masks[1] & answered)


def _has_replaced_answers(con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round) -> bool:
    """Whether the two rounds hold answers no longer in force: more imported schools than current."""
    with con.cursor() as cursor:
        (answer,) = cursor.execute(
            """
            select
                (select count(*) from import_schools where round_id in ($from_round_id, $to_round_id))
                > (select count(*) from current_schools where round_id in ($from_round_id, $to_round_id)),
            """,
            {"from_round_id": from_round.round_id, "to_round_id": to_round.round_id},
        ).fetchone()
    return answer


def _deficit_changes(
    masks: _DeficitMasks,
    found: Future[list[pa.Table]],
    from_round: Round,
    to_round: Round,
    pairs: _SchoolPairs,
    catalogue: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicator changes and the deficits by municipality of the schools in both rounds."""
    deficits = masks.pair(found.result(), from_round, to_round, pairs)
    return _indicator_changes(deficits, catalogue), _deficits_by_municipality(deficits, pairs)


def _answered(
    keys: pd.DataFrame,
    critical: np.ndarray,
    count_keys: int,
    count_words: int,
    rnd: Round,
    forms: pa.ChunkedArray,
) -> np.ndarray:
    """Each school's mask of the indicators its form in `rnd` has (none if it missed the round)."""
    encoded = pc.dictionary_encode(forms.combine_chunks())
    by_form = np.zeros((len(encoded.dictionary) + 1, 64 * count_words), dtype=bool)
    of_round = keys[keys["version"] == rnd.methodology]
    for code, form in enumerate(encoded.dictionary.to_pylist()):
        key_ids = of_round.loc[of_round["form"] == form, "key_id"].to_numpy()
        by_form[code, key_ids] = True
        by_form[code, count_keys + np.flatnonzero(np.isin(critical, key_ids))] = True
    words = np.packbits(by_form, axis=1, bitorder="little").view("<u8")
    return words[encoded.indices.fill_null(len(encoded.dictionary)).to_numpy()]


def _bytes(masks: np.ndarray) -> np.ndarray:
    """Mask words as bytes, bit i of the mask being bit i % 8 of byte i // 8."""
    return np.ascontiguousarray(masks, dtype="<u8").view(np.uint8)


def _bit_range(first: int, last: int, count_words: int) -> np.ndarray:
    """A mask with bits first … last − 1 set."""
    bits = np.zeros(64 * count_words, dtype=bool)
    bits[first:last] = True
    return np.packbits(bits, bitorder="little").view("<u8")


# --- levels: transitions, movers, the status-and-change grid -----------------------------------


def _level_names(ranks: np.ndarray) -> pa.Array:
    """Level names for float ranks; null where the rank is NaN."""
    missing = np.isnan(ranks)
    return _LEVEL_NAMES.take(pa.array(np.where(missing, 0, ranks).astype(np.int8), mask=missing))


def _change_labels(rank_from: np.ndarray, rank_to: np.ndarray) -> pa.Array:
    step = rank_to - rank_from
    label = np.select([np.isnan(rank_from), np.isnan(rank_to), step > 0, step < 0], [4, 3, 0, 2], default=1)
    return _CHANGE_LABELS.take(label)


def _frame(columns: dict[str, object]) -> pd.DataFrame:
    """A DataFrame of Arrow columns (kept Arrow-backed: no Python string per cell) and arrays."""
    return pd.DataFrame(
        {
            name: values.to_pandas() if isinstance(values, pa.Array | pa.ChunkedArray) else values
            for name, values in columns.items()
        }
    )


def _transitions(pairs: _SchoolPairs) -> pd.DataFrame:
    size = len(LEVELS)
    ranks_from = pairs.levels_from[pairs.paired, 0].astype(int)
    ranks_to = pairs.levels_to[pairs.paired, 0].astype(int)
    counts = np.bincount(ranks_from * size + ranks_to, minlength=size * size).reshape(size, size)
    return pd.DataFrame(
        counts, index=pd.Index(LEVELS, name="level_from"), columns=pd.Index(LEVELS, name="level_to")
    )


def _row_shares(counts: pd.DataFrame) -> pd.DataFrame:
    totals = counts.sum(axis=1)
    shares = counts.div(totals.where(totals > 0), axis=0)
    return shares.where(totals >= MIN_SCHOOLS, axis=0)


def _movers(pairs: _SchoolPairs, scope: str, *, rising: bool) -> pd.DataFrame:
    column = list(pairs.scopes).index(scope)
    step = pairs.levels_to[:, column] - pairs.levels_from[:, column]
    rows = np.flatnonzero((step > 0) if rising else (step < 0))
    identity = pairs.identity.select(["inn", "name", "municipality"]).take(rows)
    return _frame(
        {
            "inn": identity["inn"],
            "name": identity["name"],
            "municipality": identity["municipality"],
            "scope": scope,
            "scope_name": pairs.scopes[scope],
            "level_from": _level_names(pairs.levels_from[rows, column]),
            "level_to": _level_names(pairs.levels_to[rows, column]),
            "points_from": pairs.points_from[rows, column].astype(int),
            "points_to": pairs.points_to[rows, column].astype(int),
        }
    )


def _status_change_grid(pairs: _SchoolPairs) -> pd.DataFrame:
    """Per scope, level now (highest first) × rose / stayed / fell: counts of schools."""
    size, scopes = len(LEVELS), len(pairs.scopes)
    levels_to = pairs.levels_to[pairs.paired].astype(int)
    cells = (np.arange(scopes) * size + levels_to) * len(CHANGES) + pairs.level_changes
    counts = np.bincount(cells.ravel(), minlength=scopes * size * len(CHANGES))
    counts = counts.reshape(scopes, size, len(CHANGES))[:, ::-1].reshape(-1, len(CHANGES))
    return pd.DataFrame(
        {
            "scope": np.repeat(list(pairs.scopes), size),
            "scope_name": np.repeat(list(pairs.scopes.values()), size),
            "level": np.tile(LEVELS[::-1], scopes),
            "count_up": counts[:, 0],
            "count_same": counts[:, 1],
            "count_down": counts[:, 2],
            "count_schools": counts.sum(axis=1),
        }
    )


# --- the per-school table ----------------------------------------------------------------------


def _schools_table(pairs: _SchoolPairs) -> pd.DataFrame:
    """One row per school in either round: levels and totals of both rounds, per-track levels."""
    columns: dict[str, object] = {
        "inn": pairs.identity["inn"],
        "name": pairs.identity["name"],
        "municipality": pairs.identity["municipality"],
        "level_from": _level_names(pairs.levels_from[:, 0]),
        "level_to": _level_names(pairs.levels_to[:, 0]),
        "total_from": pd.array(pairs.points_from[:, 0], dtype="Float64").astype("Int64"),
        "total_to": pd.array(pairs.points_to[:, 0], dtype="Float64").astype("Int64"),
        "change": _change_labels(pairs.levels_from[:, 0], pairs.levels_to[:, 0]),
    }
    for column, code in enumerate(pairs.scopes):
        if column:
            columns[f"{code}_level_from"] = _level_names(pairs.levels_from[:, column])
            columns[f"{code}_level_to"] = _level_names(pairs.levels_to[:, column])
    return _frame(columns)


def _one_round_schools(pairs: _SchoolPairs, *, present: str) -> pd.DataFrame:
    if present == "from":
        rows, points, levels = pairs.in_from & ~pairs.in_to, pairs.points_from, pairs.levels_from
    else:
        rows, points, levels = pairs.in_to & ~pairs.in_from, pairs.points_to, pairs.levels_to
    identity = pairs.identity.select(["inn", "name", "municipality", "form"]).filter(rows)
    return _frame(
        {
            **{column: identity[column] for column in identity.column_names},
            "total": points[rows, 0].astype(int),
            "level": _level_names(levels[rows, 0]),
        }
    )


# --- paired tests ------------------------------------------------------------------------------


def _track_changes(pairs: _SchoolPairs) -> pd.DataFrame:
    """Per scope: mean points in each round and the Wilcoxon signed-rank test over the pairs."""
    points_from = np.ascontiguousarray(pairs.points_from[pairs.paired].T)  # scope by scope
    points_to = np.ascontiguousarray(pairs.points_to[pairs.paired].T)
    counts = pairs.change_counts()
    return pd.DataFrame(
        [
            {
                "scope": code,
                "scope_name": name,
                **_paired_points_test(points_from[column], points_to[column]),
                "count_up": int(counts[column, 0]),
                "count_same": int(counts[column, 1]),
                "count_down": int(counts[column, 2]),
            }
            for column, (code, name) in enumerate(pairs.scopes.items())
        ]
    )


def _paired_points_test(before: np.ndarray, after: np.ndarray) -> dict[str, object]:
    """Wilcoxon signed-rank test of after − before, with the matched-pairs rank-biserial r."""
    step = after - before
    count = len(step)
    result: dict[str, object] = {
        "n_pairs": count,
        "points_mean_from": before.mean() if count else np.nan,
        "points_mean_to": after.mean() if count else np.nan,
        "mean_change": step.mean() if count else np.nan,
        "statistic": np.nan,
        "p_value": np.nan,
        "effect_size_r": np.nan,
        "verdict": TOO_FEW,
    }
    if count < MIN_SCHOOLS:
        return result
    if not step.any():
        # scipy divides by zero here; with no change at all the answer is known.
        return result | {"statistic": 0.0, "p_value": 1.0, "effect_size_r": 0.0, "verdict": CHANGE_SAME}
    ranks = _SignedRanks.of(step)
    statistic, p_value = _signed_rank_test(step, ranks)
    effect = (ranks.plus - ranks.minus) / (ranks.plus + ranks.minus)
    return result | {
        "statistic": statistic,
        "p_value": p_value,
        "effect_size_r": effect,
        "verdict": _points_verdict(p_value, effect),
    }


@dataclass(frozen=True)
class _SignedRanks:
    """The signed ranks of integer differences, zeros left out and ties at their average rank.

    Points are integers, so tens of thousands of differences take a few dozen values: counting
    each |difference| ranks them without a sort, and the sums are exact (half-integers).
    """

    plus: float
    """Sum of the ranks of the rises."""
    minus: float
    """Sum of the ranks of the falls."""
    ties: np.ndarray
    """How many differences share each |difference| (ones for the untied)."""

    @classmethod
    def of(cls, step: np.ndarray) -> _SignedRanks:
        nonzero = step[step != 0]
        magnitude = np.abs(nonzero).astype(np.int64)
        counts = np.bincount(magnitude)
        rises = np.bincount(magnitude[nonzero > 0], minlength=len(counts))
        average_rank = np.cumsum(counts) - (counts - 1) / 2
        return cls(
            plus=float(average_rank @ rises),
            minus=float(average_rank @ (counts - rises)),
            ties=counts[counts > 0],
        )


def _signed_rank_test(step: np.ndarray, ranks: _SignedRanks) -> tuple[float, float]:
    """Statistic and two-sided p-value of scipy's `wilcoxon(step)`.

    Beyond 50 pairs scipy uses the normal approximation with the tie correction and no continuity
    correction, which needs only the rank sums and the tie sizes; up to 50 it may pick an exact or
    a permutation p-value, so scipy itself is asked.
    """
    if len(step) <= _EXACT_TEST_MAX_PAIRS:
        test = stats.wilcoxon(step)
        return float(test.statistic), float(test.pvalue)
    count = float(ranks.ties.sum())
    ties = ranks.ties.astype(float)
    mean = count * (count + 1) * 0.25
    spread = np.sqrt((count * (count + 1) * (2 * count + 1) - (ties**3 - ties).sum() / 2) / 24)
    z = (ranks.plus - mean) / spread
    return min(ranks.plus, ranks.minus), float(2 * special.ndtr(-abs(z)))


def _points_verdict(p_value: float, effect: float) -> str:
    if p_value >= SIGNIFICANCE:
        return VERDICT_NOT_SIGNIFICANT
    return VERDICT_UP if effect > 0 else VERDICT_DOWN


def _indicator_changes(deficits: _DeficitPairs, catalogue: pd.DataFrame) -> pd.DataFrame:
    """Per shared indicator: deficits in each round, closed and opened, exact McNemar test."""
    answered, deficits_from, deficits_to, both = (
        deficits.per_indicator(masks)[catalogue.index]
        for masks in (
            deficits.answered,
            deficits.deficits_from,
            deficits.deficits_to,
            deficits.deficits_from & deficits.deficits_to,
        )
    )
    closed, opened = deficits_from - both, deficits_to - both
    enough = answered >= MIN_SCHOOLS
    share_from = deficits_from / np.where(enough, answered, np.nan)
    share_to = deficits_to / np.where(enough, answered, np.nan)
    p_values = _mcnemar_p_values(closed, opened)
    verdicts = np.select(
        [~enough, closed + opened == 0, p_values >= SIGNIFICANCE, closed > opened],
        [TOO_FEW, CHANGE_SAME, VERDICT_NOT_SIGNIFICANT, VERDICT_FEWER_DEFICITS],
        default=VERDICT_MORE_DEFICITS,
    )
    return catalogue.reset_index(drop=True).assign(
        n_pairs=answered,
        deficits_from=deficits_from,
        deficits_to=deficits_to,
        closed=closed,
        opened=opened,
        share_deficit_from=share_from,
        share_deficit_to=share_to,
        share_change=share_to - share_from,
        p_value=np.where(enough, p_values, np.nan),
        verdict=verdicts,
    )


def _mcnemar_p_values(closed: np.ndarray, opened: np.ndarray) -> np.ndarray:
    """Exact McNemar test: do the discordant pairs split as a fair coin would split them?

    This is scipy's two-sided `binomtest(closed, closed + opened, 0.5)`; with p = 0.5 the binomial
    is symmetric, so its p-value is twice the lower tail, which scipy computes for all indicators
    at once (no discordant pairs at all gives 1).
    """
    return np.minimum(1.0, 2 * stats.binom.cdf(np.minimum(closed, opened), closed + opened, 0.5))


def _deficits_by_municipality(deficits: _DeficitPairs, pairs: _SchoolPairs) -> pd.DataFrame:
    """Per municipality: schools in both rounds, deficits closed and opened, the balance."""
    encoded = pc.dictionary_encode(pairs.identity["municipality"].combine_chunks())
    municipality = encoded.indices.to_numpy()[pairs.paired]
    size = len(encoded.dictionary)

    def total(masks: np.ndarray, *, failures: bool = False) -> np.ndarray:
        per_school = deficits.per_school(masks, failures=failures)
        return np.bincount(municipality, weights=per_school, minlength=size).astype(np.int64)

    table = pd.DataFrame(
        {
            "municipality": encoded.dictionary.to_pandas(),
            "n_schools": np.bincount(municipality, minlength=size),
            "closed": total(deficits.closed),
            "opened": total(deficits.opened),
            "critical_closed": total(deficits.closed, failures=True),
            "critical_opened": total(deficits.opened, failures=True),
        }
    )
    table.insert(4, "balance", table["closed"] - table["opened"])
    return table[table["n_schools"] > 0].sort_values("municipality", ignore_index=True)
