"""Mentor schools and internship sites: who helps a school that is below basic in a track.

The roadmaps ask municipal coordinators to give each school below basic a mentor school and to
pick schools with a high level in a track to host internships. The rule, written once here and
shown on the pages by `MentorRules.explained`:

- a host (mentor or internship site) in track X is at «высокий» in X, is not below basic
  overall and carries no credibility question in the round (`credibility.flagged_inns`: the
  mild finding that a level moved only with a critical indicator does not exclude);
- a mentor answers the same form of the self-diagnostic as its mentee (a correctional school is
  helped by a correctional school); among those, the same municipality comes first, then the
  same type of locality, then the nearest size band, then the stronger result in the track;
- each mentor takes at most `max_mentees_per_mentor` (school, track) pairs per round, and the
  pairs are assigned region-wide at once (a minimum-cost assignment), so that no mentor is
  overloaded while another eligible one stays free. A pair left without a mentor says why.

The assignment is solved as a sparse minimum-weight matching: each mentee pair may take any
eligible host of its own municipality and the best few of the rest of the region for its kind
of school; a pair left without one then takes any eligible host with a free place. So a pair is
«наставник не найден» only when no eligible host exists or all of them are full.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.sparse import coo_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from analytics.config import DATA_DIR
from analytics.credibility import SIZE_BANDS, flag_schools, flagged_inns
from analytics.datafiles import read_whole_number_parameters
from analytics.rounds import Round
from analytics.rubric import LEVELS
from analytics.sql import query

MENTOR_RULES_PATH = DATA_DIR / "rules" / "mentors.csv"
LOWEST_RANK = 0
HIGHEST_RANK = len(LEVELS) - 1
HIGH_LEVEL = LEVELS[HIGHEST_RANK]

ASSIGNMENT_COLUMNS = [
    "inn",
    "name",
    "municipality",
    "track_code",
    "track_name",
    "points",
    "points_max",
    "mentor_inn",
    "mentor_name",
    "mentor_municipality",
    "mentor_points",
    "mentor_points_max",
    "mentor_level",
    "reason",
]
SITE_COLUMNS = [
    "track_code",
    "track_name",
    "inn",
    "name",
    "municipality",
    "points",
    "points_max",
    "hosts_in_track",
    "reason",
]
NOT_FOUND = "наставник не найден — нужна помощь региона"

_OTHER_MUNICIPALITY_CANDIDATES = 20
"""Hosts from other municipalities each kind of mentee may take in the matching (more are tried
only for a pair left without a mentor)."""
_PROFILE = ["form", "track_code", "locality", "size_band"]


@dataclass(frozen=True)
class MentorRules:
    """How many schools one mentor takes, and how many internship sites a track lists."""

    max_mentees: int
    sites_per_track: int

    def explained(self) -> str:
        """The rule in words, for the pages and the documents."""
        return (
            "Наставник по направлению — школа той же формы самодиагностики на уровне «высокий» "
            "по этому направлению, не ниже базового в целом и без вопросов по достоверности "
            "в этом раунде. Сначала — школы того же муниципалитета, затем остального региона; "
            "среди них — того же типа местности, близкой численности и с большим баллом. "
            f"Один наставник берёт не больше {self.max_mentees} школ (по направлениям) за раунд; "
            "распределение общее для региона, чтобы никто не был перегружен. "
            f"Стажировочные площадки — до {self.sites_per_track} лучших таких школ по направлению."
        )

    def sites_explained(self) -> str:
        """Who may host an internship, in words, for the list of sites."""
        return (
            f"Школы уровня «{HIGH_LEVEL}» по направлению, не ниже базового в целом и без вопросов по "
            f"достоверности; до {self.sites_per_track} лучших по доле максимума направления, затем "
            "по общему баллу."
        )


@cache
def mentor_rules(path: Path = MENTOR_RULES_PATH) -> MentorRules:
    """The two parameters from `data/rules/mentors.csv`, each a whole number from 1."""
    values = read_whole_number_parameters(path, ("max_mentees_per_mentor", "internship_sites_per_track"))
    return MentorRules(values["max_mentees_per_mentor"], values["internship_sites_per_track"])


def assign_mentors(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    municipality: str | None = None,
    *,
    rules: MentorRules | None = None,
) -> pd.DataFrame:
    """Every (school, track) below basic with its assigned mentor or «наставник не найден».

    The assignment is made region-wide; `municipality` only chooses whose rows are returned, so
    a coordinator sees the same mentors as the region. Rows in the order of school and track;
    a row without a mentor has empty mentor columns and the reason why.
    """
    rules = rules or mentor_rules()
    mentees = _mentees(con, rnd)
    hosts = _hosts(con, rnd)
    chosen = _assign(mentees, hosts, rules.max_mentees)
    found = mentees.assign(host=chosen)
    if municipality is not None:
        found = found[found["municipality"] == municipality]
    return _with_mentor_columns(found, hosts, rules.max_mentees)


def mentors_of(
    con: duckdb.DuckDBPyConnection, rnd: Round, inn: str, *, rules: MentorRules | None = None
) -> pd.DataFrame:
    """The rows of `assign_mentors` for one school (region-wide assignment, one school's rows)."""
    found = assign_mentors(con, rnd, rules=rules)
    return found[found["inn"] == inn].reset_index(drop=True)


def mentor_assignment_csv(
    con: duckdb.DuckDBPyConnection, rnd: Round, municipality: str | None = None
) -> pd.DataFrame:
    """The assignment as the `mentors` command prints it: like `levels`, the track as its code,
    figures as integers, the level in lower case; a pair without a mentor has empty mentor fields."""
    found = assign_mentors(con, rnd, municipality)
    out = found.drop(columns=["track_name", "points", "points_max"]).rename(columns={"track_code": "track"})
    for column in ("mentor_points", "mentor_points_max"):
        out[column] = out[column].astype("Int64")
    return out


def internship_sites(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    track_code: str | None = None,
    municipality: str | None = None,
    *,
    rules: MentorRules | None = None,
) -> pd.DataFrame:
    """Per track, the best `sites_per_track` eligible hosts with their reasons, best first.

    `hosts_in_track` counts every eligible host of the track (in the municipality when given),
    so a document can say how many there are without listing them all.
    """
    rules = rules or mentor_rules()
    hosts = _hosts(con, rnd)
    if track_code is not None:
        hosts = hosts[hosts["track_code"] == track_code]
    if municipality is not None:
        hosts = hosts[hosts["municipality"] == municipality]
    if hosts.empty:
        return pd.DataFrame(columns=SITE_COLUMNS)
    ranked = hosts.assign(
        share=hosts["points"] / hosts["points_max"],
        total_share=hosts["total_points"] / hosts["total_points_max"],
        hosts_in_track=hosts.groupby("track_code")["inn"].transform("size"),
    ).sort_values(
        ["track_order", "share", "total_share", "municipality", "name", "inn"],
        ascending=[True, False, False, True, True, True],
    )
    sites = ranked.groupby("track_code", sort=False).head(rules.sites_per_track).copy()
    sites["reason"] = [
        f"«{s.track_name}»: {s.points} из {s.points_max}, {HIGH_LEVEL}; в целом {s.total_points} "
        f"из {s.total_points_max}, «{s.total_level}»; {_profile_text(s.locality, s.size_band)}"
        for s in sites.itertuples()
    ]
    return sites[SITE_COLUMNS].reset_index(drop=True)


# --- the rows to match ---------------------------------------------------------------------------


def _mentees(con: duckdb.DuckDBPyConnection, rnd: Round) -> pd.DataFrame:
    return con.execute(
        query("mentor_mentees"),
        {"round_id": rnd.round_id, "lowest_rank": LOWEST_RANK, "band_starts": _band_starts()},
    ).df()


def _hosts(con: duckdb.DuckDBPyConnection, rnd: Round) -> pd.DataFrame:
    flagged = sorted(flagged_inns(flag_schools(con, rnd)))
    return con.execute(
        query("mentor_hosts"),
        {
            "round_id": rnd.round_id,
            "lowest_rank": LOWEST_RANK,
            "highest_rank": HIGHEST_RANK,
            "flagged": flagged,
            "band_starts": _band_starts(),
        },
    ).df()


def _band_starts() -> list[int]:
    return [start for start, _ in SIZE_BANDS]


# --- the assignment ------------------------------------------------------------------------------

_OTHER_MUNICIPALITY = 1000.0
_NO_MENTOR = 1e9
"""The cost of the stand-in «no mentor» column each pair has, so that a full matching always
exists and a real mentor, however dissimilar, is always preferred."""


def _assign(mentees: pd.DataFrame, hosts: pd.DataFrame, cap: int) -> np.ndarray:
    """For each mentee row, the row of `hosts` assigned as its mentor, or −1.

    Each host school is `cap` columns (its places); each mentee pair one row; edges are the
    candidates of `_candidate_edges` with their dissimilarity. The minimum-weight full matching
    over rows gives every pair a place or its own «no mentor» column; a pair so left then takes
    the most similar eligible host that still has a free place.
    """
    chosen = np.full(len(mentees), -1)
    if mentees.empty or hosts.empty:
        return chosen
    schools, school_of_host = np.unique(hosts["inn"].to_numpy(), return_inverse=True)
    edges = _candidate_edges(mentees, hosts)
    places = len(schools) * cap
    rows = np.concatenate([np.repeat(edges["mentee"].to_numpy(), cap), np.arange(len(mentees))])
    columns = np.concatenate(
        [
            ((school_of_host[edges["host"].to_numpy()] * cap)[:, None] + np.arange(cap)).ravel(),
            places + np.arange(len(mentees)),
        ]
    )
    costs = np.concatenate([np.repeat(edges["cost"].to_numpy(), cap), np.full(len(mentees), _NO_MENTOR)])
    graph = coo_array((costs, (rows, columns)), shape=(len(mentees), places + len(mentees))).tocsr()
    matched_rows, matched_columns = min_weight_full_bipartite_matching(graph)

    schools_matched = matched_columns < places
    mentee_matched = matched_rows[schools_matched]
    school_matched = matched_columns[schools_matched] // cap
    chosen[mentee_matched] = _host_row(
        hosts, schools, mentees["track_code"].to_numpy()[mentee_matched], school_matched
    )
    taken = np.bincount(school_matched, minlength=len(schools))
    _fill_free_places(mentees, hosts, chosen, school_of_host, taken, cap)
    return chosen


def _host_row(
    hosts: pd.DataFrame, schools: np.ndarray, tracks: np.ndarray, school_index: np.ndarray
) -> np.ndarray:
    """The row of `hosts` for each (track, school number)."""
    row_of = pd.Series(
        np.arange(len(hosts)), index=pd.MultiIndex.from_arrays([hosts["track_code"], hosts["inn"]])
    )
    return row_of.loc[list(zip(tracks, schools[school_index], strict=True))].to_numpy()


def _fill_free_places(
    mentees: pd.DataFrame,
    hosts: pd.DataFrame,
    chosen: np.ndarray,
    school_of_host: np.ndarray,
    taken: np.ndarray,
    cap: int,
) -> None:
    """Give each pair still without a mentor the most similar eligible host with a free place."""
    mentee, host = _as_arrays(mentees), _as_arrays(hosts)
    left = pd.DataFrame({"row": np.flatnonzero(chosen < 0)})
    left["form"], left["track_code"] = mentee["form"][left["row"]], mentee["track_code"][left["row"]]
    for (form, track), group in left.groupby(["form", "track_code"], sort=False):
        kind = np.flatnonzero((host["form"] == form) & (host["track_code"] == track))
        for row in group["row"]:
            candidates = kind[taken[school_of_host[kind]] < cap]
            if not len(candidates):
                break
            costs = _dissimilarity(
                mentee["locality"][row],
                mentee["size_band"][row],
                host["locality"][candidates],
                host["size_band"][candidates],
                host["share"][candidates],
            ) + _OTHER_MUNICIPALITY * (host["municipality"][candidates] != mentee["municipality"][row])
            best = candidates[int(np.argmin(costs))]
            chosen[row] = best
            taken[school_of_host[best]] += 1


def _as_arrays(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The profile columns as plain numpy arrays (a loop over rows reads them fast)."""
    arrays = {
        column: frame[column].to_numpy(dtype=object)
        for column in ["form", "track_code", "municipality", "locality"]
    }
    arrays["size_band"] = frame["size_band"].to_numpy(dtype=int)
    arrays["share"] = (frame["points"] / frame["points_max"]).to_numpy(dtype=float)
    return arrays


def _candidate_edges(mentees: pd.DataFrame, hosts: pd.DataFrame) -> pd.DataFrame:
    """(mentee row, host row, cost): every eligible host of the pair's own municipality, and the
    `_OTHER_MUNICIPALITY_CANDIDATES` most similar hosts of other municipalities for each kind of
    mentee (form, track, locality, size band) — the kind decides the order, not the school."""
    rows = mentees[["municipality", *_PROFILE]].reset_index(names="mentee")
    pool = _host_columns(hosts)
    same = rows.merge(
        pool,
        left_on=["form", "track_code", "municipality"],
        right_on=["form", "track_code", "host_municipality"],
    )
    same["cost"] = _frame_dissimilarity(same)

    kinds = rows[_PROFILE].drop_duplicates()
    region = kinds.merge(pool, on=["form", "track_code"])
    region["cost"] = _frame_dissimilarity(region) + _OTHER_MUNICIPALITY
    best = region.sort_values(["cost", "host"], kind="stable").groupby(_PROFILE, dropna=False, sort=False)
    other = rows.merge(
        best.head(_OTHER_MUNICIPALITY_CANDIDATES)[[*_PROFILE, "host", "host_municipality", "cost"]],
        on=_PROFILE,
    )
    other = other[other["municipality"] != other["host_municipality"]]
    return pd.concat([same, other], ignore_index=True)[["mentee", "host", "cost"]]


def _host_columns(hosts: pd.DataFrame) -> pd.DataFrame:
    """The hosts with their row number as `host` and their own columns prefixed «host_»."""
    own = ["municipality", "locality", "size_band", "points", "points_max"]
    return (
        hosts[["form", "track_code", *own]]
        .reset_index(names="host")
        .rename(columns={column: f"host_{column}" for column in own})
    )


def _dissimilarity(
    locality: object,
    size_band: object,
    host_locality: np.ndarray,
    host_size_band: np.ndarray,
    host_share: np.ndarray,
) -> np.ndarray:
    """How far each host is from its mentee, municipality aside; smaller is better, always ≥ 1.

    The terms are tiers: a different locality outweighs any difference in size, and the host's
    shortfall from the track's maximum only breaks ties; another municipality
    (`_OTHER_MUNICIPALITY`) outweighs them all. A locality or a size the roster does not give
    counts as half a difference.
    """
    unknown_locality = pd.isna(locality) | pd.isna(host_locality)
    locality_term = np.where(unknown_locality, 50.0, (np.asarray(locality) != host_locality) * 100.0)
    unknown_size = (np.asarray(size_band) == 0) | (host_size_band == 0)
    size_term = np.where(unknown_size, 15.0, np.abs(np.asarray(size_band) - host_size_band) * 10.0)
    return 1 + locality_term + size_term + 9 * (1 - host_share)


def _frame_dissimilarity(pairs: pd.DataFrame) -> np.ndarray:
    """`_dissimilarity` of merged (mentee, host) rows."""
    return _dissimilarity(
        pairs["locality"].to_numpy(dtype=object),
        pairs["size_band"].to_numpy(dtype=int),
        pairs["host_locality"].to_numpy(dtype=object),
        pairs["host_size_band"].to_numpy(dtype=int),
        (pairs["host_points"] / pairs["host_points_max"]).to_numpy(dtype=float),
    )


# --- what the rows say ---------------------------------------------------------------------------


def _with_mentor_columns(found: pd.DataFrame, hosts: pd.DataFrame, cap: int) -> pd.DataFrame:
    """The assignment's rows in `ASSIGNMENT_COLUMNS`, each with its reason in Russian."""
    if found.empty:
        return pd.DataFrame(columns=ASSIGNMENT_COLUMNS)
    has_host = found["host"].to_numpy() >= 0
    mentor = hosts.iloc[found["host"].to_numpy()[has_host]]
    out = found.reset_index(drop=True)
    for column, source in [
        ("mentor_inn", "inn"),
        ("mentor_name", "name"),
        ("mentor_municipality", "municipality"),
        ("mentor_points", "points"),
        ("mentor_points_max", "points_max"),
    ]:
        values = pd.Series(pd.NA, index=out.index, dtype=object)
        values[has_host] = mentor[source].to_numpy()
        out[column] = values
    out["mentor_level"] = np.where(has_host, HIGH_LEVEL, None)
    kinds_with_hosts = set(zip(hosts["form"], hosts["track_code"], strict=True))
    out["reason"] = [
        _mentor_reason(row, mentor_row, cap, kinds_with_hosts)
        for row, mentor_row in zip(out.itertuples(), _aligned(mentor, has_host), strict=True)
    ]
    return out[ASSIGNMENT_COLUMNS]


def _aligned(mentor: pd.DataFrame, has_host: np.ndarray) -> list:
    rows = iter(mentor.itertuples())
    return [next(rows) if present else None for present in has_host]


def _mentor_reason(row, mentor, cap: int, kinds_with_hosts: set) -> str:
    """«Профориентация»: 14 из 15, высокий; тот же муниципалитет; сельская, 100–499 обучающихся,
    как у школы» — or why no mentor was found."""
    if mentor is None:
        if (row.form, row.track_code) in kinds_with_hosts:
            return f"{NOT_FOUND}: все подходящие школы уже наставляют по {cap}"
        return f"{NOT_FOUND}: в регионе нет школы той же формы на уровне «{HIGH_LEVEL}» по направлению"
    place = "тот же муниципалитет" if mentor.municipality == row.municipality else "другой муниципалитет"
    result = f"«{row.track_name}»: {mentor.points} из {mentor.points_max}, {HIGH_LEVEL}; {place}"
    if _is_unknown(mentor) and _is_unknown(row):
        return f"{result}; тип местности и численность в реестре не указаны"
    profile = _profile_text(mentor.locality, mentor.size_band)
    own = _profile_text(row.locality, row.size_band)
    likeness = "как у школы" if profile == own else f"у школы: {own}"
    return f"{result}; {profile} ({likeness})"


def _is_unknown(school) -> bool:
    """Neither locality nor size: no roster, or a roster that does not give them."""
    return not (isinstance(school.locality, str) and school.locality) and not school.size_band


def _profile_text(locality: object, size_band: int) -> str:
    """«сельская, 100–499 обучающихся»: what the roster says of a school's kind."""
    place = locality if isinstance(locality, str) and locality else "тип местности не указан"
    size = SIZE_BANDS[size_band - 1][1] if size_band else "численность не указана"
    return f"{place}, {size}"
