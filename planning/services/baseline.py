"""Committing the plan: the end of PI Planning stores what the plan was, to compare execution with."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import PlanBaseline, ProgramIncrement
from planning.selectors.baseline import plan_snapshot
from trains.history.models import Kind
from trains.history.services import record, snapshot

from .common import board_changed, require_open
from .lifecycle import require_rte


@transaction.atomic
def plan_commit(*, pi: ProgramIncrement, actor) -> PlanBaseline:
    """Store a baseline of the plan as it stands and mark the PI committed.

    Allowed while the PI is in planning only; committing again during planning (after a re-plan)
    adds a new baseline, and "plan vs now" compares with the latest one.
    """
    require_rte(actor, pi.train_id, "commits the plan")
    # The lock keeps a concurrent move from landing between the snapshot and the commit time.
    locked = ProgramIncrement.objects.select_for_update().get(pk=pi.pk)
    require_open(locked)
    if locked.state != ProgramIncrement.State.PLANNING:
        raise ValidationError(
            f"The plan can be committed only while the PI is in planning (it is {locked.get_state_display().lower()})."
        )
    now = timezone.now()
    baseline = PlanBaseline.objects.create(
        pi=locked, committed_at=now, committed_by=actor, plan=plan_snapshot(locked)
    )
    before = snapshot(locked, "committed_at")
    locked.committed_at = now
    locked.save(update_fields=["committed_at"])
    record(
        train_id=locked.train_id,
        kind=Kind.PI,
        target=locked,
        label=locked.name,
        actor=actor,
        before=before,
        after=snapshot(locked, "committed_at"),
        note="Plan committed: a baseline of the plan was stored.",
        at=now,
    )
    board_changed(locked.pk)
    pi.committed_at = now
    return baseline
