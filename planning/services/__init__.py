"""Planning writes, split by sub-domain. The board's services are re-exported here because most
callers use them; the PI Planning services are imported from their own modules."""

from .board import (
    DEPENDENCY_FIELDS,
    FEATURE_FIELDS,
    dependency_create,
    dependency_update,
    feature_create,
    feature_move,
    feature_set_blocked,
    feature_set_state,
    feature_update,
    milestone_create,
    milestone_update,
)
from .lifecycle import iteration_dates, pi_create

__all__ = [
    "DEPENDENCY_FIELDS",
    "FEATURE_FIELDS",
    "dependency_create",
    "dependency_update",
    "feature_create",
    "feature_move",
    "feature_set_blocked",
    "feature_set_state",
    "feature_update",
    "iteration_dates",
    "milestone_create",
    "milestone_update",
    "pi_create",
]
