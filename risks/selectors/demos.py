"""Reads for system demos: each iteration's demo and its readiness."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from planning.models import Feature, Iteration, ProgramIncrement

from .. import figures
from ..models import (
    DemoFollowUp,
    DemoItem,
    SystemDemo,
)


@dataclass
class IterationDemo:
    iteration: Iteration
    demo: SystemDemo | None
    planned: int
    shown: int

    @property
    def readiness(self) -> float | None:
        return figures.demo_readiness(shown_as_expected=self.shown, planned=self.planned)


def iteration_demos(pi: ProgramIncrement) -> list[IterationDemo]:
    """Each iteration of the PI with its system demo (if any) and its readiness counts."""
    shown = Q(system_demo__items__outcome=DemoItem.Outcome.SHOWN)
    iterations = (
        Iteration.objects.filter(pi=pi)
        .select_related("system_demo")
        .annotate(
            demo_planned=Count("system_demo__items"), demo_shown=Count("system_demo__items", filter=shown)
        )
        .order_by("number")
    )
    return [
        IterationDemo(iteration, _demo_of(iteration), iteration.demo_planned, iteration.demo_shown)
        for iteration in iterations
    ]


def demo_counts(demo: SystemDemo) -> IterationDemo:
    """One demo's readiness counts, in one query (after an item's outcome changed)."""
    counts = demo.items.aggregate(
        planned=Count("pk"), shown=Count("pk", filter=Q(outcome=DemoItem.Outcome.SHOWN))
    )
    return IterationDemo(demo.iteration, demo, counts["planned"], counts["shown"])


def _demo_of(iteration: Iteration) -> SystemDemo | None:
    try:
        return iteration.system_demo  # joined by select_related
    except SystemDemo.DoesNotExist:
        return None


def demo_detail(demo: SystemDemo) -> SystemDemo:
    return (
        SystemDemo.objects.select_related("iteration__pi")
        .prefetch_related(
            Prefetch("items", queryset=DemoItem.objects.select_related("feature__team").order_by("pk")),
            Prefetch(
                "follow_ups",
                queryset=DemoFollowUp.objects.select_related("owner").order_by("status", "due_date", "pk"),
            ),
        )
        .get(pk=demo.pk)
    )


def demo_feature_choices(demo: SystemDemo) -> QuerySet[Feature]:
    """Features of the PI not yet on the demo."""
    return (
        Feature.objects.filter(pi_id=demo.iteration.pi_id)
        .exclude(demo_items__demo=demo)
        .select_related("team", "iteration")
        .order_by("team__position", "title")
    )
