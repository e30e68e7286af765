"""Writes for running the PI: ROAM risks, impediments, ART Sync actions, system demos and the
Inspect & Adapt workshop with its improvement items, split by sub-domain. Every service is
re-exported here, so callers import from `risks.services` whichever module it lives in.

Each service takes an explicit `actor` (None: a trusted caller such as the demo seed or a task),
checks what the actor may do (risks/permissions.py), validates, and keeps the history. Records
with a `version` (Risk, Impediment) refuse a change based on an older version with `StaleVersion`
(the same exception planning uses), so two people editing at once never lose an edit silently.
"""

from .art_sync import action_create, action_set_done, art_sync_start, art_sync_update
from .demos import (
    demo_follow_up_add,
    demo_follow_up_set_done,
    demo_item_add,
    demo_item_record,
    demo_item_remove,
    system_demo_plan,
    system_demo_update,
)
from .impediments import (
    LEVEL_ORDER,
    impediment_escalate,
    impediment_raise,
    impediment_reopen,
    impediment_resolve,
    impediment_update,
)
from .inspect_adapt import (
    VOTES_PER_PERSON,
    improvement_create,
    improvement_set_status,
    improvement_take_into_pi,
    problem_create,
    problem_update,
    problem_vote_toggle,
)
from .roam import RISK_FIELDS, RISK_LINKS, risk_create, risk_raise_to_art, risk_roam, risk_update
from .vote_concerns import CONCERN_TITLE_LENGTH, risk_from_vote_concern

__all__ = [
    "CONCERN_TITLE_LENGTH",
    "LEVEL_ORDER",
    "RISK_FIELDS",
    "RISK_LINKS",
    "VOTES_PER_PERSON",
    "action_create",
    "action_set_done",
    "art_sync_start",
    "art_sync_update",
    "demo_follow_up_add",
    "demo_follow_up_set_done",
    "demo_item_add",
    "demo_item_record",
    "demo_item_remove",
    "impediment_escalate",
    "impediment_raise",
    "impediment_reopen",
    "impediment_resolve",
    "impediment_update",
    "improvement_create",
    "improvement_set_status",
    "improvement_take_into_pi",
    "problem_create",
    "problem_update",
    "problem_vote_toggle",
    "risk_create",
    "risk_from_vote_concern",
    "risk_raise_to_art",
    "risk_roam",
    "risk_update",
    "system_demo_plan",
    "system_demo_update",
]
