"""Who may change risks, impediments, ART Sync actions, system demos and improvement items.

Every view and every service asks these predicates; reading is open to anyone with a role on the
train (trains.selectors.train_for_user answers 404 to everyone else).
"""

from trains.access import TEAM_PLANNERS, TrainAccess
from trains.models import TEAM_ROLES, Role

from .models import ActionItem, DemoFollowUp, Impediment, ImprovementItem, Problem, Risk

# SAFe: Product Management and the System Architect prepare and run the system demo with the RTE.
SYSTEM_DEMO_RUNNERS = (Role.RTE, Role.PRODUCT_MANAGER, Role.SYSTEM_ARCHITECT)
# The I&A facilitator (RTE) and Product Management, who owns the next PI's backlog.
IMPROVEMENT_MANAGERS = (Role.RTE, Role.PRODUCT_MANAGER)


# --- impediments -----------------------------------------------------------------------------------


def can_raise_impediment(access: TrainAccess, team_id: int) -> bool:
    """A team's Scrum Master raises its impediments; the RTE may raise one for any team."""
    return access.is_rte or access.has_for_team(team_id, Role.SCRUM_MASTER)


def can_update_impediment(access: TrainAccess, impediment: Impediment) -> bool:
    return can_raise_impediment(access, impediment.team_id)


def can_raise_any_impediment(access: TrainAccess) -> bool:
    return access.is_rte or bool(access.team_ids(Role.SCRUM_MASTER))


# --- risks -----------------------------------------------------------------------------------------


def can_roam_risk(access: TrainAccess, risk: Risk) -> bool:
    """Who ROAMs a risk.

    SAFe: risks are ROAMed with the whole train at PI Planning, the RTE facilitating; a team owns
    its own risks, Product Management owns content. So the RTE ROAMs every risk; a team's Scrum
    Master and Product Owner ROAM their team's risks; Product Managers ROAM the ART-level risks (no
    team) beside the RTE, not a team's: another team's risk is that team's to handle or to raise.
    """
    if access.is_rte:
        return True
    if risk.team_id is None:
        return access.has(Role.PRODUCT_MANAGER)
    return access.has_for_team(risk.team_id, *TEAM_PLANNERS)


def can_edit_risk(access: TrainAccess, risk: Risk) -> bool:
    """Editing a risk's details is ROAMing it in all but name: the same people."""
    return can_roam_risk(access, risk)


def can_raise_risk_to_art(access: TrainAccess, risk: Risk) -> bool:
    """A team risk the team cannot handle goes to the ART board; the team's SM/PO or the RTE send it."""
    return risk.team_id is not None and can_roam_risk(access, risk)


def can_raise_risk(access: TrainAccess) -> bool:
    """Anyone taking part in the PI (every role but Viewer) raises a risk, for any team or the ART."""
    return access.can_vote


# --- ART Sync --------------------------------------------------------------------------------------


def can_run_art_sync(access: TrainAccess) -> bool:
    """The RTE runs the ART Sync: opens the week's meeting, keeps its notes, captures its actions."""
    return access.is_rte


def can_complete_action(access: TrainAccess, action: ActionItem) -> bool:
    """The RTE, or the person who owns the action."""
    return access.is_rte or (access.user_id is not None and action.owner_id == access.user_id)


# --- system demo -----------------------------------------------------------------------------------


def can_run_system_demo(access: TrainAccess) -> bool:
    return access.has(*SYSTEM_DEMO_RUNNERS)


def can_complete_follow_up(access: TrainAccess, follow_up: DemoFollowUp) -> bool:
    return can_run_system_demo(access) or (
        access.user_id is not None and follow_up.owner_id == access.user_id
    )


# --- Inspect & Adapt -------------------------------------------------------------------------------


def can_join_workshop(access: TrainAccess) -> bool:
    """Everyone who takes part in the PI brings problems and votes on them; viewers only read."""
    return access.can_vote


def can_edit_problem(access: TrainAccess, problem: Problem) -> bool:
    """Who raised a workshop problem refines it; the RTE and Product Management too."""
    return can_manage_improvements(access) or (
        access.user_id is not None and problem.raised_by_id == access.user_id
    )


def can_manage_improvements(access: TrainAccess) -> bool:
    """Writing improvement items and taking them into the next PI's backlog."""
    return access.has(*IMPROVEMENT_MANAGERS)


def can_update_improvement(access: TrainAccess, item: ImprovementItem) -> bool:
    """Its owner reports progress on it, as do the RTE and Product Management."""
    return can_manage_improvements(access) or (access.user_id is not None and item.owner_id == access.user_id)


# --- surveys ---------------------------------------------------------------------------------------


def can_open_survey(access: TrainAccess) -> bool:
    """The RTE opens and closes the event surveys and the team-health pulses."""
    return access.is_rte


def can_answer_survey(access: TrainAccess, survey) -> bool:
    """A team's pulse is its members' (Scrum Master, Product Owner, team members); an event survey
    everyone's who takes part in the train's events (every role but Viewer, who only reads)."""
    if survey.team_id is not None:
        return access.has_for_team(survey.team_id, *TEAM_ROLES)
    return access.can_vote
