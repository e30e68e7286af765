"""One row per change to an item of a train (imported by trains.models)."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Door(models.TextChoices):
    """How a change came in. Set once per entry point (trains/history/door.py)."""

    PAGE = "page", "Page"
    API = "api", "API"
    IMPORT = "import", "Import"
    ADMIN = "admin", "Admin"
    TASK = "task", "Task"


class Kind(models.TextChoices):
    """What kind of item changed. trains names them as words: the models live in the apps above."""

    PI = "pi", "PI"
    FEATURE = "feature", "Feature"
    DEPENDENCY = "dependency", "Dependency"
    MILESTONE = "milestone", "Milestone"
    STORY = "story", "Story"
    CAPACITY = "capacity", "Capacity"
    OBJECTIVE = "objective", "Objective"
    VOTE_ROUND = "vote_round", "Vote round"
    VOTE = "vote", "Confidence vote"
    RISK = "risk", "Risk"
    IMPEDIMENT = "impediment", "Impediment"
    ACTION_ITEM = "action_item", "Action item"
    IMPROVEMENT_ITEM = "improvement_item", "Improvement item"
    MEMBERSHIP = "membership", "Role"
    DEPLOYMENT = "deployment", "Deployment"
    INCIDENT = "incident", "Incident"
    DEFECT = "defect", "Defect"
    SURVEY = "survey", "Survey"


class Action(models.TextChoices):
    CREATED = "created", "created"
    CHANGED = "changed", "changed"
    MOVED = "moved", "moved"
    DELETED = "deleted", "deleted"


class Change(models.Model):
    """One change to one item of a train: who, when, through which door, and `fields` as
    {name: [before, after]} with readable, JSON-safe values (a related row as its label, a choice as
    its display text).

    The item's label is copied, so the change still reads after the item is renamed or deleted; the
    actor's name too, and `actor` holds no database constraint (DO_NOTHING), so deleting an account
    leaves the history as it was. History is never edited: no service changes or deletes a row, the
    admin shows it read-only and the database refuses an UPDATE (migration trains 0005). It goes
    only with its train, which is deleted only while it holds no work.
    """

    # No index of their own: the feed's indexes below start with the train (and hold the actor).
    train = models.ForeignKey(
        "trains.Train", on_delete=models.CASCADE, related_name="history", db_index=False
    )
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty: the system (a task, a command, the demo seed).",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    door = models.CharField(max_length=8, choices=Door.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    object_label = models.CharField(max_length=300)
    action = models.CharField(max_length=10, choices=Action.choices)
    fields = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "history entry"
        verbose_name_plural = "history"
        indexes = [
            # The activity feed, newest first, and its filters by person and by kind (plus dates).
            models.Index(fields=["train", "-at", "-id"], name="history_feed"),
            models.Index(fields=["train", "actor", "-at"], name="history_feed_by_person"),
            models.Index(fields=["train", "kind", "-at"], name="history_feed_by_kind"),
            # One item's History panel.
            models.Index(fields=["train", "kind", "object_id", "-at"], name="history_of_item"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(door__in=Door.values), name="history_door_valid"),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="history_kind_valid"),
            models.CheckConstraint(condition=Q(action__in=Action.values), name="history_action_valid"),
        ]

    def __str__(self) -> str:
        who = self.actor_name or "System"
        return f"{who} {self.action} {self.get_kind_display().lower()} “{self.object_label}”"
