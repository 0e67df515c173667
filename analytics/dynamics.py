"""Round comparison: what changed between two rounds, for whom, and whether it is more than noise.

Only schools present in both rounds are paired; the others are counted and listed, never dropped
silently. Tracks are matched by code and indicators by their normalised text, so two rounds under
different methodology versions are compared on what they share, and the comparison says so.
Shares and tests over fewer than MIN_SCHOOLS schools read «мало данных»: a handful of schools
cannot carry a verdict.

Two rounds of 40,000 schools compare in about 0.15 s on two quiet cores. Three queries return
one row per school each — who is listed (the only strings), the scores packed into one list of
integers, the deficit masks of its answer digest (written at import: no answers are read here) —
and cross into Python as Arrow, several times cheaper than `.df()`. Two run on worker threads, each
on a cursor of its own, while the listed schools are read and sorted here, and the deficits are
counted there while the levels are shaped here: DuckDB, Arrow and numpy let go of the interpreter
while they work, so the two cores stay busy. The figures land in numpy arrays (school × scope,
school × indicator) on which every count is a vectorised step; the per-school tables are built
only when asked for, from Arrow columns without a Python string per cell; the signed-rank tests
rank integer differences by counting them instead of sorting them.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import special, stats

from analytics.config import DATA_DIR
from analytics.datafiles import read_data_csv
from analytics.errors import SamodiagError
from analytics.levels import track_names
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE
from analytics.sql import query
from analytics.text import normalize

MIN_SCHOOLS = 10
"""Below this many schools a share, or schools whose points changed a test, read «мало данных»."""
TOO_FEW = "мало данных"
TOTAL_NAME = "В целом"

CHANGE_UP = "рост"
CHANGE_SAME = "без изменений"
CHANGE_DOWN = "снижение"
CHANGES = (CHANGE_UP, CHANGE_SAME, CHANGE_DOWN)
ONLY_FROM = "только в первом раунде"
ONLY_TO = "только во втором раунде"

VERDICT_UP = "заметный рост"
VERDICT_SMALL_UP = "небольшой рост"
VERDICT_DOWN = "заметное снижение"
VERDICT_SMALL_DOWN = "небольшое снижение"
VERDICT_NONE = "изменений нет"
VERDICT_FEWER_DEFICITS = "дефицит значимо реже"
VERDICT_MORE_DEFICITS = "дефицит значимо чаще"
VERDICT_NOT_SIGNIFICANT = "в пределах случайных колебаний"
VERDICT_RULES_PATH = DATA_DIR / "rules" / "change_verdicts.csv"


@dataclass(frozen=True)
class VerdictRules:
    """When a change in points is called a change, and when a noticeable one.

    Points of the total and of the eight tracks are nine paired tests on the same schools, so their
    p-values are adjusted by Holm's step-down method (it controls the chance of any false verdict);
    the dozens of indicators by Benjamini–Hochberg (it controls the share of false ones). A
    verdict needs the adjusted p below `significance`; it says «заметный» only when the mean
    change also reaches `practical_change_share` of the scope's maximum, otherwise «небольшой»:
    with thousands of schools a tenth of a point is «significant» and still means nothing.
    """

    significance: float
    practical_change_share: float

    def explained(self) -> str:
        """The rule in words, for the page's «Как проверяли»."""
        share = f"{self.practical_change_share * 100:g}".replace(".", ",")
        level = f"{self.significance:g}".replace(".", ",")
        return (
            "Парный критерий Уилкоксона по школам, прошедшим оба раунда; p-значения девяти проверок "
            "(в целом и восемь направлений) скорректированы поправкой Холма, показателей — поправкой "
            f"Бенджамини–Хохберга. Изменение признаётся, если скорректированное p < {level}; "
            f"«заметное» — если средний сдвиг не меньше {share}\u00a0% максимума направления, иначе "
            "«небольшое». «Мало данных» — баллы изменились меньше чем у "
            f"{MIN_SCHOOLS} школ. r — ранговая бисериальная корреляция: +1 — выросли все "
            "изменившиеся школы, −1 — снизились все, 0 — рост и снижение уравновешены."
        )


@cache
def verdict_rules(path: Path = VERDICT_RULES_PATH) -> VerdictRules:
    """The two parameters from `data/rules/change_verdicts.csv`, each a number in (0, 1)."""
    values = {}
    for line, row in read_data_csv(path, ("parameter", "value")):
        try:
            value = float(row["value"].replace(",", "."))
        except ValueError:
            value = -1.0
        if not 0 < value < 1:
            msg = f"Файл «{path.name}», строка {line}: значение должно быть числом от 0 до 1"
            raise SamodiagError(msg)
        values[row["parameter"].strip()] = value
    missing = [name for name in ("significance", "practical_change_share") if name not in values]
    if missing:
        raise SamodiagError(f"Файл «{path.name}»: нет параметров {', '.join(missing)}")
    return VerdictRules(values["significance"], values["practical_change_share"])


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
    below_basic_changes: pd.DataFrame
    """Per scope: schools below basic in each round, how many left and entered it, McNemar (Holm)."""
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
    stands for a shared indicator. Failed critical indicators are a mask of their own, part of the
    deficits."""

    count_bits: int
    answered: np.ndarray
    """The indicators answered in both rounds."""
    deficits_from: np.ndarray
    """Of those, a deficit in the first round."""
    deficits_to: np.ndarray
    failed_from: np.ndarray
    """Of those, a critical indicator failed in the first round."""
    failed_to: np.ndarray

    def per_indicator(self, masks: np.ndarray) -> np.ndarray:
        """How many schools have each indicator's bit set."""
        bits = np.unpackbits(_bytes(masks), axis=1, count=self.count_bits, bitorder="little")
        return bits.sum(axis=0, dtype=np.int64)

    @staticmethod
    def per_school(masks: np.ndarray) -> np.ndarray:
        """How many indicator bits each school has set."""
        return np.bitwise_count(masks).sum(axis=1, dtype=np.int64)


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
            track_changes=_track_changes(pairs, _scope_maxima(con, to_round)),
            status_change_grid=_status_change_grid(pairs),
            below_basic_changes=_below_basic_changes(pairs),
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
    key_ids = _key_ids(in_from & in_to, rows, texts, to_round.methodology)
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


def _key_ids(shared: set[str], rows: list[tuple], texts: list[str], version: str) -> dict[str, int]:
    """Indicator text → key_id: its number − 1 in the fullest form of `version` (the later round's
    methodology), so that a school of that form has its deficit masks numbered as stored; the
    shared indicators that form lacks come after its last number."""
    numbers_by_form: dict[str, dict[str, int]] = {}
    for text, row in zip(texts, rows, strict=True):
        if row[0] == version:
            numbers_by_form.setdefault(row[1], {})[text] = row[2]
    numbers = max(numbers_by_form.values(), key=len)
    key_ids = {text: number - 1 for text, number in numbers.items() if text in shared}
    first_free = max(numbers.values())
    for offset, text in enumerate(sorted(shared - key_ids.keys())):
        key_ids[text] = first_free + offset
    return key_ids


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
    """How the shared indicators are numbered as bits (key_id), and how dyn_deficit_masks' rows,
    numbered by the indicators of each school's form, become the _DeficitPairs of the listed
    schools."""

    keys: pd.DataFrame
    count_bits: int
    """One more than the highest key_id."""

    @classmethod
    def of(cls, shared: _SharedIndicators) -> _DeficitMasks:
        return cls(shared.keys, int(shared.keys["key_id"].max()) + 1 if len(shared.keys) else 0)

    @property
    def count_words(self) -> int:
        return max(1, -(-self.count_bits // 64))

    def read(self, con: duckdb.DuckDBPyConnection, from_round: Round, to_round: Round) -> pa.Table:
        """The deficit and failure masks of every school of both rounds."""
        rounds = {"from_round_id": from_round.round_id, "to_round_id": to_round.round_id}
        return _arrow(con, "dyn_deficit_masks", rounds)

    def pair(self, found: pa.Table, from_round: Round, to_round: Round, pairs: _SchoolPairs) -> _DeficitPairs:
        """Answered, deficit and failed indicators of the schools in both rounds."""
        paired = pairs.paired
        sides = [
            (from_round, False, pairs.identity["form_from"].filter(pa.array(paired))),
            (to_round, True, pairs.identity["form_to"].filter(pa.array(paired))),
        ]
        answered = np.bitwise_and(*(self._answered(rnd, forms) for rnd, _, forms in sides))
        (deficits_from, failed_from), (deficits_to, failed_to) = (
            self._renumbered(_stored_masks(found, is_to, pairs), rnd, forms) & answered
            for rnd, is_to, forms in sides
        )
        return _DeficitPairs(self.count_bits, answered, deficits_from, deficits_to, failed_from, failed_to)

    def _of_form(self, rnd: Round, forms: pa.ChunkedArray) -> Iterator[tuple[np.ndarray, pd.DataFrame]]:
        """For each form of `rnd` among `forms`: which schools answered it, and its shared indicators."""
        encoded = pc.dictionary_encode(forms.combine_chunks())
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        of_round = self.keys[self.keys["version"] == rnd.methodology]
        for code, form in enumerate(encoded.dictionary.to_pylist()):
            yield codes == code, of_round[of_round["form"] == form]

    def _answered(self, rnd: Round, forms: pa.ChunkedArray) -> np.ndarray:
        """Each school's mask of the shared indicators its form in `rnd` has."""
        answered = np.zeros((len(forms), self.count_words), dtype="<u8")
        for schools, keys in self._of_form(rnd, forms):
            answered[schools] = _mask_of(keys["key_id"].to_numpy(dtype=int), self.count_words)
        return answered

    def _renumbered(self, stored: np.ndarray, rnd: Round, forms: pa.ChunkedArray) -> np.ndarray:
        """(deficits, failures) numbered by each school's form as masks of shared bits (key_id).

        The later round's fullest form numbers its indicators as the shared bits do (_key_ids), so
        most schools' masks are kept as stored; the others have their bits moved one by one.
        """
        masks = np.zeros((2, len(forms), self.count_words), dtype="<u8")
        words = min(self.count_words, stored.shape[2])
        for schools, keys in self._of_form(rnd, forms):
            bits = keys["number"].to_numpy(dtype=int) - 1
            key_ids = keys["key_id"].to_numpy(dtype=int)
            if (bits == key_ids).all():
                shared = _mask_of(key_ids, stored.shape[2])
                masks[:, schools, :words] = (stored[:, schools] & shared)[..., :words]
                continue
            form_bits = np.unpackbits(_bytes(stored[:, schools]), axis=2, bitorder="little").view(bool)
            moved = np.zeros((2, int(schools.sum()), 64 * self.count_words), dtype=bool)
            moved[:, :, key_ids] = form_bits[:, :, bits]
            masks[:, schools] = np.packbits(moved, axis=2, bitorder="little").view("<u8")
        return masks


def _stored_masks(found: pa.Table, is_to: bool, pairs: _SchoolPairs) -> np.ndarray:
    """(deficits, failures) × school in both rounds × 64-bit word: one round's masks as stored."""
    rows = found.filter(pc.equal(found["is_to"], is_to))
    positions = _positions(rows["inn"], pairs.identity["inn"])
    listed = positions >= 0
    masks = np.zeros((2, len(pairs.paired), 2), dtype="<u8")
    for mask, prefix in enumerate(("deficit", "failed")):
        for word, suffix in enumerate(("low", "high")):
            masks[mask, positions[listed], word] = rows[f"{prefix}_{suffix}"].to_numpy()[listed]
    return masks[:, pairs.paired]


def _deficit_changes(
    masks: _DeficitMasks,
    found: Future[pa.Table],
    from_round: Round,
    to_round: Round,
    pairs: _SchoolPairs,
    catalogue: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The indicator changes and the deficits by municipality of the schools in both rounds."""
    deficits = masks.pair(found.result(), from_round, to_round, pairs)
    return _indicator_changes(deficits, catalogue), _deficits_by_municipality(deficits, pairs)


def _bytes(masks: np.ndarray) -> np.ndarray:
    """Mask words as bytes, bit i of the mask being bit i % 8 of byte i // 8."""
    return np.ascontiguousarray(masks, dtype="<u8").view(np.uint8)


def _mask_of(bits: np.ndarray, count_words: int) -> np.ndarray:
    """A mask with the given bits set."""
    chosen = np.zeros(64 * count_words, dtype=bool)
    chosen[bits] = True
    return np.packbits(chosen, bitorder="little").view("<u8")


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


def _track_changes(pairs: _SchoolPairs, maxima: dict[str, int]) -> pd.DataFrame:
    """Per scope: mean points in each round, the Wilcoxon signed-rank test, Holm-adjusted verdicts."""
    points_from = np.ascontiguousarray(pairs.points_from[pairs.paired].T)  # scope by scope
    points_to = np.ascontiguousarray(pairs.points_to[pairs.paired].T)
    counts = pairs.change_counts()
    table = pd.DataFrame(
        [
            {
                "scope": code,
                "scope_name": name,
                "points_max": maxima.get(code, np.nan),
                **_paired_points_test(points_from[column], points_to[column]),
                "count_up": int(counts[column, 0]),
                "count_same": int(counts[column, 1]),
                "count_down": int(counts[column, 2]),
            }
            for column, (code, name) in enumerate(pairs.scopes.items())
        ]
    )
    table.insert(table.columns.get_loc("p_value") + 1, "p_adjusted", _holm(table["p_value"].to_numpy()))
    table["verdict"] = [_points_verdict(row) for row in table.itertuples()]
    return table


def _scope_maxima(con: duckdb.DuckDBPyConnection, rnd: Round) -> dict[str, int]:
    """Scope → its maximum in the round's fullest form (the practical threshold's base)."""
    rows = con.execute(
        "select scope, max(points_max) from level_thresholds where version = ? group by scope",
        [rnd.methodology],
    ).fetchall()
    return dict(rows)


def _holm(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values over the tests that ran (NaN stays NaN)."""
    adjusted = np.full(len(p_values), np.nan)
    ran = np.flatnonzero(~np.isnan(p_values))
    order = ran[np.argsort(p_values[ran], kind="stable")]
    steps = p_values[order] * (len(order) - np.arange(len(order)))
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(steps))
    return adjusted


def _benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values over the tests that ran (NaN stays NaN)."""
    adjusted = np.full(len(p_values), np.nan)
    ran = ~np.isnan(p_values)
    if ran.any():
        adjusted[ran] = stats.false_discovery_control(p_values[ran], method="bh")
    return adjusted


def _paired_points_test(before: np.ndarray, after: np.ndarray) -> dict[str, object]:
    """Wilcoxon signed-rank test of after − before, with the matched-pairs rank-biserial r.

    The small-number rule counts the schools whose points changed: a thousand pairs of which
    three moved cannot carry a verdict either way (no change at all is a known answer).
    """
    step = after - before
    count = len(step)
    count_changed = int(np.count_nonzero(step))
    result: dict[str, object] = {
        "n_pairs": count,
        "n_changed": count_changed,
        "points_mean_from": before.mean() if count else np.nan,
        "points_mean_to": after.mean() if count else np.nan,
        "mean_change": step.mean() if count else np.nan,
        "statistic": np.nan,
        "p_value": np.nan,
        "effect_size_r": np.nan,
    }
    if count < MIN_SCHOOLS:
        return result
    if not count_changed:
        # scipy divides by zero here; with no change at all the answer is known.
        return result | {"statistic": 0.0, "p_value": 1.0, "effect_size_r": 0.0}
    if count_changed < MIN_SCHOOLS:
        return result
    ranks = _SignedRanks.of(step)
    statistic, p_value = _signed_rank_test(step, ranks)
    effect = (ranks.plus - ranks.minus) / (ranks.plus + ranks.minus)
    return result | {"statistic": statistic, "p_value": p_value, "effect_size_r": effect}


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


def _points_verdict(row: object) -> str:
    """The verdict of one scope's row: see VerdictRules."""
    rules = verdict_rules()
    if np.isnan(row.p_value):
        return TOO_FEW
    if row.n_changed == 0 or row.p_adjusted >= rules.significance:
        return VERDICT_NONE
    noticeable = abs(row.mean_change) >= rules.practical_change_share * row.points_max
    if row.effect_size_r > 0:
        return VERDICT_UP if noticeable else VERDICT_SMALL_UP
    return VERDICT_DOWN if noticeable else VERDICT_SMALL_DOWN


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
    p_values = np.where(enough, _mcnemar_p_values(closed, opened), np.nan)
    p_adjusted = _benjamini_hochberg(p_values)
    verdicts = np.select(
        [~enough, closed + opened == 0, p_adjusted >= verdict_rules().significance, closed > opened],
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
        p_value=p_values,
        p_adjusted=p_adjusted,
        verdict=verdicts,
    )


def _below_basic_changes(pairs: _SchoolPairs) -> pd.DataFrame:
    """Per scope: is «ниже базового» rarer or more frequent among the schools in both rounds?

    Exact McNemar test on the schools that left the status against those that entered it, the
    nine scopes' p-values adjusted by Holm; fewer than MIN_SCHOOLS pairs read «мало данных».
    """
    below_from = pairs.levels_from[pairs.paired] == 0
    below_to = pairs.levels_to[pairs.paired] == 0
    left = (below_from & ~below_to).sum(axis=0)
    entered = (~below_from & below_to).sum(axis=0)
    enough = np.full(len(pairs.scopes), pairs.paired.sum() >= MIN_SCHOOLS)
    p_values = np.where(enough, _mcnemar_p_values(left, entered), np.nan)
    p_adjusted = _holm(p_values)
    verdicts = np.select(
        [~enough, left + entered == 0, p_adjusted >= verdict_rules().significance, left > entered],
        [TOO_FEW, VERDICT_NONE, VERDICT_NOT_SIGNIFICANT, "ниже базового реже"],
        default="ниже базового чаще",
    )
    return pd.DataFrame(
        {
            "scope": list(pairs.scopes),
            "scope_name": list(pairs.scopes.values()),
            "n_pairs": int(pairs.paired.sum()),
            "below_basic_from": below_from.sum(axis=0),
            "below_basic_to": below_to.sum(axis=0),
            "left": left,
            "entered": entered,
            "p_value": p_values,
            "p_adjusted": p_adjusted,
            "verdict": verdicts,
        }
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

    def total(masks: np.ndarray) -> np.ndarray:
        return np.bincount(municipality, weights=deficits.per_school(masks), minlength=size).astype(np.int64)

    table = pd.DataFrame(
        {
            "municipality": encoded.dictionary.to_pandas(),
            "n_schools": np.bincount(municipality, minlength=size),
            "closed": total(deficits.deficits_from & ~deficits.deficits_to),
            "opened": total(deficits.deficits_to & ~deficits.deficits_from),
            "critical_closed": total(deficits.failed_from & ~deficits.failed_to),
            "critical_opened": total(deficits.failed_to & ~deficits.failed_from),
        }
    )
    table.insert(4, "balance", table["closed"] - table["opened"])
    return table[table["n_schools"] > 0].sort_values("municipality", ignore_index=True)
