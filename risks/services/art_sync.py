"""The ART Sync: the RTE's meeting of a day, its notes, and the action items carried until done."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import ProgramIncrement
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import record, snapshot
from trains.models import Train

from ..models import ActionItem, ArtSync
from ..permissions import can_complete_action, can_run_art_sync
from .common import _check_member, _not_in_past, _raise


@transaction.atomic
def art_sync_start(*, train: Train, pi: ProgramIncrement, actor, held_on: date | None = None) -> ArtSync:
    """Open the ART Sync of a day (today by default); starting it twice opens the same meeting.

    The ART Sync is an event of the PI's execution (SAFe: held weekly once the iterations run), so a
    PI that has not started yet has none: its meeting would hang under an iteration not begun."""
    require(actor, train.pk, can_run_art_sync, "The RTE runs the ART Sync.")
    if pi.train_id != train.pk:
        raise ValidationError({"pi": "That PI belongs to another train."})
    held_on = held_on or timezone.localdate()
    if held_on < pi.start_date:
        raise ValidationError({"pi": not_started_message(pi)})
    existing = ArtSync.objects.filter(train=train, held_on=held_on).first()
    if existing is not None:
        return existing
    return ArtSync.objects.create(train=train, pi=pi, held_on=held_on)


def not_started_message(pi: ProgramIncrement) -> str:
    """Why a PI has no ART Sync yet, in the words the page and the refusal both use."""
    return (
        f"{pi.name} has not started: it starts on {pi.start_date:%a} {pi.start_date.day} "
        f"{pi.start_date:%b %Y}. Its ART Syncs are held once its first iteration runs."
    )


@transaction.atomic
def art_sync_update(*, sync: ArtSync, notes: str, actor) -> ArtSync:
    require(actor, sync.train_id, can_run_art_sync, "The RTE keeps the ART Sync's notes.")
    sync.notes = notes.strip()
    sync.save(update_fields=["notes"])
    return sync


@transaction.atomic
def action_create(
    *, sync: ArtSync, title: str, owner, due_date: date | None, actor, today: date | None = None, at=None
) -> ActionItem:
    """Capture an action in the meeting: who does what by when. It is carried to every later sync
    until it is done."""
    require(actor, sync.train_id, can_run_art_sync, "The RTE captures the ART Sync's actions.")
    errors: dict = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = "Say what is to be done."
    elif (twin := _open_twin(sync, title)) is not None:
        errors["title"] = (
            f"“{twin.title}” is already open (raised at the sync of {twin.raised_in.held_on.day} "
            f"{twin.raised_in.held_on:%b}): it is carried until done, so it need not be raised again."
        )
    if owner is None:
        errors["owner"] = "Every action needs an owner."
    else:
        _check_member(sync.train_id, owner, "owner", errors)
    if due_date is None:
        errors["due_date"] = "Give the action a due date."
    else:
        _not_in_past(due_date, today, "due_date", errors, "A new action")
    _raise(errors)
    action = ActionItem.objects.create(
        train_id=sync.train_id,
        raised_in=sync,
        title=title,
        owner=owner,
        due_date=due_date,
        created_at=at or timezone.now(),
    )
    _record(
        action, actor, action=Action.CREATED, after=snapshot(action, "title", "owner", "due_date", "status")
    )
    return action


def _record(item: ActionItem, actor, **change) -> None:
    record(
        train_id=item.train_id,
        kind=Kind.ACTION_ITEM,
        target=item,
        label=item.title,
        actor=actor,
        **change,
    )


def _open_twin(sync: ArtSync, title: str) -> ActionItem | None:
    """An open action of the same PI with the same title (case aside): raising it again would list
    the same work twice among the carried actions."""
    return (
        ActionItem.objects.filter(
            raised_in__pi_id=sync.pi_id, status=ActionItem.Status.OPEN, title__iexact=title
        )
        .select_related("raised_in")
        .order_by("raised_in__held_on", "pk")
        .first()
    )


@transaction.atomic
def action_set_done(*, action: ActionItem, done: bool, actor, at=None) -> ActionItem:
    """Tick an action off (or reopen it): its owner or the RTE."""
    require(
        actor,
        action.train_id,
        lambda access: can_complete_action(access, action),
        "Only the action's owner or the RTE ticks it off.",
    )
    status = ActionItem.Status.DONE if done else ActionItem.Status.OPEN
    if action.status == status:
        return action
    before = snapshot(action, "status")
    action.status, action.done_at = status, (at or timezone.now()) if done else None
    action.save(update_fields=["status", "done_at"])
    _record(action, actor, before=before, after=snapshot(action, "status"), at=at)
    return action
