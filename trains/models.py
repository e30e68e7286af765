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
