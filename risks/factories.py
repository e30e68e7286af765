"""Factories for risks, impediments, improvement items and ART Sync actions."""

import datetime as dt

import factory
from django.utils import timezone

from planning.factories import ProgramIncrementFactory
from trains.factories import TeamFactory, TrainFactory, UserFactory

from .models import ActionItem, ArtSync, Impediment, ImprovementItem, Risk


class RiskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Risk

    train = factory.SubFactory(TrainFactory)
    title = factory.Sequence(lambda n: f"Risk {n}")
    created_at = factory.LazyFunction(timezone.now)


class ImpedimentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Impediment

    team = factory.SubFactory(TeamFactory)
    train = factory.SelfAttribute("team.train")
    title = factory.Sequence(lambda n: f"Impediment {n}")
    raised_at = factory.LazyFunction(timezone.now)


class ImprovementItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImprovementItem

    source_pi = factory.SubFactory(ProgramIncrementFactory)
    train = factory.SelfAttribute("source_pi.train")
    title = factory.Sequence(lambda n: f"Improvement {n}")
    created_at = factory.LazyFunction(timezone.now)


class ArtSyncFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ArtSync

    pi = factory.SubFactory(ProgramIncrementFactory)
    train = factory.SelfAttribute("pi.train")
    held_on = factory.Sequence(lambda n: dt.date(2026, 1, 7) + dt.timedelta(days=7 * n))


class ActionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionItem

    raised_in = factory.SubFactory(ArtSyncFactory)
    train = factory.SelfAttribute("raised_in.train")
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory)
    due_date = factory.LazyAttribute(lambda a: a.raised_in.held_on + dt.timedelta(days=7))
    created_at = factory.LazyFunction(timezone.now)
