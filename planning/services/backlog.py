"""Writes for the feature backlog: the WSJF inputs (domain.md §4.4) and pulling features into a PI."""

from django.core.exceptions import ValidationError
from django.db import transaction

from planning.calculations import FIBONACCI
from planning.models import Feature, ProgramIncrement, Story
from planning.permissions import can_pull_feature, can_rank_backlog
from trains.guards import lock_for_change, require
from trains.history.models import Kind
from trains.history.services import record, snapshot
from trains.models import Team

from .common import board_changed, require_open

WSJF_FIELDS = ("business_value", "time_criticality", "risk_reduction", "job_size")
SCALE_MESSAGE = "Use the modified Fibonacci scale: 1, 2, 3, 5, 8, 13 or 20."


def _require_not_done(feature: Feature, why: str) -> None:
    """A done feature is delivered: ranking it or moving it between PIs and teams would rewrite
    what happened (flow figures, predictability) rather than plan anything."""
    if feature.state == Feature.State.DONE:
        raise ValidationError(f"“{feature.title}” is done: {why}.")


def _record(feature: Feature, actor, **change) -> None:
    record(
        train_id=feature.train_id,
        kind=Kind.FEATURE,
        target=feature,
        label=feature.title,
        actor=actor,
        **change,
    )


@transaction.atomic
def feature_set_wsjf(*, feature: Feature, expected_version: int, actor, **inputs) -> Feature:
    """Set any of the four WSJF inputs (None clears one). Off the scale: field messages, nothing saved."""
    unknown = set(inputs) - set(WSJF_FIELDS)
    if unknown:
        raise TypeError(f"Unknown WSJF inputs: {sorted(unknown)}")
    require(
        actor, feature.train_id, can_rank_backlog, "Only the RTE and Product Management rank the backlog."
    )
    errors = {
        name: SCALE_MESSAGE
        for name, value in inputs.items()
        if value is not None and (isinstance(value, bool) or value not in FIBONACCI)
    }
    if errors:
        raise ValidationError(errors)
    current = lock_for_change(Feature.objects.select_related("team", "pi"), feature.pk, expected_version)
    require_open(current.pi)
    _require_not_done(current, "its WSJF inputs stay as they were when it was ranked")
    changed = [name for name, value in inputs.items() if getattr(current, name) != value]
    if not changed:
        return current
    before = snapshot(current, *changed)
    for name in changed:
        setattr(current, name, inputs[name])
    current.version += 1
    current.save(update_fields=[*changed, "version", "updated_at"])
    _record(current, actor, before=before, after=snapshot(current, *changed))
    board_changed(current.pi_id, features=[current.pk])
    return current


@transaction.atomic
def feature_pull(
    *,
    feature: Feature,
    pi: ProgramIncrement | None,
    team: Team | None,
    expected_version: int,
    actor,
) -> Feature:
    """Pull a feature into a PI and onto a team, or (pi None) take it out of its PI.

    The iteration is left empty, so the feature waits in the board's unplanned lane until the team
    places it. Taking a feature out of its PI is refused while stories of it are planned in that
    PI's iterations: the team's load would otherwise keep counting work nobody has planned.
    """
    current = lock_for_change(Feature.objects.select_related("team", "pi"), feature.pk, expected_version)
    require(
        actor,
        current.train_id,
        lambda access: can_pull_feature(access, current, team),
        "Only the RTE, Product Management, or this team's PO/SM pull features onto a team.",
    )
    # Taking a feature out of a closed PI rewrites that PI's record as surely as changing it.
    require_open(current.pi)
    _require_not_done(current, "it stays in the PI and on the team that delivered it")
    errors = {}
    if pi is not None and pi.train_id != current.train_id:
        errors["pi"] = "That PI belongs to another train."
    elif pi is not None and pi.state == ProgramIncrement.State.CLOSED:
        errors["pi"] = f"{pi.name} is closed: features can no longer be pulled into it."
    if team is not None and team.train_id != current.train_id:
        errors["team"] = "That team belongs to another train."
    if pi is None and team is not None:
        errors["team"] = "A feature outside a PI is on no team."
    if pi is None and current.pi_id is not None:
        planned = Story.objects.filter(feature=current, iteration__pi_id=current.pi_id).count()
        if planned:
            errors["pi"] = (
                f"This feature has {planned} stor{'y' if planned == 1 else 'ies'} planned in this PI's "
                "iterations: unschedule them on the team's plan before taking the feature out."
            )
    if errors:
        raise ValidationError(errors)
    old_pi_id = current.pi_id
    if (current.pi_id, current.team_id) == (getattr(pi, "pk", None), getattr(team, "pk", None)):
        return current
    before = snapshot(current, "pi", "team", "iteration")
    current.pi, current.team, current.iteration = pi, team, None
    current.version += 1
    current.save(update_fields=["pi", "team", "iteration", "version", "updated_at"])
    _record(current, actor, before=before, after=snapshot(current, "pi", "team", "iteration"))
    board_changed(old_pi_id, features=[current.pk])
    if current.pi_id != old_pi_id:
        board_changed(current.pi_id, features=[current.pk])
    return current
