"""Writes for the PI itself: creating it on the train's cadence, its dates, its Business Owners and
its lifecycle (draft → planning → executing → closed, and a closed PI reopened with a reason), each
allowed to the RTE only."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from planning.models import (
    BoardChange,
    Iteration,
    PIObjective,
    PIReopening,
    PlanBaseline,
    ProgramIncrement,
)
from planning.permissions import can_manage_pi
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import record, snapshot
from trains.limits import require_days_in_range
from trains.models import Membership, Role, Train, WebhookEvent
from trains.webhooks.services import emit

from .common import board_changed, require_open

State = ProgramIncrement.State

# The only moves the RTE makes; a PI never goes back (a re-plan happens inside "planning").
NEXT_STATE = {State.DRAFT: State.PLANNING, State.PLANNING: State.EXECUTING, State.EXECUTING: State.CLOSED}

MIN_ITERATIONS, MAX_ITERATIONS = 2, 8


def _record(pi: ProgramIncrement, actor, **change) -> None:
    record(train_id=pi.train_id, kind=Kind.PI, target=pi, label=pi.name, actor=actor, **change)


def require_rte(actor, train_id: int, action: str) -> None:
    require(actor, train_id, can_manage_pi, f"Only the Release Train Engineer {action}.")


def iteration_dates(*, start_date: date, length_days: int, count: int) -> list[tuple[date, date]]:
    """Back-to-back iterations of `length_days` from `start_date` (the last one being IP)."""
    return [
        (start_date + timedelta(days=i * length_days), start_date + timedelta(days=(i + 1) * length_days - 1))
        for i in range(count)
    ]


@transaction.atomic
def pi_create(
    *, train: Train, name: str, start_date: date, actor=None, iteration_count: int | None = None
) -> ProgramIncrement:
    """Create a PI with its iterations on the train's cadence; the last iteration is IP."""
    require_rte(actor, train.pk, "creates PIs")
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the PI a name, e.g. “PI 2027.1”."})
    if ProgramIncrement.objects.filter(train=train, name=name).exists():
        raise ValidationError({"name": "This train already has a PI of that name."})
    count = iteration_count or train.iterations_per_pi
    if not MIN_ITERATIONS <= count <= MAX_ITERATIONS:
        raise ValidationError(
            {
                "iteration_count": f"A PI has {MIN_ITERATIONS} to {MAX_ITERATIONS} iterations: at least one "
                "development iteration and the IP iteration."
            }
        )
    require_days_in_range(start_date=start_date)
    spans = iteration_dates(start_date=start_date, length_days=train.iteration_length_days, count=count)
    require_days_in_range(start_date=spans[-1][1])  # its last iteration must end in range too
    pi = ProgramIncrement.objects.create(train=train, name=name, start_date=start_date, end_date=spans[-1][1])
    Iteration.objects.bulk_create(
        Iteration(pi=pi, number=n, start_date=start, end_date=end, is_ip=(n == count))
        for n, (start, end) in enumerate(spans, start=1)
    )
    after = {**snapshot(pi, "name", "state", "start_date", "end_date"), "iterations": count}
    _record(pi, actor, action=Action.CREATED, after=after)
    return pi


# --- dates -------------------------------------------------------------------------------------------


def _span(start: date, end: date) -> str:
    return f"{start:%-d %b} – {end:%-d %b %Y}"


def check_iteration_span(
    pi: ProgramIncrement, iteration: Iteration, start_date: date, end_date: date
) -> None:
    """Refuse, on the field at fault, dates outside the PI, reversed, or overlapping a neighbour."""
    require_days_in_range(start_date=start_date, end_date=end_date)
    if end_date < start_date:
        raise ValidationError({"end_date": "The iteration must end on or after its start date."})
    if start_date < pi.start_date:
        raise ValidationError(
            {"start_date": f"{iteration.label} cannot start before the PI does ({pi.start_date:%-d %b %Y})."}
        )
    if end_date > pi.end_date:
        raise ValidationError(
            {"end_date": f"{iteration.label} cannot end after the PI does ({pi.end_date:%-d %b %Y})."}
        )
    for other in pi.iterations.exclude(pk=iteration.pk).order_by("number"):
        if other.start_date <= end_date and other.end_date >= start_date:
            field = "start_date" if other.number < iteration.number else "end_date"
            raise ValidationError(
                {field: f"Overlaps {other.label} ({_span(other.start_date, other.end_date)})."}
            )
        if other.number < iteration.number and other.start_date > start_date:
            raise ValidationError({"start_date": f"{iteration.label} must come after {other.label}."})
        if other.number > iteration.number and other.start_date < start_date:
            raise ValidationError({"end_date": f"{iteration.label} must come before {other.label}."})


@transaction.atomic
def iteration_update(*, iteration: Iteration, start_date: date, end_date: date, actor) -> Iteration:
    """Change an iteration's dates: inside its PI, after the one before, before the one after."""
    require_rte(actor, iteration.pi.train_id, "changes iteration dates")
    # Locking the PI serialises date edits of one PI, so two RTE tabs cannot interleave checks.
    pi = ProgramIncrement.objects.select_for_update().get(pk=iteration.pi_id)
    require_open(pi)
    check_iteration_span(pi, iteration, start_date, end_date)
    try:
        # A savepoint, so the database's own guard (triggers of migration planning 0002) refuses
        # cleanly whatever slipped past the checks above, as a field message rather than a 500.
        # The caller's instance changes only once saved: a refused edit leaves it as it was.
        with transaction.atomic():
            Iteration.objects.filter(pk=iteration.pk).update(start_date=start_date, end_date=end_date)
    except IntegrityError as error:
        raise ValidationError(
            {"start_date": "The iteration's dates must lie inside the PI's dates."}
        ) from error
    dates = f"{iteration.label} dates"
    _record(
        pi,
        actor,
        before={dates: _span(iteration.start_date, iteration.end_date)},
        after={dates: _span(start_date, end_date)},
    )
    iteration.start_date, iteration.end_date = start_date, end_date
    board_changed(pi.pk)
    return iteration


@transaction.atomic
def pi_update_dates(*, pi: ProgramIncrement, start_date: date, end_date: date, actor) -> ProgramIncrement:
    """Change the PI's own dates; they must still contain every one of its iterations."""
    require_rte(actor, pi.train_id, "changes the PI's dates")
    locked = ProgramIncrement.objects.select_for_update().get(pk=pi.pk)
    require_open(locked)
    require_days_in_range(start_date=start_date, end_date=end_date)
    if end_date <= start_date:
        raise ValidationError({"end_date": "The PI must end after it starts."})
    iterations = list(locked.iterations.order_by("number"))
    if iterations:
        first = min(iterations, key=lambda it: it.start_date)
        last = max(iterations, key=lambda it: it.end_date)
        if start_date > first.start_date:
            raise ValidationError(
                {
                    "start_date": f"{first.label} starts on {first.start_date:%-d %b %Y}: the PI must start by then."
                }
            )
        if end_date < last.end_date:
            raise ValidationError(
                {
                    "end_date": f"{last.label} ends on {last.end_date:%-d %b %Y}: the PI must end on or after it."
                }
            )
    before = snapshot(locked, "start_date", "end_date")
    locked.start_date, locked.end_date = start_date, end_date
    try:
        with transaction.atomic():
            locked.save(update_fields=["start_date", "end_date"])
    except IntegrityError as error:
        raise ValidationError({"start_date": "The PI's dates must contain all its iterations."}) from error
    _record(locked, actor, before=before, after=snapshot(locked, "start_date", "end_date"))
    board_changed(locked.pk)
    pi.start_date, pi.end_date = start_date, end_date
    return locked


# --- Business Owners ---------------------------------------------------------------------------------


@transaction.atomic
def pi_set_business_owners(*, pi: ProgramIncrement, users, actor) -> ProgramIncrement:
    """Name the Business Owners taking part in this PI: people who hold that role on the train."""
    require_rte(actor, pi.train_id, "assigns the PI's Business Owners")
    require_open(ProgramIncrement.objects.select_for_update().get(pk=pi.pk))
    wanted = {user.pk for user in users}
    owners = set(
        Membership.objects.filter(
            train_id=pi.train_id, role=Role.BUSINESS_OWNER, user_id__in=wanted
        ).values_list("user_id", flat=True)
    )
    if wanted - owners:
        raise ValidationError(
            {"business_owners": "Only people who hold the Business Owner role on this train can be assigned."}
        )
    before = snapshot(pi, "business_owners")
    pi.business_owners.set(sorted(wanted))
    _record(pi, actor, before=before, after=snapshot(pi, "business_owners"))
    return pi


# --- lifecycle ---------------------------------------------------------------------------------------


def unscored_objectives(pi: ProgramIncrement) -> list[PIObjective]:
    """Objectives (committed and uncommitted) whose actual business value is not yet scored."""
    return list(
        PIObjective.objects.filter(pi=pi, actual_business_value__isnull=True)
        .select_related("team")
        .order_by("team__position", "team__name", "pk")
    )


def _check_start_executing(pi: ProgramIncrement) -> None:
    if pi.committed_at is None and not PlanBaseline.objects.filter(pi=pi).exists():
        raise ValidationError(
            {
                "to_state": "Commit the plan before execution starts: a PI executes against a committed baseline."
            }
        )
    if not PIObjective.objects.filter(pi=pi, is_committed=True).exists():
        raise ValidationError(
            {
                "to_state": "No team has a committed objective yet: execution needs at least one committed objective."
            }
        )
    executing = (
        ProgramIncrement.objects.filter(train_id=pi.train_id, state=State.EXECUTING).exclude(pk=pi.pk).first()
    )
    if executing is not None:
        raise ValidationError(
            {
                "to_state": f"{executing.name} is still executing: close it first (a train executes one PI at a time)."
            }
        )


def _check_close(pi: ProgramIncrement, confirm_unscored: bool) -> None:
    unscored = unscored_objectives(pi)
    if unscored and not confirm_unscored:
        teams = ", ".join(dict.fromkeys(objective.team.name for objective in unscored))
        count = len(unscored)
        noun = "objective lacks" if count == 1 else "objectives lack"
        raise ValidationError(
            {
                "confirm_unscored": f"{count} {noun} an actual business value ({teams}). Ask the Business "
                f"Owners to score them, or confirm closing with {count} unscored."
            }
        )


@transaction.atomic
def pi_transition(
    *, pi: ProgramIncrement, to_state: str, actor, confirm_unscored: bool = False
) -> ProgramIncrement:
    """Move the PI to its next state, after that state's checks."""
    require_rte(actor, pi.train_id, "moves a PI through its states")
    # Lock every PI of the train: "one executing PI per train" is checked and written atomically.
    locked = {
        p.pk: p
        for p in ProgramIncrement.objects.select_for_update().filter(train_id=pi.train_id).order_by("pk")
    }
    current = locked[pi.pk]
    require_open(current)  # a closed PI goes nowhere but back to executing, by pi_reopen
    if NEXT_STATE.get(current.state) != to_state:
        raise ValidationError(
            {"to_state": f"A PI in {current.get_state_display().lower()} cannot move to “{to_state}”."}
        )
    if to_state == State.EXECUTING:
        _check_start_executing(current)
    elif to_state == State.CLOSED:
        _check_close(current, confirm_unscored)
    from_state = current.state
    before = snapshot(current, "state")
    current.state = to_state
    current.save(update_fields=["state"])
    _record(current, actor, before=before, after=snapshot(current, "state"))
    if to_state == State.CLOSED:
        # A closed board never changes: its open boards need only this last change, to reload.
        BoardChange.objects.filter(pi=current).delete()
    board_changed(current.pk)
    _announce_state(current, from_state, actor)
    pi.state = to_state
    return current


REASON_REQUIRED = "Say why the closed PI must change: the reason is kept with its record."


@transaction.atomic
def pi_reopen(*, pi: ProgramIncrement, reason: str, actor) -> PIReopening:
    """Reopen a closed PI (back to executing) so a mistake in its record can be put right.

    A closed PI is what the train reports (predictability, the plan it committed), so only the RTE
    reopens it, and the reason is kept on the PI for everyone to read. The train still executes one
    PI at a time: while another executes, the closed one stays closed.
    """
    require_rte(actor, pi.train_id, "reopens a closed PI")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    # Lock every PI of the train, as pi_transition does: "one executing PI" is checked and written together.
    locked = {
        p.pk: p
        for p in ProgramIncrement.objects.select_for_update().filter(train_id=pi.train_id).order_by("pk")
    }
    current = locked[pi.pk]
    if not current.is_closed:
        raise ValidationError(
            f"{current.name} is {current.get_state_display().lower()}, not closed: there is nothing to reopen."
        )
    executing = next((p for p in locked.values() if p.state == State.EXECUTING), None)
    if executing is not None:
        raise ValidationError(
            f"{executing.name} is executing: a train executes one PI at a time. Close {executing.name} "
            f"before reopening {current.name}."
        )
    before = snapshot(current, "state")
    current.state = State.EXECUTING
    current.save(update_fields=["state"])
    reopening = PIReopening.objects.create(
        pi=current, reopened_by=actor, reopened_at=timezone.now(), reason=reason
    )
    _record(current, actor, before=before, after=snapshot(current, "state"), note=f"Reopened: {reason}")
    board_changed(current.pk)
    _announce_state(current, State.CLOSED, actor, reason=reason)
    pi.state = current.state
    return reopening


def _announce_state(pi: ProgramIncrement, from_state: str, actor, reason: str = "") -> None:
    data = {"pi": {"id": pi.pk, "name": pi.name}, "from_state": from_state, "to_state": pi.state}
    if reason:
        data["reopen_reason"] = reason
    emit(train=pi.train, event=WebhookEvent.PI_STATE_CHANGED, actor=actor, data=data)
