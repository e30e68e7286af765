"""Reads for the running-the-PI screens, one module per screen: the ROAM board (roam), impediments,
the ART Sync (art_sync), system demos (demos) and Inspect & Adapt (inspect_adapt), with what they
share in common. Each returns rows with their related rows already joined, so a template never
triggers a query, and costs the same number of queries for a small train and a large one.

Everything is re-exported here: views read `selectors.<name>` whichever screen it serves.
"""

from .art_sync import (
    FEATURE_NOT_STARTED,
    DependencyAlert,
    ObjectiveAtRisk,
    SyncActions,
    TeamProgress,
    actions_for_sync,
    dependencies_needing_attention,
    feature_progress,
    impediments_by_age,
    objectives_at_risk,
    risks_due_or_unroamed,
    syncs_of,
)
from .common import (
    current_iteration,
    train_members,
)
from .demos import (
    IterationDemo,
    demo_counts,
    demo_detail,
    demo_feature_choices,
    iteration_demos,
)
from .impediments import (
    AGE_BUCKETS,
    SEVERITY_RANK,
    UNRESOLVED,
    blockable_features,
    escalations_in_order,
    impediment_detail,
    impediments,
)
from .inspect_adapt import (
    QuantitativeReview,
    improvements_raised_in,
    improvements_taken_into,
    later_pis,
    problems_of,
    quantitative_review,
    votes_of,
)
from .roam import (
    ROAM_ORDER,
    RoamColumn,
    linkable,
    risk_detail,
    risk_for_board,
    risks_for_board,
    roam_columns,
    roam_counts,
)

__all__ = [
    "AGE_BUCKETS",
    "DependencyAlert",
    "FEATURE_NOT_STARTED",
    "IterationDemo",
    "ObjectiveAtRisk",
    "QuantitativeReview",
    "ROAM_ORDER",
    "RoamColumn",
    "SEVERITY_RANK",
    "SyncActions",
    "TeamProgress",
    "UNRESOLVED",
    "actions_for_sync",
    "blockable_features",
    "current_iteration",
    "demo_counts",
    "demo_detail",
    "demo_feature_choices",
    "dependencies_needing_attention",
    "escalations_in_order",
    "feature_progress",
    "impediment_detail",
    "impediments",
    "impediments_by_age",
    "improvements_raised_in",
    "improvements_taken_into",
    "iteration_demos",
    "later_pis",
    "linkable",
    "objectives_at_risk",
    "problems_of",
    "quantitative_review",
    "risk_detail",
    "risk_for_board",
    "risks_due_or_unroamed",
    "risks_for_board",
    "roam_columns",
    "roam_counts",
    "syncs_of",
    "train_members",
    "votes_of",
]
