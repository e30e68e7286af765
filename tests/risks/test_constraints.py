"""The new invariants of running the PI are refused by the database itself, not only by services."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.factories import FeatureFactory
from risks.factories import ImprovementItemFactory, RiskFactory
from risks.models import DemoFollowUp, DemoItem, Problem, ProblemVote, Risk, SystemDemo
from trains.factories import UserFactory

pytestmark = pytest.mark.django_db


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.fixture
def demo(running_pi):
    return SystemDemo.objects.create(iteration=running_pi.iterations.first(), created_at=timezone.now())


def test_one_vote_per_person_per_problem(running_pi):
    problem = Problem.objects.create(pi=running_pi, statement="Late integration", created_at=timezone.now())
    voter = UserFactory()
    ProblemVote.objects.create(problem=problem, voter=voter, cast_at=timezone.now())

    refused(lambda: ProblemVote.objects.create(problem=problem, voter=voter, cast_at=timezone.now()))


def test_a_problem_needs_a_statement_and_is_listed_once_per_pi(running_pi):
    refused(lambda: Problem.objects.create(pi=running_pi, statement="", created_at=timezone.now()))
    Problem.objects.create(pi=running_pi, statement="Slow builds", created_at=timezone.now())
    refused(lambda: Problem.objects.create(pi=running_pi, statement="Slow builds", created_at=timezone.now()))


def test_one_system_demo_per_iteration(demo):
    refused(lambda: SystemDemo.objects.create(iteration=demo.iteration, created_at=timezone.now()))


def test_a_feature_appears_once_on_a_demo_and_outcomes_are_known_ones(demo, train):
    feature = FeatureFactory(train=train)
    DemoItem.objects.create(demo=demo, feature=feature, title="x", created_at=timezone.now())

    refused(lambda: DemoItem.objects.create(demo=demo, feature=feature, title="y", created_at=timezone.now()))
    refused(lambda: DemoItem.objects.create(demo=demo, title="z", outcome="great", created_at=timezone.now()))


def test_a_done_follow_up_carries_its_time_and_an_open_one_none(demo):
    refused(
        lambda: DemoFollowUp.objects.create(demo=demo, title="x", status="done", created_at=timezone.now())
    )
    refused(
        lambda: DemoFollowUp.objects.create(
            demo=demo, title="x", status="open", done_at=timezone.now(), created_at=timezone.now()
        )
    )


def test_only_an_art_level_risk_remembers_a_team_it_came_from(train, team):
    refused(lambda: RiskFactory(train=train, team=team, origin_team=team))
    RiskFactory(train=train, team=None, origin_team=team)


def test_a_risk_version_is_positive(train):
    risk = RiskFactory(train=train)

    refused(lambda: Risk.objects.filter(pk=risk.pk).update(version=0))


def test_an_improvement_taken_into_a_pi_names_it(running_pi):
    refused(lambda: ImprovementItemFactory(source_pi=running_pi, status="planned", target_pi=None))
