"""What an RTE hands out of running the PI, as sheets (trains/exports.py writes them as XLSX or
CSV): the ROAM register, impediments, ART Sync action items.

Rows come from the selectors the pages use (risks/selectors/), with the figures the pages show
(a risk's exposure and overdue flag, an impediment's age): a fixed number of queries, whatever
the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone

from planning.models import ProgramIncrement
from trains.exports import Sheet

from .models import ActionItem, Impediment, Risk


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _days_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def roam_sheets(risks: Iterable[Risk]) -> list[Sheet]:
    """The ROAM register: every risk of the board, with its links (risks_for_board prefetches them)."""
    rows = [
        [
            risk.pk,
            risk.title,
            risk.pi.name if risk.pi else "",
            "ART" if risk.is_art_level else "team",
            risk.team.name if risk.team else "",
            risk.get_roam_status_display(),
            _person(risk.owner),
            risk.impact,
            risk.likelihood,
            risk.exposure,
            risk.due_date,
            risk.is_overdue,
            risk.mitigation_plan,
            risk.origin_team.name if risk.origin_team else "",
            risk.created_at,
            "; ".join(feature.title for feature in risk.features.all()),
            "; ".join(dependency.description for dependency in risk.dependencies.all()),
            "; ".join(objective.text for objective in risk.objectives.all()),
            risk.description,
        ]
        for risk in risks
    ]
    return [
        Sheet(
            "ROAM register",
            [
                "Risk id",
                "Risk",
                "PI",
                "Level",
                "Team",
                "ROAM",
                "Owner",
                "Impact (1-5)",
                "Likelihood (1-5)",
                "Exposure",
                "Due",
                "Overdue",
                "Mitigation",
                "Raised by team",
                "Raised at",
                "Features",
                "Dependencies",
                "Objectives",
                "Description",
            ],
            rows,
        )
    ]


def impediment_sheets(impediments: Iterable[Impediment], *, now: datetime | None = None) -> list[Sheet]:
    """Impediments as the list shows them: age from when raised (to resolution once resolved), the
    escalations' last note, the features they block."""
    now = now or timezone.now()
    rows = []
    for impediment in impediments:
        escalations = list(impediment.escalations.all())
        rows.append(
            [
                impediment.pk,
                impediment.team.name,
                impediment.title,
                impediment.get_severity_display(),
                impediment.get_status_display(),
                impediment.get_escalation_level_display(),
                _person(impediment.owner),
                _person(impediment.raised_by),
                impediment.raised_at,
                _days_between(impediment.raised_at, impediment.resolved_at or now),
                impediment.resolved_at,
                len(escalations),
                escalations[-1].note if escalations else "",
                "; ".join(feature.title for feature in impediment.blocked_features.all()),
                impediment.resolution,
            ]
        )
    return [
        Sheet(
            "Impediments",
            [
                "Impediment id",
                "Team",
                "Impediment",
                "Severity",
                "Status",
                "Escalation level",
                "Owner",
                "Raised by",
                "Raised at",
                "Age (days)",
                "Resolved at",
                "Escalations",
                "Last escalation note",
                "Blocked features",
                "Resolution",
            ],
            rows,
        )
    ]


def action_items_of(pi: ProgramIncrement) -> QuerySet[ActionItem]:
    """The actions raised in the PI's ART Syncs, by sync, then open first and soonest due."""
    return (
        ActionItem.objects.filter(raised_in__pi=pi)
        .select_related("owner", "raised_in")
        .order_by("raised_in__held_on", "status", "due_date", "pk")
    )


def action_item_sheets(actions: Iterable[ActionItem], *, today: date | None = None) -> list[Sheet]:
    today = today or timezone.localdate()
    rows = [
        [
            action.pk,
            action.raised_in.held_on,
            action.title,
            _person(action.owner),
            action.due_date,
            action.get_status_display(),
            action.status == ActionItem.Status.OPEN and action.due_date < today,
            action.created_at,
            action.done_at,
        ]
        for action in actions
    ]
    return [
        Sheet(
            "ART Sync actions",
            ["Action id", "ART Sync", "Action", "Owner", "Due", "Status", "Overdue", "Raised at", "Done at"],
            rows,
        )
    ]
