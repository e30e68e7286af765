"""What every app's writes share: the permission guard and the versioned-row lock."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from .access import TrainAccess, train_access
from .errors import NotAllowed, StaleVersion


def require(actor, train_id: int, allowed: Callable[[TrainAccess], bool], message: str) -> None:
    """Refuse (NotAllowed, with `message`) unless `allowed` holds for the actor's roles on the train.

    `actor` None is a trusted caller (the demo seed, a management command, a task): no check.
    """
    if actor is not None and not allowed(train_access(actor, train_id)):
        raise NotAllowed(message)


MISSING_VERSION = "This change is missing the version it was based on: reload the page and try again."


def require_version(expected_version: int | None) -> int:
    """Refuse a change to a versioned row that does not say which version it was based on.

    There is no "skip the check": a change without its version would silently overwrite whatever
    someone else saved meanwhile. Every caller states the version it read, trusted ones (the demo
    seed, tasks, commands, the admin) included.
    """
    if expected_version is None:
        raise ValidationError({"version": MISSING_VERSION})
    return expected_version


def lock_for_change(queryset: QuerySet, pk: int, expected_version: int):
    """Re-read a versioned row under a lock and refuse a change based on an older version.

    Only the row itself is locked (`of=self`): rows joined for reading (its PI, its team) stay free
    for the board's other writers.
    """
    require_version(expected_version)
    current = queryset.select_for_update(of=("self",)).get(pk=pk)
    if current.version != expected_version:
        raise StaleVersion(current)
    return current
