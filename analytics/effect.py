"""Which kinds of measures closed which deficits: the plans of one round against the next round.

The unit is one deficit of one school in the earlier round (an indicator below its maximum);
it closed when the later round has the indicator at its maximum. Per kind of measure and per
track the deficits a measure of that kind targeted are compared with the same indicators'
deficits in schools that had no measure on them at all. Both shares get a 95 % Wilson interval
and the difference Fisher's exact test (two-sided). Fewer than SMALL_NUMBER deficits on either
side give «мало данных» whatever the p-value.

This is an observation, not proof: schools and municipalities chose their measures, the schools
that chose were likely the more active ones, and one school's deficits are not independent of
each other. The verdict never says a measure worked, only how often deficits closed with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd
from scipy.stats import fisher_exact

from analytics.catalogue import kind_labels
from analytics.errors import SamodiagError
from analytics.rounds import Round
from analytics.sql import query

SMALL_NUMBER = 10
"""Deficits on each side below which no difference is reported."""
ALPHA = 0.05
Z_95 = 1.959963984540054
CAVEAT = "это наблюдение, а не доказательство: меры выбирали сами школы, а не случай"
VERDICT_SMALL = "мало данных"
VERDICT_MORE = "с мерой дефициты закрывались чаще"
VERDICT_LESS = "с мерой дефициты закрывались реже"
VERDICT_SAME = "разница в пределах случайных колебаний"
ALL_TRACKS = "all"
EFFECT_COLUMNS = [
    "kind",
    "kind_label",
    "track_code",
    "with_measure",
    "closed_with_measure",
    "share_with_measure",
    "ci_low_with_measure",
    "ci_high_with_measure",
    "without_measure",
    "closed_without_measure",
    "share_without_measure",
    "ci_low_without_measure",
    "ci_high_without_measure",
    "p_value",
    "verdict",
]


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a share; (nan, nan) for no trials. It stays inside [0, 1] and
    behaves at 0 and n successes, where the normal approximation gives zero width."""
    if trials == 0:
        return math.nan, math.nan
    share = successes / trials
    centre = share + z * z / (2 * trials)
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    denominator = 1 + z * z / trials
    return (centre - spread) / denominator, (centre + spread) / denominator


@dataclass(frozen=True)
class Comparison:
    with_measure: int
    closed_with: int
    without_measure: int
    closed_without: int

    def row(self) -> dict[str, object]:
        """Shares, intervals, the exact test's p-value and the verdict."""
        low_with, high_with = wilson_interval(self.closed_with, self.with_measure)
        low_without, high_without = wilson_interval(self.closed_without, self.without_measure)
        table = [
            [self.closed_with, self.with_measure - self.closed_with],
            [self.closed_without, self.without_measure - self.closed_without],
        ]
        p_value = fisher_exact(table).pvalue if self.with_measure and self.without_measure else math.nan
        return {
            "with_measure": self.with_measure,
            "closed_with_measure": self.closed_with,
            "share_with_measure": _share(self.closed_with, self.with_measure),
            "ci_low_with_measure": low_with,
            "ci_high_with_measure": high_with,
            "without_measure": self.without_measure,
            "closed_without_measure": self.closed_without,
            "share_without_measure": _share(self.closed_without, self.without_measure),
            "ci_low_without_measure": low_without,
            "ci_high_without_measure": high_without,
            "p_value": p_value,
            "verdict": self.verdict(p_value),
        }

    def verdict(self, p_value: float) -> str:
        if min(self.with_measure, self.without_measure) < SMALL_NUMBER:
            return VERDICT_SMALL
        if not p_value < ALPHA:
            return VERDICT_SAME
        more = self.closed_with / self.with_measure > self.closed_without / self.without_measure
        return VERDICT_MORE if more else VERDICT_LESS


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def measure_effects(con: duckdb.DuckDBPyConnection, earlier: Round, later: Round) -> pd.DataFrame:
    """EFFECT_COLUMNS per kind of measure and track (and per kind over all tracks)."""
    if later.date <= earlier.date:
        msg = f"раунд «{later.name}» должен быть позже раунда «{earlier.name}»"
        raise SamodiagError(msg)
    params = {"from_round": earlier.round_id, "to_round": later.round_id}
    return effect_table(con.execute(query("effect_units"), params).df())


def effect_table(units: pd.DataFrame) -> pd.DataFrame:
    """The comparison from deficit units (inn, form, track_code, number, is_closed, kinds)."""
    rows = []
    for kind, label in kind_labels().items():
        treated = units[units["kinds"].map(lambda kinds, k=kind: k in list(kinds))]
        for track in [*sorted(treated["track_code"].unique()), ALL_TRACKS]:
            chosen = treated if track == ALL_TRACKS else treated[treated["track_code"] == track]
            if chosen.empty:
                continue
            comparison = _compare(chosen, _untreated_alike(units, chosen))
            rows.append({"kind": kind, "kind_label": label, "track_code": track} | comparison.row())
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def _untreated_alike(units: pd.DataFrame, treated: pd.DataFrame) -> pd.DataFrame:
    """Deficits on the same indicators (form and number) in schools with no measure on them."""
    targeted = set(zip(treated["form"], treated["number"], strict=True))
    untreated = units[units["kinds"].map(lambda kinds: len(list(kinds)) == 0)]
    keys = pd.Series(list(zip(untreated["form"], untreated["number"], strict=True)), index=untreated.index)
    return untreated[keys.isin(targeted)]


def _compare(treated: pd.DataFrame, untreated: pd.DataFrame) -> Comparison:
    return Comparison(
        with_measure=len(treated),
        closed_with=int(treated["is_closed"].sum()),
        without_measure=len(untreated),
        closed_without=int(untreated["is_closed"].sum()),
    )
