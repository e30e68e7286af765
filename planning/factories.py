"""Factories for the plan. `ProgramIncrementFactory` creates its iterations through `pi_create`,
so tests get the same cadence (last iteration IP) the product creates."""

import datetime as dt

import factory
from django.utils import timezone

from trains.factories import TeamFactory, TrainFactory, UserFactory

from .models import (
    ConfidenceVote,
    Dependency,
    Feature,
    Milestone,
    PIObjective,
    ProgramIncrement,
    Story,
    TeamCapacity,
    VoteRound,
)
from .services import pi_create


class ProgramIncrementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgramIncrement

    train = factory.SubFactory(TrainFactory)
    name = factory.Sequence(lambda n: f"PI {n}")
    start_date = dt.date(2026, 1, 5)
    state = ProgramIncrement.State.PLANNING

    @classmethod
    def _create(cls, model_class, *, train, name, start_date, state, iteration_count=None, **kwargs):
        pi = pi_create(train=train, name=name, start_date=start_date, iteration_count=iteration_count)
        if state != pi.state or kwargs:
            for key, value in {"state": state, **kwargs}.items():
                setattr(pi, key, value)
            pi.save()
        return pi


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    train = factory.SubFactory(TrainFactory)
    pi = None
    team = None
    iteration = None
    title = factory.Sequence(lambda n: f"Feature {n}")
    kind = Feature.Kind.FEATURE
    state = Feature.State.BACKLOG
    business_value = 5
    time_criticality = 3
    risk_reduction = 2
    job_size = 5
    acceptance_criteria = "Given a user, when they act, then value is delivered."


class StoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Story

    team = factory.SubFactory(TeamFactory)
    feature = None
    iteration = None
    title = factory.Sequence(lambda n: f"Story {n}")
    points = 3


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    pi = factory.SubFactory(ProgramIncrementFactory)
    name = factory.Sequence(lambda n: f"Milestone {n}")
    date = factory.LazyAttribute(lambda m: m.pi.start_date + dt.timedelta(days=20))


class DependencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dependency

    pi = factory.SubFactory(ProgramIncrementFactory)
    requesting_team = factory.SubFactory(TeamFactory, train=factory.SelfAttribute("..pi.train"))
    providing_team = factory.SubFactory(TeamFactory, train=factory.SelfAttribute("..pi.train"))
    description = factory.Sequence(lambda n: f"API contract {n}")
    created_at = factory.LazyFunction(timezone.now)


class PIObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PIObjective

    pi = factory.SubFactory(ProgramIncrementFactory)
    team = factory.SubFactory(TeamFactory, train=factory.SelfAttribute("..pi.train"))
    text = factory.Sequence(lambda n: f"Deliver outcome {n}")
    is_committed = True
    planned_business_value = 8


class VoteRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VoteRound

    pi = factory.SubFactory(ProgramIncrementFactory)
    team = None
    number = 1
    opened_at = factory.LazyFunction(timezone.now)


def _round_of(vote) -> VoteRound:
    """Votes made with `pi=` and `team=` share that scope's latest round (made if missing)."""
    pi = vote.pi or ProgramIncrementFactory()
    existing = VoteRound.objects.filter(pi=pi, team=vote.team).order_by("-number").first()
    return existing or VoteRoundFactory(pi=pi, team=vote.team)


class ConfidenceVoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConfidenceVote

    class Params:
        pi = None
        team = None

    round = factory.LazyAttribute(_round_of)
    voter = factory.SubFactory(UserFactory)
    score = 4


class TeamCapacityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamCapacity

    team = factory.SubFactory(TeamFactory)
    iteration = None
    fte = 6
    days_off = 0
