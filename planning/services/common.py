"""What every planning write shares: the optimistic-concurrency refusal and the board's change signal."""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet

from planning import hooks
from planning.models import ProgramIncrement
from trains.access import NotAllowed, TrainAccess, train_access


class StaleVersion(Exception):
    """The change was based on an older version of the record: someone else changed it first."""

    def __init__(self, current):
        self.current = current
        super().__init__(f"{current} was changed by someone else; here is the current version.")


def require(actor, train_id: int, allowed: Callable[[TrainAccess], bool], message: str) -> None:
    """Refuse (NotAllowed, with `message`) unless `allowed` holds for the actor's roles on the train.

    `actor` None is a trusted caller (the demo seed, a management command, a task): no check.
    """
    if actor is not None and not allowed(train_access(actor, train_id)):
        raise NotAllowed(message)


def lock_for_change(queryset: QuerySet, pk: int, expected_version: int | None):
    """Re-read a versioned row under a lock and refuse a change based on an older version.

    Only the row itself is locked (`of=self`): rows joined for reading (its PI, its team) stay free
    for the board's other writers.
    """
    current = queryset.select_for_update(of=("self",)).get(pk=pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    return current


def board_changed(pi_id: int | None) -> None:
    """Bump the PI's board version (open boards poll it) and tell the apps built on planning.

    Plain SQL: every board write runs this, and compiling the ORM's UPDATE cost more than running it.
    """
    if pi_id is None:
        return
    table = ProgramIncrement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "board_version" = "board_version" + 1 WHERE "id" = %s', [pi_id])
    hooks.pi_changed(pi_id)
