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


# --- delivery events (deployments, incidents, defects) ----------------------------------------------

# SAFe: the System Architect guides the ART's continuous delivery pipeline beside the RTE, so both
# record delivery events for any team of the train, or for none (a shared service, the platform).
DELIVERY_RECORDERS = (Role.RTE, Role.SYSTEM_ARCHITECT)


def can_record_delivery(access: TrainAccess, team_id: int | None) -> bool:
    """Who records (and corrects, removes) a deployment, incident or defect of a team.

    The people who build and run the team's software report on it: the team's Scrum Master,
    Product Owner and team members, for their own team; the RTE and the System Architect for any
    team, and for events of no team. Product Managers and Business Owners read the figures built on
    them; viewers never write. A CI/CD or incident tool posts with the API token of a person holding
    one of these roles (a service account on the team, or the RTE's)."""
    if access.has(*DELIVERY_RECORDERS):
        return True
    return access.has_for_team(team_id, *TEAM_ROLES)


def can_record_any_delivery(access: TrainAccess) -> bool:
    """Whether the person records delivery events for at least one team (the page's forms, the import)."""
    return access.has(*DELIVERY_RECORDERS) or bool(access.team_ids(*TEAM_ROLES))


def recordable_team_ids(access: TrainAccess) -> frozenset[int] | None:
    """The teams whose events the person records: None for every team (and none)."""
    return None if access.has(*DELIVERY_RECORDERS) else access.team_ids(*TEAM_ROLES)
