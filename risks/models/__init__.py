from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from planning.models import ConfidenceVote, Dependency, Feature, Iteration, PIObjective, ProgramIncrement
from trains.models import Team, Train

SCALE_1_TO_5 = [(1, "1 – very low"), (2, "2 – low"), (3, "3 – medium"), (4, "4 – high"), (5, "5 – very high")]


class RiskRoam(models.TextChoices):
    UNROAMED = "unroamed", "Un-ROAMed"
    RESOLVED = "resolved", "Resolved"
    OWNED = "owned", "Owned"
    ACCEPTED = "accepted", "Accepted"
    MITIGATED = "mitigated", "Mitigated"


class Risk(models.Model):
    """A risk to the PI's plan, at team level or (team empty) at ART level, until it is ROAMed."""

    Roam = RiskRoam

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="risks")
    pi = models.ForeignKey(
        ProgramIncrement, on_delete=models.SET_NULL, null=True, blank=True, related_name="risks"
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks",
        help_text="Empty: ART level.",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    roam_status = models.CharField("ROAM", max_length=10, choices=Roam.choices, default=Roam.UNROAMED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_risks"
    )
    impact = models.PositiveSmallIntegerField(choices=SCALE_1_TO_5, default=3)
    likelihood = models.PositiveSmallIntegerField(choices=SCALE_1_TO_5, default=3)
    due_date = models.DateField(null=True, blank=True)
    mitigation_plan = models.TextField(blank=True)
    features = models.ManyToManyField(Feature, blank=True, related_name="risks")
    dependencies = models.ManyToManyField(Dependency, blank=True, related_name="risks")
    objectives = models.ManyToManyField(PIObjective, blank=True, related_name="risks")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raised_risks",
    )
    origin_team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risks_raised_to_art",
        help_text="The team whose risk this was before it was raised to the ART board.",
    )
    raised_to_art_at = models.DateTimeField(null=True, blank=True)
    from_vote = models.OneToOneField(
        ConfidenceVote,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk",
        help_text="The low confidence vote whose concern this risk was raised from.",
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["train_id", "roam_status", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(roam_status__in=RiskRoam.values), name="risk_roam_valid"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5), name="risk_impact_1_to_5"),
            models.CheckConstraint(
                condition=Q(likelihood__gte=1, likelihood__lte=5), name="risk_likelihood_1_to_5"
            ),
            # SAFe: "Owned" means somebody took it on; it cannot be owned by nobody.
            models.CheckConstraint(
                condition=~Q(roam_status="owned") | Q(owner__isnull=False), name="risk_owned_has_owner"
            ),
            models.CheckConstraint(
                condition=~Q(roam_status="mitigated") | ~Q(mitigation_plan=""), name="risk_mitigated_has_plan"
            ),
            # Only an ART-level risk (no team) remembers the team it was raised from.
            models.CheckConstraint(
                condition=Q(origin_team__isnull=True) | Q(team__isnull=True),
                name="risk_origin_team_only_at_art_level",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="risk_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def exposure(self) -> int:
        return self.impact * self.likelihood

    @property
    def is_art_level(self) -> bool:
        return self.team_id is None

    @property
    def is_open(self) -> bool:
        """Still a concern: everything but Resolved."""
        return self.roam_status != RiskRoam.RESOLVED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()

    @property
    def is_unowned(self) -> bool:
        return self.is_open and self.owner_id is None


class RiskRoamChange(models.Model):
    """One move of a risk on the ROAM board: the risk's history."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="roam_changes")
    from_status = models.CharField(max_length=10, choices=Risk.Roam.choices)
    to_status = models.CharField(max_length=10, choices=Risk.Roam.choices)
    note = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["risk_id", "changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.risk}: {self.from_status} → {self.to_status}"


class ImpedimentSeverity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class ImpedimentStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    ESCALATED = "escalated", "Escalated"
    RESOLVED = "resolved", "Resolved"


class ImpedimentLevel(models.TextChoices):
    TEAM = "team", "Team"
    ART = "art", "ART"
    PORTFOLIO = "portfolio", "Portfolio"


class Impediment(models.Model):
    """Something blocking a team now, raised by its Scrum Master and escalated when it persists."""

    Severity = ImpedimentSeverity

    Status = ImpedimentStatus

    Level = ImpedimentLevel

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="impediments")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="impediments")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    escalation_level = models.CharField(max_length=10, choices=Level.choices, default=Level.TEAM)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_impediments",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raised_impediments",
    )
    blocked_features = models.ManyToManyField(Feature, blank=True, related_name="impediments")
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["train_id", "raised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__in=ImpedimentSeverity.values), name="impediment_severity_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImpedimentStatus.values), name="impediment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__in=ImpedimentLevel.values), name="impediment_level_valid"
            ),
            # Blocker resolution time (domain.md §4.6) needs both ends: resolved ⇔ resolved_at.
            models.CheckConstraint(
                condition=(Q(status="resolved") & Q(resolved_at__isnull=False))
                | (~Q(status="resolved") & Q(resolved_at__isnull=True)),
                name="impediment_resolved_iff_resolved_at",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=F("raised_at")),
                name="impediment_resolved_after_raised",
            ),
            models.CheckConstraint(
                condition=~Q(status="escalated") | ~Q(escalation_level="team"),
                name="impediment_escalated_above_team",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="impediment_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_resolved(self) -> bool:
        return self.status == ImpedimentStatus.RESOLVED

    @property
    def last_escalation(self):
        """The latest escalation (uses prefetched escalations when they are there)."""
        escalations = list(self.escalations.all())
        return max(escalations, key=lambda e: (e.escalated_at, e.pk)) if escalations else None


class ImpedimentEscalation(models.Model):
    """One escalation of an impediment (team → ART → portfolio), with the note that explains it."""

    impediment = models.ForeignKey(Impediment, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.CharField(max_length=10, choices=Impediment.Level.choices)
    to_level = models.CharField(max_length=10, choices=Impediment.Level.choices)
    note = models.TextField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    escalated_at = models.DateTimeField()

    class Meta:
        ordering = ["impediment_id", "escalated_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(note=""), name="escalation_has_note"),
            models.CheckConstraint(condition=~Q(from_level=F("to_level")), name="escalation_changes_level"),
        ]

    def __str__(self) -> str:
        return f"{self.impediment}: {self.from_level} → {self.to_level}"


class ImprovementItemStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    PLANNED = "planned", "Taken into a PI"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"


class ImprovementItem(models.Model):
    """An improvement from Inspect & Adapt, taken into a later PI's backlog and tracked to done."""

    Status = ImprovementItemStatus

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="improvement_items")
    source_pi = models.ForeignKey(
        ProgramIncrement,
        on_delete=models.CASCADE,
        related_name="improvements_raised",
        help_text="The I&A it came from.",
    )
    target_pi = models.ForeignKey(
        ProgramIncrement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvements_taken",
        help_text="The PI whose backlog it was taken into.",
    )
    feature = models.OneToOneField(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="improvement_item"
    )
    source_problem = models.ForeignKey(
        "Problem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
        help_text="The workshop problem it answers.",
    )
    title = models.CharField(max_length=200)
    problem = models.TextField(
        blank=True, help_text="The problem statement it answers, when it has no workshop problem."
    )
    root_causes = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    votes = models.PositiveSmallIntegerField(
        default=0, help_text="Workshop votes, for items recorded without a workshop problem."
    )
    created_at = models.DateTimeField()
    taken_at = models.DateTimeField(null=True, blank=True, help_text="When it was taken into a PI.")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["train_id", "source_pi_id", "-votes", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ImprovementItemStatus.values), name="improvement_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False), name="improvement_done_has_done_at"
            ),
            models.CheckConstraint(
                condition=Q(target_pi__isnull=True) | ~Q(target_pi=F("source_pi")),
                name="improvement_taken_into_later_pi",
            ),
            # "Taken into a PI" names the PI.
            models.CheckConstraint(
                condition=~Q(status="planned") | Q(target_pi__isnull=False),
                name="improvement_planned_has_target_pi",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def feature_done(self) -> bool:
        return self.feature is not None and self.feature.state == Feature.State.DONE

    @property
    def is_complete(self) -> bool:
        """Done by its own status, or because the enabler it became in the next PI is done."""
        return self.status == ImprovementItemStatus.DONE or self.feature_done


class ArtSync(models.Model):
    """One weekly ART Sync meeting (Coach Sync + PO Sync)."""

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="art_syncs")
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="art_syncs")
    held_on = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["train_id", "-held_on"]
        verbose_name = "ART Sync"
        constraints = [models.UniqueConstraint(fields=["train", "held_on"], name="art_sync_once_a_day")]

    def __str__(self) -> str:
        return f"ART Sync {self.held_on}"


class ActionItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class ActionItem(models.Model):
    """An action captured in an ART Sync, carried to the next sync until done."""

    Status = ActionItemStatus

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="action_items")
    raised_in = models.ForeignKey(ArtSync, on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="action_items")
    due_date = models.DateField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["train_id", "status", "due_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionItemStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_at__isnull=False))
                | (Q(status="open") & Q(done_at__isnull=True)),
                name="action_done_iff_done_at",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SystemDemo(models.Model):
    """The system demo of one iteration: the integrated increment shown to the train's stakeholders.

    Demo readiness = % of the planned demo items shown as expected.
    """

    iteration = models.OneToOneField(Iteration, on_delete=models.CASCADE, related_name="system_demo")
    held_on = models.DateField(null=True, blank=True, help_text="The day of the demo.")
    notes = models.TextField(blank=True, help_text="Feedback from the stakeholders.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["iteration_id"]
        verbose_name = "system demo"

    def __str__(self) -> str:
        return f"System demo {self.iteration}"


class DemoItemOutcome(models.TextChoices):
    PLANNED = "planned", "Not shown yet"
    SHOWN = "shown", "Shown as expected"
    ISSUES = "issues", "Shown with issues"
    NOT_SHOWN = "not_shown", "Not shown"


class DemoItem(models.Model):
    """One thing planned for a system demo (usually a feature), and how it went."""

    Outcome = DemoItemOutcome

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="items")
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="demo_items"
    )
    title = models.CharField(max_length=200)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PLANNED)
    feedback = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["demo_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DemoItemOutcome.values), name="demo_item_outcome_valid"
            ),
            models.CheckConstraint(condition=~Q(title=""), name="demo_item_has_title"),
            models.UniqueConstraint(
                fields=["demo", "feature"], condition=Q(feature__isnull=False), name="demo_item_feature_once"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DemoFollowUp(models.Model):
    """A follow-up agreed at a system demo, with an owner, tracked until done."""

    Status = ActionItemStatus

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="follow_ups")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="demo_follow_ups",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["demo_id", "status", "due_date", "pk"]
        verbose_name = "demo follow-up"
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ActionItemStatus.values), name="follow_up_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(status="done") & Q(done_at__isnull=False))
                | (Q(status="open") & Q(done_at__isnull=True)),
                name="follow_up_done_iff_done_at",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="follow_up_has_title"),
        ]

    def __str__(self) -> str:
        return self.title


class Problem(models.Model):
    """A problem brought to the I&A problem-solving workshop: its statement, root causes and votes.

    The train votes on the biggest problems; improvement items answer the ones chosen.
    """

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="problems")
    statement = models.CharField(max_length=300)
    root_causes = models.TextField(blank=True, help_text="One root cause per line (fishbone, 5 whys).")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pi_id", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(statement=""), name="problem_has_statement"),
            models.UniqueConstraint(fields=["pi", "statement"], name="problem_statement_unique_in_pi"),
        ]

    def __str__(self) -> str:
        return self.statement

    @property
    def root_cause_list(self) -> list[str]:
        return [line.strip(" -*\t") for line in self.root_causes.splitlines() if line.strip(" -*\t")]


class ProblemVote(models.Model):
    """One person's vote for a workshop problem: at most one per person per problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_votes"
    )
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["problem_id", "cast_at"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "voter"], name="problem_vote_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.voter} → {self.problem}"


class CalendarFeed(models.Model):
    """A secret, revocable address of the train's ART calendar (iCalendar), for calendar apps to
    subscribe to without signing in: whoever holds the address reads the train's cadence (PI
    Planning, iterations, system demos, ART Syncs, I&A, milestones), nothing else.

    Only the secret's SHA-256 is kept (the address is shown once, on creation, like an API token);
    revoking it makes the address answer 404 at once. It lives with running the PI, the highest app
    whose events it lists (demos and syncs are risks', iterations and milestones planning's).
    """

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["train_id", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=F("created_at")),
                name="calendar_feed_revoked_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"Calendar of {self.train} ({self.created_at:%Y-%m-%d})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None


# Surveys, a sub-domain of their own (imported last: they point at SystemDemo).
from .surveys import (  # noqa: E402, F401  (re-exported: risks.models is the one place to import from)
    EVENT_SURVEY_KINDS,
    Survey,
    SurveyKind,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    SurveyScore,
)
