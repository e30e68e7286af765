from django.conf import settings
from django.db import models
from django.db.models import F, Q

from trains.limits import DAY_OUT_OF_RANGE, EARLIEST_DAY, LATEST_DAY
from trains.models import Team, Train

from ..calculations import FIBONACCI  # the modified Fibonacci scale of WSJF inputs (domain.md §4.4)

FIBONACCI_CHOICES = [(n, str(n)) for n in FIBONACCI]


class ProgramIncrementState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PLANNING = "planning", "Planning"
    EXECUTING = "executing", "Executing"
    CLOSED = "closed", "Closed"


class ProgramIncrement(models.Model):
    """A PI: 4–5 development iterations plus an Innovation & Planning iteration."""

    State = ProgramIncrementState

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="pis")
    name = models.CharField(max_length=60)
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.DRAFT)
    committed_at = models.DateTimeField(null=True, blank=True, help_text="When the plan was committed.")
    business_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="business_owner_of_pis",
        help_text="The train's Business Owners taking part in this PI's planning.",
    )
    # Bumped by every board change, so open boards can ask "what changed since version N" cheaply.
    board_version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["train_id", "start_date"]
        verbose_name = "program increment"
        constraints = [
            models.UniqueConstraint(fields=["train", "name"], name="pi_name_unique_in_train"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="pi_ends_after_start"),
            models.CheckConstraint(
                condition=Q(state__in=ProgramIncrementState.values), name="pi_state_valid"
            ),
            # Its iterations lie inside it (triggers of migration 0002), so theirs are in range too.
            models.CheckConstraint(
                condition=Q(start_date__gte=EARLIEST_DAY, end_date__lte=LATEST_DAY),
                name="pi_dates_in_range",
                violation_error_message=DAY_OUT_OF_RANGE,
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        """A closed PI is the train's record of what happened: nothing in it changes until the RTE
        reopens it (planning.services.common.require_open refuses, the pages show it read-only)."""
        return self.state == ProgramIncrementState.CLOSED


class BoardChangeKind(models.TextChoices):
    FEATURE = "feature", "Feature"
    DEPENDENCY = "dependency", "Dependency"
    # Anything else a board shows (teams, iterations, milestones, objectives…): boards reload.
    BOARD = "board", "Whole board"


class BoardChange(models.Model):
    """What one step of a PI's board version changed, so that an open board fetches that alone
    (planning.selectors.board.board_delta). Written with the bump, in its transaction; kept while
    the PI is open (closing it deletes them: a closed board never changes)."""

    Kind = BoardChangeKind

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["pi", "version"], name="board_change_since")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=BoardChangeKind.BOARD, object_id__isnull=True)
                | Q(kind__in=[BoardChangeKind.FEATURE, BoardChangeKind.DEPENDENCY], object_id__isnull=False),
                name="board_change_names_its_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pi_id} v{self.version}: {self.kind} {self.object_id or ''}".rstrip()


def iteration_label(number: int, is_ip: bool) -> str:
    """How every screen names an iteration ("I3", "IP"), also from plain values read without the model."""
    return "IP" if is_ip else f"I{number}"


class Iteration(models.Model):
    """One timebox of a PI; the last is the IP iteration. Its dates lie inside the PI's.

    "Inside the PI" spans two tables, so the database enforces it with triggers (migration
    planning 0002) rather than a CHECK constraint.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="iterations")
    number = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    is_ip = models.BooleanField("innovation & planning", default=False)

    class Meta:
        ordering = ["pi_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pi", "number"], name="iteration_number_unique_in_pi"),
            models.CheckConstraint(condition=Q(number__gte=1), name="iteration_number_positive"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="iteration_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pi.name} · {self.label}"

    @property
    def label(self) -> str:
        return iteration_label(self.number, self.is_ip)


class FeatureKind(models.TextChoices):
    FEATURE = "feature", "Feature"
    ENABLER = "enabler", "Enabler"
    DEFECT = "defect", "Defect"
    DEBT = "debt", "Tech debt"


class FeatureState(models.TextChoices):
    FUNNEL = "funnel", "Funnel"
    ANALYZING = "analyzing", "Analyzing"
    BACKLOG = "backlog", "Backlog"
    IMPLEMENTING = "implementing", "Implementing"
    VALIDATING = "validating", "Validating"
    DEPLOYING = "deploying", "Deploying"
    RELEASING = "releasing", "Releasing"
    DONE = "done", "Done"


class Feature(models.Model):
    """A unit of value that fits in one PI, owned by one team; enablers build runway.

    `version` is bumped by every write (optimistic concurrency): a change based on an older
    version is refused, never applied on top of someone else's edit.
    """

    Kind = FeatureKind

    State = FeatureState

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="features")
    pi = models.ForeignKey(
        ProgramIncrement, on_delete=models.SET_NULL, null=True, blank=True, related_name="features"
    )
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="features")
    iteration = models.ForeignKey(
        Iteration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="features",
        help_text="The iteration the team plans to finish it in.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    acceptance_criteria = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.FEATURE)
    state = models.CharField(max_length=14, choices=State.choices, default=State.FUNNEL)
    business_value = models.PositiveSmallIntegerField(
        "user-business value", null=True, blank=True, choices=FIBONACCI_CHOICES
    )
    time_criticality = models.PositiveSmallIntegerField(null=True, blank=True, choices=FIBONACCI_CHOICES)
    risk_reduction = models.PositiveSmallIntegerField(
        "risk reduction / opportunity enablement", null=True, blank=True, choices=FIBONACCI_CHOICES
    )
    job_size = models.PositiveSmallIntegerField(null=True, blank=True, choices=FIBONACCI_CHOICES)
    is_blocked = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    state_changed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="First entry into Implementing.")
    done_at = models.DateTimeField(null=True, blank=True)
    external_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The issue key in Jira or Azure DevOps it was imported from.",
    )

    class Meta:
        ordering = ["train_id", "pi_id", "team_id", "iteration_id", "title"]
        indexes = [models.Index(fields=["pi", "team", "iteration"], name="feature_board_cell")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FeatureKind.values), name="feature_kind_valid"),
            models.CheckConstraint(condition=Q(state__in=FeatureState.values), name="feature_state_valid"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__in": FIBONACCI}),
                    name=f"feature_{name}_fibonacci",
                )
                for name in ("business_value", "time_criticality", "risk_reduction", "job_size")
            ],
            models.CheckConstraint(
                condition=Q(iteration__isnull=True) | Q(pi__isnull=False), name="feature_iteration_needs_pi"
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(done_at__isnull=False), name="feature_done_has_done_at"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="feature_version_positive"),
            # An import updates by the tracker's key: one feature per key and train, never a duplicate.
            models.UniqueConstraint(
                fields=["train", "external_key"],
                condition=~Q(external_key=""),
                name="feature_external_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cost_of_delay(self) -> int | None:
        inputs = (self.business_value, self.time_criticality, self.risk_reduction)
        return None if None in inputs else sum(inputs)

    @property
    def wsjf(self) -> float | None:
        cost = self.cost_of_delay
        return None if cost is None or not self.job_size else cost / self.job_size


class FeatureStateChange(models.Model):
    """One move of a feature through the Kanban; flow time and cumulative flow are built from these."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=14, choices=Feature.State.choices, blank=True)
    to_state = models.CharField(max_length=14, choices=Feature.State.choices)
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["feature_id", "changed_at", "pk"]
        indexes = [models.Index(fields=["feature", "changed_at"], name="feature_state_change_time")]
        constraints = [
            models.CheckConstraint(condition=~Q(from_state=F("to_state")), name="state_change_changes_state"),
        ]

    def __str__(self) -> str:
        return f"{self.feature}: {self.from_state or '∅'} → {self.to_state}"


class FeatureBlockedPeriod(models.Model):
    """A stretch of time the feature's blocked flag was set; flow efficiency counts it as waiting."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="blocked_periods")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["feature_id", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="blocked_period_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["feature"], condition=Q(ended_at__isnull=True), name="blocked_period_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.feature} blocked from {self.started_at:%Y-%m-%d}"


class StoryState(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class Story(models.Model):
    """A small piece of a feature, estimated in points, planned by a team into an iteration."""

    State = StoryState

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="stories")
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    iteration = models.ForeignKey(
        Iteration, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories"
    )
    title = models.CharField(max_length=200)
    points = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=12, choices=State.choices, default=State.TODO)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    external_key = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The issue key in Jira or Azure DevOps it was imported from.",
    )

    class Meta:
        ordering = ["team_id", "iteration_id", "pk"]
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["team", "iteration"], name="story_team_iteration")]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=0), name="story_points_not_negative"),
            models.CheckConstraint(condition=Q(state__in=StoryState.values), name="story_state_valid"),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(done_at__isnull=False), name="story_done_has_done_at"
            ),
            # A story has no train of its own: unique per team here, per train in the import's lookup.
            models.UniqueConstraint(
                fields=["team", "external_key"],
                condition=~Q(external_key=""),
                name="story_external_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MilestoneKind(models.TextChoices):
    RELEASE = "release", "Release"
    TRADE_SHOW = "trade_show", "Trade show"
    AUDIT = "audit", "Audit"
    EXTERNAL_DELIVERY = "external_delivery", "External delivery"
    EVENT = "event", "Event"


class Milestone(models.Model):
    """A fixed date on the board: a release, a trade show, an audit, an external delivery."""

    Kind = MilestoneKind

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=120)
    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RELEASE)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pi_id", "date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MilestoneKind.values), name="milestone_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class DependencyKind(models.TextChoices):
    FEATURE = "feature", "Feature"
    ARCHITECTURAL = "architectural", "Architectural"
    DATA = "data", "Data"
    PLATFORM = "platform", "Platform"
    EXTERNAL = "external", "External"


class DependencyState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    COMMITTED = "committed", "Committed"
    DELIVERED = "delivered", "Delivered"
    BLOCKED = "blocked", "Blocked"
    CANCELLED = "cancelled", "Cancelled"


class Dependency(models.Model):
    """The requesting team needs something from the providing team by an iteration."""

    Kind = DependencyKind

    State = DependencyState

    RESOLVED_STATES = (State.DELIVERED, State.CANCELLED)

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="dependencies")
    requesting_team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dependencies_requested")
    providing_team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dependencies_provided")
    requesting_feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="dependencies_requested"
    )
    providing_feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="dependencies_provided"
    )
    needed_by_iteration = models.ForeignKey(
        Iteration, on_delete=models.SET_NULL, null=True, blank=True, related_name="dependencies_needed"
    )
    description = models.CharField(max_length=240)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.FEATURE)
    state = models.CharField(max_length=12, choices=State.choices, default=State.REQUESTED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dependencies",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pi_id", "needed_by_iteration_id", "pk"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.CheckConstraint(
                condition=~Q(requesting_team=F("providing_team")),
                name="dependency_not_to_own_team",
                violation_error_message="A team cannot depend on itself: choose another providing team.",
            ),
            models.CheckConstraint(condition=Q(kind__in=DependencyKind.values), name="dependency_kind_valid"),
            models.CheckConstraint(
                condition=Q(state__in=DependencyState.values), name="dependency_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["delivered", "cancelled"]) | Q(resolved_at__isnull=False),
                name="dependency_resolved_has_time",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="dependency_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.requesting_team} needs {self.description} from {self.providing_team}"


class PIObjective(models.Model):
    """A team's business-outcome statement for a PI, committed or uncommitted.

    Business Owners assign planned business value 1–10 during planning and score the actual
    value 0–10 at the end; predictability (domain.md §4.1) is computed from these two numbers.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="objectives")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="objectives")
    text = models.CharField(max_length=300)
    is_committed = models.BooleanField(default=True)
    planned_business_value = models.PositiveSmallIntegerField(null=True, blank=True)
    actual_business_value = models.PositiveSmallIntegerField(null=True, blank=True)
    features = models.ManyToManyField(Feature, blank=True, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pi_id", "team_id", "-is_committed", "position", "pk"]
        verbose_name = "PI objective"
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_business_value__isnull=True)
                | Q(planned_business_value__gte=1, planned_business_value__lte=10),
                name="objective_planned_bv_1_to_10",
                violation_error_message="Planned business value is a whole number from 1 to 10.",
            ),
            models.CheckConstraint(
                condition=Q(actual_business_value__isnull=True)
                | Q(actual_business_value__gte=0, actual_business_value__lte=10),
                name="objective_actual_bv_0_to_10",
                violation_error_message="Actual business value is a whole number from 0 to 10.",
            ),
        ]

    def __str__(self) -> str:
        return self.text


class VoteRound(models.Model):
    """One confidence vote (fist of five) on a team's plan, or on the ART's plan when team is empty.

    The RTE opens it and closes it. A plan that needs rework is voted on again in a new round, so
    the first result is kept rather than overwritten; figures use a scope's latest round.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="vote_rounds")
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="vote_rounds",
        help_text="Empty: ART.",
    )
    number = models.PositiveSmallIntegerField(default=1)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pi_id", "team_id", "number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="vote_round_number_positive"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_at__gte=F("opened_at")),
                name="vote_round_closes_after_opening",
            ),
            models.UniqueConstraint(
                fields=["pi", "team", "number"],
                condition=Q(team__isnull=False),
                name="vote_round_number_team",
            ),
            models.UniqueConstraint(
                fields=["pi", "number"], condition=Q(team__isnull=True), name="vote_round_number_art"
            ),
            models.UniqueConstraint(
                fields=["pi", "team"],
                condition=Q(team__isnull=False, closed_at__isnull=True),
                name="vote_round_one_open_per_team",
                violation_error_message="A vote on this plan is already open.",
            ),
            models.UniqueConstraint(
                fields=["pi"],
                condition=Q(team__isnull=True, closed_at__isnull=True),
                name="vote_round_one_open_for_art",
                violation_error_message="A vote on the ART's plan is already open.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pi.name} · {self.team or 'ART'} · round {self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class ConfidenceVote(models.Model):
    """One participant's fist-of-five score (1–5) in a vote round; changeable while it is open."""

    round = models.ForeignKey(VoteRound, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="confidence_votes"
    )
    score = models.PositiveSmallIntegerField()
    concern = models.TextField(blank=True, help_text="Asked of every voter scoring 1 or 2.")
    cast_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round_id", "voter_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5),
                name="vote_score_1_to_5",
                violation_error_message="A confidence vote is 1 (no confidence) to 5 (very confident).",
            ),
            models.UniqueConstraint(
                fields=["round", "voter"],
                name="vote_once_per_round",
                violation_error_message="You have already voted in this round: change your vote instead.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter} → {self.score} ({self.round})"


class PlanBaseline(models.Model):
    """The plan as committed at the end of PI Planning, kept as a snapshot.

    A snapshot (not foreign keys) because the point is to remember what the plan *was*: features per
    team and iteration, objectives with their planned value, dependencies. Execution is compared
    against the latest baseline; recommitting during planning adds a new one.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="baselines")
    committed_at = models.DateTimeField()
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan = models.JSONField(help_text="features, objectives and dependencies as they stood when committed")

    class Meta:
        ordering = ["pi_id", "-committed_at", "-pk"]
        get_latest_by = "committed_at"

    def __str__(self) -> str:
        return f"{self.pi.name} baseline of {self.committed_at:%Y-%m-%d %H:%M}"


class PIReopening(models.Model):
    """The RTE reopened a closed PI, and why: a closed PI is a record reported to leadership, so
    every reopening stays on it (the PI's page lists them) and is never edited or deleted."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="reopenings")
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The RTE who reopened it (empty: a system task).",
    )
    reopened_at = models.DateTimeField()
    reason = models.TextField(help_text="Why the closed record had to change.")

    class Meta:
        ordering = ["pi_id", "-reopened_at", "-pk"]
        verbose_name = "PI reopening"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="pi_reopening_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.pi.name} reopened on {self.reopened_at:%Y-%m-%d %H:%M}"


class TeamCapacity(models.Model):
    """A team's capacity in one iteration: 8 × FTE − days off, unless the team overrides it."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="capacities")
    iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, related_name="capacities")
    fte = models.DecimalField("FTE (developers and testers)", max_digits=5, decimal_places=2)
    days_off = models.PositiveSmallIntegerField("person-days off", default=0)
    capacity_override = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Points to plan with instead of the default (e.g. measured velocity).",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["team_id", "iteration_id"]
        verbose_name_plural = "team capacities"
        constraints = [
            models.UniqueConstraint(fields=["team", "iteration"], name="capacity_once_per_team_iteration"),
            models.CheckConstraint(condition=Q(fte__gte=0), name="capacity_fte_not_negative"),
            models.CheckConstraint(condition=Q(days_off__gte=0), name="capacity_days_off_not_negative"),
            models.CheckConstraint(
                condition=Q(capacity_override__isnull=True) | Q(capacity_override__gte=0),
                name="capacity_override_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.team} · {self.iteration.label}: {self.capacity_points:g} pts"

    @property
    def default_capacity(self) -> float:
        return max(0.0, 8 * float(self.fte) - self.days_off)

    @property
    def capacity_points(self) -> float:
        return float(self.capacity_override) if self.capacity_override is not None else self.default_capacity


class ImportSource(models.TextChoices):
    JIRA = "jira", "Jira CSV (all fields)"
    AZURE = "azure", "Azure DevOps CSV"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded (dry run)"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Applying"
    APPLIED = "applied", "Applied"
    REFUSED = "refused", "Refused: nothing imported"


class ImportRun(models.Model):
    """A tracker's CSV export uploaded for import into a PI (planning/imports): kept between its dry
    run and its apply, with the person's mapping, and the progress and outcome of the apply (a large
    file is applied by a worker while the page shows how far it got)."""

    Source = ImportSource

    Status = ImportStatus

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="import_runs")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="import_runs")
    source = models.CharField(max_length=8, choices=Source.choices)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(help_text="The file as uploaded; read as a stream, row by row.")
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True, help_text="Counts and problems of the last run.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=ImportSource.values), name="import_run_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values), name="import_run_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} import into {self.pi}"


# Delivery events, a sub-domain of their own (imported last: they point at Feature).
from .delivery import (  # noqa: E402, F401  (re-exported: planning.models is the one place to import from)
    Defect,
    DefectFoundIn,
    DeliverySeverity,
    Deployment,
    Incident,
    duration_text,
)
