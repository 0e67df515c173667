"""Findings and recommendations of the analytic report: wording as data, rules as code.

A methodologist edits `data/documents/findings.csv` (id, section, rule, threshold, template):
the sentence, the section it goes to («вывод» or «рекомендация») and the threshold that
triggers it. The rule is one of the named functions in RULES; each reads the report's facts
and returns one set of placeholder values per case it finds (a track, an indicator, or the
region as a whole), and the template is filled in once per case. A rule name, threshold or
placeholder the code does not know is reported with the file and line before any report is
built, so a typo never yields a half-written sentence.

Shares are thresholds in percent («30» means 30 %); counts are numbers of schools.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.config import DATA_DIR
from analytics.datafiles import read_data_csv
from analytics.documents.common import format_share
from analytics.documents.region_facts import DEFICIT_MAX_RANK, HIGH, ReportFacts
from analytics.errors import SamodiagError

FINDINGS_PATH = DATA_DIR / "documents" / "findings.csv"
FINDING_COLUMNS = ("id", "section", "rule", "threshold", "template")
ACTION_COLUMNS = ("owner_region", "owner_municipality", "deadline", "target")
"""What a recommendation also says: who acts (in a region's report, in a municipality's), by
when and to what end. Required for «рекомендация», empty for «вывод»."""
SECTIONS = ("вывод", "рекомендация")
BASE_PLACEHOLDERS = frozenset({"scope", "round", "threshold"})
SCHOOLS_LISTED = 5
INDICATOR_CASES = 5
MIN_SCHOOLS_FOR_SHARE = 5

Case = dict[str, object]
RuleFunction = Callable[[ReportFacts, float], list[Case]]


@dataclass(frozen=True)
class Rule:
    function: RuleFunction
    placeholders: frozenset[str]


@dataclass(frozen=True)
class FindingTemplate:
    id: str
    section: str
    rule: str
    threshold: float
    template: str
    owner_region: str = ""
    owner_municipality: str = ""
    deadline: str = ""
    target: str = ""


@dataclass(frozen=True)
class Finding:
    id: str
    section: str
    text: str
    owner: str = ""
    """«ответственный»: the region's or the municipality's, as the report is addressed."""
    deadline: str = ""
    target: str = ""


def participation_below(facts: ReportFacts, threshold: float) -> list[Case]:
    """The share of expected schools that passed is below the threshold (needs a roster)."""
    p = facts.participation
    if (
        not p.has_roster
        or not p.count_expected
        or _percent(p.count_passed_expected, p.count_expected) >= threshold
    ):
        return []
    return [
        {
            "passed": p.count_passed_expected,
            "expected": p.count_expected,
            "missing": p.count_expected - p.count_passed_expected,
            "share": format_share(p.count_passed_expected, p.count_expected),
        }
    ]


def below_basic_share_above(facts: ReportFacts, threshold: float) -> list[Case]:
    """The share of schools whose overall level is «ниже базового» exceeds the threshold."""
    count, total = facts.level_counts()[0], facts.count_schools
    if not total or _percent(count, total) <= threshold:
        return []
    return [{"count": count, "total": total, "share": format_share(count, total)}]


def below_basic_share_at_most(facts: ReportFacts, threshold: float) -> list[Case]:
    """The share of schools at «ниже базового» overall is at or below the threshold."""
    count, total = facts.level_counts()[0], facts.count_schools
    if not total or _percent(count, total) > threshold:
        return []
    return [{"count": count, "total": total, "share": format_share(count, total)}]


def below_basic_by_critical_at_least(facts: ReportFacts, threshold: float) -> list[Case]:
    """At least `threshold` schools are below basic only because a critical indicator scored 0."""
    below = facts.below_basic
    count = int(below["is_critical_only"].sum())
    if count < max(threshold, 1):
        return []
    return [{"count": count, "below": len(below), "schools": _school_list(below[below["is_critical_only"]])}]


def high_share_above(facts: ReportFacts, threshold: float) -> list[Case]:
    """The share of schools at «высокий» overall exceeds the threshold."""
    count, total = facts.level_counts()[HIGH], facts.count_schools
    if not total or _percent(count, total) <= threshold:
        return []
    return [{"count": count, "total": total, "share": format_share(count, total)}]


def track_deficit_share_above(facts: ReportFacts, threshold: float) -> list[Case]:
    """Per track: the share of schools at «ниже базового» or «базовый» in it exceeds the threshold."""
    return _track_cases(facts, threshold, max_rank=DEFICIT_MAX_RANK)


def track_below_basic_share_above(facts: ReportFacts, threshold: float) -> list[Case]:
    """Per track: the share of schools at «ниже базового» in it exceeds the threshold."""
    return _track_cases(facts, threshold, max_rank=0)


def _track_cases(facts: ReportFacts, threshold: float, *, max_rank: int) -> list[Case]:
    total = facts.count_schools
    cases = []
    for track in facts.tracks:
        count = facts.count_in_track(track.code, max_rank=max_rank)
        if total and _percent(count, total) > threshold:
            cases.append(
                {"track": track.name, "count": count, "total": total, "share": format_share(count, total)}
            )
    return sorted(cases, key=lambda c: -int(c["count"]))


def indicator_deficit_share_above(facts: ReportFacts, threshold: float) -> list[Case]:
    """Per indicator answered by enough schools: the share that lost points on it exceeds the threshold.

    Only the INDICATOR_CASES most frequent are reported, and an indicator of a form only a few
    schools fill in (fewer than MIN_SCHOOLS_FOR_SHARE) is left out: two of two is not a pattern.
    """
    frequency = facts.frequency
    eligible = frequency[frequency["count_schools"] >= MIN_SCHOOLS_FOR_SHARE]
    hits = eligible[100 * eligible["share_deficit"] > threshold].sort_values(
        ["share_deficit", "count_deficits"], ascending=False
    )
    return [
        {
            "number": int(row.number),
            "indicator": row.indicator,
            "track": row.track_name,
            "count": int(row.count_deficits),
            "total": int(row.count_schools),
            "share": format_share(int(row.count_deficits), int(row.count_schools)),
        }
        for row in hits.head(INDICATOR_CASES).itertuples()
    ]


def critical_failed_at_least(facts: ReportFacts, threshold: float) -> list[Case]:
    """Per critical indicator: at least `threshold` schools scored 0 on it."""
    frequency = facts.frequency
    hits = frequency[frequency["is_critical"] & (frequency["count_failed_critical"] >= max(threshold, 1))]
    return [
        {
            "number": int(row.number),
            "indicator": row.indicator,
            "track": row.track_name,
            "count": int(row.count_failed_critical),
        }
        for row in hits.sort_values("count_failed_critical", ascending=False).itertuples()
    ]


def level_rose_at_least(facts: ReportFacts, threshold: float) -> list[Case]:
    """At least `threshold` schools passed both rounds and rose at least one overall level."""
    return _level_moved(facts, threshold, facts.change.count_rose)


def level_fell_at_least(facts: ReportFacts, threshold: float) -> list[Case]:
    """At least `threshold` schools passed both rounds and fell at least one overall level."""
    return _level_moved(facts, threshold, facts.change.count_fell)


def _level_moved(facts: ReportFacts, threshold: float, count: int) -> list[Case]:
    change = facts.change
    if change.previous is None or count < max(threshold, 1):
        return []
    return [
        {
            "count": count,
            "paired": change.count_paired,
            "share": format_share(count, change.count_paired),
            "previous_round": change.previous.name,
        }
    ]


def below_basic_decreased_by(facts: ReportFacts, threshold: float) -> list[Case]:
    """The number of below-basic schools fell by at least `threshold` since the previous round."""
    return _below_basic_shift(facts, threshold, sign=-1)


def below_basic_increased_by(facts: ReportFacts, threshold: float) -> list[Case]:
    """The number of below-basic schools grew by at least `threshold` since the previous round."""
    return _below_basic_shift(facts, threshold, sign=1)


def _below_basic_shift(facts: ReportFacts, threshold: float, *, sign: int) -> list[Case]:
    change = facts.change
    if change.previous is None:
        return []
    before, now = change.level_counts_prev[0], change.level_counts_now[0]
    if sign * (now - before) < max(threshold, 1):
        return []
    return [
        {
            "before": before,
            "now": now,
            "difference": abs(now - before),
            "previous_round": change.previous.name,
        }
    ]


def internship_sites_at_least(facts: ReportFacts, threshold: float) -> list[Case]:
    """Per track: at least `threshold` schools at «высокий» that could host internships."""
    cases = []
    for track in facts.tracks:
        sites = facts.internship[facts.internship["track_code"] == track.code]
        count = int(sites["hosts_in_track"].max()) if len(sites) else 0
        if count >= max(threshold, 1):
            cases.append({"track": track.name, "count": count, "schools": _school_list(sites)})
    return cases


def track_without_high_schools(facts: ReportFacts, threshold: float) -> list[Case]:
    """Per track: fewer than `threshold` (at least one) schools at «высокий» to learn from."""
    cases = []
    for track in facts.tracks:
        sites = facts.internship[facts.internship["track_code"] == track.code]
        count = int(sites["hosts_in_track"].max()) if len(sites) else 0
        if count < max(threshold, 1):
            cases.append({"track": track.name, "count": count})
    return cases


def mentors_needed_at_least(facts: ReportFacts, threshold: float) -> list[Case]:
    """At least `threshold` schools are below basic overall and need a mentor school."""
    below = facts.below_basic
    if len(below) < max(threshold, 1):
        return []
    assigned = facts.mentors.dropna(subset=["mentor_inn"])
    with_mentor = assigned["inn"].nunique()
    return [{"count": len(below), "with_mentor": int(with_mentor), "schools": _school_list(below)}]


def _percent(part: int, whole: int) -> float:
    return 100 * part / whole if whole else 0.0


def _school_list(schools: pd.DataFrame) -> str:
    """«МОБУ «СОШ №1» (Кировский район), …» — the first few, then how many more."""
    names = [f"{row.name} ({row.municipality})" for row in schools.head(SCHOOLS_LISTED).itertuples()]
    rest = len(schools) - len(names)
    return ", ".join(names) + (f" и ещё {rest}" if rest > 0 else "")


_COUNT_SHARE = frozenset({"count", "total", "share"})
RULES: dict[str, Rule] = {
    "participation_below": Rule(participation_below, frozenset({"passed", "expected", "missing", "share"})),
    "below_basic_share_above": Rule(below_basic_share_above, _COUNT_SHARE),
    "below_basic_share_at_most": Rule(below_basic_share_at_most, _COUNT_SHARE),
    "below_basic_by_critical_at_least": Rule(
        below_basic_by_critical_at_least, frozenset({"count", "below", "schools"})
    ),
    "high_share_above": Rule(high_share_above, _COUNT_SHARE),
    "track_deficit_share_above": Rule(track_deficit_share_above, _COUNT_SHARE | {"track"}),
    "track_below_basic_share_above": Rule(track_below_basic_share_above, _COUNT_SHARE | {"track"}),
    "indicator_deficit_share_above": Rule(
        indicator_deficit_share_above, _COUNT_SHARE | {"number", "indicator", "track"}
    ),
    "critical_failed_at_least": Rule(
        critical_failed_at_least, frozenset({"number", "indicator", "track", "count"})
    ),
    "level_rose_at_least": Rule(
        level_rose_at_least, frozenset({"count", "paired", "share", "previous_round"})
    ),
    "level_fell_at_least": Rule(
        level_fell_at_least, frozenset({"count", "paired", "share", "previous_round"})
    ),
    "below_basic_decreased_by": Rule(
        below_basic_decreased_by, frozenset({"before", "now", "difference", "previous_round"})
    ),
    "below_basic_increased_by": Rule(
        below_basic_increased_by, frozenset({"before", "now", "difference", "previous_round"})
    ),
    "internship_sites_at_least": Rule(internship_sites_at_least, frozenset({"track", "count", "schools"})),
    "track_without_high_schools": Rule(track_without_high_schools, frozenset({"track", "count"})),
    "mentors_needed_at_least": Rule(mentors_needed_at_least, frozenset({"count", "with_mentor", "schools"})),
}


def load_findings(path: Path = FINDINGS_PATH) -> list[FindingTemplate]:
    """The findings file, checked: known sections, rules, numeric thresholds, known placeholders."""
    rows = read_data_csv(path, (*FINDING_COLUMNS, *ACTION_COLUMNS))
    return [_finding_template(path.name, line, row) for line, row in rows]


def _finding_template(file_name: str, line: int, row: dict[str, str]) -> FindingTemplate:
    where = f"Файл «{file_name}», строка {line}"
    values = {c: (row.get(c) or "").strip() for c in (*FINDING_COLUMNS, *ACTION_COLUMNS)}
    if values["section"] not in SECTIONS:
        msg = f"{where}: раздел «{values['section']}» неизвестен; допустимы: {', '.join(SECTIONS)}"
        raise SamodiagError(msg)
    rule = RULES.get(values["rule"])
    if rule is None:
        msg = f"{where}: правило «{values['rule']}» неизвестно; допустимы: {', '.join(sorted(RULES))}"
        raise SamodiagError(msg)
    try:
        threshold = float(values["threshold"].replace(",", ".") or 0)
    except ValueError:
        msg = f"{where}: порог «{values['threshold']}» не число"
        raise SamodiagError(msg) from None
    allowed = rule.placeholders | BASE_PLACEHOLDERS
    _check_placeholders(where, values["template"], allowed)
    _check_actions(where, values, allowed)
    return FindingTemplate(
        values["id"],
        values["section"],
        values["rule"],
        threshold,
        values["template"],
        *(values[column] for column in ACTION_COLUMNS),
    )


def _check_actions(where: str, values: dict[str, str], allowed: frozenset[str]) -> None:
    """A recommendation names owner, deadline and target; a finding names none of them."""
    given = [column for column in ACTION_COLUMNS if values[column]]
    if values["section"] == "рекомендация":
        missing = [column for column in ACTION_COLUMNS if not values[column]]
        if missing:
            msg = f"{where}: у рекомендации не заполнены столбцы {', '.join(missing)}"
            raise SamodiagError(msg)
        for column in ACTION_COLUMNS:
            _check_placeholders(f"{where}, столбец {column}", values[column], allowed)
    elif given:
        msg = f"{where}: у вывода не бывает столбцов {', '.join(given)}: они только для рекомендаций"
        raise SamodiagError(msg)


def _check_placeholders(where: str, template: str, allowed: frozenset[str]) -> None:
    """Only plain {name} fields the rule provides; no attribute access, indexing or format specs."""
    try:
        fields = [
            (name, spec, conv)
            for _, name, spec, conv in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as error:
        msg = f"{where}: шаблон не разобран ({error}); фигурные скобки должны быть парными"
        raise SamodiagError(msg) from None
    if not template:
        msg = f"{where}: пустой шаблон"
        raise SamodiagError(msg)
    for name, spec, conversion in fields:
        if name not in allowed or spec or conversion:
            msg = f"{where}: подстановка «{{{name}}}» недопустима; доступны: {', '.join(sorted(allowed))}"
            raise SamodiagError(msg)


def evaluate_findings(facts: ReportFacts, templates: list[FindingTemplate]) -> list[Finding]:
    """Every template whose rule fires, filled in once per case, in file order."""
    base = {
        "scope": scope_phrase(facts),
        "round": facts.rnd.name,
    }
    findings = []
    for item in templates:
        values = {**base, "threshold": _number_text(item.threshold)}
        owner = item.owner_municipality if facts.municipality else item.owner_region
        for case in RULES[item.rule].function(facts, item.threshold):
            filled = {**values, **case}
            findings.append(
                Finding(
                    item.id,
                    item.section,
                    item.template.format_map(filled),
                    owner.format_map(filled),
                    item.deadline.format_map(filled),
                    item.target.format_map(filled),
                )
            )
    return findings


def scope_phrase(facts: ReportFacts) -> str:
    """«в муниципальном образовании «Кировский район»» or «в регионе»."""
    if facts.municipality:
        return f"в муниципальном образовании «{facts.municipality}»"
    return "в регионе"


def _number_text(value: float) -> str:
    return f"{value:g}".replace(".", ",")
