"""Writes of the conversation and the inbox: comments (add, edit within the window, remove with a
trace), the inbox items other apps' events create, reading them, and the e-mail digest."""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Model, Q
from django.template.loader import render_to_string
from django.utils import timezone

from trains.access import TrainAccess
from trains.errors import Conflict, NotAllowed
from trains.guards import lock_for_change, require
from trains.models import Comment, InboxItem, InboxKind, Role, Train

from . import registry

log = logging.getLogger(__name__)

# Everyone on the train but viewers takes part in the conversation (viewers read it).
COMMENTERS = frozenset(Role) - {Role.VIEWER}
ONLY_MEMBERS = "Only people with a role on this train (viewers excepted) comment."
MAX_BODY = 4000
# @username as Django spells usernames (letters, digits, . + - _), not ending on a full stop, and not
# inside an e-mail address (me@example.com mentions nobody).
MENTION = re.compile(r"(?<![\w.@+-])@([\w.+-]*[\w+-])")


def can_comment(access: TrainAccess) -> bool:
    return access.has(*COMMENTERS)


def edit_window() -> timedelta:
    return timedelta(minutes=settings.CONVERSATION_EDIT_MINUTES)


def can_edit_comment(user, comment: Comment, now=None) -> bool:
    """Its author, while the comment is recent and not removed."""
    now = now or timezone.now()
    return (
        user is not None
        and comment.author_id == user.pk
        and comment.removed_at is None
        and now - comment.created_at <= edit_window()
    )


def can_remove_comment(user, access: TrainAccess, comment: Comment) -> bool:
    """Its author or the RTE (who keeps the train's conversation civil); a removal leaves a trace."""
    return comment.removed_at is None and (comment.author_id == user.pk or access.is_rte)


def mention_names(body: str) -> list[str]:
    """The @names in a text, each once, in order of appearance."""
    seen: dict[str, str] = {}
    for name in MENTION.findall(body):
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def mentioned_people(train_id: int, body: str) -> list:
    """The people a text mentions who hold a role on the train; other @names stay plain text."""
    names = mention_names(body)
    if not names:
        return []
    User = get_user_model()
    wanted = reduce(or_, (Q(username__iexact=name) for name in names))
    return list(User.objects.filter(wanted, memberships__train_id=train_id).distinct().order_by("username"))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something first."})
    if len(body) > MAX_BODY:
        raise ValidationError(
            {"body": f"Keep a comment under {MAX_BODY} characters (this one has {len(body)})."}
        )
    return body


def _excerpt(body: str, length: int = 120) -> str:
    flat = " ".join(body.split())
    return flat if len(flat) <= length else flat[: length - 1] + "…"


def _who(user) -> str:
    if user is None:
        return "Someone"
    return user.get_full_name() or user.username


def comment_link(comment: Comment, spec: registry.Commentable, target: Model, slug: str) -> str:
    return f"{spec.link(target, slug)}#comment-{comment.pk}"


def _notify_mentions(comment: Comment, people: Iterable, *, spec, target, train: Train, actor) -> None:
    inbox_notify(
        user_ids=[person.pk for person in people],
        train_id=train.pk,
        kind=InboxKind.MENTION,
        event=f"comment:{comment.pk}",
        target=target,
        text=f"{_who(actor)} mentioned you on {spec.label(target)}: “{_excerpt(comment.body)}”",
        url=comment_link(comment, spec, target, train.slug),
        actor=actor,
        at=comment.edited_at or comment.created_at,
    )


@transaction.atomic
def comment_add(*, target: Model, body: str, actor, at=None) -> Comment:
    """Comment on an item; everyone it @mentions who holds a role on the train finds it in their inbox."""
    spec = registry.for_instance(target)
    train_id = spec.train_id(target)
    require(actor, train_id, can_comment, ONLY_MEMBERS)
    body = _clean_body(body)
    train = Train.objects.get(pk=train_id)
    comment = Comment.objects.create(
        train=train,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        author=actor,
        body=body,
        created_at=at or timezone.now(),
    )
    people = mentioned_people(train_id, body)
    if people:
        comment.mentioned.set(people)
        _notify_mentions(comment, people, spec=spec, target=target, train=train, actor=actor)
    return comment


@transaction.atomic
def comment_edit(*, comment: Comment, body: str, expected_version: int, actor, at=None) -> Comment:
    """Its author corrects a comment within the edit window; people newly mentioned are told (those
    mentioned before are not told again)."""
    current = lock_for_change(Comment.objects.select_related("train"), comment.pk, expected_version)
    now = at or timezone.now()
    if actor is not None and current.author_id != actor.pk:
        raise NotAllowed("Only its author edits a comment.")
    if current.removed_at is not None:
        raise Conflict("This comment was removed; it can no longer be edited.")
    if actor is not None and not can_edit_comment(actor, current, now):
        minutes = settings.CONVERSATION_EDIT_MINUTES
        raise Conflict(
            f"A comment can be edited for {minutes} minutes after it is written; add a new one instead."
        )
    current.body = _clean_body(body)
    current.edited_at = now
    current.version += 1
    current.save(update_fields=["body", "edited_at", "version"])
    people = mentioned_people(current.train_id, current.body)
    current.mentioned.set(people)
    if people:
        target = current.target
        spec = registry.for_instance(target)
        _notify_mentions(current, people, spec=spec, target=target, train=current.train, actor=actor)
    return current


@transaction.atomic
def comment_remove(*, comment: Comment, expected_version: int, actor, at=None) -> Comment:
    """Its author or the RTE removes a comment. The row stays: the conversation shows "comment removed
    by X at T" in its place, so nothing disappears without a trace; its text is no longer shown (nor
    quoted in anyone's inbox), the database keeps it for an audit."""
    current = lock_for_change(Comment.objects.all(), comment.pk, expected_version)
    if current.removed_at is not None:
        raise Conflict("This comment was already removed.")
    require(
        actor,
        current.train_id,
        lambda access: can_remove_comment(actor, access, current),
        "Only its author or the Release Train Engineer removes a comment.",
    )
    current.removed_at = at or timezone.now()
    current.removed_by = actor
    current.version += 1
    current.save(update_fields=["removed_at", "removed_by", "version"])
    InboxItem.objects.filter(event=f"comment:{current.pk}").update(
        text=f"{_who(current.author)} mentioned you in a comment that was later removed."
    )
    return current


# --- the inbox -----------------------------------------------------------------------------------


def inbox_notify(
    *,
    user_ids: Iterable[int],
    train_id: int,
    kind: str,
    event: str,
    target: Model,
    text: str,
    url: str,
    actor=None,
    at=None,
) -> int:
    """Put one item in each person's inbox for an event; a person already told of it (the same
    `event`) is not told again, nor is the person who caused it. Returns how many were told."""
    actor_id = getattr(actor, "pk", None)
    people = sorted({pk for pk in user_ids if pk is not None and pk != actor_id})
    if not people:
        return 0
    target_type = ContentType.objects.get_for_model(target)
    at = at or timezone.now()
    items = [
        InboxItem(
            user_id=pk,
            train_id=train_id,
            kind=kind,
            event=event,
            target_type=target_type,
            target_id=target.pk,
            text=text[:300],
            url=url[:300],
            actor=actor,
            created_at=at,
        )
        for pk in people
    ]
    # The unique (user, event) constraint is the guard: a retried task or a second edit adds nothing.
    existing = set(
        InboxItem.objects.filter(event=event, user_id__in=people).values_list("user_id", flat=True)
    )
    InboxItem.objects.bulk_create(
        [item for item in items if item.user_id not in existing], ignore_conflicts=True
    )
    told = [pk for pk in people if pk not in existing]
    if told and settings.INBOX_EMAIL_ENABLED and settings.INBOX_EMAIL_IMMEDIATE:
        from trains.tasks import send_inbox_mail  # the task module imports these services

        transaction.on_commit(lambda: send_inbox_mail.delay(told))
    return len(told)


def inbox_open(*, item: InboxItem, actor) -> InboxItem:
    """The person opens an item: it is read from now on."""
    if item.user_id != actor.pk:
        raise NotAllowed("This is someone else's inbox.")
    if item.read_at is None:
        item.read_at = timezone.now()
        InboxItem.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=item.read_at)
    return item


def inbox_mark_all_read(*, actor) -> int:
    return InboxItem.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- e-mail ----------------------------------------------------------------------------------------


def inbox_mail_send(*, user_ids: Iterable[int] | None = None, now=None) -> int:
    """Mail each person (all of them, or those named) one message with the items of their inbox that
    are neither read nor mailed yet, then mark those items mailed. Returns the number of mails.

    Never more than one mail per item and person: each person's items are taken under a row lock
    (skipped by a concurrent run, which finds them mailed afterwards) and marked in the same
    transaction as the mail is handed to the backend. A failing backend rolls the marking back, so
    the next run tries again. Nothing is sent, and nothing marked, when e-mail is not configured.
    """
    if not settings.INBOX_EMAIL_ENABLED:
        return 0
    now = now or timezone.now()
    pending = InboxItem.objects.filter(emailed_at__isnull=True, read_at__isnull=True)
    if user_ids is not None:
        pending = pending.filter(user_id__in=list(user_ids))
    sent = 0
    for user_id in sorted(set(pending.values_list("user_id", flat=True))):
        with transaction.atomic():
            items = list(
                pending.filter(user_id=user_id)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("user", "train")
                .order_by("created_at", "pk")
            )
            if not items:
                continue
            user = items[0].user
            InboxItem.objects.filter(pk__in=[item.pk for item in items]).update(emailed_at=now)
            if not user.email:
                continue  # nowhere to send: marked, so the person is not considered again for them
            by_train: dict[str, list[InboxItem]] = defaultdict(list)
            for item in items:
                by_train[item.train.name].append(item)
            context = {
                "user": user,
                "by_train": dict(by_train),
                "count": len(items),
                "site": settings.SITE_URL,
            }
            subject = (
                f"ARTops: {items[0].text[:100]}"
                if len(items) == 1
                else f"ARTops: {len(items)} new items in your inbox"
            )
            send_mail(
                subject,
                render_to_string("trains/inbox_mail.txt", context),
                None,
                [user.email],
            )
            sent += 1
    return sent
