from django.conf import settings
from django.db import models
from django.db.models import Q


class Train(models.Model):
    """An Agile Release Train: 5–12 agile teams that plan and deliver together on one cadence."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    description = models.TextField(blank=True)
    iteration_length_days = models.PositiveSmallIntegerField(
        default=14, help_text="Length of one development iteration, in calendar days."
    )
    iterations_per_pi = models.PositiveSmallIntegerField(
        default=5, help_text="Iterations in a PI, the last one being the Innovation & Planning iteration."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    webhook_events = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="The events some active webhook of the train subscribes to, kept by the webhook "
        "services: a change on a train nobody listens to is not announced, at no query's cost.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(iteration_length_days__gte=5) & Q(iteration_length_days__lte=28),
                name="train_iteration_length_5_to_28_days",
            ),
            models.CheckConstraint(
                condition=Q(iterations_per_pi__gte=2) & Q(iterations_per_pi__lte=8),
                name="train_iterations_per_pi_2_to_8",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamKind(models.TextChoices):
    STREAM_ALIGNED = "stream_aligned", "Stream-aligned"
    PLATFORM = "platform", "Platform"
    ENABLING = "enabling", "Enabling"
    COMPLICATED_SUBSYSTEM = "complicated_subsystem", "Complicated-subsystem"


class Team(models.Model):
    """An agile team on the train; its kind follows Team Topologies as SAFe uses it."""

    Kind = TeamKind

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=24, choices=Kind.choices, default=Kind.STREAM_ALIGNED)
    position = models.PositiveSmallIntegerField(default=0, help_text="Row order on the program board.")

    class Meta:
        ordering = ["train_id", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["train", "name"], name="team_name_unique_in_train"),
            models.CheckConstraint(condition=Q(kind__in=TeamKind.values), name="team_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """The roles of domain.md §1. A person may hold several, on several trains."""

    RTE = "rte", "Release Train Engineer"
    PRODUCT_MANAGER = "product_manager", "Product Manager"
    BUSINESS_OWNER = "business_owner", "Business Owner"
    SYSTEM_ARCHITECT = "system_architect", "System Architect"
    SCRUM_MASTER = "scrum_master", "Scrum Master / Team Coach"
    PRODUCT_OWNER = "product_owner", "Product Owner"
    TEAM_MEMBER = "team_member", "Team member"
    VIEWER = "viewer", "Viewer"


# Roles that only make sense for one team: their holder acts for that team.
TEAM_ROLES = (Role.SCRUM_MASTER, Role.PRODUCT_OWNER, Role.TEAM_MEMBER)


class Membership(models.Model):
    """A user's role on a train, for one team where the role is a team role."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    role = models.CharField(max_length=24, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["train_id", "role", "user_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=[r.value for r in Role]), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=[r.value for r in TEAM_ROLES]) | Q(team__isnull=False),
                name="membership_team_role_has_team",
            ),
            # Two partial uniques rather than one: NULL teams would otherwise never collide.
            models.UniqueConstraint(
                fields=["user", "train", "role"],
                condition=Q(team__isnull=True),
                name="membership_unique_train_role",
            ),
            models.UniqueConstraint(
                fields=["user", "train", "team", "role"],
                condition=Q(team__isnull=False),
                name="membership_unique_team_role",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.train} / {self.team}" if self.team_id else str(self.train)
        return f"{self.user} – {self.get_role_display()} ({where})"


class ApiToken(models.Model):
    """A personal API token: a user names it, sees it once, and revokes it.

    Only a SHA-256 hash of the secret is kept; the prefix (shown in lists, and how a presented token
    is found) is not secret. A token acts with exactly its user's roles.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="api_token_has_a_name"),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookEvent(models.TextChoices):
    """What a webhook may subscribe to. The value is the `event` of the payload and the
    X-ARTops-Event header; a receiver relies on it, so a value is never renamed."""

    FEATURE_MOVED = "feature.moved", "A feature moved on the program board"
    FEATURE_STATE_CHANGED = "feature.state_changed", "A feature changed state"
    DEPENDENCY_RED = "dependency.red", "A dependency turned red (conflict)"
    DEPENDENCY_RECOVERED = "dependency.recovered", "A red dependency recovered"
    RISK_ROAMED = "risk.roamed", "A risk was ROAMed"
    IMPEDIMENT_RAISED = "impediment.raised", "An impediment was raised"
    IMPEDIMENT_ESCALATED = "impediment.escalated", "An impediment was escalated"
    IMPEDIMENT_RESOLVED = "impediment.resolved", "An impediment was resolved"
    VOTE_ROUND_CLOSED = "vote_round.closed", "A confidence vote round closed"
    PI_STATE_CHANGED = "pi.state_changed", "A PI changed state (or was reopened)"
    METRICS_RECOMPUTED = "metrics.recomputed", "A PI's metrics were recomputed"


class Webhook(models.Model):
    """An outgoing webhook of a train: the events it subscribes to are POSTed to its URL, signed
    with its secret (trains/webhooks/services.py). Managed by the train's RTE.

    A webhook whose deliveries keep failing is disabled (`disabled_at`, `disabled_reason`) and the
    RTE is told on the webhooks page; the RTE re-enables it.
    """

    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500, help_text="Where the events are POSTed (http or https).")
    description = models.CharField(max_length=120, blank=True)
    secret = models.CharField(max_length=100, help_text="Signs every delivery (HMAC-SHA256).")
    events = models.JSONField(default=list, help_text="The WebhookEvent values it subscribes to.")
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="Deliveries that failed in a row (every attempt); reset by a success."
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["train_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="webhook_url_is_http",
            ),
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_has_a_secret"),
            # Disabled for failing is a kind of inactive: an active webhook carries no disabling.
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(disabled_at__isnull=True), name="webhook_active_not_disabled"
            ),
        ]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook, with every attempt in `attempt_log`.

    The payload is kept as sent, so a redelivery sends the same event (same `event_id`: a receiver
    drops a duplicate by it) as a new delivery of its own.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    uuid = models.UUIDField(unique=True, help_text="The X-ARTops-Delivery header.")
    event = models.CharField(max_length=40, choices=WebhookEvent.choices)
    event_id = models.UUIDField(help_text="The event's id (the payload's `id`), the same on a redelivery.")
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_log = models.JSONField(
        default=list, help_text="Every attempt: when, response code, duration in ms, error."
    )
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="redeliveries"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "retrying", "delivered", "failed"]),
                name="webhook_delivery_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="delivered") | Q(response_status__gte=200, response_status__lt=300),
                name="webhook_delivery_delivered_is_2xx",
            ),
        ]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_recent")]

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook} ({self.get_state_display()})"


# Comments and the inbox live with their services (trains/conversation/); imported here so Django
# finds them as trains' models.
from .conversation.models import Comment, InboxItem, InboxKind  # noqa: E402, F401

# The train's audit history lives with its recorder (trains/history/), likewise.
from .history.models import Change  # noqa: E402, F401
