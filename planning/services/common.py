"""What every planning write shares: the board's change signal."""

from django.db import connection

from planning import hooks
from planning.models import ProgramIncrement
from trains.errors import Conflict


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


def require_open(pi: ProgramIncrement | None) -> None:
    """Refuse (Conflict) any change to a closed PI: it is the train's record of what happened, and
    its predictability is reported to leadership. Only the RTE reopens it, with a reason."""
    if pi is not None and pi.state == ProgramIncrement.State.CLOSED:
        raise Conflict(f"{pi.name} is closed: its record is read-only. The RTE may reopen it, giving a reason.")
