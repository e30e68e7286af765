"""Risks on the team and ART boards and their ROAM moves (Resolved, Owned, Accepted, Mitigated)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Dependency, Feature, PIObjective, ProgramIncrement
from trains.guards import require
from trains.history.models import Action, Kind
from trains.history.services import labels, record, snapshot
from trains.models import Team, Train, WebhookEvent
from trains.webhooks.services import emit

from ..models import Risk, RiskRoamChange
from ..permissions import can_edit_risk, can_raise_risk, can_raise_risk_to_art, can_roam_risk
from .common import _bump, _check_member, _lock, _raise

RISK_FIELDS = ("title", "description", "owner", "impact", "likelihood", "due_date", "mitigation_plan")
RISK_LINKS = ("features", "dependencies", "objectives")


def _check_risk_fields(fields: dict, train_id: int, errors: dict) -> None:
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            errors["title"] = "Say what could go wrong."
    for name in ("impact", "likelihood"):
        if name in fields and fields[name] not in range(1, 6):
            errors[name] = "Choose a value from 1 (very low) to 5 (very high)."
    if "owner" in fields:
        _check_member(train_id, fields["owner"], "owner", errors)


def _check_risk_links(
    *, train_id: int, pi: ProgramIncrement | None, links: dict[str, Iterable], errors: dict
) -> dict[str, list]:
    """Features, dependencies and objectives a risk may point at: its own train's (and PI's)."""
    checked = {}
    pi_ids = {pi.pk} if pi else None
    for name, rows in links.items():
        rows = list(rows)
        if name == "features":
            wrong = [f for f in rows if f.train_id != train_id or (pi and f.pi_id not in (None, pi.pk))]
        else:  # dependencies and objectives belong to a PI of the train
            if pi_ids is None and rows:
                pi_ids = set(ProgramIncrement.objects.filter(train_id=train_id).values_list("pk", flat=True))
            wrong = [r for r in rows if r.pi_id not in (pi_ids or ())]
        if wrong:
            errors[name] = f"{wrong[0]} is not part of this train's PI."
        checked[name] = rows
    return checked


def _set_risk_links(risk: Risk, links: dict[str, list]) -> None:
    for name, rows in links.items():
        getattr(risk, name).set(rows)


def _record(risk: Risk, actor, **change) -> None:
    record(train_id=risk.train_id, kind=Kind.RISK, target=risk, label=risk.title, actor=actor, **change)


@transaction.atomic
def risk_create(
    *,
    train: Train,
    title: str,
    actor,
    pi: ProgramIncrement | None = None,
    team: Team | None = None,
    description: str = "",
    owner=None,
    impact: int = 3,
    likelihood: int = 3,
    due_date: date | None = None,
    mitigation_plan: str = "",
    features: Iterable[Feature] = (),
    dependencies: Iterable[Dependency] = (),
    objectives: Iterable[PIObjective] = (),
    at=None,
) -> Risk:
    """Raise a risk, at team level or (team None) on the ART board. It starts un-ROAMed."""
    require(actor, train.pk, can_raise_risk, "Viewers read risks; raising one needs a role in the PI.")
    fields = {
        "title": title,
        "description": description,
        "owner": owner,
        "impact": impact,
        "likelihood": likelihood,
        "due_date": due_date,
        "mitigation_plan": mitigation_plan,
    }
    errors: dict = {}
    _check_risk_fields(fields, train.pk, errors)
    if pi is not None and pi.train_id != train.pk:
        errors["pi"] = "That PI belongs to another train."
    if team is not None and team.train_id != train.pk:
        errors["team"] = "That team belongs to another train."
    links = _check_risk_links(
        train_id=train.pk,
        pi=pi,
        links={"features": features, "dependencies": dependencies, "objectives": objectives},
        errors=errors,
    )
    _raise(errors)
    risk = Risk.objects.create(
        train=train, pi=pi, team=team, raised_by=actor, created_at=at or timezone.now(), **fields
    )
    _set_risk_links(risk, links)
    after = snapshot(risk, "pi", "team", "roam_status", *RISK_FIELDS)
    _record(
        risk,
        actor,
        action=Action.CREATED,
        after={**after, **{name: labels(rows) for name, rows in links.items()}},
    )
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor, expected_version: int, **changes) -> Risk:
    """Edit a risk's details and links; refused (StaleVersion) when someone else saved it first."""
    unknown = set(changes) - set(RISK_FIELDS) - set(RISK_LINKS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {sorted(unknown)}")
    _lock(risk, expected_version)
    require(actor, risk.train_id, lambda access: can_edit_risk(access, risk), "You may not edit this risk.")
    fields = {name: value for name, value in changes.items() if name in RISK_FIELDS}
    errors: dict = {}
    _check_risk_fields(fields, risk.train_id, errors)
    links = _check_risk_links(
        train_id=risk.train_id,
        pi=risk.pi,
        links={name: rows for name, rows in changes.items() if name in RISK_LINKS},
        errors=errors,
    )
    # The ROAM column's own rules hold for edits too (and the database enforces them).
    owner = fields.get("owner", risk.owner)
    plan = fields.get("mitigation_plan", risk.mitigation_plan)
    if risk.roam_status == Risk.Roam.OWNED and owner is None:
        errors["owner"] = "This risk is Owned: it needs an owner. Move it to another column first."
    if risk.roam_status == Risk.Roam.MITIGATED and not (plan or "").strip():
        errors["mitigation_plan"] = "This risk is Mitigated: keep its mitigation plan."
    _raise(errors)
    before = snapshot(risk, *fields, *links)
    for name, value in fields.items():
        setattr(risk, name, value)
    _bump(risk, *fields, "updated_at")
    _set_risk_links(risk, links)
    _record(
        risk,
        actor,
        before=before,
        after={**snapshot(risk, *fields), **{n: labels(r) for n, r in links.items()}},
    )
    return risk


@transaction.atomic
def risk_roam(
    *,
    risk: Risk,
    status: str,
    actor,
    owner=None,
    note: str = "",
    mitigation_plan: str | None = None,
    expected_version: int,
    at=None,
) -> Risk:
    """Put a risk in a ROAM column, keeping the move in its history.

    Owned needs an owner (the given one, else the current one); Mitigated needs a mitigation plan
    (the given one, else the current one).
    """
    _lock(risk, expected_version)
    require(actor, risk.train_id, lambda access: can_roam_risk(access, risk), "You may not ROAM this risk.")
    if status not in Risk.Roam.values:
        raise ValidationError({"roam_status": "Unknown ROAM status."})
    errors: dict = {}
    _check_member(risk.train_id, owner, "owner", errors)
    _raise(errors)
    owner = owner or risk.owner
    plan = risk.mitigation_plan if mitigation_plan is None or not mitigation_plan.strip() else mitigation_plan
    if status == Risk.Roam.OWNED and owner is None:
        raise ValidationError({"owner": "An owned risk needs an owner: who takes it on?"})
    if status == Risk.Roam.MITIGATED and not plan.strip():
        raise ValidationError(
            {"mitigation_plan": "Describe the mitigation plan before marking it mitigated."}
        )
    if status == risk.roam_status and owner == risk.owner and plan == risk.mitigation_plan:
        return risk
    if status != risk.roam_status:
        emit(
            train=risk.train,
            event=WebhookEvent.RISK_ROAMED,
            actor=actor,
            data={
                "risk": {"id": risk.pk, "title": risk.title},
                "from_status": risk.roam_status,
                "to_status": status,
            },
        )
        RiskRoamChange.objects.create(
            risk=risk,
            from_status=risk.roam_status,
            to_status=status,
            note=note.strip()[:300],
            actor=actor,
            changed_at=at or timezone.now(),
        )
    before = snapshot(risk, "roam_status", "owner", "mitigation_plan")
    risk.roam_status, risk.owner, risk.mitigation_plan = status, owner, plan.strip()
    _bump(risk, "roam_status", "owner", "mitigation_plan", "updated_at")
    after = snapshot(risk, "roam_status", "owner", "mitigation_plan")
    _record(risk, actor, before=before, after=after, note=note.strip(), at=at)
    return risk


@transaction.atomic
def risk_raise_to_art(*, risk: Risk, actor, note: str = "", expected_version: int, at=None) -> Risk:
    """Raise a team risk to the ART board: the ART (the RTE) now ROAMs it; the team is remembered."""
    _lock(risk, expected_version)
    if risk.team_id is None:
        raise ValidationError({"team": "This risk is already on the ART board."})
    require(
        actor,
        risk.train_id,
        lambda access: can_raise_risk_to_art(access, risk),
        "Only the team's Scrum Master or Product Owner, or the RTE, raise its risks to the ART board.",
    )
    at = at or timezone.now()
    team_name = risk.team.name
    # Kept in the ROAM history (status unchanged), so the board's history says who raised it and when.
    RiskRoamChange.objects.create(
        risk=risk,
        from_status=risk.roam_status,
        to_status=risk.roam_status,
        note=(f"Raised from {team_name} to the ART board. {note.strip()}").strip()[:300],
        actor=actor,
        changed_at=at,
    )
    before = snapshot(risk, "team", "origin_team")
    risk.origin_team_id, risk.team, risk.raised_to_art_at = risk.team_id, None, at
    _bump(risk, "origin_team", "team", "raised_to_art_at", "updated_at")
    after = {"team": None, "origin_team": team_name}
    _record(risk, actor, before=before, after=after, note=f"Raised to the ART board. {note.strip()}", at=at)
    return risk
