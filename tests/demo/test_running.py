"""The demo PI running (domain.md §5): dependencies, risks, impediments, improvement items, ART Sync actions
and confidence votes."""

import pytest

from planning.models import ConfidenceVote, Dependency, VoteRound
from risks.models import ActionItem, Impediment, ImpedimentEscalation, ImprovementItem, Risk, RiskRoamChange

from .common import executing_pi_of

pytestmark = pytest.mark.django_db


def test_the_executing_pi_has_dependencies_in_every_state(demo):
    states = set(executing_pi_of(demo).dependencies.values_list("state", flat=True))

    assert states == set(Dependency.State.values)


def test_the_executing_pi_has_at_least_one_red_dependency(demo):
    """Red string: the provider plans it after it is needed, has not planned it, or it is blocked."""
    unresolved = executing_pi_of(demo).dependencies.exclude(state__in=Dependency.RESOLVED_STATES)

    late = [
        dependency
        for dependency in unresolved.select_related("providing_feature__iteration", "needed_by_iteration")
        if dependency.providing_feature
        and dependency.providing_feature.iteration
        and dependency.needed_by_iteration
        and dependency.providing_feature.iteration.number > dependency.needed_by_iteration.number
    ]
    unplanned = unresolved.filter(providing_feature__isnull=True)
    blocked = unresolved.filter(state=Dependency.State.BLOCKED)

    assert late, "at least one provider plans its feature after the iteration it is needed by"
    assert unplanned.exists() or blocked.exists()


def test_the_demo_has_risks_in_every_roam_state(demo):
    states = set(Risk.objects.filter(pi=executing_pi_of(demo)).values_list("roam_status", flat=True))

    assert states == set(Risk.Roam.values)
    assert RiskRoamChange.objects.filter(risk__train=demo).exists()


def test_the_demo_has_open_and_escalated_impediments(demo):
    unresolved = Impediment.objects.filter(train=demo).exclude(status=Impediment.Status.RESOLVED)

    assert unresolved.filter(status=Impediment.Status.OPEN).exists()
    escalated_levels = set(
        unresolved.filter(status=Impediment.Status.ESCALATED).values_list("escalation_level", flat=True)
    )
    assert escalated_levels == {Impediment.Level.ART, Impediment.Level.PORTFOLIO}
    assert ImpedimentEscalation.objects.filter(impediment__in=unresolved).exists()
    assert Impediment.objects.filter(train=demo, status=Impediment.Status.RESOLVED).exists()


def test_the_demo_has_improvement_items_some_done(demo):
    items = ImprovementItem.objects.filter(train=demo)

    assert items.exists()
    done = items.filter(status=ImprovementItem.Status.DONE)
    assert done.exists()
    assert items.exclude(status=ImprovementItem.Status.DONE).exists()
    assert all(item.done_at is not None for item in done)


def test_the_demo_has_art_sync_action_items_open_and_done(demo):
    statuses = set(ActionItem.objects.filter(train=demo).values_list("status", flat=True))

    assert statuses == {ActionItem.Status.OPEN, ActionItem.Status.DONE}


def test_the_demo_has_team_and_art_votes_with_low_scores_explained(demo):
    votes = ConfidenceVote.objects.filter(round__pi=executing_pi_of(demo))

    assert votes.filter(round__team__isnull=True).exists()
    assert (
        votes.filter(round__team__isnull=False).values("round__team").distinct().count() == demo.teams.count()
    )
    assert not VoteRound.objects.filter(pi__train=demo, closed_at__isnull=True).exists()
    low = ConfidenceVote.objects.filter(round__pi__train=demo, score__lte=2)
    assert low.exists()
    assert all(vote.concern.strip() for vote in low)
