"""What the checklist and the agenda both hand to an interview beyond the deficits themselves.

A coordinator walks into the interview with three things the roadmaps ask for: the shortest way
to the next level (overall and in each track below basic), the mentor school assigned to each
such track with the reason, and two or three strengths the school can build on. Both documents
print the same `InterviewSupport`, so they never disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb
import pandas as pd

from analytics.credibility import RULE_TITLES, flag_schools
from analytics.deficits import NextLevelPlan, plan_next_levels
from analytics.documents.common import format_points, goal_text
from analytics.documents.school_results import SchoolResult
from analytics.mentors import mentors_of
from analytics.rounds import Round
from analytics.rubric import LEVELS, TOTAL_SCOPE

STRENGTHS_SHOWN = 3
STRENGTH_MIN_RANK = 2
"""A strength is a track at «средний» or higher."""
NO_STRENGTHS = "Направлений на уровне «средний» и выше нет."
NO_NEXT_STEPS = "Общий уровень выше базового, направлений «ниже базового» нет."


@dataclass(frozen=True)
class NextStep:
    """The fewest changes that lift one scope a level, as the documents print them."""

    scope_title: str
    levels: str
    """«ниже базового» → «базовый»: не хватает 4 баллов."""
    changes: tuple[str, ...]
    """«№ 24 «Школьный спортивный клуб»: Обеспечить: …, +2 б.»."""


@dataclass(frozen=True)
class InterviewSupport:
    next_steps: tuple[NextStep, ...]
    mentors: tuple[tuple[str, str, str], ...]
    """(track, mentor school or «не найден», reason)."""
    strengths: tuple[str, ...]
    to_check: tuple[str, ...] = ()
    """The school's credibility flags put as questions for the interview."""


def interview_support(
    con: duckdb.DuckDBPyConnection,
    rnd: Round,
    school: SchoolResult,
    mentors: pd.DataFrame | None = None,
    flags: pd.DataFrame | None = None,
) -> InterviewSupport:
    """The support part of one school's documents. `mentors` (the school's rows of the region-wide
    assignment) and `flags` (the round's credibility flags) are passed by a bulk export that has
    them already; otherwise they are computed."""
    found = mentors_of(con, rnd, school.inn) if mentors is None else mentors
    flagged = flag_schools(con, rnd) if flags is None else flags
    return InterviewSupport(
        next_steps=tuple(_next_steps(school, plan_next_levels(con, rnd, school.inn, _records(school)))),
        mentors=tuple(_mentor_rows(found)),
        strengths=tuple(strengths(school)),
        to_check=tuple(questions_to_check(flagged[flagged["inn"] == school.inn])),
    )


def questions_to_check(flags: pd.DataFrame) -> list[str]:
    """«Все ответы на максимуме: … Уточните у команды школы, как это сложилось.» — a flag is a
    question to ask, not a verdict: some flags are not confirmed."""
    return [
        f"«{RULE_TITLES[flag.rule]}»: {flag.reason.rstrip('.')}. {flag.evidence.rstrip('.')}. "
        "Уточните у команды школы, как это сложилось."
        for flag in flags.itertuples()
    ]


def strengths(school: SchoolResult) -> list[str]:
    """Up to three tracks at «средний» or higher, the largest share of the maximum first."""
    strong = [t for t in school.tracks if t.level_rank >= STRENGTH_MIN_RANK]
    strong.sort(key=lambda t: (-t.points / t.points_max, t.track.order))
    return [
        f"{t.track.title}: {format_points(t.points, t.points_max)}, уровень «{t.level}»"
        for t in strong[:STRENGTHS_SHOWN]
    ]


def _next_steps(school: SchoolResult, plans: list[NextLevelPlan]) -> list[NextStep]:
    """The plans of the total (when below «высокий») and of each track below basic."""
    titles = {t.track.code: t.track.title for t in school.tracks}
    chosen = [p for p in plans if p.scope == TOTAL_SCOPE or p.level_now == LEVELS[0]]
    return [
        NextStep(
            scope_title="В целом" if plan.scope == TOTAL_SCOPE else titles[plan.scope],
            levels=f"«{plan.level_now}» → «{plan.level_next}»: {_shortfall(plan.points_needed)}",
            changes=tuple(
                f"№ {c.number} «{c.indicator}»: {goal_text(c.answer_best)}, +{c.points_gained} б."
                + (" (критический показатель)" if c.is_failed_critical else "")
                for c in plan.changes
            ),
        )
        for plan in chosen
    ]


def _records(school: SchoolResult) -> list[dict]:
    """The school's deficits as the records `plan_next_levels` reads, worst first as loaded."""
    return [asdict(deficit) for deficit in school.deficits]


def _shortfall(points_needed: int) -> str:
    if points_needed <= 0:
        return "баллов хватает, нужно выполнить критические показатели"
    return f"не хватает {points_needed} б."


def _mentor_rows(mentors: pd.DataFrame) -> list[tuple[str, str, str]]:
    return [
        (
            m.track_name,
            "не найден"
            if pd.isna(m.mentor_inn)
            else f"{m.mentor_name} (ИНН {m.mentor_inn}), {m.mentor_municipality}",
            m.reason,
        )
        for m in mentors.itertuples()
    ]
