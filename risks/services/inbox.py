"""What risks puts in people's inboxes (trains.conversation): an impediment escalated tells the
people who raised and own it; a risk whose due date has come tells its owner (a daily task)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from trains.conversation.services import inbox_notify
from trains.models import InboxKind

from ..models import Impediment, Risk


def inbox_impediment_escalated(*, impediment: Impediment, actor) -> int:
    """Tell the impediment's raiser and owner it went up a level (one item per level reached)."""
    train = impediment.train
    level = impediment.get_escalation_level_display()
    return inbox_notify(
        user_ids=[impediment.raised_by_id, impediment.owner_id],
        train_id=train.pk,
        kind=InboxKind.IMPEDIMENT_ESCALATED,
        event=f"impediment:{impediment.pk}:escalated:{impediment.escalation_level}",
        target=impediment,
        text=f"Impediment “{impediment.title}” was escalated to the {level} level.",
        url=reverse("risks:impediment_detail", args=[train.slug, impediment.pk]),
        actor=actor,
    )


def inbox_risks_due(*, today: date) -> int:
    """Tell each owner of a risk not yet resolved whose due date has come, once per due date (a risk
    given a new date that comes too is told again). Run daily; running it twice tells nobody twice."""
    told = 0
    due = (
        Risk.objects.filter(due_date__lte=today, owner__isnull=False)
        .exclude(roam_status=Risk.Roam.RESOLVED)
        .select_related("train")
        .order_by("pk")
    )
    for risk in due:
        when = "today" if risk.due_date == today else f"on {risk.due_date.day} {risk.due_date:%b %Y}"
        told += inbox_notify(
            user_ids=[risk.owner_id],
            train_id=risk.train_id,
            kind=InboxKind.RISK_DUE,
            event=f"risk:{risk.pk}:due:{risk.due_date.isoformat()}",
            target=risk,
            text=f"Risk “{risk.title}” you own was due {when} ({risk.get_roam_status_display()}).",
            url=reverse("risks:risk_detail", args=[risk.train.slug, risk.pk]),
        )
    return told
