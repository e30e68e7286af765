"""Planning forms, split by sub-domain like the services. The board's forms are re-exported here;
the PI Planning forms are imported from their own modules."""

from .board import (
    DependencyForm,
    FeatureForm,
    MilestoneForm,
    MoveForm,
)

__all__ = [
    "DependencyForm",
    "FeatureForm",
    "MilestoneForm",
    "MoveForm",
]
