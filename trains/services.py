"""Writes for trains, teams and memberships. Views, API, admin actions and commands call these."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .access import train_access
from .errors import NotAllowed
from .models import TEAM_ROLES, Membership, Role, Team, Train


def membership_add(*, train: Train, user, role: str, team: Team | None = None, actor=None) -> Membership:
    """Give a user a role on a train. Only the train's RTE may do it (actor None: a trusted command)."""
    if actor is not None and not train_access(actor, train).is_rte:
        raise NotAllowed("Only the Release Train Engineer manages the train's roles.")
    if team is not None and team.train_id != train.pk:
        raise ValidationError({"team": "That team is not on this train."})
    if role in TEAM_ROLES and team is None:
        raise ValidationError({"team": f"A {Role(role).label} acts for one team: choose it."})
    with transaction.atomic():
        membership, _ = Membership.objects.get_or_create(user=user, train=train, team=team, role=role)
    return membership


def team_create(*, train: Train, name: str, kind: str, actor=None) -> Team:
    if actor is not None and not train_access(actor, train).is_rte:
        raise NotAllowed("Only the Release Train Engineer adds teams.")
    if Team.objects.filter(train=train, name__iexact=name).exists():
        raise ValidationError({"name": "A team of that name is already on this train."})
    position = train.teams.count()
    return Team.objects.create(train=train, name=name, kind=kind, position=position)
