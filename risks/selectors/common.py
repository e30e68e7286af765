"""Reads every running-the-PI screen shares: the current iteration and the train's people."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from planning.models import Iteration
from trains.models import Train

User = get_user_model()


def current_iteration(iterations: list[Iteration], today: date) -> Iteration | None:
    """The iteration running today; before the PI its first, after it its last."""
    if not iterations:
        return None
    for iteration in iterations:
        if iteration.start_date <= today <= iteration.end_date:
            return iteration
    return iterations[0] if today < iterations[0].start_date else iterations[-1]


def train_members(train: Train) -> QuerySet:
    """Everyone holding a role on the train: the people who can own risks, actions and items."""
    return (
        User.objects.filter(memberships__train=train)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
