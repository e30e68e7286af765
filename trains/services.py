"""Writes for trains, teams and memberships. Views, API, admin actions and commands call these.

`actor` None is a trusted caller (the demo seed, a management command, a task): no permission check.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from .access import train_access
from .errors import NotAllowed
from .guards import require
from .history.models import Action, Kind
from .history.services import person, record, snapshot
from .models import TEAM_ROLES, ApiToken, Membership, Role, Team, TeamKind, Train

TRAIN_FIELDS = ("name", "slug", "description", "iteration_length_days", "iterations_per_pi")

ONLY_SUPERUSERS_CREATE_TRAINS = "Only a superuser creates a train."
ONLY_SUPERUSERS_DELETE_TRAINS = "Only a superuser deletes a train."
ONLY_THE_RTE_CHANGES_THE_TRAIN = "Only the Release Train Engineer changes the train's settings."
ONLY_THE_RTE_MANAGES_TEAMS = "Only the Release Train Engineer adds, changes and removes teams."
ONLY_THE_RTE_MANAGES_ROLES = "Only the Release Train Engineer manages the train's roles."
LAST_RTE = "A train keeps at least one Release Train Engineer: appoint another before removing this one."


# --- who may -----------------------------------------------------------------------------------------


def _require_superuser(actor, message: str) -> None:
    # Trains are above any train role: nobody holds a role on a train before it exists, so creating
    # (and deleting) one is for the people who look after all trains, the superusers.
    if actor is not None and not (actor.is_active and actor.is_superuser):
        raise NotAllowed(message)


def _require_role_manager(actor, train: Train, role: str) -> None:
    """The train's RTE gives and takes every role on it. A superuser may also give or take the RTE
    role itself: it is the one role nobody on a train can give when the train has no RTE (a new
    train, an RTE who left), and without it nobody could run the train at all."""
    if actor is None or train_access(actor, train).is_rte:
        return
    if role == Role.RTE and actor.is_active and actor.is_superuser:
        return
    raise NotAllowed(ONLY_THE_RTE_MANAGES_ROLES)


# --- what a delete would take with it -----------------------------------------------------------------


def _records_on(instance: Model, *, going_with_it: set[str]) -> dict[str, int]:
    """Rows of any app that refer to `instance`, by their model's plural name, except the relations
    named in `going_with_it`.

    Walked through the model's metadata because trains is the bottom layer and imports no other app
    (planning, risks and metrics all refer to teams and trains). Every such reference is the train's
    record or plan: CASCADE would erase it (stories, objectives, votes, impediments, snapshots) and
    SET_NULL would silently take it off its team (features leave the board, team risks become ART
    risks). So a delete is refused while any remains, whatever its on_delete says.
    """
    found: dict[str, int] = {}
    for relation in instance._meta.related_objects:
        if relation.get_accessor_name() in going_with_it:
            continue
        model = relation.related_model
        count = model._base_manager.filter(**{relation.field.name: instance}).count()
        if count:
            name = str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural)
            found[name] = found.get(name, 0) + count
    return found


def _describe(found: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in sorted(found.items()))


def team_delete_check(*, team: Team) -> None:
    """Refuse (ValidationError) to delete a team that still has work on it; its memberships go with it.

    Called by team_delete, and by the admin before it asks for a confirmation it would then refuse.
    """
    found = _records_on(team, going_with_it={"memberships"})
    if found:
        raise ValidationError(
            f"{team.name} still has {_describe(found)}: move or remove them before deleting the team "
            "(a team's work is the train's record)."
        )


def train_delete_check(*, train: Train) -> None:
    """Refuse (ValidationError) to delete a train that holds any work; its teams, memberships and
    their history go with it."""
    found = _records_on(train, going_with_it={"teams", "memberships", "history"})
    for team in train.teams.all():
        for name, count in _records_on(team, going_with_it={"memberships"}).items():
            found[name] = found.get(name, 0) + count
    if found:
        raise ValidationError(
            f"{train.name} still has {_describe(found)}: a train with a record is kept, not deleted."
        )


# --- trains ------------------------------------------------------------------------------------------


def _validate_train(
    *, train: Train | None, slug: str, iteration_length_days: int, iterations_per_pi: int
) -> None:
    errors = {}
    if Train.objects.filter(slug=slug).exclude(pk=getattr(train, "pk", None)).exists():
        errors["slug"] = "Another train already has that slug."
    # The same ranges as the model's check constraints, said as field messages rather than an
    # IntegrityError.
    if not 5 <= iteration_length_days <= 28:
        errors["iteration_length_days"] = "An iteration lasts 5 to 28 days."
    if not 2 <= iterations_per_pi <= 8:
        errors["iterations_per_pi"] = "A PI has 2 to 8 iterations."
    if errors:
        raise ValidationError(errors)


def train_create(
    *,
    name: str,
    slug: str,
    rte,
    description: str = "",
    iteration_length_days: int = 14,
    iterations_per_pi: int = 5,
    actor=None,
) -> Train:
    """Start a train with its first Release Train Engineer. Superusers only (see _require_superuser).

    The RTE is part of the creation: a train without one could not be run by anyone (every other
    write on it is the RTE's) and would be hidden from every RTE's admin.
    """
    _require_superuser(actor, ONLY_SUPERUSERS_CREATE_TRAINS)
    if rte is None:
        raise ValidationError({"rte": "A train starts with its Release Train Engineer: choose them."})
    _validate_train(
        train=None,
        slug=slug,
        iteration_length_days=iteration_length_days,
        iterations_per_pi=iterations_per_pi,
    )
    with transaction.atomic():
        train = Train.objects.create(
            name=name,
            slug=slug,
            description=description,
            iteration_length_days=iteration_length_days,
            iterations_per_pi=iterations_per_pi,
        )
        membership = Membership.objects.create(user=rte, train=train, role=Role.RTE)
        _record_membership(membership, Action.CREATED, actor, after=_membership_values(membership))
    return train


def train_update(
    *,
    train: Train,
    name: str,
    slug: str,
    description: str,
    iteration_length_days: int,
    iterations_per_pi: int,
    actor=None,
) -> Train:
    """Change a train's name and cadence. The cadence applies to the PIs created after the change:
    a PI's iterations are dated when it is created and keep their dates."""
    require(actor, train.pk, lambda access: access.is_rte, ONLY_THE_RTE_CHANGES_THE_TRAIN)
    _validate_train(
        train=train,
        slug=slug,
        iteration_length_days=iteration_length_days,
        iterations_per_pi=iterations_per_pi,
    )
    train.name, train.slug, train.description = name, slug, description
    train.iteration_length_days, train.iterations_per_pi = iteration_length_days, iterations_per_pi
    train.save(update_fields=list(TRAIN_FIELDS))
    return train


def train_delete(*, train: Train, actor=None) -> None:
    """Delete an empty train (teams and memberships only). Superusers only, like creating one."""
    _require_superuser(actor, ONLY_SUPERUSERS_DELETE_TRAINS)
    with transaction.atomic():
        train = Train.objects.select_for_update().get(pk=train.pk)
        train_delete_check(train=train)
        train.delete()


# --- teams -------------------------------------------------------------------------------------------


def _validate_team(*, train: Train, team: Team | None, name: str, kind: str, position: int | None) -> None:
    errors = {}
    if not name.strip():
        errors["name"] = "A team needs a name."
    elif Team.objects.filter(train=train, name__iexact=name).exclude(pk=getattr(team, "pk", None)).exists():
        errors["name"] = "A team of that name is already on this train."
    if kind not in TeamKind.values:
        errors["kind"] = "Choose one of the team kinds."
    if position is not None and position < 0:
        errors["position"] = "A position is 0 or more."
    if errors:
        raise ValidationError(errors)


def team_create(*, train: Train, name: str, kind: str, position: int | None = None, actor=None) -> Team:
    """Add a team to the train, last on the board unless a position is given."""
    require(actor, train.pk, lambda access: access.is_rte, ONLY_THE_RTE_MANAGES_TEAMS)
    _validate_team(train=train, team=None, name=name, kind=kind, position=position)
    if position is None:
        position = train.teams.count()
    return Team.objects.create(train=train, name=name, kind=kind, position=position)


def team_update(*, team: Team, name: str, kind: str, position: int, actor=None) -> Team:
    """Rename a team, change its kind or its row on the board. A team stays on its train."""
    require(actor, team.train_id, lambda access: access.is_rte, ONLY_THE_RTE_MANAGES_TEAMS)
    _validate_team(train=team.train, team=team, name=name, kind=kind, position=position)
    team.name, team.kind, team.position = name, kind, position
    team.save(update_fields=["name", "kind", "position"])
    return team


def team_delete(*, team: Team, actor=None) -> None:
    """Delete a team with no work on it (team_delete_check); its members lose their roles on it."""
    require(actor, team.train_id, lambda access: access.is_rte, ONLY_THE_RTE_MANAGES_TEAMS)
    with transaction.atomic():
        # Locked so no story or objective is added to it between the check and the delete.
        team = Team.objects.select_for_update().get(pk=team.pk)
        team_delete_check(team=team)
        # Its members lose their roles on it: each is a membership change of its own.
        for membership in team.memberships.select_related("user", "team"):
            _record_membership(membership, Action.DELETED, actor, before=_membership_values(membership))
        team.delete()


# --- memberships ---------------------------------------------------------------------------------------


def _validate_membership(*, train: Train, role: str, team: Team | None) -> None:
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of the roles."})
    if team is not None and team.train_id != train.pk:
        raise ValidationError({"team": "That team is not on this train."})
    if role in TEAM_ROLES and team is None:
        raise ValidationError({"team": f"A {Role(role).label} acts for one team: choose it."})


def _require_another_rte(membership: Membership) -> None:
    """Refuse to take away a train's last RTE role (locked, so two RTEs cannot remove each other)."""
    if membership.role != Role.RTE:
        return
    rtes = list(
        Membership.objects.select_for_update()
        .filter(train_id=membership.train_id, role=Role.RTE)
        .values_list("pk", flat=True)
    )
    if rtes == [membership.pk]:
        raise ValidationError(LAST_RTE)


def _membership_label(membership: Membership) -> str:
    where = f" ({membership.team.name})" if membership.team_id else ""
    return f"{person(membership.user)}: {membership.get_role_display()}{where}"


def _membership_values(membership: Membership) -> dict:
    return snapshot(membership, "user", "role", "team")


def _record_membership(membership: Membership, action: str, actor, **values) -> None:
    record(
        train_id=membership.train_id,
        kind=Kind.MEMBERSHIP,
        target=membership,
        label=_membership_label(membership),
        action=action,
        actor=actor,
        **values,
    )


def membership_add(*, train: Train, user, role: str, team: Team | None = None, actor=None) -> Membership:
    """Give a user a role on a train. Only the train's RTE may do it (actor None: a trusted command)."""
    _require_role_manager(actor, train, role)
    _validate_membership(train=train, role=role, team=team)
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, train=train, team=team, role=role)
        if created:
            _record_membership(membership, Action.CREATED, actor, after=_membership_values(membership))
    return membership


def membership_update(*, membership: Membership, role: str, team: Team | None, actor=None) -> Membership:
    """Change the role (or the team) a membership gives its user on its train."""
    _require_role_manager(actor, membership.train, membership.role)
    _require_role_manager(actor, membership.train, role)
    _validate_membership(train=membership.train, role=role, team=team)
    duplicate = Membership.objects.filter(
        user_id=membership.user_id, train_id=membership.train_id, role=role, team=team
    ).exclude(pk=membership.pk)
    if duplicate.exists():
        raise ValidationError({"role": "This person already holds that role there."})
    with transaction.atomic():
        if role != Role.RTE:
            _require_another_rte(membership)
        before = _membership_values(membership)
        membership.role, membership.team = role, team
        membership.save(update_fields=["role", "team"])
        _record_membership(
            membership, Action.CHANGED, actor, before=before, after=_membership_values(membership)
        )
    return membership


def membership_remove(*, membership: Membership, actor=None) -> None:
    """Take a role away from a user; a train's last RTE stays until another is appointed."""
    _require_role_manager(actor, membership.train, membership.role)
    with transaction.atomic():
        _require_another_rte(membership)
        _record_membership(membership, Action.DELETED, actor, before=_membership_values(membership))
        membership.delete()


# --- personal API tokens ---------------------------------------------------------------------------

TOKEN_PREFIX = "art_"


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """A new personal token for `user`, and its secret: shown once, never stored (only its hash)."""
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Give the token a name, such as the script or tool that will use it."
    elif len(name) > ApiToken._meta.get_field("name").max_length:
        errors["name"] = "Keep the name under 80 characters."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "Choose an expiry in the future, or none."
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, secret_hash=_token_hash(raw), expires_at=expires_at
    )
    return token, raw


def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token at once; only its owner may. A revoked token stays listed, marked revoked."""
    if actor is not None and token.user_id != actor.pk:
        raise NotAllowed("Only the token's owner revokes it.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token a presented secret belongs to (its user loaded), or None: unknown, wrong
    secret, revoked or expired. The last-used time is kept to the minute, so a burst of calls does
    not write once per call."""
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    now = timezone.now()
    if (
        token is None
        or not hmac.compare_digest(token.secret_hash, _token_hash(raw))
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
