"""Writes for running the PI: ROAM risks, impediments, ART Sync actions, system demos and the
Inspect & Adapt workshop with its improvement items.

Each service takes an explicit `actor` (None: a trusted caller such as the demo seed or a task),
checks what the actor may do (risks/permissions.py), validates, and keeps the history. Records
with a `version` (Risk, Impediment) refuse a change based on an older version with `StaleVersion`
(the same exception planning uses), so two people editing at once never lose an edit silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from planning.models import Dependency, Feature, Iteration, PIObjective, ProgramIncrement
from planning.services import StaleVersion, feature_create, feature_set_blocked, feature_set_state
from trains.access import NotAllowed, train_access
from trains.models import Membership, Team, Train

from .models import (
    ActionItem,
    ArtSync,
    DemoFollowUp,
    DemoItem,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Problem,
    ProblemVote,
    Risk,
    RiskRoamChange,
    SystemDemo,
)
from .permissions import (
    can_complete_action,
    can_complete_follow_up,
    can_edit_risk,
    can_join_workshop,
    can_manage_improvements,
    can_raise_impediment,
    can_raise_risk,
    can_raise_risk_to_art,
    can_roam_risk,
    can_run_art_sync,
    can_run_system_demo,
    can_update_impediment,
    can_update_improvement,
)

LEVEL_ORDER = [level.value for level in Impediment.Level]
# SAFe I&A: each participant gets a few votes ("dots") to spend on the biggest problems.
VOTES_PER_PERSON = 3


# --- shared helpers --------------------------------------------------------------------------------


def _lock(instance, expected_version: int | None):
    """Re-read the row under a lock; refuse a change based on an older version.

    The caller's instance is brought up to date in place, so it keeps describing the stored row.
    """
    current = type(instance).objects.select_for_update().get(pk=instance.pk)
    if expected_version is not None and current.version != expected_version:
        raise StaleVersion(current)
    for field in instance._meta.concrete_fields:
        setattr(instance, field.attname, getattr(current, field.attname))
    return instance


def _bump(instance, *fields: str) -> None:
    instance.version = F("version") + 1
    instance.save(update_fields=[*fields, "version"])
    instance.refresh_from_db(fields=["version"])


def _require(actor, train_id: int, allowed, message: str) -> None:
    """`allowed` is a predicate over the actor's TrainAccess; actor None is a trusted caller."""
    if actor is not None and not allowed(train_access(actor, train_id)):
        raise NotAllowed(message)


def _check_member(train_id: int, user, field: str, errors: dict) -> None:
    if user is not None and not Membership.objects.filter(train_id=train_id, user_id=user.pk).exists():
        errors[field] = f"{user.get_full_name() or user.get_username()} holds no role on this train."


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _not_in_past(day: date | None, today: date | None, field: str, errors: dict, what: str) -> None:
    today = today or timezone.localdate()
    if day is not None and day < today:
        errors[field] = f"{what} cannot be due in the past (today is {today:%d %b %Y})."


# --- risks -----------------------------------------------------------------------------------------

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
    _require(actor, train.pk, can_raise_risk, "Viewers read risks; raising one needs a role in the PI.")
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
    return risk


@transaction.atomic
def risk_update(*, risk: Risk, actor, expected_version: int | None = None, **changes) -> Risk:
    """Edit a risk's details and links; refused (StaleVersion) when someone else saved it first."""
    unknown = set(changes) - set(RISK_FIELDS) - set(RISK_LINKS)
    if unknown:
        raise TypeError(f"Unknown risk fields: {sorted(unknown)}")
    _lock(risk, expected_version)
    _require(actor, risk.train_id, lambda access: can_edit_risk(access, risk), "You may not edit this risk.")
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
    for name, value in fields.items():
        setattr(risk, name, value)
    _bump(risk, *fields, "updated_at")
    _set_risk_links(risk, links)
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
    expected_version: int | None = None,
    at=None,
) -> Risk:
    """Put a risk in a ROAM column, keeping the move in its history.

    Owned needs an owner (the given one, else the current one); Mitigated needs a mitigation plan
    (the given one, else the current one).
    """
    _lock(risk, expected_version)
    _require(actor, risk.train_id, lambda access: can_roam_risk(access, risk), "You may not ROAM this risk.")
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
        RiskRoamChange.objects.create(
            risk=risk,
            from_status=risk.roam_status,
            to_status=status,
            note=note.strip()[:300],
            actor=actor,
            changed_at=at or timezone.now(),
        )
    risk.roam_status, risk.owner, risk.mitigation_plan = status, owner, plan.strip()
    _bump(risk, "roam_status", "owner", "mitigation_plan", "updated_at")
    return risk


@transaction.atomic
def risk_raise_to_art(
    *, risk: Risk, actor, note: str = "", expected_version: int | None = None, at=None
) -> Risk:
    """Raise a team risk to the ART board: the ART (the RTE) now ROAMs it; the team is remembered."""
    _lock(risk, expected_version)
    if risk.team_id is None:
        raise ValidationError({"team": "This risk is already on the ART board."})
    _require(
        actor,
        risk.train_id,
        lambda access: can_raise_risk_to_art(access, risk),
        "Only the team's planners or the RTE raise its risks to the ART board.",
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
    risk.origin_team_id, risk.team, risk.raised_to_art_at = risk.team_id, None, at
    _bump(risk, "origin_team", "team", "raised_to_art_at", "updated_at")
    return risk


# --- impediments -----------------------------------------------------------------------------------


def _check_blocked_features(impediment_train_id: int, team_id: int, features: list[Feature], errors: dict):
    wrong = [f for f in features if f.train_id != impediment_train_id or f.team_id != team_id]
    if wrong:
        errors["blocked_features"] = f"“{wrong[0]}” is not a feature of this impediment's team."


def _block(features: Iterable[Feature], *, actor, at, reason: str) -> None:
    for feature in features:
        feature_set_blocked(feature=feature, blocked=True, actor=actor, at=at, reason=reason[:200])


def _release(impediment: Impediment, features: Iterable[Feature], *, at) -> None:
    """Unblock the features no other open impediment still blocks (flow efficiency stops counting
    their waiting time). No actor: the resolution itself was the authorised write, and a feature
    may have moved to a team the actor does not plan since it was blocked."""
    for feature in features:
        still_blocked = (
            Impediment.objects.filter(blocked_features=feature)
            .exclude(pk=impediment.pk)
            .exclude(status=Impediment.Status.RESOLVED)
            .exists()
        )
        if not still_blocked:
            feature_set_blocked(feature=feature, blocked=False, actor=None, at=at)


@transaction.atomic
def impediment_raise(
    *,
    team,
    title: str,
    actor,
    severity: str = "medium",
    description: str = "",
    blocked_features: Iterable[Feature] = (),
    at=None,
) -> Impediment:
    """A Scrum Master raises an impediment for their own team (the RTE for any team)."""
    if actor is not None and not can_raise_impediment(train_access(actor, team.train_id), team.pk):
        raise NotAllowed("Only the team's Scrum Master (or the RTE) raises its impediments.")
    errors: dict = {}
    if not title.strip():
        errors["title"] = "Say what blocks the team."
    if severity not in Impediment.Severity.values:
        errors["severity"] = "Choose a severity."
    features = list(blocked_features)
    _check_blocked_features(team.train_id, team.pk, features, errors)
    _raise(errors)
    at = at or timezone.now()
    impediment = Impediment.objects.create(
        train_id=team.train_id,
        team=team,
        title=title.strip(),
        description=description,
        severity=severity,
        raised_by=actor,
        owner=actor,
        raised_at=at,
    )
    if features:
        impediment.blocked_features.set(features)
        _block(features, actor=actor, at=at, reason=f"Impediment: {impediment.title}")
    return impediment


@transaction.atomic
def impediment_update(
    *,
    impediment: Impediment,
    actor,
    expected_version: int | None = None,
    title: str | None = None,
    description: str | None = None,
    severity: str | None = None,
    status: str | None = None,
    owner=None,
    blocked_features: Iterable[Feature] | None = None,
    at=None,
) -> Impediment:
    """Update an impediment: its words, severity, owner, working status and the features it blocks.

    Escalating and resolving have their own services (they need a note, and keep a time).
    """
    _lock(impediment, expected_version)
    _require(
        actor,
        impediment.train_id,
        lambda access: can_update_impediment(access, impediment),
        "Only the team's Scrum Master (or the RTE) updates its impediments.",
    )
    at = at or timezone.now()
    errors: dict = {}
    if title is not None and not title.strip():
        errors["title"] = "Say what blocks the team."
    if severity is not None and severity not in Impediment.Severity.values:
        errors["severity"] = "Choose a severity."
    if status is not None and status != impediment.status:
        if impediment.is_resolved:
            errors["status"] = "This impediment is resolved; reopen it to work on it again."
        elif status == Impediment.Status.RESOLVED:
            errors["status"] = "Resolve it with “Resolve”, saying how it was solved."
        elif status == Impediment.Status.ESCALATED and impediment.escalation_level == Impediment.Level.TEAM:
            errors["status"] = "Escalate it with “Escalate”, saying why the team cannot solve it."
        elif status not in Impediment.Status.values:
            errors["status"] = "Unknown status."
    _check_member(impediment.train_id, owner, "owner", errors)
    features = None if blocked_features is None else list(blocked_features)
    if features is not None:
        _check_blocked_features(impediment.train_id, impediment.team_id, features, errors)
    _raise(errors)
    changed = []
    for name, value in (
        ("title", title.strip() if title is not None else None),
        ("description", description),
        ("severity", severity),
        ("status", status),
        ("owner", owner),
    ):
        if value is not None and getattr(impediment, name) != value:
            setattr(impediment, name, value)
            changed.append(name)
    if features is not None:
        before = set(impediment.blocked_features.all())
        added, removed = set(features) - before, before - set(features)
        if added or removed:
            impediment.blocked_features.set(features)
            changed.append("blocked_features")
            if not impediment.is_resolved:
                _block(
                    sorted(added, key=lambda f: f.pk),
                    actor=actor,
                    at=at,
                    reason=f"Impediment: {impediment.title}",
                )
                _release(impediment, sorted(removed, key=lambda f: f.pk), at=at)
    if changed:
        _bump(impediment, *[name for name in changed if name != "blocked_features"])
    return impediment


@transaction.atomic
def impediment_escalate(
    *, impediment: Impediment, note: str, actor, expected_version: int | None = None, at=None
) -> Impediment:
    """Escalate one level up (team → ART → portfolio), with a note saying why."""
    _lock(impediment, expected_version)
    if actor is not None and not can_update_impediment(train_access(actor, impediment.train_id), impediment):
        raise NotAllowed("You may not update this impediment.")
    if impediment.status == Impediment.Status.RESOLVED:
        raise ValidationError({"status": "This impediment is resolved; reopen it before escalating."})
    if not note.strip():
        raise ValidationError({"note": "Say why it needs escalating and what was tried."})
    current = LEVEL_ORDER.index(impediment.escalation_level)
    if current == len(LEVEL_ORDER) - 1:
        raise ValidationError({"escalation_level": "Already escalated to the portfolio, the highest level."})
    new_level = LEVEL_ORDER[current + 1]
    ImpedimentEscalation.objects.create(
        impediment=impediment,
        from_level=impediment.escalation_level,
        to_level=new_level,
        note=note.strip(),
        actor=actor,
        escalated_at=at or timezone.now(),
    )
    impediment.escalation_level, impediment.status = new_level, Impediment.Status.ESCALATED
    _bump(impediment, "escalation_level", "status")
    return impediment


@transaction.atomic
def impediment_resolve(
    *, impediment: Impediment, resolution: str, actor, expected_version: int | None = None, at=None
) -> Impediment:
    """Resolve it; the time is kept because blocker resolution time (domain.md §4.6) is built on it.

    The features it blocked are unblocked unless another open impediment still blocks them.
    """
    _lock(impediment, expected_version)
    if actor is not None and not can_update_impediment(train_access(actor, impediment.train_id), impediment):
        raise NotAllowed("You may not update this impediment.")
    if impediment.status == Impediment.Status.RESOLVED:
        raise ValidationError({"status": "Already resolved."})
    at = at or timezone.now()
    if at < impediment.raised_at:
        raise ValidationError({"resolved_at": "It cannot be resolved before it was raised."})
    impediment.status, impediment.resolved_at, impediment.resolution = (
        Impediment.Status.RESOLVED,
        at,
        resolution.strip(),
    )
    _bump(impediment, "status", "resolved_at", "resolution")
    _release(impediment, impediment.blocked_features.order_by("pk"), at=at)
    return impediment


@transaction.atomic
def impediment_reopen(
    *, impediment: Impediment, actor, expected_version: int | None = None, at=None
) -> Impediment:
    """It came back: open again at the level it had reached, blocking its features again."""
    _lock(impediment, expected_version)
    _require(
        actor,
        impediment.train_id,
        lambda access: can_update_impediment(access, impediment),
        "Only the team's Scrum Master (or the RTE) updates its impediments.",
    )
    if not impediment.is_resolved:
        raise ValidationError({"status": "It is not resolved."})
    impediment.status = (
        Impediment.Status.OPEN
        if impediment.escalation_level == Impediment.Level.TEAM
        else Impediment.Status.ESCALATED
    )
    impediment.resolved_at, impediment.resolution = None, ""
    _bump(impediment, "status", "resolved_at", "resolution")
    _block(
        impediment.blocked_features.order_by("pk"),
        actor=actor,
        at=at or timezone.now(),
        reason=f"Impediment: {impediment.title}",
    )
    return impediment


# --- ART Sync --------------------------------------------------------------------------------------


@transaction.atomic
def art_sync_start(*, train: Train, pi: ProgramIncrement, actor, held_on: date | None = None) -> ArtSync:
    """Open the ART Sync of a day (today by default); starting it twice opens the same meeting."""
    _require(actor, train.pk, can_run_art_sync, "The RTE runs the ART Sync.")
    if pi.train_id != train.pk:
        raise ValidationError({"pi": "That PI belongs to another train."})
    held_on = held_on or timezone.localdate()
    existing = ArtSync.objects.filter(train=train, held_on=held_on).first()
    if existing is not None:
        return existing
    return ArtSync.objects.create(train=train, pi=pi, held_on=held_on)


@transaction.atomic
def art_sync_update(*, sync: ArtSync, notes: str, actor) -> ArtSync:
    _require(actor, sync.train_id, can_run_art_sync, "The RTE keeps the ART Sync's notes.")
    sync.notes = notes.strip()
    sync.save(update_fields=["notes"])
    return sync


@transaction.atomic
def action_create(
    *, sync: ArtSync, title: str, owner, due_date: date | None, actor, today: date | None = None, at=None
) -> ActionItem:
    """Capture an action in the meeting: who does what by when. It is carried to every later sync
    until it is done."""
    _require(actor, sync.train_id, can_run_art_sync, "The RTE captures the ART Sync's actions.")
    errors: dict = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Say what is to be done."
    if owner is None:
        errors["owner"] = "Every action needs an owner."
    else:
        _check_member(sync.train_id, owner, "owner", errors)
    if due_date is None:
        errors["due_date"] = "Give the action a due date."
    else:
        _not_in_past(due_date, today, "due_date", errors, "A new action")
    _raise(errors)
    return ActionItem.objects.create(
        train_id=sync.train_id,
        raised_in=sync,
        title=title,
        owner=owner,
        due_date=due_date,
        created_at=at or timezone.now(),
    )


@transaction.atomic
def action_set_done(*, action: ActionItem, done: bool, actor, at=None) -> ActionItem:
    """Tick an action off (or reopen it): its owner or the RTE."""
    _require(
        actor,
        action.train_id,
        lambda access: can_complete_action(access, action),
        "Only the action's owner or the RTE ticks it off.",
    )
    status = ActionItem.Status.DONE if done else ActionItem.Status.OPEN
    if action.status == status:
        return action
    action.status, action.done_at = status, (at or timezone.now()) if done else None
    action.save(update_fields=["status", "done_at"])
    return action


# --- system demo -----------------------------------------------------------------------------------


@transaction.atomic
def system_demo_plan(*, iteration: Iteration, actor, held_on: date | None = None, at=None) -> SystemDemo:
    """Plan the system demo of an iteration: by default on its last day, showing the features the
    teams planned to finish in it (each a demo item, "not shown yet")."""
    train_id = iteration.pi.train_id
    _require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect plan demos.")
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
    _require(
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
    _require(
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
    _require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos.")
    if outcome not in DemoItem.Outcome.values:
        raise ValidationError({"outcome": "Choose how it went."})
    item.outcome, item.feedback = outcome, feedback.strip()
    item.save(update_fields=["outcome", "feedback"])
    return item


@transaction.atomic
def demo_item_remove(*, item: DemoItem, actor) -> None:
    train_id = item.demo.iteration.pi.train_id
    _require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos.")
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
    _require(actor, train_id, can_run_system_demo, "The RTE, Product Management or the Architect run demos.")
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
    _require(
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


# --- Inspect & Adapt -------------------------------------------------------------------------------


@transaction.atomic
def problem_create(*, pi: ProgramIncrement, statement: str, actor, root_causes: str = "", at=None) -> Problem:
    """Bring a problem to the problem-solving workshop."""
    _require(actor, pi.train_id, can_join_workshop, "Viewers follow the workshop; they do not add problems.")
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": "State the problem in one sentence."})
    if Problem.objects.filter(pi=pi, statement__iexact=statement).exists():
        raise ValidationError({"statement": "That problem is already on the list: vote for it instead."})
    return Problem.objects.create(
        pi=pi,
        statement=statement[:300],
        root_causes=root_causes.strip(),
        raised_by=actor,
        created_at=at or timezone.now(),
    )


@transaction.atomic
def problem_update(*, problem: Problem, actor, statement: str, root_causes: str) -> Problem:
    """Refine a problem and record its root causes (who raised it, the RTE or Product Management)."""
    _require(
        actor,
        problem.pi.train_id,
        lambda access: can_manage_improvements(access)
        or (problem.raised_by_id is not None and problem.raised_by_id == access.user_id),
        "Only who raised the problem, the RTE or Product Management edit it.",
    )
    statement = (statement or "").strip()
    if not statement:
        raise ValidationError({"statement": "State the problem in one sentence."})
    if (
        Problem.objects.filter(pi_id=problem.pi_id, statement__iexact=statement)
        .exclude(pk=problem.pk)
        .exists()
    ):
        raise ValidationError({"statement": "Another problem already says that."})
    problem.statement, problem.root_causes = statement[:300], root_causes.strip()
    problem.save(update_fields=["statement", "root_causes"])
    return problem


@transaction.atomic
def problem_vote_toggle(*, problem: Problem, actor, at=None) -> bool:
    """Vote for a problem, or take the vote back. Returns whether the actor now votes for it.

    One vote per person per problem (a database constraint), and VOTES_PER_PERSON per PI.
    """
    _require(actor, problem.pi.train_id, can_join_workshop, "Viewers follow the workshop; they do not vote.")
    existing = ProblemVote.objects.filter(problem=problem, voter=actor).first()
    if existing is not None:
        existing.delete()
        return False
    used = ProblemVote.objects.filter(problem__pi_id=problem.pi_id, voter=actor).count()
    if used >= VOTES_PER_PERSON:
        raise ValidationError(
            {"vote": f"You have used your {VOTES_PER_PERSON} votes; take one back to vote for this problem."}
        )
    try:
        with transaction.atomic():
            ProblemVote.objects.create(problem=problem, voter=actor, cast_at=at or timezone.now())
    except IntegrityError:  # a double click raced us: the vote is there, which is what was asked
        pass
    return True


@transaction.atomic
def improvement_create(
    *,
    pi: ProgramIncrement,
    title: str,
    actor,
    owner=None,
    problem: Problem | None = None,
    at=None,
) -> ImprovementItem:
    """An improvement item from the workshop, answering a problem, with an owner."""
    _require(
        actor, pi.train_id, can_manage_improvements, "The RTE or Product Management write improvement items."
    )
    errors: dict = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Say what will be improved."
    if owner is None:
        errors["owner"] = "Every improvement item needs an owner."
    else:
        _check_member(pi.train_id, owner, "owner", errors)
    if problem is not None and problem.pi_id != pi.pk:
        errors["problem"] = "That problem was raised in another PI's workshop."
    _raise(errors)
    return ImprovementItem.objects.create(
        train_id=pi.train_id,
        source_pi=pi,
        source_problem=problem,
        title=title[:200],
        problem=problem.statement if problem else "",
        root_causes=problem.root_causes if problem else "",
        owner=owner,
        created_at=at or timezone.now(),
    )


@transaction.atomic
def improvement_take_into_pi(
    *, item: ImprovementItem, target_pi: ProgramIncrement, actor, at=None
) -> ImprovementItem:
    """Take an improvement item into a later PI: it becomes an enabler in that PI's backlog
    (through planning's own services) and is tracked to done there."""
    item = (
        ImprovementItem.objects.select_for_update(of=("self",))
        .select_related("source_pi", "owner")
        .get(pk=item.pk)
    )
    _require(
        actor, item.train_id, can_manage_improvements, "The RTE or Product Management plan improvements."
    )
    errors: dict = {}
    if item.target_pi_id is not None or item.feature_id is not None:
        errors["target_pi"] = "It has already been taken into a PI."
    elif item.status != ImprovementItem.Status.PROPOSED:
        errors["target_pi"] = (
            f"It is {item.get_status_display().lower()}; only proposed items are taken into a PI."
        )
    elif target_pi.train_id != item.train_id:
        errors["target_pi"] = "That PI belongs to another train."
    elif target_pi.start_date <= item.source_pi.start_date:
        errors["target_pi"] = "Take it into a PI after the one whose I&A raised it."
    elif target_pi.state == ProgramIncrement.State.CLOSED:
        errors["target_pi"] = "That PI is closed."
    _raise(errors)
    owner = item.owner.get_full_name() or item.owner.get_username() if item.owner else "nobody yet"
    feature = feature_create(
        train=item.train,
        title=item.title,
        pi=target_pi,
        kind=Feature.Kind.ENABLER,
        description=(
            f"Improvement item from the {item.source_pi.name} Inspect & Adapt (owner: {owner}).\n"
            f"Problem: {item.problem or '—'}"
        ),
        actor=actor,
    )
    feature_set_state(feature=feature, state=Feature.State.BACKLOG, actor=actor)
    item.feature, item.target_pi = feature, target_pi
    item.status, item.taken_at = ImprovementItem.Status.PLANNED, at or timezone.now()
    item.save(update_fields=["feature", "target_pi", "status", "taken_at"])
    return item


@transaction.atomic
def improvement_set_status(*, item: ImprovementItem, status: str, actor, at=None) -> ImprovementItem:
    """Report progress: in progress, done (the time is kept for improvement throughput), dropped.

    "Taken into a PI" is set by taking it into one; an item is put back to proposed only while it
    has no enabler.
    """
    _require(
        actor,
        item.train_id,
        lambda access: can_update_improvement(access, item),
        "Only the item's owner, the RTE or Product Management update it.",
    )
    Status = ImprovementItem.Status
    if status not in Status.values:
        raise ValidationError({"status": "Unknown status."})
    if status == Status.PLANNED and item.target_pi_id is None:
        raise ValidationError({"status": "Take it into a PI to plan it."})
    if status == Status.PROPOSED and item.feature_id is not None:
        raise ValidationError({"status": "It is already in a PI's backlog."})
    if status == item.status:
        return item
    item.status = status
    item.done_at = (at or timezone.now()) if status == Status.DONE else None
    item.save(update_fields=["status", "done_at"])
    return item


# --- risks from the confidence vote ----------------------------------------------------------------

# Imported here rather than at the top: this block was appended to a file several people edit.
from planning.models import ConfidenceVote  # noqa: E402

# A risk's title is one line on a ROAM card; the whole concern is quoted in its description.
CONCERN_TITLE_LENGTH = 120


def _concern_title(concern: str) -> str:
    first_line = next((line.strip() for line in concern.splitlines() if line.strip()), "")
    if len(first_line) <= CONCERN_TITLE_LENGTH:
        return first_line
    cut = first_line[: CONCERN_TITLE_LENGTH - 1]
    # End on a word boundary when there is one in the last third, so the title does not stop mid-word.
    space = cut.rfind(" ")
    return (cut[:space] if space > CONCERN_TITLE_LENGTH * 2 // 3 else cut).rstrip(" ,;:.-") + "…"


@transaction.atomic
def risk_from_vote_concern(*, vote: ConfidenceVote, actor, at=None) -> Risk:
    """Turn a voter's concern from the confidence vote into a risk, with one action (domain.md §4.2).

    The risk lands on the vote's PI at the vote's level (the team for a team round, the ART board
    for the ART round), un-ROAMed, quoting the concern with who voted what. RTE only: the RTE runs
    the vote and the ART's risk board. One concern makes at most one risk (Risk.from_vote is
    one-to-one, so the database also refuses a second, e.g. from a double click in two tabs).
    """
    vote_round = vote.round
    pi = vote_round.pi
    _require(
        actor, pi.train_id, lambda access: access.is_rte, "Only the RTE turns a vote concern into a risk."
    )
    # Re-read under a lock: the voter may be editing the concern at this very moment.
    current = ConfidenceVote.objects.select_for_update().get(pk=vote.pk)
    vote.concern, vote.score = current.concern, current.score
    existing = Risk.objects.filter(from_vote=vote).first()
    if existing is not None:
        raise ValidationError(f"This concern is already a risk: “{existing.title}”.")
    concern = vote.concern.strip()
    if not concern:
        raise ValidationError("This vote carries no concern to turn into a risk.")
    voter = vote.voter
    scope = f"{vote_round.team.name}'s plan" if vote_round.team else "the ART's plan"
    quoted = "\n".join(f"> {line}" for line in concern.splitlines())
    description = (
        f"Raised from the confidence vote on {scope} ({pi.name}, round {vote_round.number}).\n"
        f"{voter.get_full_name() or voter.get_username()} voted {vote.score} of 5 and said:\n\n{quoted}"
    )
    try:
        with transaction.atomic():
            risk = risk_create(
                train=pi.train,
                pi=pi,
                team=vote_round.team,
                title=_concern_title(concern),
                description=description,
                actor=actor,
                at=at,
            )
            risk.from_vote = vote
            risk.save(update_fields=["from_vote"])
    except IntegrityError:
        raise ValidationError("This concern was turned into a risk a moment ago.") from None
    return risk
