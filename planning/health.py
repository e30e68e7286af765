"""Dependency health: the colour of a string on the program board, computed on the server.

- conflict (red): the dependency is blocked, or the providing feature is unplanned, or it is
  planned to finish in an iteration that starts after the needed-by iteration ends;
- at risk (amber): the providing feature is planned in the needed-by iteration itself (or in one
  that overlaps its start);
- healthy: planned in an earlier iteration (or nothing is needed by a given iteration);
- resolved: delivered or cancelled (drawn faint).

Dates rather than iteration numbers, so a provider planned in a later PI compares correctly.

The rule is written once, as a database expression: the board rates every string with it, a move
counts the PI's red and amber strings with it without loading them, and ART Sync lists the ones
that need attention.
"""

from django.db import models
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.lookups import GreaterThan, GreaterThanOrEqual, IsNull

from .models import Dependency


class Health(models.TextChoices):
    CONFLICT = "conflict", "Conflict"
    AT_RISK = "at_risk", "At risk"
    HEALTHY = "healthy", "Healthy"
    RESOLVED = "resolved", "Resolved"


def health_rule(provided_start=None, provided_end=None) -> Case:
    """The rule, for the providing feature's planned iteration (by default the one it is in now; a
    move passes the dates of the iteration it left, to rate the strings as they were before it)."""
    provided_start = (
        provided_start if provided_start is not None else F("providing_feature__iteration__start_date")
    )
    provided_end = provided_end if provided_end is not None else F("providing_feature__iteration__end_date")
    needed_start, needed_end = F("needed_by_iteration__start_date"), F("needed_by_iteration__end_date")
    return Case(
        When(state__in=Dependency.RESOLVED_STATES, then=Value(Health.RESOLVED.value)),
        When(
            Q(state=Dependency.State.BLOCKED) | IsNull(provided_start, True),
            then=Value(Health.CONFLICT.value),
        ),
        When(needed_by_iteration__isnull=True, then=Value(Health.HEALTHY.value)),
        When(GreaterThan(provided_start, needed_end), then=Value(Health.CONFLICT.value)),
        When(
            Q(GreaterThanOrEqual(provided_start, needed_start))
            | GreaterThanOrEqual(provided_end, needed_start),
            then=Value(Health.AT_RISK.value),
        ),
        default=Value(Health.HEALTHY.value),
        output_field=models.CharField(),
    )


# Built once: an expression is immutable until a query resolves it, which works on a copy.
HEALTH = health_rule()


def with_health(dependencies: QuerySet[Dependency]) -> QuerySet[Dependency]:
    """The dependencies, each annotated with its `health` (a Health value)."""
    return dependencies.annotate(health=HEALTH)
