"""Who may change risks, impediments and improvement items."""

from trains.access import TrainAccess
from trains.models import Role

from .models import Impediment, Risk


def can_raise_impediment(access: TrainAccess, team_id: int) -> bool:
    """A team's Scrum Master raises its impediments; the RTE may raise one for any team."""
    return access.is_rte or access.has_for_team(team_id, Role.SCRUM_MASTER)


def can_update_impediment(access: TrainAccess, impediment: Impediment) -> bool:
    return can_raise_impediment(access, impediment.team_id)


def can_roam_risk(access: TrainAccess, risk: Risk) -> bool:
    """The RTE ROAMs every risk; a team's planners ROAM their own team-level risks."""
    if access.is_rte:
        return True
    return risk.team_id is not None and access.can_plan_team(risk.team_id)


def can_raise_risk(access: TrainAccess) -> bool:
    return access.can_vote  # everyone taking part in planning, i.e. all roles but viewers
