"""Who may change what in planning. Every view, API view and service asks these predicates."""

from trains.access import TEAM_PLANNERS, TRAIN_PLANNERS, TrainAccess
from trains.models import TEAM_ROLES, Role, Team

from .models import Feature, PIObjective, VoteRound


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


def can_rank_backlog(access: TrainAccess) -> bool:
    """Product Management owns the ranking of the ART backlog; the RTE runs it during planning."""
    return access.has(*TRAIN_PLANNERS)


def can_pull_feature(access: TrainAccess, feature: Feature, team: Team | None) -> bool:
    """RTE and Product Managers pull any feature onto any team (or out of the PI).

    A team's Product Owner or Scrum Master pulls onto their own team only, and only features that
    are unassigned or already their team's: taking another team's feature is a conversation, not a click.
    ``team`` None means "out of the PI" (or "in the PI, no team yet").
    """
    if access.has(*TRAIN_PLANNERS):
        return True
    own = access.team_ids(*TEAM_PLANNERS)
    if feature.team_id is not None and feature.team_id not in own:
        return False
    if team is None:
        return feature.team_id in own
    return team.pk in own


# Roles that hold no team and stand behind every team's plan (planning/services/votes.py says why).
TRAIN_LEVEL_VOTERS = (Role.RTE, Role.PRODUCT_MANAGER, Role.BUSINESS_OWNER, Role.SYSTEM_ARCHITECT)


def can_vote_in(access: TrainAccess, vote_round: VoteRound) -> bool:
    """Whether this person votes in this round (planning/services/votes.py: who votes and why)."""
    if not access.can_vote:
        return False
    if vote_round.team_id is None:
        return True
    return access.has(*TRAIN_LEVEL_VOTERS) or access.has_for_team(vote_round.team_id, *TEAM_ROLES)
