"""Bringing people onto a train: a role for someone who has an account, or an invitation for
someone who has none yet.

Roles themselves are given, changed and taken by trains.services' membership_add/update/remove
(the RTE's alone, a train keeping at least one RTE): every path here ends in one of them, so
whatever records a role's change records these too. This module adds only what the people page
needs around them: finding a person, the account of someone invited, and the invitation mail.
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ..guards import require
from ..models import TEAM_ROLES, Membership, Role, Team, Train
from ..services import ONLY_THE_RTE_MANAGES_ROLES, membership_add, membership_update

logger = logging.getLogger(__name__)
User = get_user_model()


def _require_rte(actor, train: Train) -> None:
    require(actor, train.pk, lambda access: access.is_rte, ONLY_THE_RTE_MANAGES_ROLES)


def is_pending_invitation(user) -> bool:
    """Invited and not yet in: an account that never signed in and has no password of its own.

    A deactivated account (someone who left) has signed in before: an invitation never revives it.
    """
    return not user.is_active and user.last_login is None and not user.has_usable_password()


def person_find(identifier: str):
    """The person a username or an e-mail address names, or None. An address several accounts
    share names nobody in particular: that is said, on the field."""
    identifier = identifier.strip()
    if "@" not in identifier:
        return User.objects.filter(username__iexact=identifier).first()
    matches = list(User.objects.filter(email__iexact=identifier)[:2])
    if len(matches) > 1:
        raise ValidationError({"person": "Several people have that e-mail address: give the username."})
    return matches[0] if matches else None


def _check_role_and_team(*, train: Train, role: str, team: Team | None) -> None:
    """A team role names its team; a train-level role names none (membership_add checks the rest).

    A Product Manager "of Apollo" would still act for the whole train (trains.access reads train
    roles without their team), so the page refuses to write what the access rules would not mean.
    """
    if role in Role.values and role not in TEAM_ROLES and team is not None:
        raise ValidationError(
            {"team": f"A {Role(role).label} acts for the whole train: leave the team empty."}
        )


def role_give(*, train: Train, person, role: str, team: Team | None = None, actor) -> Membership:
    """Give a person who has an account a role on the train (a team role, for one of its teams)."""
    _require_rte(actor, train)
    _check_role_and_team(train=train, role=role, team=team)
    if Membership.objects.filter(user=person, train=train, role=role, team=team).exists():
        where = f" in {team.name}" if team else ""
        raise ValidationError({"role": f"{_name(person)} is already {Role(role).label}{where}."})
    return membership_add(train=train, user=person, role=role, team=team, actor=actor)


def role_change(*, membership: Membership, role: str, team: Team | None = None, actor) -> Membership:
    """Change what a role is, or the team it is for (membership_update: the last RTE stays one)."""
    _check_role_and_team(train=membership.train, role=role, team=team)
    return membership_update(membership=membership, role=role, team=team, actor=actor)


@dataclass(frozen=True)
class Invitation:
    user: object
    link: str  # the set-password address; shown to the RTE only when it could not be mailed
    mailed: bool


def person_invite(
    *, train: Train, email: str, role: str, team: Team | None = None, name: str = "", actor
) -> Invitation:
    """Invite someone who has no account yet: the account is created inactive, with no password,
    the role attached, and a link to set their password is mailed (Django's password-reset token:
    it works once, and for PASSWORD_RESET_TIMEOUT seconds). Setting the password opens the account."""
    _require_rte(actor, train)
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        # person_find found no account by that name: it is a username nobody has, or a typo.
        raise ValidationError(
            {"person": "Nobody has that username. To invite someone new, give their e-mail address."}
        ) from None
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"person": "Someone already has that e-mail address: add them instead."})
    _check_role_and_team(train=train, role=role, team=team)
    first_name, _, last_name = name.strip().partition(" ")
    with transaction.atomic():
        user = User(
            username=_free_username(email),
            email=email,
            first_name=first_name[:150],
            last_name=last_name.strip()[:150],
            is_active=False,
        )
        user.set_unusable_password()
        user.save()
        membership_add(train=train, user=user, role=role, team=team, actor=actor)
    return _send_invitation(train=train, user=user, actor=actor)


def person_invite_again(*, train: Train, user, actor) -> Invitation:
    """A fresh invitation link for someone invited to this train who has not come in yet."""
    _require_rte(actor, train)
    if not is_pending_invitation(user) or not Membership.objects.filter(user=user, train=train).exists():
        raise ValidationError(f"{_name(user)} is not waiting for an invitation to {train.name}.")
    return _send_invitation(train=train, user=user, actor=actor)


def invitation_link(user, train: Train) -> str:
    """The address where someone invited to `train` sets their password (the train's people page)."""
    kwargs = {
        "slug": train.slug,
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    return f"{settings.SITE_URL}{reverse('trains:welcome', kwargs=kwargs)}"


def _send_invitation(*, train: Train, user, actor) -> Invitation:
    """Mail the link when e-mail is configured; say when it could not be sent (the RTE passes it on)."""
    link = invitation_link(user, train)
    if not settings.INBOX_EMAIL_ENABLED:
        return Invitation(user=user, link=link, mailed=False)
    context = {"user": user, "train": train, "inviter": actor, "link": link, "site": settings.SITE_URL}
    try:
        send_mail(
            f"ARTops: you are invited to {train.name}",
            render_to_string("trains/invitation_mail.txt", context),
            None,
            [user.email],
        )
    except (smtplib.SMTPException, OSError):
        # The account and its role are saved; only the mail failed. The RTE is shown the link instead.
        logger.warning("The invitation to %s could not be mailed", user.email, exc_info=True)
        return Invitation(user=user, link=link, mailed=False)
    return Invitation(user=user, link=link, mailed=True)


def _free_username(email: str) -> str:
    # What Django's username validator accepts (letters, digits and . + - _), from the address's local part.
    base = re.sub(r"[^\w.+-]", "", email.split("@", 1)[0].lower(), flags=re.ASCII)[:140] or "person"
    taken = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate


def _name(user) -> str:
    return user.get_full_name() or user.username
