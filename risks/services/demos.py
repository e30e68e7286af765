"""System demos: one per iteration, what is shown and how it went, and the follow-ups."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Feature, Iteration
from trains.guards import require

from ..models import DemoFollowUp, DemoItem, SystemDemo
from ..permissions import can_complete_follow_up, can_run_system_demo
from .common import _check_member, _not_in_past, _raise


@transaction.atomic
def system_demo_plan(*, iteration: Iteration, actor, held_on: date | None = None, at=None) -> SystemDemo:
    """Plan the system demo of an iteration: by default on its last day, showing the features the
    teams planned to finish in it (each a demo item, "not shown yet")."""
    train_id = iteration.pi.train_id
    require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect plan demos.")
    existing = SystemDemo.objects.filter(iteration=iteration).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    demo = SystemDemo.objects.create(
        iteration=iteration, held_on=held_on or iteration.end_date, created_by=actor, created_at=at
    )
    features = Feature.objects.filter(iteration=iteration).order_by("team__position", "title")
    DemoItem.objects.bulk_create(
        DemoItem(demo=demo, feature=feature, title=feature.title, created_at=at) for feature in features
    )
    return demo


@transaction.atomic
def system_demo_update(*, demo: SystemDemo, actor, held_on: date | None, notes: str) -> SystemDemo:
    pi = demo.iteration.pi
    require(
        actor, pi.train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos."
    )
    if held_on is not None and not (demo.iteration.start_date <= held_on <= pi.end_date):
        raise ValidationError(
            {
                "held_on": f"The demo of {demo.iteration.label} falls between {demo.iteration.start_date:%d %b} and the PI's end ({pi.end_date:%d %b %Y})."
            }
        )
    demo.held_on, demo.notes = held_on, notes.strip()
    demo.save(update_fields=["held_on", "notes"])
    return demo


@transaction.atomic
def demo_item_add(
    *, demo: SystemDemo, actor, feature: Feature | None = None, title: str = "", at=None
) -> DemoItem:
    """Add something to show: a feature of the PI, or (no feature) a named item."""
    pi = demo.iteration.pi
    require(
        actor, pi.train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos."
    )
    errors: dict = {}
    title = (title or "").strip() or (feature.title if feature else "")
    if feature is not None:
        if feature.train_id != pi.train_id or feature.pi_id != pi.pk:
            errors["feature"] = "Choose a feature of this PI."
        elif DemoItem.objects.filter(demo=demo, feature=feature).exists():
            errors["feature"] = f"“{feature.title}” is already on this demo."
    if not title:
        errors["title"] = "Name the item or choose a feature."
    _raise(errors)
    return DemoItem.objects.create(
        demo=demo, feature=feature, title=title[:200], created_at=at or timezone.now()
    )


@transaction.atomic
def demo_item_record(*, item: DemoItem, outcome: str, feedback: str, actor) -> DemoItem:
    """Record how an item went at the demo, and what the stakeholders said."""
    train_id = item.demo.iteration.pi.train_id
    require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos.")
    if outcome not in DemoItem.Outcome.values:
        raise ValidationError({"outcome": "Choose how it went."})
    item.outcome, item.feedback = outcome, feedback.strip()
    item.save(update_fields=["outcome", "feedback"])
    return item


@transaction.atomic
def demo_item_remove(*, item: DemoItem, actor) -> None:
    train_id = item.demo.iteration.pi.train_id
    require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos.")
    item.delete()


@transaction.atomic
def demo_follow_up_add(
    *,
    demo: SystemDemo,
    title: str,
    actor,
    owner=None,
    due_date: date | None = None,
    today: date | None = None,
    at=None,
) -> DemoFollowUp:
    train_id = demo.iteration.pi.train_id
    require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos.")
    errors: dict = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Say what needs following up."
    _check_member(train_id, owner, "owner", errors)
    _not_in_past(due_date, today, "due_date", errors, "A new follow-up")
    _raise(errors)
    return DemoFollowUp.objects.create(
        demo=demo, title=title, owner=owner, due_date=due_date, created_at=at or timezone.now()
    )


@transaction.atomic
def demo_follow_up_set_done(*, follow_up: DemoFollowUp, done: bool, actor, at=None) -> DemoFollowUp:
    train_id = follow_up.demo.iteration.pi.train_id
    require(
        actor,
        train_id,
        lambda access: can_complete_follow_up(access, follow_up),
        "Only the follow-up's owner or the demo's organisers tick it off.",
    )
    status = DemoFollowUp.Status.DONE if done else DemoFollowUp.Status.OPEN
    if follow_up.status != status:
        follow_up.status, follow_up.done_at = status, (at or timezone.now()) if done else None
        follow_up.save(update_fields=["status", "done_at"])
    return follow_up
