"""Every invariant of domain.md §3 is refused by the database itself, not only by forms and services.

Rows are written with the ORM's raw create/update, which run no validation, so only the database
stands in the way. On PostgreSQL (as `make test` runs) this is PostgreSQL refusing them.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.factories import (
    DependencyFactory,
    FeatureFactory,
    PIObjectiveFactory,
    StoryFactory,
    TeamCapacityFactory,
)
from planning.models import (
    ConfidenceVote,
    Feature,
    Iteration,
    PIObjective,
    ProgramIncrement,
    Story,
    TeamCapacity,
    VoteRound,
)
from risks.factories import ActionItemFactory, ImpedimentFactory, RiskFactory
from risks.models import ActionItem, Impediment, Risk
from trains.factories import UserFactory
from trains.models import Membership, Role

pytestmark = pytest.mark.django_db


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_database_is_postgresql_under_make_test(postgres):
    """A guard: the constraint tests below must have run on PostgreSQL in CI."""


@pytest.mark.parametrize("value", [0, 11])
def test_planned_business_value_outside_1_to_10_is_refused(pi, team, value):
    refused(lambda: PIObjective.objects.create(pi=pi, team=team, text="x", planned_business_value=value))


@pytest.mark.parametrize("value", [-1, 11])
def test_actual_business_value_outside_0_to_10_is_refused(pi, team, value):
    objective = PIObjectiveFactory(pi=pi, team=team)
    refused(lambda: PIObjective.objects.filter(pk=objective.pk).update(actual_business_value=value))


def test_business_value_bounds_themselves_are_accepted(pi, team):
    PIObjective.objects.create(pi=pi, team=team, text="ok", planned_business_value=1, actual_business_value=0)
    PIObjective.objects.create(
        pi=pi, team=team, text="ok", planned_business_value=10, actual_business_value=10
    )


def _round(pi, team=None, **fields):
    return VoteRound.objects.create(pi=pi, team=team, opened_at=timezone.now(), **fields)


@pytest.mark.parametrize("score", [0, 6])
def test_confidence_vote_outside_1_to_5_is_refused(pi, score):
    vote_round = _round(pi)
    refused(lambda: ConfidenceVote.objects.create(round=vote_round, voter=UserFactory(), score=score))


def test_one_vote_per_person_per_round(pi, team):
    voter = UserFactory()
    vote_round = _round(pi, team)
    ConfidenceVote.objects.create(round=vote_round, voter=voter, score=3)
    refused(lambda: ConfidenceVote.objects.create(round=vote_round, voter=voter, score=4))


def test_a_person_votes_once_for_their_team_and_once_for_the_art(pi, team):
    voter = UserFactory()
    ConfidenceVote.objects.create(round=_round(pi, team), voter=voter, score=3)
    ConfidenceVote.objects.create(round=_round(pi), voter=voter, score=4)
    assert ConfidenceVote.objects.filter(voter=voter).count() == 2


def test_only_one_open_vote_round_per_team(pi, team):
    _round(pi, team)
    refused(lambda: _round(pi, team, number=2))


def test_only_one_open_vote_round_for_the_art_even_though_the_team_is_empty(pi):
    _round(pi)
    refused(lambda: _round(pi, number=2))


def test_a_new_round_opens_once_the_last_one_is_closed_and_takes_the_next_number(pi, team):
    now = timezone.now()
    VoteRound.objects.create(pi=pi, team=team, opened_at=now, closed_at=now)
    _round(pi, team, number=2)
    refused(lambda: VoteRound.objects.create(pi=pi, team=team, number=2, opened_at=now, closed_at=now))


def test_a_vote_round_cannot_close_before_it_opened(pi):
    now = timezone.now()
    refused(lambda: VoteRound.objects.create(pi=pi, opened_at=now, closed_at=now - dt.timedelta(minutes=1)))


def test_dependency_from_a_team_to_itself_is_refused(pi, team, other_team):
    dependency = DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team)
    refused(lambda: type(dependency).objects.filter(pk=dependency.pk).update(providing_team=team))


def test_negative_story_points_are_refused(team):
    story = StoryFactory(team=team)
    refused(lambda: Story.objects.filter(pk=story.pk).update(points=-3))


def test_iteration_starting_before_its_pi_is_refused(pi):
    refused(
        lambda: Iteration.objects.create(
            pi=pi,
            number=9,
            start_date=pi.start_date - dt.timedelta(days=1),
            end_date=pi.start_date + dt.timedelta(days=5),
        )
    )


def test_iteration_moved_past_the_end_of_its_pi_is_refused(pi):
    iteration = pi.iterations.last()
    refused(
        lambda: Iteration.objects.filter(pk=iteration.pk).update(end_date=pi.end_date + dt.timedelta(days=1))
    )


def test_shrinking_a_pi_so_an_iteration_falls_outside_is_refused(pi):
    refused(
        lambda: ProgramIncrement.objects.filter(pk=pi.pk).update(end_date=pi.end_date - dt.timedelta(days=3))
    )


def test_pi_ending_before_it_starts_is_refused(pi):
    refused(
        lambda: ProgramIncrement.objects.filter(pk=pi.pk).update(
            start_date=pi.end_date + dt.timedelta(days=1)
        )
    )


def test_iteration_needs_the_feature_to_be_in_a_pi(train, pi):
    feature = FeatureFactory(train=train, pi=pi, iteration=pi.iterations.first())
    refused(lambda: Feature.objects.filter(pk=feature.pk).update(pi=None))


@pytest.mark.parametrize("field", ["business_value", "time_criticality", "risk_reduction", "job_size"])
def test_wsjf_inputs_off_the_fibonacci_scale_are_refused(train, field):
    feature = FeatureFactory(train=train)
    refused(lambda: Feature.objects.filter(pk=feature.pk).update(**{field: 4}))


def test_done_feature_without_a_done_time_is_refused(train):
    feature = FeatureFactory(train=train)
    refused(lambda: Feature.objects.filter(pk=feature.pk).update(state="done"))


def test_unknown_feature_state_is_refused(train):
    feature = FeatureFactory(train=train)
    refused(lambda: Feature.objects.filter(pk=feature.pk).update(state="shipped-ish"))


def test_negative_capacity_inputs_are_refused(team, pi):
    capacity = TeamCapacityFactory(team=team, iteration=pi.iterations.first())
    refused(lambda: TeamCapacity.objects.filter(pk=capacity.pk).update(fte=Decimal("-1")))


def test_one_capacity_row_per_team_and_iteration(team, pi):
    iteration = pi.iterations.first()
    TeamCapacityFactory(team=team, iteration=iteration)
    refused(lambda: TeamCapacity.objects.create(team=team, iteration=iteration, fte=3))


def test_owned_risk_without_an_owner_is_refused(train):
    risk = RiskFactory(train=train)
    refused(lambda: Risk.objects.filter(pk=risk.pk).update(roam_status="owned", owner=None))


def test_resolved_impediment_without_a_resolution_time_is_refused(team):
    impediment = ImpedimentFactory(team=team)
    refused(lambda: Impediment.objects.filter(pk=impediment.pk).update(status="resolved"))


def test_impediment_resolved_before_it_was_raised_is_refused(team):
    impediment = ImpedimentFactory(team=team)
    earlier = impediment.raised_at - dt.timedelta(hours=1)
    refused(
        lambda: Impediment.objects.filter(pk=impediment.pk).update(status="resolved", resolved_at=earlier)
    )


def test_escalated_impediment_must_be_above_team_level(team):
    impediment = ImpedimentFactory(team=team)
    refused(lambda: Impediment.objects.filter(pk=impediment.pk).update(status="escalated"))


def test_done_action_item_needs_a_done_time(train, pi):
    action = ActionItemFactory(raised_in__pi=pi)
    refused(lambda: ActionItem.objects.filter(pk=action.pk).update(status="done"))
    ActionItem.objects.filter(pk=action.pk).update(status="done", done_at=timezone.now())


def test_scrum_master_role_needs_a_team(train):
    refused(lambda: Membership.objects.create(user=UserFactory(), train=train, role=Role.SCRUM_MASTER))


def test_same_train_role_twice_is_refused_even_without_a_team(train):
    user = UserFactory()
    Membership.objects.create(user=user, train=train, role=Role.RTE)
    refused(lambda: Membership.objects.create(user=user, train=train, role=Role.RTE))
