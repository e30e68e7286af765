"""Reads for trains, teams and memberships, with their related rows already joined."""

from django.core.validators import slug_re
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from .access import TrainAccess, remember
from .models import Membership, Team, Train


def trains_for_user(user) -> QuerySet[Train]:
    """The trains the user holds any role on; nobody sees a train they have no role on."""
    return Train.objects.filter(memberships__user=user).distinct().order_by("name")


def train_for_user(user, slug: str) -> tuple[Train, TrainAccess]:
    """The train and the user's access to it, or 404 when the user holds no role on it.

    404 rather than 403: an outsider must not learn that the train exists. One query: the user's
    memberships on the train, with the train.
    """
    # A slug from a query string (the search's ?train=) is whatever was typed: one that cannot be a
    # slug names no train (and a NUL byte would fail PostgreSQL's query).
    if not user.is_authenticated or not slug_re.match(slug or ""):
        raise Http404("No such train.")
    memberships = list(Membership.objects.filter(user_id=user.pk, train__slug=slug).select_related("train"))
    if not memberships:
        raise Http404("No such train.")
    train = memberships[0].train
    grants = frozenset((m.role, m.team_id) for m in memberships)
    return train, remember(user, TrainAccess(train_id=train.pk, user_id=user.pk, grants=grants))


def teams_with_members(train: Train) -> QuerySet[Team]:
    members = Membership.objects.select_related("user").order_by("role", "user__username")
    return (
        train.teams.annotate(member_count=Count("memberships__user", distinct=True))
        .prefetch_related(Prefetch("memberships", queryset=members))
        .order_by("position", "name")
    )


def train_level_memberships(train: Train) -> QuerySet[Membership]:
    return (
        train.memberships.filter(team__isnull=True).select_related("user").order_by("role", "user__username")
    )


def pis_for_train(train: Train):
    """The train's PIs, newest first, with their counts. Reached through the reverse relation so
    that trains never imports planning (imports run trains ← planning)."""
    return train.pis.annotate(
        iteration_count=Count("iterations", distinct=True),
        feature_count=Count("features", distinct=True),
        objective_count=Count("objectives", distinct=True),
    ).order_by("-start_date")
