"""Reads for Inspect & Adapt: the quantitative review, the workshop's problems and votes, and
improvement items."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from planning.calculations import PiPredictability, PredictabilityFigure
from planning.models import ProgramIncrement
from planning.selectors.objectives import predictability_by_team
from trains.models import Team

from .. import figures, hooks
from ..models import (
    ImprovementItem,
    Problem,
    ProblemVote,
)
from .demos import IterationDemo, iteration_demos


@dataclass
class QuantitativeReview:
    predictability: PiPredictability
    demos: list[IterationDemo]
    demo_planned: int
    demo_shown: int
    improvements_taken: int
    improvements_done: int
    flow: list[hooks.ReviewFigure]

    @property
    def teams(self) -> list[tuple[Team, PredictabilityFigure]]:
        return list(self.predictability.teams.items())

    @property
    def art(self) -> PredictabilityFigure:
        return self.predictability.art

    @property
    def mean_of_teams(self) -> float | None:
        return self.predictability.mean_of_teams

    @property
    def demo_readiness(self) -> float | None:
        return figures.demo_readiness(shown_as_expected=self.demo_shown, planned=self.demo_planned)


def quantitative_review(pi: ProgramIncrement) -> QuantitativeReview:
    demos = iteration_demos(pi)
    taken = list(ImprovementItem.objects.filter(target_pi=pi).select_related("feature"))
    return QuantitativeReview(
        predictability=predictability_by_team(pi),
        demos=demos,
        demo_planned=sum(d.planned for d in demos),
        demo_shown=sum(d.shown for d in demos),
        improvements_taken=len(taken),
        improvements_done=sum(1 for item in taken if item.is_complete),
        flow=hooks.review_figures(pi),
    )


def problems_of(pi: ProgramIncrement) -> list[Problem]:
    """The workshop's problems, most votes first."""
    items = ImprovementItem.objects.select_related("owner", "target_pi").order_by("pk")
    return list(
        Problem.objects.filter(pi=pi)
        .select_related("raised_by")
        .annotate(vote_count=Count("votes"))
        .prefetch_related(Prefetch("improvement_items", queryset=items))
        .order_by("-vote_count", "pk")
    )


def votes_of(pi: ProgramIncrement, user) -> set[int]:
    return set(
        ProblemVote.objects.filter(problem__pi=pi, voter_id=user.pk).values_list("problem_id", flat=True)
    )


def _improvements() -> QuerySet[ImprovementItem]:
    return ImprovementItem.objects.select_related(
        "owner", "source_pi", "target_pi", "feature__team", "feature__iteration", "source_problem"
    ).order_by("pk")


def improvements_raised_in(pi: ProgramIncrement) -> list[ImprovementItem]:
    return list(_improvements().filter(source_pi=pi))


def improvements_taken_into(pi: ProgramIncrement) -> list[ImprovementItem]:
    return list(_improvements().filter(target_pi=pi))


def later_pis(pis: list[ProgramIncrement], pi: ProgramIncrement) -> list[ProgramIncrement]:
    """PIs an improvement from `pi`'s I&A can be taken into: later ones not yet closed, soonest first."""
    return sorted(
        (p for p in pis if p.start_date > pi.start_date and p.state != ProgramIncrement.State.CLOSED),
        key=lambda p: p.start_date,
    )
