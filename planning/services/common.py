"""What every planning write shares: the board's change signal."""

from collections.abc import Iterable

from django.db.models import F, Subquery

from planning import hooks
from planning.models import BoardChange, ProgramIncrement
from trains.errors import Conflict


def board_changed(
    pi_id: int | None,
    *,
    features: Iterable[int | None] | None = None,
    dependencies: Iterable[int] | None = None,
    seen_version: int | None = None,
) -> int | None:
    """Bump the PI's board version (open boards poll it), note what changed, and tell the apps
    built on planning.

    `features` and `dependencies` name the cards and strings the change touched: an open board
    then fetches those alone (planning.selectors.board.board_delta); empty, the change touched
    nothing a board shows (a capacity, an objective's order). A change that names neither touched
    something else the board shows (iterations, milestones), and open boards reload.

    `seen_version` is the version of the board the person making the change is looking at. When
    nobody else changed the board since, their board is current once it shows this change, and
    the new version is returned so their board can say so (instead of reloading on its next poll);
    otherwise None.
    """
    if pi_id is None:
        return None
    pis = ProgramIncrement.objects.filter(pk=pi_id)
    bump = {"board_version": F("board_version") + 1}
    # Conditional: only the version the person saw is bumped to the one their board can take.
    if seen_version is not None and pis.filter(board_version=seen_version).update(**bump):
        current = version = seen_version + 1
    else:
        pis.update(**bump)
        current = None
        # The version just written, read by the insert itself: the row is ours until the commit.
        version = Subquery(pis.values("board_version"))
    if features is None and dependencies is None:
        changes = [BoardChange(pi_id=pi_id, version=version, kind=BoardChange.Kind.BOARD)]
    else:
        named = [(BoardChange.Kind.FEATURE, pk) for pk in set(features or ()) if pk is not None]
        named += [(BoardChange.Kind.DEPENDENCY, pk) for pk in set(dependencies or ())]
        changes = [BoardChange(pi_id=pi_id, version=version, kind=kind, object_id=pk) for kind, pk in named]
    if changes:
        BoardChange.objects.bulk_create(changes)
    hooks.pi_changed(pi_id)
    return current


def require_open(pi: ProgramIncrement | None) -> None:
    """Refuse (Conflict) any change to a closed PI: it is the train's record of what happened, and
    its predictability is reported to leadership. Only the RTE reopens it, with a reason."""
    if pi is not None and pi.is_closed:
        raise Conflict(
            f"{pi.name} is closed: its record is read-only. The RTE may reopen it, giving a reason."
        )
