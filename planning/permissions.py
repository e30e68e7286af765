"""Who may change what in planning. Every view, API view and service asks these predicates."""

from trains.access import TrainAccess

from .models import Feature, PIObjective


def can_edit_feature(access: TrainAccess, feature: Feature) -> bool:
    """RTE and Product Managers plan any feature; a team's SM/PO plan their own team's features."""
    return access.can_plan_team(feature.team_id)


def can_set_business_value(access: TrainAccess, objective: PIObjective) -> bool:
    """SAFe: Business Owners, and only they, assign planned and actual business value."""
    return access.is_business_owner


def can_manage_pi(access: TrainAccess) -> bool:
    """The RTE moves a PI through its states, opens and closes votes and commits the plan."""
    return access.is_rte


def can_vote(access: TrainAccess) -> bool:
    return access.can_vote
