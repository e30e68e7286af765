from django.conf import settings
from django.db import models
from django.db.models import Q

from planning.models import Milestone, ProgramIncrement
from trains.models import Team, Train


class SnapshotMetric(models.TextChoices):
    PREDICTABILITY = "predictability", "Predictability %"
    CONFIDENCE = "confidence", "Confidence vote"
    LOAD = "load", "Load vs capacity"
    FLOW_VELOCITY = "flow_velocity", "Flow velocity"
    FLOW_TIME = "flow_time", "Flow time"
    FLOW_LOAD = "flow_load", "Flow load"
    FLOW_EFFICIENCY = "flow_efficiency", "Flow efficiency"
    FLOW_DISTRIBUTION = "flow_distribution", "Flow distribution"
    CARRY_OVER = "carry_over", "Carry-over %"
    ITERATION_COMPLETION = "iteration_completion", "Iteration completion %"
    DEPENDENCY_AGING = "dependency_aging", "Dependency aging"
    BLOCKER_RESOLUTION = "blocker_resolution", "Blocker resolution time"
    IMPROVEMENT_THROUGHPUT = "improvement_throughput", "Improvement throughput"
    FORECAST = "forecast", "Forecast"
    CUMULATIVE_FLOW = "cumulative_flow", "Cumulative flow"
    BURN_UP = "burn_up", "Burn-up"
    DEPLOYMENT_FREQUENCY = "deployment_frequency", "Deployment frequency"
    LEAD_TIME_FOR_CHANGE = "lead_time_for_change", "Lead time for change"
    CHANGE_FAILURE_RATE = "change_failure_rate", "Change failure rate"
    TIME_TO_RESTORE = "time_to_restore", "Time to restore"
    DEFECT_ESCAPE_RATE = "defect_escape_rate", "Defect escape rate"


class Snapshot(models.Model):
    """One computed figure (domain.md §4) for a train's PI, or one of its teams, on one day.

    Keyed by (PI, team, metric, day) so that recomputing upserts: running the same computation
    twice leaves the same rows, and earlier days are kept for trends.
    """

    Metric = SnapshotMetric

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="snapshots")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="snapshots")
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="snapshots",
        help_text="Empty: ART.",
    )
    metric = models.CharField(max_length=24, choices=Metric.choices)
    day = models.DateField()
    value = models.FloatField(null=True, blank=True, help_text="The headline number; empty when undefined.")
    data = models.JSONField(
        default=dict, blank=True, help_text="The inputs and the breakdown behind the value."
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["pi_id", "metric", "team_id", "day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(metric__in=SnapshotMetric.values), name="snapshot_metric_valid"
            ),
            models.UniqueConstraint(
                fields=["pi", "team", "metric", "day"],
                condition=Q(team__isnull=False),
                name="snapshot_team_key",
            ),
            models.UniqueConstraint(
                fields=["pi", "metric", "day"], condition=Q(team__isnull=True), name="snapshot_art_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pi} · {self.team or 'ART'} · {self.metric} · {self.day}"


class PIRecompute(models.Model):
    """Whether a PI's figures are behind its plan, and the state of the recompute that catches up.

    Every change notification bumps `change_seq`; a recompute remembers the `change_seq` it started
    from in `computed_seq` once its snapshots are written, so the figures cover every change up to
    that number and the PI is stale while `change_seq > computed_seq`. Counters rather than
    timestamps: the web and worker machines need not agree on the time.

    `queued_at` is the coalescing token: set by whoever enqueues a recompute (an atomic
    conditional UPDATE, so a burst of changes enqueues one task) and cleared when the task starts,
    so that a change arriving during a run enqueues exactly one follow-up.
    """

    pi = models.OneToOneField(
        ProgramIncrement, on_delete=models.CASCADE, primary_key=True, related_name="metrics_recompute"
    )
    change_seq = models.PositiveBigIntegerField(default=0, help_text="Bumped by every change notification.")
    computed_seq = models.PositiveBigIntegerField(
        default=0, help_text="The change_seq the last completed recompute covers."
    )
    stale_since = models.DateTimeField(
        null=True, blank=True, help_text="First change not yet covered by the figures."
    )
    queued_at = models.DateTimeField(null=True, blank=True, help_text="A recompute is waiting in the queue.")
    running_since = models.DateTimeField(null=True, blank=True)
    last_computed_at = models.DateTimeField(null=True, blank=True)
    runs = models.PositiveIntegerField(default=0, help_text="Completed recomputes.")
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PI recompute"
        constraints = [
            models.CheckConstraint(
                condition=Q(computed_seq__lte=models.F("change_seq")),
                name="pi_recompute_covers_known_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"Figures of {self.pi}"

    @property
    def is_stale(self) -> bool:
        return self.change_seq > self.computed_seq


# ---------------------------------------------------------------------------------------------------
# Release readiness (issue 16, part 4): a release milestone's go/no-go checklist, its criteria and the
# decisions recorded on it. Written by metrics/releases/services.py; the computed criteria read the
# plan, the board's dependency health, delivery events and system demos live (releases/selectors.py).
# ---------------------------------------------------------------------------------------------------


class ReleaseChecklist(models.Model):
    """The go/no-go checklist of one release milestone.

    `teams` limits the release's scope (its features, dependencies, defects and incidents) to the
    teams picked; none picked means every team of the train. `version` is bumped by every change to
    the checklist as a whole (its scope, a criterion added or removed, a decision), so a decision is
    refused when the checklist changed since the person deciding looked at it.
    """

    milestone = models.OneToOneField(Milestone, on_delete=models.CASCADE, related_name="release_checklist")
    teams = models.ManyToManyField(
        Team, blank=True, related_name="release_checklists", help_text="Empty: every team of the train."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["milestone__date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="release_checklist_version_positive"),
        ]

    def __str__(self) -> str:
        return f"Go/no-go checklist of {self.milestone.name}"


class ReleaseCriterionKind(models.TextChoices):
    FEATURES_DONE = "features_done", "Features done"
    DEPENDENCIES_CLEAR = "dependencies_clear", "Red dependencies cleared"
    CRITICAL_DEFECTS = "critical_defects", "No open critical defects"
    CRITICAL_INCIDENTS = "critical_incidents", "No open critical incidents"
    DEMO_ACCEPTED = "demo_accepted", "System demo accepted"
    CUSTOM = "custom", "Custom"


class ReleaseCriterionStatus(models.TextChoices):
    # A computed criterion is "from live data" unless the RTE marks it not applicable.
    AUTO = "auto", "From live data"
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    AT_RISK = "at_risk", "At risk"
    NOT_APPLICABLE = "na", "Not applicable"


class ReleaseCriterion(models.Model):
    """One line of a go/no-go checklist: a computed check read from live data, or a custom one whose
    status its owner or the RTE sets. Each computed kind appears at most once per checklist."""

    Kind = ReleaseCriterionKind

    Status = ReleaseCriterionStatus

    checklist = models.ForeignKey(ReleaseChecklist, on_delete=models.CASCADE, related_name="criteria")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="release_criteria",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NOT_MET)
    note = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["checklist_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ReleaseCriterionKind.values), name="release_criterion_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReleaseCriterionStatus.values), name="release_criterion_status_valid"
            ),
            # A computed criterion's status comes from the data (or it does not apply); a custom
            # one has no data to come from, so it always carries a status of its own.
            models.CheckConstraint(
                condition=(Q(kind="custom") & ~Q(status="auto"))
                | (~Q(kind="custom") & Q(status__in=["auto", "na"])),
                name="release_criterion_status_fits_kind",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="release_criterion_has_title"),
            models.CheckConstraint(condition=Q(version__gte=1), name="release_criterion_version_positive"),
            models.UniqueConstraint(
                fields=["checklist", "kind"],
                condition=~Q(kind="custom"),
                name="release_criterion_computed_once",
                violation_error_message="This checklist already has that criterion.",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_computed(self) -> bool:
        return self.kind != ReleaseCriterionKind.CUSTOM


class ReleaseDecisionOutcome(models.TextChoices):
    GO = "go", "Go"
    GO_WITH_CONDITIONS = "go_with_conditions", "Go with conditions"
    NO_GO = "no_go", "No-go"


class ReleaseDecision(models.Model):
    """A go/no-go decision on a release, by whom, when and why. Decisions are only ever added: the
    log keeps every one and the latest stands. The readiness the decider saw is kept with it."""

    Outcome = ReleaseDecisionOutcome

    checklist = models.ForeignKey(ReleaseChecklist, on_delete=models.CASCADE, related_name="decisions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.TextField()
    conditions = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField()
    readiness = models.FloatField(
        null=True, blank=True, help_text="Readiness % of the checklist when decided; empty: no figure."
    )

    class Meta:
        ordering = ["checklist_id", "-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=ReleaseDecisionOutcome.values), name="release_decision_outcome_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="release_decision_has_reason"),
            models.CheckConstraint(
                condition=~Q(outcome="go_with_conditions") | ~Q(conditions=""),
                name="release_decision_conditions_stated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for {self.checklist.milestone.name}"
