"""People and roles of a train (/trains/<slug>/people/): everyone on the train reads who holds what;
the RTE adds a person (by username or e-mail, or invites someone new), changes and takes roles.

Every write is a service call as the signed-in user (trains.people.services, which ends in
trains.services' membership_add/update/remove); a refusal the view cannot show better reaches the
middleware's one mapping (403 for anyone but the RTE, 404 off the user's trains).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from ..access import TrainAccess
from ..forms import save_form
from ..http import HtmxHttpRequest
from ..models import Membership, Train
from ..selectors import train_for_user
from ..services import ONLY_THE_RTE_MANAGES_ROLES, membership_remove
from . import selectors, services
from .forms import MembershipForm, PersonAddForm

# Where an invitation link that could not be mailed waits for the one page view that shows it.
UNSENT_INVITATION = "artops_unsent_invitation"


@dataclass
class RoleEntry:
    membership: Membership
    form: MembershipForm | None = None  # the RTE's edit form; None for readers
    error: str = ""


@dataclass
class PersonRow:
    user: object
    pending: bool
    entries: list[RoleEntry] = field(default_factory=list)
    message: str = ""


def _train_for_rte(request: HtmxHttpRequest, slug: str) -> tuple[Train, TrainAccess]:
    train, access = train_for_user(request.user, slug)
    access.require(access.is_rte, ONLY_THE_RTE_MANAGES_ROLES)
    return train, access


def _get_membership_for_rte(request: HtmxHttpRequest, slug: str, membership_id: int):
    train, access = _train_for_rte(request, slug)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "team", "train"), pk=membership_id, train=train
    )
    return train, access, membership


def _rows(access: TrainAccess, memberships, teams: list, *, bound: dict | None = None) -> list[PersonRow]:
    """One row per person, their roles in order; the RTE's rows carry an edit form per role (the
    one just posted, `bound`, with its input and messages)."""
    rows: dict[int, PersonRow] = {}
    for membership in memberships:
        row = rows.setdefault(
            membership.user_id,
            PersonRow(user=membership.user, pending=services.is_pending_invitation(membership.user)),
        )
        entry = RoleEntry(membership=membership)
        if access.is_rte:
            entry.form = (bound or {}).get(membership.pk) or MembershipForm(
                initial={"role": membership.role, "team": membership.team_id},
                teams=teams,
                prefix=f"m{membership.pk}",
            )
        row.entries.append(entry)
    return list(rows.values())


def _page(request, train, access, *, add_form=None, bound=None, errors=None, status=200) -> HttpResponse:
    teams = list(selectors.teams_of(train))
    rows = _rows(access, selectors.memberships_of(train), teams, bound=bound)
    for row in rows:
        for entry in row.entries:
            entry.error = (errors or {}).get(entry.membership.pk, "")
    if add_form is None and access.is_rte:
        add_form = PersonAddForm(teams=teams)
    context = {
        "train": train,
        "access": access,
        "nav": "people",
        "rows": rows,
        "add_form": add_form,
        "unsent": request.session.pop(UNSENT_INVITATION, None) if access.is_rte else None,
    }
    return render(request, "trains/people.html", context, status=status)


def _person(request, train, access, user, *, bound=None, error_for=None, error="", message="", status=200):
    """One person's rows alone (htmx), in place: after a change, or with its refusal."""
    teams = list(selectors.teams_of(train))
    rows = _rows(access, selectors.memberships_of(train, user=user), teams, bound=bound)
    row = rows[0] if rows else PersonRow(user=user, pending=False)
    row.message = message
    for entry in row.entries:
        if entry.membership.pk == error_for:
            entry.error = error
    context = {"train": train, "access": access, "row": row}
    return render(request, "trains/people.html#person", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def people(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Who holds what on the train; the RTE's form gives a role to someone, or invites them."""
    if request.method == "GET":
        train, access = train_for_user(request.user, slug)
        return _page(request, train, access)
    train, access = _train_for_rte(request, slug)
    form = PersonAddForm(request.POST, teams=list(selectors.teams_of(train)))
    done: dict = {}

    def add(data):
        person = services.person_find(data["person"])
        if person is not None:
            done["membership"] = services.role_give(
                train=train, person=person, role=data["role"], team=data["team"], actor=request.user
            )
        else:
            done["invitation"] = services.person_invite(
                train=train,
                email=data["person"],
                name=data["name"],
                role=data["role"],
                team=data["team"],
                actor=request.user,
            )

    refused = save_form(form, add)
    if refused is not None:
        return _page(request, train, access, add_form=form, status=refused.status)
    if "membership" in done:
        membership = done["membership"]
        messages.success(request, f"{_name(membership.user)} is now {_role(membership)}.")
    else:
        invitation = done["invitation"]
        person = _name(invitation.user)
        if invitation.mailed:
            messages.success(
                request, f"{person} is invited: a link to set a password went to {invitation.user.email}."
            )
        else:
            request.session[UNSENT_INVITATION] = {
                "name": person,
                "email": invitation.user.email,
                "link": invitation.link,
            }
    return redirect("trains:people", train.slug)


@login_required
@require_POST
def membership_edit(request: HtmxHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Change one of a person's roles, or the team it is for."""
    train, access, membership = _get_membership_for_rte(request, slug, membership_id)
    before = _role(membership)
    form = MembershipForm(request.POST, teams=list(selectors.teams_of(train)), prefix=f"m{membership.pk}")
    refused = save_form(
        form,
        lambda data: services.role_change(
            membership=membership, role=data["role"], team=data["team"], actor=request.user
        ),
    )
    user = membership.user
    if refused is not None:
        bound = {membership.pk: form}
        if request.htmx:
            error = " ".join(form.non_field_errors())
            return _person(
                request,
                train,
                access,
                user,
                bound=bound,
                error_for=membership.pk,
                error=error,
                status=refused.status,
            )
        errors = {membership.pk: " ".join(form.non_field_errors())}
        return _page(request, train, access, bound=bound, errors=errors, status=refused.status)
    message = f"{_name(user)}: {before} is now {_role(membership)}."
    if request.htmx:
        return _person(request, train, access, user, message=message)
    messages.success(request, message)
    return redirect("trains:people", train.slug)


@login_required
@require_POST
def membership_delete(request: HtmxHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    """Take a role away (a train's last RTE stays until another is appointed)."""
    train, access, membership = _get_membership_for_rte(request, slug, membership_id)
    user, what = membership.user, _role(membership)
    try:
        membership_remove(membership=membership, actor=request.user)
    except ValidationError as error:
        message = " ".join(error.messages)
        if request.htmx:
            return _person(request, train, access, user, error_for=membership.pk, error=message, status=422)
        return _page(request, train, access, errors={membership.pk: message}, status=422)
    message = f"{_name(user)} is no longer {what}."
    if request.htmx:
        return _person(request, train, access, user, message=message)
    messages.success(request, message)
    return redirect("trains:people", train.slug)


@login_required
@require_POST
def person_invite_again(request: HtmxHttpRequest, slug: str, user_id: int) -> HttpResponse:
    """A fresh link for someone invited who has not set their password yet."""
    train, access = _train_for_rte(request, slug)
    user = get_object_or_404(selectors.people_of(train), pk=user_id)
    invitation = services.person_invite_again(train=train, user=user, actor=request.user)
    if invitation.mailed:
        messages.success(request, f"A new invitation went to {user.email}.")
    else:
        request.session[UNSENT_INVITATION] = {
            "name": _name(user),
            "email": user.email,
            "link": invitation.link,
        }
    return redirect("trains:people", train.slug)


def _name(user) -> str:
    return user.get_full_name() or user.username


def _role(membership: Membership) -> str:
    label = membership.get_role_display()
    return f"{label} of {membership.team.name}" if membership.team_id else f"{label} of the train"


# --- the invited person's side ----------------------------------------------------------------------


class WelcomeForm(SetPasswordForm):
    """Setting the first password opens an invited person's account."""

    def save(self, commit=True):
        self.user.is_active = True
        return super().save(commit)


class Welcome(PasswordResetConfirmView):
    """The invitation's link (/trains/<train>/people/welcome/<uid>/<token>/): Django's password-reset
    machinery, for invitations only. Its token is bound to the account's password and last login, so
    it works once; setting the password opens the account, signs the person in and shows the train."""

    form_class = WelcomeForm
    template_name = "registration/welcome.html"
    post_reset_login = True
    # Signed in as a password sign-in would be (several backends are configured: named, not guessed).
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    http_method_names = ["get", "post"]  # not Django's PUT-as-POST

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Never a password reset for an account in use: only someone invited who has not come in,
        # to a train they hold a role on.
        if user is None or not services.is_pending_invitation(user):
            return None
        on_train = Membership.objects.filter(user=user, train__slug=self.kwargs["slug"]).exists()
        return user if on_train else None

    def get_success_url(self):
        return reverse("trains:detail", args=[self.kwargs["slug"]])
