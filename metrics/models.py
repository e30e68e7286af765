from django.db import models
from django.db.models import Q

from planning.models import ProgramIncrement
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
