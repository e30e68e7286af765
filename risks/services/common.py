"""What every running-the-PI write shares: the optimistic-concurrency lock and version bump, the
permission check, and the helpers that collect field messages into one ValidationError."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from trains.guards import lock_for_change
from trains.models import Membership


def _lock(instance, expected_version: int):
    """Re-read the row under a lock; refuse a change based on an older version.

    The caller's instance is brought up to date in place, so it keeps describing the stored row.
    """
    current = lock_for_change(type(instance).objects, instance.pk, expected_version)
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(current, field.attname))
    return instance


def _bump(instance, *fields: str) -> None:
    instance.version = F("version") + 1
    instance.save(update_fields=[*fields, "version"])
    instance.refresh_from_db(fields=["version"])


def _check_member(train_id: int, user, field: str, errors: dict) -> None:
    if user is not None and not Membership.objects.filter(train_id=train_id, user_id=user.pk).exists():
        errors[field] = f"{user.get_full_name() or user.get_username()} holds no role on this train."


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _not_in_past(day: date | None, today: date | None, field: str, errors: dict, what: str) -> None:
    today = today or timezone.localdate()
    if day is not None and day < today:
        errors[field] = f"{what} cannot be due in the past (today is {today:%d %b %Y})."
