"""Delivery events: deployments, incidents and defects (planning/services/delivery.py)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from trains.models import Team, Train

from . import Feature

# ---------------------------------------------------------------------------------------------------
# Delivery events: deployments, incidents and defects, posted by CI/CD and incident tools through the
# API, imported from CSV or recorded by hand (planning/services/delivery.py). The DORA and quality
# figures of domain.md §4.7 are computed from them by metrics.
# ---------------------------------------------------------------------------------------------------


class DeliverySeverity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class DefectFoundIn(models.TextChoices):
    PRODUCTION = "production", "Production"
    BEFORE_RELEASE = "before_release", "Before release"


def duration_text(span) -> str:
    """A span of time as the Delivery page writes it: "40 min", "5 h 20 min", "3 d 4 h"."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _reference_unique(name: str) -> models.UniqueConstraint:
    # A tool re-posting the same pipeline run or ticket updates its event instead of adding another.
    return models.UniqueConstraint(
        fields=["train", "reference"], condition=~Q(reference=""), name=f"{name}_reference_unique"
    )


class Deployment(models.Model):
    """A change deployed to an environment by a team's pipeline: when, what it carried (first commit
    and merge times, for lead time for change), whether it succeeded and whether it was rolled back.
    Only production deployments count in the DORA figures."""

    PRODUCTION = "production"

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="deployments")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="deployments"
    )
    service = models.CharField(max_length=100)
    environment = models.CharField(max_length=40, default=PRODUCTION)
    deployed_at = models.DateTimeField()
    committed_at = models.DateTimeField(
        null=True, blank=True, help_text="The first commit of the change it carries."
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    succeeded = models.BooleanField(default=True)
    rolled_back = models.BooleanField(default=False)
    reference = models.CharField(
        max_length=200, blank=True, help_text="The pipeline run id or commit SHA the tool knows it by."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["train_id", "-deployed_at", "-pk"]
        indexes = [models.Index(fields=["train", "deployed_at"], name="deployment_train_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(committed_at__isnull=True) | Q(committed_at__lte=F("deployed_at")),
                name="deployment_committed_before_deployed",
                violation_error_message="The first commit cannot come after the deployment.",
            ),
            models.CheckConstraint(
                condition=Q(merged_at__isnull=True) | Q(merged_at__lte=F("deployed_at")),
                name="deployment_merged_before_deployed",
                violation_error_message="The merge cannot come after the deployment.",
            ),
            models.CheckConstraint(condition=~Q(service=""), name="deployment_has_service"),
            models.CheckConstraint(condition=~Q(environment=""), name="deployment_has_environment"),
            _reference_unique("deployment"),
        ]

    def __str__(self) -> str:
        return f"{self.service} to {self.environment} at {self.deployed_at:%Y-%m-%d %H:%M}"

    @property
    def is_production(self) -> bool:
        return self.environment == self.PRODUCTION

    @property
    def failed(self) -> bool:
        return not self.succeeded or self.rolled_back

    @property
    def lead_time_text(self) -> str:
        """Deployed time − the first commit it carries (or its merge where no commit time is given)."""
        start = self.committed_at or self.merged_at
        return duration_text(self.deployed_at - start) if start else ""


class Incident(models.Model):
    """A service degraded or down in production, from its start until service was restored (open
    while `restored_at` is empty); `deployment` names the change that caused it, when known."""

    Severity = DeliverySeverity

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="incidents")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents")
    service = models.CharField(max_length=100)
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    started_at = models.DateTimeField()
    restored_at = models.DateTimeField(null=True, blank=True, help_text="Empty while it is open.")
    deployment = models.ForeignKey(
        Deployment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incidents",
        help_text="The deployment that caused it.",
    )
    reference = models.CharField(
        max_length=200, blank=True, help_text="The incident tool's id (e.g. PagerDuty, Opsgenie)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["train_id", "-started_at", "-pk"]
        indexes = [models.Index(fields=["train", "started_at"], name="incident_train_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=DeliverySeverity.values), name="incident_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(restored_at__isnull=True) | Q(restored_at__gte=F("started_at")),
                name="incident_restored_after_start",
                violation_error_message="Service cannot be restored before the incident started.",
            ),
            models.CheckConstraint(condition=~Q(service=""), name="incident_has_service"),
            models.CheckConstraint(condition=~Q(title=""), name="incident_has_title"),
            models.CheckConstraint(condition=Q(version__gte=1), name="incident_version_positive"),
            _reference_unique("incident"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.restored_at is None

    @property
    def restore_time_text(self) -> str:
        return duration_text(self.restored_at - self.started_at) if self.restored_at else ""


class Defect(models.Model):
    """A defect, where it was found (in production: it escaped; before release: it was caught), the
    feature it belongs to when known, and when it was resolved (open while `resolved_at` is empty)."""

    Severity = DeliverySeverity

    FoundIn = DefectFoundIn

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="defects")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="defects")
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="defects"
    )
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    found_in = models.CharField(max_length=16, choices=FoundIn.choices, default=FoundIn.BEFORE_RELEASE)
    found_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="Empty while it is open.")
    reference = models.CharField(max_length=200, blank=True, help_text="The tracker's key of the defect.")
    created_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["train_id", "-found_at", "-pk"]
        indexes = [models.Index(fields=["train", "found_at"], name="defect_train_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=DeliverySeverity.values), name="defect_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(found_in__in=DefectFoundIn.values), name="defect_found_in_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("found_at")),
                name="defect_resolved_after_found",
                violation_error_message="A defect cannot be resolved before it was found.",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="defect_has_title"),
            models.CheckConstraint(condition=Q(version__gte=1), name="defect_version_positive"),
            _reference_unique("defect"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
