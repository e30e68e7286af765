"""Dependency health: the colour of a string on the program board, computed on the server.

- conflict (red): the dependency is blocked, or the providing feature is unplanned, or it is
  planned to finish in an iteration that starts after the needed-by iteration ends;
- at risk (amber): the providing feature is planned in the needed-by iteration itself;
- healthy: planned in an earlier iteration (or nothing is needed by a given iteration);
- resolved: delivered or cancelled (drawn faint).

Dates rather than iteration numbers, so a provider planned in a later PI compares correctly.
"""

from datetime import date

from django.db import models

from .models import Dependency


class Health(models.TextChoices):
    CONFLICT = "conflict", "Conflict"
    AT_RISK = "at_risk", "At risk"
    HEALTHY = "healthy", "Healthy"
    RESOLVED = "resolved", "Resolved"


def dependency_health(
    *,
    state: str,
    needed_by_start: date | None,
    needed_by_end: date | None,
    provided_start: date | None,
    provided_end: date | None,
) -> Health:
    if state in Dependency.RESOLVED_STATES:
        return Health.RESOLVED
    if state == Dependency.State.BLOCKED or provided_start is None:
        return Health.CONFLICT
    if needed_by_end is None:
        return Health.HEALTHY
    if provided_start > needed_by_end:
        return Health.CONFLICT
    if provided_start >= needed_by_start or provided_end >= needed_by_start:
        return Health.AT_RISK
    return Health.HEALTHY


def health_of(dependency: Dependency) -> Health:
    """Health of a dependency whose needed-by iteration and providing feature's iteration are loaded
    (select_related("needed_by_iteration", "providing_feature__iteration"))."""
    needed = dependency.needed_by_iteration
    provided = dependency.providing_feature.iteration if dependency.providing_feature else None
    return dependency_health(
        state=dependency.state,
        needed_by_start=needed.start_date if needed else None,
        needed_by_end=needed.end_date if needed else None,
        provided_start=provided.start_date if provided else None,
        provided_end=provided.end_date if provided else None,
    )


def health_sql(
    *, state: str, needed_by_start: str, needed_by_end: str, provided_start: str, provided_end: str
) -> str:
    """`dependency_health` as an SQL CASE over the given column expressions, for a statement that
    counts the strings of a whole PI without loading each one (the answer to every board move).
    A test runs both over every branch of the rule, so the two cannot drift apart."""
    resolved = ", ".join(f"'{s}'" for s in Dependency.RESOLVED_STATES)
    return (
        "CASE"
        f" WHEN {state} IN ({resolved}) THEN '{Health.RESOLVED.value}'"
        f" WHEN {state} = '{Dependency.State.BLOCKED}' OR {provided_start} IS NULL THEN '{Health.CONFLICT.value}'"
        f" WHEN {needed_by_end} IS NULL THEN '{Health.HEALTHY.value}'"
        f" WHEN {provided_start} > {needed_by_end} THEN '{Health.CONFLICT.value}'"
        f" WHEN {provided_start} >= {needed_by_start} OR {provided_end} >= {needed_by_start}"
        f" THEN '{Health.AT_RISK.value}'"
        f" ELSE '{Health.HEALTHY.value}' END"
    )
