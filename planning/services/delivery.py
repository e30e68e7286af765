"""Delivery events: deployments, incidents and defects, recorded by CI/CD and incident tools through
the API, by a CSV import (planning/imports/delivery.py) or by hand on the Delivery page.

Each write is one transaction: the permission check (planning.permissions.can_record_delivery, for
the event's team before and after), every field checked with its own message, the history entry,
and "the PI changed" (planning.hooks) for each PI whose dates hold one of the event's times before
or after the change, so metrics recomputes the delivery figures of exactly those PIs.

A tool posts the same run or ticket again and again as it progresses (an incident opened, then
restored): `*_record` finds the event by its `reference` and updates it (created False) instead of
adding another. That update takes no version: the tool is the event's source, and it sends what it
knows now. A person's edit on the page or an API PATCH of an incident or defect does take one.

Delivery events are facts the tools report, not the plan: they are recorded whatever the state of
the PI their time falls in (a tool cannot reopen a PI, and an incident that started before a PI
closed is restored after it), and that PI's figures are recomputed like any other's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from planning import hooks
from planning.models import Defect, Deployment, Feature, Incident, ProgramIncrement
from planning.permissions import can_record_delivery
from trains.guards import lock_for_change, require, require_version
from trains.history.models import Action, Kind
from trains.history.services import record, snapshot
from trains.limits import DAY_OUT_OF_RANGE, day_in_range
from trains.models import Team, Train

NOT_YOURS = (
    "Only the team's Scrum Master, Product Owner and team members record its delivery events "
    "(the RTE and the System Architect for any team)."
)
# A tool's clock may run a little ahead of ours; anything later is a typo, not an event.
CLOCK_LEEWAY = timedelta(minutes=5)


@dataclass(frozen=True)
class _Spec:
    """What differs between the three kinds of event; everything else is written once below."""

    model: type[Model]
    history: str
    noun: str
    fields: tuple[str, ...]  # what a caller may give
    required: tuple[str, ...]
    times: tuple[str, ...]
    texts: dict[str, int]  # text fields and their longest length
    versioned: bool


DEPLOYMENT = _Spec(
    model=Deployment,
    history=Kind.DEPLOYMENT,
    noun="deployment",
    fields=(
        "team",
        "service",
        "environment",
        "deployed_at",
        "committed_at",
        "merged_at",
        "succeeded",
        "rolled_back",
        "reference",
    ),
    required=("service", "deployed_at"),
    times=("deployed_at", "committed_at", "merged_at"),
    texts={"service": 100, "environment": 40, "reference": 200},
    versioned=False,
)
INCIDENT = _Spec(
    model=Incident,
    history=Kind.INCIDENT,
    noun="incident",
    fields=("team", "service", "title", "severity", "started_at", "restored_at", "deployment", "reference"),
    required=("service", "title", "started_at"),
    times=("started_at", "restored_at"),
    texts={"service": 100, "title": 200, "reference": 200},
    versioned=True,
)
DEFECT = _Spec(
    model=Defect,
    history=Kind.DEFECT,
    noun="defect",
    fields=("team", "feature", "title", "severity", "found_in", "found_at", "resolved_at", "reference"),
    required=("title", "found_at"),
    times=("found_at", "resolved_at"),
    texts={"title": 200, "reference": 200},
    versioned=True,
)
SPECS = {spec.noun: spec for spec in (DEPLOYMENT, INCIDENT, DEFECT)}

REQUIRED_MESSAGES = {
    "service": "Name the service (as the pipeline or the monitoring names it).",
    "title": "Say in a few words what happened.",
    "deployed_at": "Give the date and time it was deployed.",
    "started_at": "Give the date and time it started.",
    "found_at": "Give the date and time it was found.",
}


@dataclass(frozen=True)
class Recorded:
    """What `*_record` did: the event as stored, whether it is new (else a known reference was updated),
    and the moments the change touched (before and after), whose PIs' figures it may change."""

    event: Model
    created: bool
    moments: list[datetime]


# --- checking -------------------------------------------------------------------------------------------


def _clean(spec: _Spec, train_id: int, values: dict, errors: dict) -> None:
    """Normalise `values` in place (texts stripped, naive times in the train's zone) and collect what is
    wrong with each field given, on its own name."""
    now = timezone.now()
    for name, longest in spec.texts.items():
        if name not in values:
            continue
        text = values[name]
        if text is None:
            text = ""
        if not isinstance(text, str):
            errors[name] = "Give text here."
            continue
        text = text.strip()
        if "\x00" in text:
            errors[name] = "This text holds a NUL character: remove it."
        elif len(text) > longest:
            errors[name] = f"Keep it to {longest} characters (it has {len(text)})."
        values[name] = text.lower() if name == "environment" else text
    for name in spec.times:
        if name not in values or values[name] is None:
            continue
        moment = values[name]
        if not isinstance(moment, datetime):
            errors[name] = "Give a date and time."
            continue
        # The day as written first: converting a year-9999 time between zones would overflow.
        if not day_in_range(moment.date()):
            errors[name] = DAY_OUT_OF_RANGE
            continue
        if timezone.is_naive(moment):
            moment = values[name] = timezone.make_aware(moment)
        if moment > now + CLOCK_LEEWAY:
            errors[name] = f"This is in the future (now is {timezone.localtime(now):%d %b %Y %H:%M})."
    for name in ("succeeded", "rolled_back"):
        if name in values and not isinstance(values[name], bool):
            errors[name] = "Give true or false."
    choices = {"severity": Incident.Severity.values, "found_in": Defect.FoundIn.values}
    for name, allowed in choices.items():
        if name in spec.fields and name in values and values[name] not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    team = values.get("team")
    if team is not None and (not isinstance(team, Team) or team.train_id != train_id):
        errors["team"] = "Choose a team of this train."
    deployment = values.get("deployment")
    if deployment is not None and (not isinstance(deployment, Deployment) or deployment.train_id != train_id):
        errors["deployment"] = "Choose a deployment of this train."
    feature = values.get("feature")
    if feature is not None and (not isinstance(feature, Feature) or feature.train_id != train_id):
        errors["feature"] = "Choose a feature of this train."


def _check_whole(spec: _Spec, event: Model, errors: dict) -> None:
    """What the event must hold once the given values are on it: the required fields and the order
    of its times (the database's constraints, said on the field a person would correct)."""
    for name in spec.required:
        if name not in errors and getattr(event, name) in (None, ""):
            errors[name] = REQUIRED_MESSAGES[name]

    def before(earlier: str, later: str, message: str, *, on: str | None = None) -> None:
        first, second = getattr(event, earlier), getattr(event, later)
        if earlier in errors or later in errors or first is None or second is None:
            return
        if first > second:
            errors.setdefault(on or earlier, message)

    if spec is DEPLOYMENT:
        if not event.environment and "environment" not in errors:
            errors["environment"] = "Name the environment (production, staging…)."
        before("committed_at", "deployed_at", "The first commit cannot come after the deployment.")
        before("merged_at", "deployed_at", "The merge cannot come after the deployment.")
        before("committed_at", "merged_at", "The first commit cannot come after the merge.")
    elif spec is INCIDENT:
        message = "Service cannot be restored before the incident started."
        before("started_at", "restored_at", message, on="restored_at")
        cause = event.deployment
        unchecked = {"deployment", "started_at"} & set(errors) or cause is None or event.started_at is None
        if not unchecked and cause.deployed_at > event.started_at:
            errors["deployment"] = (
                "This deployment came after the incident started: it cannot have caused it."
            )
    else:
        before(
            "found_at", "resolved_at", "A defect cannot be resolved before it was found.", on="resolved_at"
        )


def _raise(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def _unknown(spec: _Spec, values: dict) -> None:
    unknown = set(values) - set(spec.fields)
    if unknown:  # a programming error, not a person's input
        raise TypeError(f"A {spec.noun} has no field {', '.join(sorted(unknown))}.")


# --- the PIs an event belongs to ------------------------------------------------------------------------


def _moments(spec: _Spec, event: Model) -> list[datetime]:
    moments = [getattr(event, name) for name in spec.times]
    if spec is INCIDENT and event.deployment_id is not None:
        # Whether a deployment caused an incident is part of its PI's change failure rate.
        moments.append(event.deployment.deployed_at)
    return [moment for moment in moments if moment is not None]


def pis_affected(train_id: int, moments: Iterable[datetime]) -> list[int]:
    """The train's PIs whose figures these moments can change: every PI that has begun and whose
    dates reach from the earliest moment on. Not only the PIs holding a moment: an incident still
    open counts in every PI until it is restored, and a failed deployment is restored by a later
    deployment, perhaps in a later PI."""
    days = [timezone.localtime(moment).date() for moment in moments]
    if not days:
        return []
    today = timezone.localdate()
    pis = ProgramIncrement.objects.filter(
        train_id=train_id, start_date__lte=max(today, *days), end_date__gte=min(days)
    )
    return list(pis.values_list("pk", flat=True))


def notify_pis(train_id: int, moments: Iterable[datetime]) -> None:
    """Tell the apps built on planning (metrics) that these PIs' delivery figures changed."""
    for pi_id in pis_affected(train_id, moments):
        hooks.pi_changed(pi_id)


# --- writing --------------------------------------------------------------------------------------------


def _may_record(actor, train_id: int, *team_ids: int | None) -> None:
    for team_id in dict.fromkeys(team_ids):
        require(
            actor, train_id, lambda access, team_id=team_id: can_record_delivery(access, team_id), NOT_YOURS
        )


def _team_id(values: dict, default: int | None) -> int | None:
    if "team" not in values:
        return default
    team = values["team"]
    return team.pk if isinstance(team, Team) else None


def _history(spec: _Spec, event: Model) -> dict:
    return snapshot(event, *spec.fields)


def _locked(spec: _Spec, pk: int, expected_version: int | None) -> Model:
    rows = spec.model.objects.select_related("team", "train")
    if spec.versioned and expected_version is not None:
        return lock_for_change(rows, pk, expected_version)
    return rows.select_for_update(of=("self",)).get(pk=pk)


def _apply(spec: _Spec, event: Model, values: dict, *, actor, at=None) -> tuple[Model, list[datetime]]:
    """Put checked `values` on a stored event (already locked), save and record. Returns the event and
    the moments the change touched, before and after (none when nothing changed)."""
    before_moments = _moments(spec, event)
    was = _history(spec, event)
    errors: dict = {}
    _clean(spec, event.train_id, values, errors)
    for name, value in values.items():
        if name not in errors:
            setattr(event, name, value)
    _check_whole(spec, event, errors)
    _raise(errors)
    became = _history(spec, event)
    if all(was.get(name) == became.get(name) for name in values):
        return event, []  # nothing changed: no new version, no history entry
    if spec.versioned:
        event.version = F("version") + 1
        event.save(update_fields=[*spec.fields, "version"])
        event.refresh_from_db(fields=["version"])
    else:
        event.save(update_fields=list(spec.fields))
    record(
        train_id=event.train_id,
        kind=spec.history,
        target=event,
        actor=actor,
        before=was,
        after=became,
        at=at,
    )
    return event, [*before_moments, *_moments(spec, event)]


def _create(spec: _Spec, train: Train, values: dict, *, actor, at=None) -> Model:
    errors: dict = {}
    _clean(spec, train.pk, values, errors)
    event = spec.model(train=train, recorded_by=actor)
    for name, value in values.items():
        if name not in errors:
            setattr(event, name, value)
    _check_whole(spec, event, errors)
    _raise(errors)
    event.save(force_insert=True)
    record(
        train_id=train.pk,
        kind=spec.history,
        target=event,
        action=Action.CREATED,
        actor=actor,
        after=_history(spec, event),
        at=at,
    )
    return event


def _record(spec: _Spec, *, train: Train, actor, values: dict, notify: bool = True, at=None) -> Recorded:
    """Create the event, or update the one the train already knows by this reference."""
    _unknown(spec, values)
    reference = values.get("reference")
    reference = reference.strip() if isinstance(reference, str) else ""
    with transaction.atomic():
        existing = _by_reference(spec, train.pk, reference)
        if existing is None:
            feature = values.get("feature")
            if values.get("team") is None and isinstance(feature, Feature) and feature.train_id == train.pk:
                # A defect of a feature is the feature's team's unless it says otherwise.
                values = {**values, "team": feature.team}
            _may_record(actor, train.pk, _team_id(values, None))
            try:
                with transaction.atomic():  # a savepoint: the same reference may be posted at the same time
                    event = _create(spec, train, dict(values), actor=actor, at=at)
                recorded = Recorded(event, True, _moments(spec, event))
            except IntegrityError:
                # Another request stored this reference first: update that one instead.
                existing = _by_reference(spec, train.pk, reference)
                if existing is None:
                    raise
        if existing is not None:
            _may_record(actor, train.pk, existing.team_id, _team_id(values, existing.team_id))
            event, moments = _apply(spec, existing, dict(values), actor=actor, at=at)
            recorded = Recorded(event, False, moments)
        if notify:
            notify_pis(train.pk, recorded.moments)
        return recorded


def record_event(
    kind: str, *, train: Train, actor, values: dict, notify: bool = True, at: datetime | None = None
) -> Recorded:
    """Record an event of `kind` ("deployment", "incident", "defect") from a dict of its fields, as an
    import reads them; `notify` False leaves telling metrics to the caller (once for a whole file).
    `at`: when the history says it was recorded (the demo's past events), else now."""
    return _record(SPECS[kind], train=train, actor=actor, values=values, notify=notify, at=at)


def _by_reference(spec: _Spec, train_id: int, reference: str) -> Model | None:
    if not reference:
        return None
    found = spec.model.objects.filter(train_id=train_id, reference=reference).values_list("pk", flat=True)
    pk = found.first()
    return None if pk is None else _locked(spec, pk, None)


@transaction.atomic
def _update(spec: _Spec, event: Model, *, actor, values: dict, expected_version: int | None) -> Model:
    _unknown(spec, values)
    if spec.versioned:
        require_version(expected_version)
    current = _locked(spec, event.pk, expected_version)
    _may_record(actor, current.train_id, current.team_id, _team_id(values, current.team_id))
    if "reference" in values and values["reference"]:
        reference = str(values["reference"]).strip()
        taken = spec.model.objects.filter(train_id=current.train_id, reference=reference).exclude(
            pk=current.pk
        )
        if taken.exists():
            raise ValidationError({"reference": f"Another {spec.noun} of this train has this reference."})
    event, moments = _apply(spec, current, dict(values), actor=actor)
    notify_pis(current.train_id, moments)
    return event


@transaction.atomic
def _delete(spec: _Spec, event: Model, *, actor, expected_version: int | None) -> None:
    if spec.versioned:
        require_version(expected_version)
    current = _locked(spec, event.pk, expected_version)
    _may_record(actor, current.train_id, current.team_id)
    moments = _moments(spec, current)
    was = _history(spec, current)
    pk, train_id, label = current.pk, current.train_id, str(current)
    current.delete()
    record(
        train_id=train_id,
        kind=spec.history,
        object_id=pk,
        label=label,
        action=Action.DELETED,
        actor=actor,
        before=was,
    )
    notify_pis(train_id, moments)


# --- deployments ----------------------------------------------------------------------------------------


def deployment_record(*, train: Train, actor, **values) -> Recorded:
    """Record a deployment (fields: team, service, environment, deployed_at, committed_at, merged_at,
    succeeded, rolled_back, reference); a known `reference` updates that deployment instead."""
    return _record(DEPLOYMENT, train=train, actor=actor, values=values)


def deployment_update(*, deployment: Deployment, actor, **values) -> Deployment:
    """Correct a deployment: only the fields given change."""
    return _update(DEPLOYMENT, deployment, actor=actor, values=values, expected_version=None)


def deployment_delete(*, deployment: Deployment, actor) -> None:
    """Remove a deployment recorded by mistake; the incidents it caused keep no cause."""
    _delete(DEPLOYMENT, deployment, actor=actor, expected_version=None)


# --- incidents ------------------------------------------------------------------------------------------


def incident_record(*, train: Train, actor, **values) -> Recorded:
    """Record an incident (fields: team, service, title, severity, started_at, restored_at, deployment,
    reference); a known `reference` updates that incident instead (a tool reporting it restored)."""
    return _record(INCIDENT, train=train, actor=actor, values=values)


def incident_update(*, incident: Incident, actor, expected_version: int, **values) -> Incident:
    return _update(INCIDENT, incident, actor=actor, values=values, expected_version=expected_version)


def incident_restore(*, incident: Incident, actor, expected_version: int, restored_at=None) -> Incident:
    """Service is back: the incident closes at `restored_at` (now when not given)."""
    if incident.restored_at is not None:
        raise ValidationError({"restored_at": "This incident is already restored."})
    return incident_update(
        incident=incident,
        actor=actor,
        expected_version=expected_version,
        restored_at=restored_at or timezone.now(),
    )


def incident_delete(*, incident: Incident, actor, expected_version: int) -> None:
    _delete(INCIDENT, incident, actor=actor, expected_version=expected_version)


# --- defects --------------------------------------------------------------------------------------------


def defect_record(*, train: Train, actor, **values) -> Recorded:
    """Record a defect (fields: team, feature, title, severity, found_in, found_at, resolved_at,
    reference); a known `reference` updates that defect instead. Without a team, a defect of a
    feature is the feature's team's."""
    return _record(DEFECT, train=train, actor=actor, values=values)


def defect_update(*, defect: Defect, actor, expected_version: int, **values) -> Defect:
    return _update(DEFECT, defect, actor=actor, values=values, expected_version=expected_version)


def defect_resolve(*, defect: Defect, actor, expected_version: int, resolved_at=None) -> Defect:
    """The defect is fixed: it closes at `resolved_at` (now when not given)."""
    if defect.resolved_at is not None:
        raise ValidationError({"resolved_at": "This defect is already resolved."})
    return defect_update(
        defect=defect,
        actor=actor,
        expected_version=expected_version,
        resolved_at=resolved_at or timezone.now(),
    )


def defect_delete(*, defect: Defect, actor, expected_version: int) -> None:
    _delete(DEFECT, defect, actor=actor, expected_version=expected_version)
