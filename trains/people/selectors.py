"""Reads for the people page: who holds what on a train, in one query, its rows already joined."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from ..models import Membership, Role, Team, Train


def memberships_of(train: Train, *, user=None) -> list[Membership]:
    """The train's roles, grouped by person (by name), each person's in the order Role declares them
    (the train's roles, then the teams') and by team."""
    memberships = Membership.objects.filter(train=train).select_related("user", "team")
    if user is not None:
        memberships = memberships.filter(user=user)
    rank = {role: index for index, role in enumerate(Role.values)}
    return sorted(
        memberships,
        key=lambda m: (
            (m.user.get_full_name() or m.user.username).lower(),
            m.user_id,
            rank.get(m.role, len(rank)),
            m.team.position if m.team else -1,
        ),
    )


def teams_of(train: Train) -> QuerySet[Team]:
    return train.teams.order_by("position", "name")


def people_of(train: Train) -> QuerySet:
    """Everyone holding a role on the train."""
    return get_user_model().objects.filter(memberships__train=train).distinct()
