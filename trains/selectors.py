"""Reads for trains, teams and memberships, with their related rows already joined."""

from django.db import connection
from django.db.models import Count, Prefetch, QuerySet
from django.http import Http404

from artops import rows

from .access import TrainAccess, remember
from .models import Membership, Team, Train


def trains_for_user(user) -> QuerySet[Train]:
    """The trains the user holds any role on; nobody sees a train they have no role on."""
    return Train.objects.filter(memberships__user=user).distinct().order_by("name")


def train_for_user(user, slug: str) -> tuple[Train, TrainAccess]:
    """The train and the user's access to it, or 404 when the user holds no role on it.

    404 rather than 403: an outsider must not learn that the train exists. Every train page asks
    this first, so it is one plain statement (artops/rows.py): the train and the user's roles on it.
    """
    if not user.is_authenticated:
        raise Http404("No such train.")
    sql, params = access_from(user, slug)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {access_columns()} FROM {sql}", params)
        found = cursor.fetchall()
    train, access, _ = access_from_rows(user, found)
    return train, access


def access_columns() -> str:
    """What `access_from_rows` reads, first in each row: a role the user holds and its team, then the train."""
    membership = Membership._meta.db_table
    return f'"{membership}"."role", "{membership}"."team_id", {rows.columns(Train)}'


def access_from(user, slug: str) -> tuple[str, list]:
    """FROM clause and parameters: the user's memberships on the train, to which a statement may join more."""
    membership, train = Membership._meta.db_table, Train._meta.db_table
    return (
        f'"{membership}" JOIN "{train}" ON "{train}"."id" = "{membership}"."train_id"'
        f' AND "{membership}"."user_id" = %s AND "{train}"."slug" = %s',
        [user.pk, slug],
    )


def access_from_rows(user, found: list[tuple]) -> tuple[Train, TrainAccess, int]:
    """The train, the user's access (remembered on the user) and where the rest of a row starts;
    404 when there is no row: no role, no train."""
    if not found:
        raise Http404("No such train.")
    train, end = rows.instance(Train, found[0], 2)
    grants = frozenset((row[0], row[1]) for row in found)
    return train, remember(user, TrainAccess(train_id=train.pk, user_id=user.pk, grants=grants)), end


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
