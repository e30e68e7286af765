"""Factories for trains, teams and people; the tests and the demo seed both build on them."""

from functools import cache

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from .models import Membership, Role, Team, Train

DEFAULT_PASSWORD = "artops-demo"  # noqa: S105 - test and demo logins only


@cache
def default_password_hash() -> str:
    # Hashing is deliberately slow; dozens of demo and test users share one password, hashed once.
    return make_password(DEFAULT_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"User{n}")
    last_name = "Example"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.LazyFunction(default_password_hash)


class TrainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Train
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Train {n}")
    slug = factory.Sequence(lambda n: f"train-{n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    train = factory.SubFactory(TrainFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    kind = Team.Kind.STREAM_ALIGNED
    position = factory.Sequence(lambda n: n)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    train = factory.SubFactory(TrainFactory)
    team = None
    role = Role.VIEWER
