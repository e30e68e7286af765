"""Writes for capacity (domain.md §4.3): a team's FTE, days off and override per iteration."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from planning.models import Iteration, TeamCapacity
from trains.errors import StaleVersion
from trains.guards import require, require_version
from trains.history.models import Action, Kind
from trains.history.services import record, snapshot
from trains.models import Team

from .common import board_changed, require_open

CAPACITY_FIELDS = ("fte", "days_off", "capacity_override")
MAX_FTE = Decimal("99")
# The model's PositiveSmallIntegerField limit, said in words rather than left to a database error.
MAX_POINTS = 32767


def require_team_planner(actor, team: Team, message: str) -> None:
    """RTE and Product Managers plan every team; a team's SM/PO their own team only."""
    require(actor, team.train_id, lambda access: access.can_plan_team(team.pk), message)


def _whole(errors: dict, name: str, value, label: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = f"{label} is a whole number."
    elif value < 0:
        errors[name] = f"{label} cannot be negative."
    elif value > MAX_POINTS:
        errors[name] = f"{label} is at most {MAX_POINTS}."


def _check(fte, days_off, capacity_override) -> Decimal:
    errors: dict[str, str] = {}
    try:
        fte = Decimal(str(fte))
    except (InvalidOperation, ValueError, TypeError):
        errors["fte"] = "FTE is a number, e.g. 6 or 5.5."
    else:
        if not fte.is_finite():
            errors["fte"] = "FTE is a number, e.g. 6 or 5.5."
        elif fte < 0:
            errors["fte"] = "FTE cannot be negative."
        elif fte > MAX_FTE:
            errors["fte"] = "FTE is at most 99 (developers and testers on one team)."
        elif fte != fte.quantize(Decimal("0.01")):
            errors["fte"] = "FTE has at most two decimals."
    if days_off is None:
        errors["days_off"] = "Enter the person-days off (0 if none)."
    else:
        _whole(errors, "days_off", days_off, "Days off")
    _whole(errors, "capacity_override", capacity_override, "The override")
    if errors:
        raise ValidationError(errors)
    return fte


@transaction.atomic
def capacity_set(
    *,
    team: Team,
    iteration: Iteration,
    fte,
    days_off: int,
    capacity_override: int | None,
    expected_version: int,
    actor,
) -> TeamCapacity:
    """Enter (or change) a team's capacity for one iteration. Bad values: field messages, nothing saved.

    ``expected_version`` is the version the user saw, 0 for "nothing entered yet": a row someone
    else created or changed meanwhile is refused with StaleVersion rather than overwritten.
    """
    require_team_planner(
        actor, team, "Only the RTE, Product Management or this team's SM/PO enter its capacity."
    )
    if iteration.pi.train_id != team.train_id:
        raise ValidationError({"iteration": "That iteration belongs to another train's PI."})
    require_open(iteration.pi)
    fte = _check(fte, days_off, capacity_override)
    require_version(expected_version)
    current = TeamCapacity.objects.select_for_update().filter(team=team, iteration=iteration).first()
    history = {
        "train_id": team.train_id,
        "kind": Kind.CAPACITY,
        "label": f"{team.name} · {iteration}",
        "actor": actor,
    }
    if current is None:
        if expected_version:  # the user saw a row that is no longer there
            raise StaleVersion(TeamCapacity(team=team, iteration=iteration, fte=0, version=0))
        try:
            with transaction.atomic():
                current = TeamCapacity.objects.create(
                    team=team,
                    iteration=iteration,
                    fte=fte,
                    days_off=days_off,
                    capacity_override=capacity_override,
                )
        except IntegrityError:
            # Someone entered this cell at the same moment: show theirs, apply nothing of ours.
            raise StaleVersion(TeamCapacity.objects.get(team=team, iteration=iteration)) from None
        record(target=current, action=Action.CREATED, after=snapshot(current, *CAPACITY_FIELDS), **history)
    else:
        if current.version != expected_version:
            raise StaleVersion(current)
        if (current.fte, current.days_off, current.capacity_override) == (fte, days_off, capacity_override):
            return current
        before = snapshot(current, *CAPACITY_FIELDS)
        current.fte, current.days_off, current.capacity_override = fte, days_off, capacity_override
        current.version += 1
        current.save(update_fields=["fte", "days_off", "capacity_override", "version"])
        record(target=current, before=before, after=snapshot(current, *CAPACITY_FIELDS), **history)
    board_changed(iteration.pi_id, features=())  # no card shows capacity: boards stay as they are
    return current
