"""What every planning write shares: the optimistic-concurrency refusal and the board's change signal."""

from django.db.models import F

from planning import hooks
from planning.models import ProgramIncrement


class StaleVersion(Exception):
    """The change was based on an older version of the record: someone else changed it first."""

    def __init__(self, current):
        self.current = current
        super().__init__(f"{current} was changed by someone else; here is the current version.")


def board_changed(pi_id: int | None) -> None:
    """Bump the PI's board version (open boards poll it) and tell the apps built on planning."""
    if pi_id is None:
        return
    ProgramIncrement.objects.filter(pk=pi_id).update(board_version=F("board_version") + 1)
    hooks.pi_changed(pi_id)
