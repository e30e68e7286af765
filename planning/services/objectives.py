"""Writes for team PI objectives and their business value (domain.md §2, §4.1).

A team's planners (the RTE and Product Management for any team, the team's Scrum Master and
Product Owner for their own) write, edit, order and link objectives. Business value is different:
SAFe gives it to the Business Owners alone, planned 1–10 while the PI is being planned and actual
0–10 once it runs, so those two writes ask `can_set_business_value` and nobody else's role counts,
not even the RTE's.

``actor=None`` is the system (demo loader, management commands), as in the board's services.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from planning.models import Feature, PIObjective, ProgramIncrement
from planning.permissions import can_set_business_value
from trains.guards import lock_for_change, require
from trains.history.models import Action, Kind
from trains.history.services import labels, record, snapshot
from trains.models import Team

from .common import board_changed, require_open

TEXT_MAX = PIObjective._meta.get_field("text").max_length
PLANNED_RANGE = range(1, 11)
ACTUAL_RANGE = range(0, 11)
PLANNED_MESSAGE = "Planned business value is a whole number from 1 to 10."
ACTUAL_MESSAGE = "Actual business value is a whole number from 0 to 10."
# Planned value is given while the plan is made; actual value is scored once the PI runs (SAFe).
PLANNED_STATES = (ProgramIncrement.State.DRAFT, ProgramIncrement.State.PLANNING)
ACTUAL_STATES = (ProgramIncrement.State.EXECUTING,)


def _require_planner(actor, pi: ProgramIncrement, team_id: int) -> None:
    require(
        actor,
        pi.train_id,
        lambda access: access.can_plan_team(team_id),
        "Only the RTE, Product Management and the team's Scrum Master or Product Owner "
        "change this team's objectives.",
    )


def _require_business_owner(actor, objective: PIObjective) -> None:
    require(
        actor,
        objective.pi.train_id,
        lambda access: can_set_business_value(access, objective),
        "Only Business Owners set business value.",
    )


def _record(objective: PIObjective, actor, **change) -> None:
    record(
        train_id=objective.pi.train_id,
        kind=Kind.OBJECTIVE,
        target=objective,
        label=objective.text,
        actor=actor,
        **change,
    )


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write the objective: a short business outcome the team aims for."})
    if len(text) > TEXT_MAX:
        raise ValidationError({"text": f"Keep the objective to {TEXT_MAX} characters (it has {len(text)})."})
    return text


def _check_features(pi: ProgramIncrement, team_id: int, features: Iterable[Feature]) -> list[Feature]:
    features = list(features)
    if any(feature.pi_id != pi.pk or feature.team_id != team_id for feature in features):
        raise ValidationError({"features": "Link only this team's features in this PI."})
    return features


def _next_position(pi_id: int, team_id: int, is_committed: bool) -> int:
    last = PIObjective.objects.filter(pi_id=pi_id, team_id=team_id, is_committed=is_committed).aggregate(
        last=Max("position")
    )["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def objective_create(
    *,
    pi: ProgramIncrement,
    team: Team,
    text: str,
    actor,
    is_committed: bool = True,
    features: Iterable[Feature] = (),
) -> PIObjective:
    """Add an objective at the end of the team's committed (or uncommitted) list."""
    if team.train_id != pi.train_id:
        raise ValidationError({"team": "That team belongs to another train."})
    _require_planner(actor, pi, team.pk)
    require_open(pi)
    text = _clean_text(text)
    features = _check_features(pi, team.pk, features)
    objective = PIObjective.objects.create(
        pi=pi,
        team=team,
        text=text,
        is_committed=is_committed,
        position=_next_position(pi.pk, team.pk, is_committed),
    )
    objective.features.set(features)
    after = {**snapshot(objective, "team", "text", "is_committed"), "features": labels(features)}
    _record(objective, actor, action=Action.CREATED, after=after)
    board_changed(pi.pk, features=[f.pk for f in features])  # their cards count their objectives
    return objective


OBJECTIVE_FIELDS = ("text", "is_committed", "features")


@transaction.atomic
def objective_update(*, objective: PIObjective, expected_version: int, actor, **fields) -> PIObjective:
    """Edit the text, commitment or linked features; refused (StaleVersion) when someone saved first.

    Moving an objective between committed and uncommitted puts it at the end of its new list.
    """
    unknown = set(fields) - set(OBJECTIVE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown objective fields: {sorted(unknown)}")
    current = lock_for_change(
        PIObjective.objects.select_related("pi", "team"), objective.pk, expected_version
    )
    _require_planner(actor, current.pi, current.team_id)
    require_open(current.pi)
    before = snapshot(current, "text", "is_committed", "features")
    linked = set(current.features.values_list("pk", flat=True))
    if "text" in fields:
        current.text = _clean_text(fields["text"])
    if "features" in fields:
        current.features.set(_check_features(current.pi, current.team_id, fields["features"]))
    if "is_committed" in fields and bool(fields["is_committed"]) != current.is_committed:
        current.is_committed = bool(fields["is_committed"])
        current.position = _next_position(current.pi_id, current.team_id, current.is_committed)
    current.version += 1
    current.save()
    _record(current, actor, before=before, after=snapshot(current, "text", "is_committed", "features"))
    board_changed(current.pi_id, features=linked | set(current.features.values_list("pk", flat=True)))
    return current


@transaction.atomic
def objective_delete(*, objective: PIObjective, actor, expected_version: int) -> None:
    current = lock_for_change(
        PIObjective.objects.select_related("pi", "team"), objective.pk, expected_version
    )
    _require_planner(actor, current.pi, current.team_id)
    require_open(current.pi)
    linked = list(current.features.values_list("pk", flat=True))
    _record(
        current,
        actor,
        action=Action.DELETED,
        before=snapshot(
            current,
            "team",
            "text",
            "is_committed",
            "planned_business_value",
            "actual_business_value",
            "features",
        ),
    )
    current.delete()
    board_changed(current.pi_id, features=linked)


@transaction.atomic
def objective_move(*, objective: PIObjective, offset: int, actor, expected_version: int) -> PIObjective:
    """Move an objective up (offset −1) or down (+1) within its team's committed or uncommitted list.

    The whole list is renumbered 0…n under row locks, so positions stay dense and two people
    reordering at once cannot leave two objectives on the same place.
    """
    if offset not in (-1, 1):
        raise ValidationError({"offset": "Move an objective one place up or down."})
    current = lock_for_change(
        PIObjective.objects.select_related("pi", "team"), objective.pk, expected_version
    )
    _require_planner(actor, current.pi, current.team_id)
    require_open(current.pi)
    siblings = list(
        PIObjective.objects.select_for_update()
        .filter(pi_id=current.pi_id, team_id=current.team_id, is_committed=current.is_committed)
        .order_by("position", "pk")
    )
    index = next(i for i, sibling in enumerate(siblings) if sibling.pk == current.pk)
    pi, before = current.pi, {"position": index + 1}
    target = index + offset
    if 0 <= target < len(siblings):
        siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
        if sibling.pk == current.pk:
            sibling.version = current.version + 1
            current = sibling
    PIObjective.objects.bulk_update(siblings, ["position", "version"])
    current.pi = pi  # the PI read with the lock, for the history's train
    _record(current, actor, before=before, after={"position": current.position + 1})
    board_changed(current.pi_id, features=())  # the order shows on no card
    return current


def _check_value(value, allowed: range, field: str, message: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise ValidationError({field: message})
    return value


def _set_value(
    objective: PIObjective, value: int | None, actor, expected_version: int, *, field: str, when: str
) -> PIObjective:
    """Set one of the two business values: Business Owners only, on its scale, in its PI states."""
    allowed, message, states = {
        "planned_business_value": (PLANNED_RANGE, PLANNED_MESSAGE, PLANNED_STATES),
        "actual_business_value": (ACTUAL_RANGE, ACTUAL_MESSAGE, ACTUAL_STATES),
    }[field]
    current = lock_for_change(
        PIObjective.objects.select_related("pi", "team"), objective.pk, expected_version
    )
    _require_business_owner(actor, current)
    # Actual value is scored while the PI executes; closing lists the objectives still unscored.
    require_open(current.pi)
    value = _check_value(value, allowed, field, message)
    if current.pi.state not in states:
        raise ValidationError(
            {field: f"{when}; {current.pi.name} is {current.pi.get_state_display().lower()}."}
        )
    before = snapshot(current, field)
    setattr(current, field, value)
    current.version += 1
    current.save(update_fields=[field, "version"])
    _record(current, actor, before=before, after=snapshot(current, field))
    board_changed(current.pi_id, features=())  # business value shows on no card
    return current


@transaction.atomic
def objective_set_planned_value(
    *, objective: PIObjective, value: int | None, actor, expected_version: int
) -> PIObjective:
    """A Business Owner assigns planned business value 1–10 during planning (None clears it)."""
    return _set_value(
        objective,
        value,
        actor,
        expected_version,
        field="planned_business_value",
        when="Planned business value is set while the PI is being planned",
    )


@transaction.atomic
def objective_score_actual(
    *, objective: PIObjective, value: int | None, actor, expected_version: int
) -> PIObjective:
    """A Business Owner scores the actual business value 0–10 once the PI runs (None clears it)."""
    return _set_value(
        objective,
        value,
        actor,
        expected_version,
        field="actual_business_value",
        when="Actual business value is scored once the PI is executing",
    )
