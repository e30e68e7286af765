"""The conversation under an item (add, edit, remove a comment: htmx swaps the whole section, a
browser without JavaScript gets a page of its own) and each person's inbox."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from trains.access import TrainAccess
from trains.forms import ShowsVersionErrors, VersionField, apply_service_errors
from trains.http import HtmxHttpRequest
from trains.limits import parse_id
from trains.models import InboxItem, Train
from trains.selectors import train_for_user

from . import registry, selectors, services

PARTIAL = "trains/_conversation.html"


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Add a comment",
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something first."},
    )


class CommentEditForm(ShowsVersionErrors, CommentForm):
    version = VersionField()


def _answer(
    request: HtmxHttpRequest,
    train: Train,
    access: TrainAccess,
    target: Model,
    *,
    form: CommentForm | None = None,
    editing: int | None = None,
    edit_form: CommentEditForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The item's conversation as it is now: the section alone for htmx, a page otherwise."""
    conversation = selectors.conversation_for(train=train, access=access, user=request.user, target=target)
    spec = registry.for_instance(target)
    context = {
        "train": train,
        "access": access,
        "conversation": conversation,
        "comment_form": form or CommentForm(),
        "editing": editing,
        "edit_form": edit_form,
        "item_label": spec.label(target),
        "item_link": spec.link(target, train.slug),
    }
    template = PARTIAL if request.htmx else "trains/conversation_page.html"
    return render(request, template, context, status=status)


def _done(request: HtmxHttpRequest, train, access, target, anchor: str) -> HttpResponse:
    if request.htmx:
        return _answer(request, train, access, target)
    return redirect(f"{registry.for_instance(target).link(target, train.slug)}{anchor}")


@login_required
@require_http_methods(["GET", "POST"])
def conversation(request: HtmxHttpRequest, slug: str, kind: str, target_id: int) -> HttpResponse:
    """An item's comments (GET; `?edit=<id>` opens one of the person's own for editing), or a new one (POST)."""
    train, access = train_for_user(request.user, slug)
    target = selectors.target_for_user(train, kind, target_id)
    if request.method == "GET":
        editing = parse_id(request.GET.get("edit"))
        if editing is not None:
            comment = selectors.comment_for_user(train, editing)
            if services.can_edit_comment(request.user, comment):
                initial = {"body": comment.body, "version": comment.version}
                return _answer(
                    request,
                    train,
                    access,
                    target,
                    editing=comment.pk,
                    edit_form=CommentEditForm(initial=initial),
                )
        return _answer(request, train, access, target)
    access.require(services.can_comment(access), services.ONLY_MEMBERS)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.comment_add(target=target, body=form.cleaned_data["body"], actor=request.user)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, train, access, target, f"#comment-{comment.pk}")
    return _answer(request, train, access, target, form=form, status=422)


@login_required
@require_POST
def comment_edit(request: HtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """Its author corrects a comment (within the edit window); the service refuses anyone else."""
    train, access = train_for_user(request.user, slug)
    comment = selectors.comment_for_user(train, comment_id)
    target = comment.target
    form = CommentEditForm(request.POST)
    if form.is_valid():
        try:
            services.comment_edit(
                comment=comment,
                body=form.cleaned_data["body"],
                expected_version=form.cleaned_data["version"],
                actor=request.user,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, train, access, target, f"#comment-{comment.pk}")
    return _answer(request, train, access, target, editing=comment.pk, edit_form=form, status=422)


class RemoveForm(forms.Form):
    version = VersionField()


@login_required
@require_POST
def comment_remove(request: HtmxHttpRequest, slug: str, comment_id: int) -> HttpResponse:
    """Its author or the RTE removes a comment; the conversation keeps a trace of it."""
    train, access = train_for_user(request.user, slug)
    comment = selectors.comment_for_user(train, comment_id)
    form = RemoveForm(request.POST)
    if not form.is_valid():  # a page that never sends its version: tampered or outdated
        raise ValidationError(form.errors.get("version", ["The removal was not understood."])[0])
    services.comment_remove(
        comment=comment, expected_version=form.cleaned_data["version"], actor=request.user
    )
    return _done(request, train, access, comment.target, f"#comment-{comment.pk}")


# --- the inbox -----------------------------------------------------------------------------------


@login_required
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    """What concerns me, across my trains, newest first; what I have not opened yet stands out."""
    items = selectors.inbox_of(request.user)
    unread = sum(item.read_at is None for item in items)
    return render(request, "trains/inbox.html", {"items": items, "unread": unread, "nav": "inbox"})


@login_required
@require_http_methods(["GET", "POST"])
def inbox_open(request: HtmxHttpRequest, item_id: int) -> HttpResponse:
    """Open an item: it is read from now on, and the person lands where it happened."""
    item = get_object_or_404(InboxItem, pk=item_id, user=request.user)
    services.inbox_open(item=item, actor=request.user)
    safe = url_has_allowed_host_and_scheme(item.url, allowed_hosts={request.get_host()})
    return redirect(item.url if safe else "conversation:inbox")


@login_required
@require_GET
def inbox_count(request: HtmxHttpRequest) -> HttpResponse:
    """The header's unread count, fetched by the header after the page loads (and every two minutes):
    one COUNT on the partial index of unread items, and no query added to any page's own."""
    unread = selectors.unread_count(request.user)
    return render(request, "trains/inbox.html#unread-count", {"unread": unread})


@login_required
@require_POST
def inbox_read_all(request: HtmxHttpRequest) -> HttpResponse:
    count = services.inbox_mark_all_read(actor=request.user)
    if count:
        messages.success(request, f"Marked {count} item{'s' if count != 1 else ''} as read.")
    return redirect("conversation:inbox")
