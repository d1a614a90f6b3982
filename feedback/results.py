"""What a closed round shows, under rules that keep every rater anonymous.

- Nothing before the round closes.
- A group is shown only when at least ``min_raters`` of its raters answered (managers who
  answer by name, in a round that said so up front, are shown one by one instead), and not
  when a rater's answers were erased after results were shown (see ``feedback.privacy``).
- Within a shown group, a competency's figures appear only when at least ``min_raters`` of
  its raters observed it: fewer levels could be told apart.
- Every published figure is computed only from values that are publishable themselves: the
  "all colleagues" figures pool the shown cells, agreement uses the shown cells, so no
  difference between two published numbers uncovers a withheld answer.
- Comments appear only from shown groups, without names (except named managers), in an order
  drawn from their text: stable between visits, unrelated to who wrote them or when.

Levels are ordinal: medians are lower medians and spreads are quartiles, never means.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from assessments.scoring import Perception, lower_median, perception_gaps
from core.errors import ConflictError
from evaluations.agreement import Statistic, krippendorff_alpha_ordinal
from feedback.models import (
    FeedbackQuestion,
    FeedbackResponse,
    FeedbackRound,
    RaterGroup,
)

OVERALL = "all"


@dataclass(frozen=True)
class Spread:
    """Levels of one cell: how many, the lower median and the quartiles around it."""

    count: int
    median: int
    low: int
    high: int

    @classmethod
    def of(cls, levels: Sequence[int]) -> Spread:
        ordered = sorted(levels)
        n = len(ordered)
        return cls(
            n,
            lower_median(ordered),
            ordered[math.ceil(0.25 * n) - 1],
            ordered[math.ceil(0.75 * n) - 1],
        )


@dataclass(frozen=True)
class Cell:
    """One competency in one group: figures, or why there are none."""

    answered: int  # raters of the group who answered the round
    spread: Spread | None = None
    levels: tuple[int, ...] = ()  # kept only to pool shown cells; never rendered
    withheld: str = ""

    @property
    def is_shown(self) -> bool:
        return self.spread is not None


@dataclass(frozen=True)
class NamedAnswer:
    """A manager who answered by name, in a round that said so before anyone answered."""

    name: str
    level: int | None  # None: not observed


@dataclass(frozen=True)
class CompetencyFeedback:
    competency_id: int
    uuid: str
    code: str
    name: str
    cells: Mapping[str, Cell]  # by group value, for the shown anonymous groups
    overall: Cell
    named: tuple[NamedAnswer, ...]
    self_level: int | None
    evaluated_level: int | None
    perception: Perception | None = None


@dataclass(frozen=True)
class GroupResult:
    group: RaterGroup
    invited: int
    answered: int
    shown: bool
    named: bool
    reason: str = ""
    agreement: Statistic | None = None


@dataclass(frozen=True)
class Comment:
    group: RaterGroup
    text: str
    author: str | None = None  # only named managers


@dataclass(frozen=True)
class RoundResults:
    round_id: int
    min_raters: int
    groups: tuple[GroupResult, ...]
    rows: tuple[CompetencyFeedback, ...]
    comments: tuple[Comment, ...] = field(default=())

    @property
    def shown_groups(self) -> list[GroupResult]:
        return [g for g in self.groups if g.shown and not g.named]

    @property
    def named_managers(self) -> bool:
        return any(g.named and g.shown for g in self.groups)

    def row(self, code: str) -> CompetencyFeedback:
        return next(r for r in self.rows if r.code == code)


def load_responses(session: Session, round_ids: Sequence[int]) -> dict[int, list[FeedbackResponse]]:
    """The responses of these rounds with their answers (two queries), in random-key order."""
    found: dict[int, list[FeedbackResponse]] = {rid: [] for rid in round_ids}
    if not round_ids:
        return found
    responses = session.scalars(
        sa.select(FeedbackResponse)
        .where(FeedbackResponse.round_id.in_(round_ids))
        .options(selectinload(FeedbackResponse.answers), joinedload(FeedbackResponse.attributed_to))
        .order_by(FeedbackResponse.round_id, FeedbackResponse.id)
    )
    for response in responses:
        found[response.round_id].append(response)
    return found


def _group_rule(
    feedback_round: FeedbackRound, group: RaterGroup, answered: int
) -> tuple[bool, bool, str]:
    """(shown, named, reason) for one group."""
    named = group == RaterGroup.MANAGER and feedback_round.managers_attributed
    if group.value in (feedback_round.withheld_groups or []):
        return (
            False,
            named,
            "Withheld: a rater's answers were erased after the results were shown, and what "
            "is left would single them out.",
        )
    if named:
        return answered > 0, True, "" if answered else "No manager answered."
    if answered < feedback_round.min_raters:
        return (
            False,
            False,
            f"Not shown: {answered} of the at least {feedback_round.min_raters} answers needed "
            "to keep them anonymous.",
        )
    return True, False, ""


def results_of(
    feedback_round: FeedbackRound,
    responses: Sequence[FeedbackResponse],
    *,
    today: date,
    self_levels: Mapping[str, int] | None = None,
    evaluated_levels: Mapping[str, int] | None = None,
    invited: Mapping[RaterGroup, int] | None = None,
) -> RoundResults:
    """The results of a closed round (``self_levels`` and ``evaluated_levels`` by competency
    uuid, shown beside; ``invited`` per group, counted from the round's raters unless given).
    Raises ConflictError while the round is open."""
    if not feedback_round.is_closed(today):
        raise ConflictError(
            f"Results appear when the round closes (after {feedback_round.closes_on:%d %b %Y})."
        )
    self_levels = self_levels or {}
    evaluated_levels = evaluated_levels or {}
    minimum = feedback_round.min_raters
    by_group: dict[RaterGroup, list[FeedbackResponse]] = {g: [] for g in RaterGroup}
    for response in responses:
        by_group[RaterGroup(response.group)].append(response)
    if invited is None:
        invited = {g: 0 for g in RaterGroup}
        for rater in feedback_round.raters:
            invited[RaterGroup(rater.group)] += 1
    invited = {g: invited.get(g, 0) for g in RaterGroup}

    rules = {g: _group_rule(feedback_round, g, len(by_group[g])) for g in RaterGroup}
    questions = feedback_round.questions
    cells: dict[int, dict[str, Cell]] = {q.competency_id: {} for q in questions}
    named: dict[int, list[NamedAnswer]] = {q.competency_id: [] for q in questions}
    for group, (shown, is_named, _) in rules.items():
        if not shown:
            continue
        for q in questions:
            answers = [_answer(r, q.competency_id) for r in by_group[group]]
            if is_named:
                named[q.competency_id] = [
                    NamedAnswer(r.attributed_to.name if r.attributed_to else "A manager", level)
                    for r, level in zip(by_group[group], answers, strict=True)
                ]
                continue
            levels = tuple(level for level in answers if level is not None)
            if len(levels) >= minimum:
                cells[q.competency_id][group.value] = Cell(len(answers), Spread.of(levels), levels)
            else:
                cells[q.competency_id][group.value] = Cell(
                    len(answers),
                    withheld=f"{len(levels)} observed it; {minimum} are needed to show figures.",
                )

    rows = []
    for q in questions:
        competency = q.competency
        pooled = [lvl for cell in cells[q.competency_id].values() for lvl in cell.levels]
        pooled += [a.level for a in named[q.competency_id] if a.level is not None]
        overall = (
            Cell(len(pooled), Spread.of(pooled), tuple(pooled))
            if len(pooled) >= minimum
            else Cell(len(pooled), withheld="Too few shown answers to pool.")
        )
        rows.append(
            CompetencyFeedback(
                competency_id=competency.id,
                uuid=competency.uuid,
                code=competency.code,
                name=competency.name,
                cells=cells[q.competency_id],
                overall=overall,
                named=tuple(named[q.competency_id]),
                self_level=self_levels.get(competency.uuid),
                evaluated_level=evaluated_levels.get(competency.uuid),
            )
        )
    perception = {
        gap.code: gap.kind
        for gap in perception_gaps(
            {r.code: r.self_level for r in rows if r.self_level is not None},
            {r.code: r.overall.spread.median for r in rows if r.overall.is_shown},
        )
    }
    rows = [replace(r, perception=perception.get(r.code)) for r in rows]

    groups = []
    for group in RaterGroup:
        if not invited[group] and not by_group[group]:
            continue
        shown, is_named, reason = rules[group]
        agreement = None
        if shown and not is_named:
            agreement = krippendorff_alpha_ordinal(
                {
                    response.id: {
                        answer.competency_id: answer.level
                        for answer in response.answers
                        if cells[answer.competency_id].get(group.value, Cell(0)).is_shown
                    }
                    for response in by_group[group]
                }
            )
        groups.append(
            GroupResult(
                group, invited[group], len(by_group[group]), shown, is_named, reason, agreement
            )
        )

    comments = []
    for group in RaterGroup:
        shown, is_named, _ = rules[group]
        if not shown:
            continue
        for response in by_group[group]:
            if response.comment.strip():
                author = None
                if is_named:
                    author = response.attributed_to.name if response.attributed_to else None
                comments.append(Comment(group, response.comment.strip(), author))
    # Ordered by a digest of the text: stable between visits, and it says nothing of when,
    # by whom or in which group a comment was written (named managers come first).
    comments.sort(key=lambda c: (c.author is None, hashlib.sha256(c.text.encode()).hexdigest()))
    return RoundResults(feedback_round.id, minimum, tuple(groups), tuple(rows), tuple(comments))


def _answer(response: FeedbackResponse, competency_id: int) -> int | None:
    return next((a.level for a in response.answers if a.competency_id == competency_id), None)


@dataclass(frozen=True)
class ColleagueLevel:
    """What colleagues see of one competency: the pooled median of the shown answers."""

    median: int
    count: int
    round_id: int


def colleague_levels(session: Session, person_id: int, today: date) -> dict[str, ColleagueLevel]:
    """By competency uuid, the pooled median of the person's latest closed round where it may
    be shown: one query, with or without a round."""
    closed = sa.or_(FeedbackRound.closed_at.is_not(None), FeedbackRound.closes_on < today)
    latest = (
        sa.select(FeedbackRound.id)
        .where(FeedbackRound.subject_id == person_id, closed)
        .order_by(FeedbackRound.closes_on.desc(), FeedbackRound.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    responses = (
        session.scalars(
            sa.select(FeedbackResponse)
            .where(FeedbackResponse.round_id == latest)
            .options(
                joinedload(FeedbackResponse.answers),
                joinedload(FeedbackResponse.attributed_to),
                joinedload(FeedbackResponse.round)
                .joinedload(FeedbackRound.questions)
                .joinedload(FeedbackQuestion.competency),
            )
            .order_by(FeedbackResponse.id)
        )
        .unique()
        .all()
    )
    if not responses:
        return {}
    feedback_round = responses[0].round
    # Levels need no invitation counts: the raters are not loaded.
    results = results_of(feedback_round, responses, today=today, invited={})
    return {
        row.uuid: ColleagueLevel(
            row.overall.spread.median, row.overall.spread.count, feedback_round.id
        )
        for row in results.rows
        if row.overall.is_shown
    }


EXPORT_HEADER = (
    "round",
    "person",
    "closed_on",
    "competency_code",
    "competency",
    "group",
    "levels",
    "median",
    "lower_quartile",
    "upper_quartile",
)


def export_rows(session: Session, today: date) -> list[tuple]:
    """HR's export of every closed round: only figures the results page shows, never a named
    manager's own level, never a count below the round's minimum."""
    rounds = list(
        session.scalars(
            sa.select(FeedbackRound)
            .where(sa.or_(FeedbackRound.closed_at.is_not(None), FeedbackRound.closes_on < today))
            .options(
                selectinload(FeedbackRound.questions).joinedload(FeedbackQuestion.competency),
                selectinload(FeedbackRound.raters),
                joinedload(FeedbackRound.subject),
            )
            .order_by(FeedbackRound.id)
        )
    )
    responses = load_responses(session, [r.id for r in rounds])
    lines = []
    for feedback_round in rounds:
        results = results_of(feedback_round, responses[feedback_round.id], today=today)
        closed_on = (
            feedback_round.closed_at.date()
            if feedback_round.closed_at
            else feedback_round.closes_on
        )
        for row in results.rows:
            shown = [(g, c) for g, c in row.cells.items() if c.is_shown]
            if row.overall.is_shown:
                shown.append((OVERALL, row.overall))
            for group, cell in shown:
                spread = cell.spread
                lines.append(
                    (
                        feedback_round.id,
                        feedback_round.subject.name,
                        closed_on.isoformat(),
                        row.code,
                        row.name,
                        group,
                        spread.count,
                        spread.median,
                        spread.low,
                        spread.high,
                    )
                )
    return lines
