"""Reads of the conversation and the inbox, with what their templates show already joined."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from trains.access import TrainAccess
from trains.models import Comment, InboxItem, Train

from . import registry
from .services import can_comment, can_edit_comment, can_remove_comment


@dataclass(frozen=True)
class ShownComment:
    comment: Comment
    can_edit: bool
    can_remove: bool


@dataclass(frozen=True)
class Conversation:
    """An item's comments as one person sees them, and whether they may join in."""

    train: Train
    kind: str
    target: Model
    comments: list[ShownComment]
    can_comment: bool

    @property
    def dom_id(self) -> str:
        return f"conversation-{self.kind}-{self.target.pk}"

    @property
    def count(self) -> int:
        return sum(1 for shown in self.comments if shown.comment.removed_at is None)


def comments_of(target: Model) -> QuerySet[Comment]:
    """An item's comments, oldest first, removed ones included (they show as a trace)."""
    return (
        Comment.objects.filter(target_type=ContentType.objects.get_for_model(target), target_id=target.pk)
        .select_related("author", "removed_by")
        .prefetch_related(Prefetch("mentioned", to_attr="mentioned_people"))
        .order_by("created_at", "pk")
    )


def conversation_for(*, train: Train, access: TrainAccess, user, target: Model) -> Conversation:
    """What an item's page or dialog shows under it: two queries (comments, their mentions)."""
    spec = registry.for_instance(target)
    now = timezone.now()
    shown = [
        ShownComment(
            comment=comment,
            can_edit=can_edit_comment(user, comment, now),
            can_remove=can_remove_comment(user, access, comment),
        )
        for comment in comments_of(target)
    ]
    return Conversation(
        train=train, kind=spec.kind, target=target, comments=shown, can_comment=can_comment(access)
    )


def target_for_user(train: Train, kind: str, target_id: int) -> Model:
    """The item a comment is about, 404 unless it is of a kind that takes comments and on the train."""
    spec = registry.by_kind(kind)
    if spec is None:
        raise Http404("Nothing of that kind takes comments.")
    target = get_object_or_404(spec.model, pk=target_id)
    if spec.train_id(target) != train.pk:
        raise Http404("Not on this train.")
    return target


def comment_for_user(train: Train, comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.select_related("author", "train"), pk=comment_id, train=train)


def inbox_of(user, *, limit: int = 200) -> list[InboxItem]:
    """A person's inbox, newest first, across all their trains."""
    return list(
        InboxItem.objects.filter(user=user)
        .select_related("train", "actor")
        .order_by("-created_at", "-pk")[:limit]
    )


def unread_count(user) -> int:
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()
