"""Who may change what in metrics: the release go/no-go checklists and their decisions. Everything
else metrics shows is read by anyone with a role on the train (trains.selectors.train_for_user
answers 404 to everyone else), and recomputing figures changes no plan.

Views and services ask these predicates; the rules are written here once.
"""

from trains.access import TrainAccess
from trains.models import Role

from .models import ReleaseCriterion

# SAFe: the RTE runs release readiness and the go/no-go; Business Owners are the people accountable
# for the business outcome of the release, so they may record the decision too (the RTE usually
# records it on their behalf in the go/no-go meeting).
RELEASE_DECIDERS = (Role.RTE, Role.BUSINESS_OWNER)


def can_edit_release_checklist(access: TrainAccess) -> bool:
    """The RTE creates a release's checklist, picks its scope and adds, edits and removes criteria."""
    return access.is_rte


def can_update_criterion(access: TrainAccess, criterion: ReleaseCriterion) -> bool:
    """The RTE, or the person who owns the criterion (they report its status and note)."""
    return access.is_rte or (access.user_id is not None and criterion.owner_id == access.user_id)


def can_decide_release(access: TrainAccess) -> bool:
    """The RTE and the train's Business Owners record a go / no-go / go-with-conditions decision."""
    return access.has(*RELEASE_DECIDERS)
