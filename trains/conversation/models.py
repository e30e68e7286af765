"""Comments on a train's items and each person's inbox (imported by trains.models)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q


class Comment(models.Model):
    """A comment on one item of a train (a feature, a dependency, a risk, an impediment).

    Its author may edit it for a short while (CONVERSATION_EDIT_MINUTES); nobody deletes it: a
    removal keeps the row, its author and times, and says who removed it and when ("comment removed
    by X at T"), so the conversation never silently loses a turn. The body is plain text, escaped
    when shown; `mentioned` are the people named as @username who hold a role on the train.
    """

    train = models.ForeignKey("trains.Train", on_delete=models.CASCADE, related_name="comments")
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="comments"
    )
    body = models.TextField(max_length=4000)
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in")
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["target_type", "target_id", "created_at"], name="comment_by_target")]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="comment_has_a_body"),
            models.CheckConstraint(
                condition=Q(edited_at__isnull=True) | Q(edited_at__gte=models.F("created_at")),
                name="comment_edited_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(removed_at__isnull=True) | Q(removed_at__gte=models.F("created_at")),
                name="comment_removed_after_creation",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="comment_version_positive"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} by {self.author} on {self.target_type.model} {self.target_id}"

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class InboxKind(models.TextChoices):
    MENTION = "mention", "You were mentioned"
    IMPEDIMENT_ESCALATED = "impediment_escalated", "Your impediment was escalated"
    DEPENDENCY_RED = "dependency_red", "Your dependency turned red"
    RISK_DUE = "risk_due", "Your risk is due"


class InboxItem(models.Model):
    """Something that concerns one person: they were mentioned, their impediment was escalated,
    their team's dependency turned red, their risk is due.

    `event` names the event (e.g. "comment:12", "risk:4:due:2025-03-01"): one item per person and
    event, so a service or task run twice never tells anyone twice, and the digest mails each item
    once (`emailed_at`).
    """

    Kind = InboxKind

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items")
    train = models.ForeignKey("trains.Train", on_delete=models.CASCADE, related_name="inbox_items")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    event = models.CharField(max_length=80)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, help_text="Where the item is shown (a path of this site).")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="inbox_recent"),
            # The header's unread count on every page.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="inbox_unread"),
            # The digest's work: what nobody mailed yet.
            models.Index(fields=["user"], condition=Q(emailed_at__isnull=True), name="inbox_unmailed"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="inbox_one_item_per_event"),
            models.CheckConstraint(condition=Q(kind__in=InboxKind.values), name="inbox_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.text}"
