"""Writes for the program board: features, their moves and flow history, dependencies, milestones."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, CharField, DateField, Exists, F, OuterRef, Subquery, Value, When
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from planning.health import Health, with_health
from planning.models import (
    Dependency,
    Feature,
    FeatureBlockedPeriod,
    FeatureStateChange,
    Iteration,
    Milestone,
    ProgramIncrement,
)
from planning.permissions import can_edit_feature
from planning.selectors.board import strings_after_move
from trains.access import TRAIN_PLANNERS
from trains.conversation.services import inbox_notify
from trains.errors import StaleVersion
from trains.guards import lock_for_change, require, require_version
from trains.history.models import Action, Kind
from trains.history.services import record, record_many, snapshot, update_recorded
from trains.models import InboxKind, Membership, Role, Team, Train, WebhookEvent
from trains.webhooks.services import emit

from .common import board_changed, require_open


def _record_feature(feature: Feature, actor, **change) -> None:
    record(
        train_id=feature.train_id,
        kind=Kind.FEATURE,
        target=feature,
        label=feature.title,
        actor=actor,
        **change,
    )


def _require_edit(actor, feature: Feature) -> None:
    require(
        actor,
        feature.train_id,
        lambda access: can_edit_feature(access, feature),
        "You may not change this feature.",
    )


@transaction.atomic
def feature_set_state(*, feature: Feature, state: str, actor=None, at=None) -> Feature:
    """Move a feature through the Kanban, recording the change for the flow metrics.

    `started_at` is the first entry into Implementing (domain.md §4.5) and is never moved later;
    `done_at` is set on reaching Done and cleared if the feature is reopened.
    """
    _require_edit(actor, feature)
    require_open(feature.pi)
    if state not in Feature.State.values:
        raise ValidationError({"state": "Unknown state."})
    if state == feature.state:
        return feature
    at = at or timezone.now()
    from_state = feature.state
    before = snapshot(feature, "state")
    FeatureStateChange.objects.create(
        feature=feature, from_state=feature.state, to_state=state, changed_at=at, actor=actor
    )
    order = Feature.State.values
    if feature.started_at is None and order.index(state) >= order.index(Feature.State.IMPLEMENTING):
        feature.started_at = at
    feature.done_at = at if state == Feature.State.DONE else None
    feature.state = state
    feature.state_changed_at = at
    feature.version = F("version") + 1
    feature.save(
        update_fields=["state", "state_changed_at", "started_at", "done_at", "version", "updated_at"]
    )
    feature.refresh_from_db(fields=["version"])
    _record_feature(feature, actor, before=before, after=snapshot(feature, "state"), at=at)
    board_changed(feature.pi_id, features=[feature.pk])  # the card shows its state; metrics go stale
    emit(
        train=feature.train,
        event=WebhookEvent.FEATURE_STATE_CHANGED,
        actor=actor,
        data={"feature": _feature_json(feature), "from_state": from_state, "to_state": state},
    )
    return feature


@transaction.atomic
def feature_set_blocked(*, feature: Feature, blocked: bool, actor=None, at=None, reason: str = "") -> Feature:
    """Set or clear the blocked flag; each blocked stretch is kept as waiting time for flow efficiency."""
    _require_edit(actor, feature)
    require_open(feature.pi)
    if blocked == feature.is_blocked:
        return feature
    at = at or timezone.now()
    if blocked:
        FeatureBlockedPeriod.objects.create(feature=feature, started_at=at, reason=reason)
    else:
        FeatureBlockedPeriod.objects.filter(feature=feature, ended_at__isnull=True).update(ended_at=at)
    feature.is_blocked = blocked
    feature.version = F("version") + 1
    feature.save(update_fields=["is_blocked", "version", "updated_at"])
    feature.refresh_from_db(fields=["version"])
    _record_feature(
        feature,
        actor,
        before={"is_blocked": not blocked},
        after={"is_blocked": blocked},
        note=reason if blocked else "",
        at=at,
    )
    board_changed(feature.pi_id, features=[feature.pk])
    return feature


FEATURE_FIELDS = (
    "title",
    "description",
    "acceptance_criteria",
    "kind",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "job_size",
)


# A place a feature cannot take: the same words whether a new feature or a move is refused.
TEAM_ELSEWHERE = "That team is not on this train."
ITERATION_ELSEWHERE = "That iteration is not in this feature's PI."


def _check_placement(*, feature_train_id: int, pi, team, iteration) -> None:
    errors = {}
    if pi is not None and pi.train_id != feature_train_id:
        errors["pi"] = "That PI belongs to another train."
    if team is not None and team.train_id != feature_train_id:
        errors["team"] = TEAM_ELSEWHERE
    if iteration is not None and (pi is None or iteration.pi_id != pi.pk):
        errors["iteration"] = ITERATION_ELSEWHERE
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def feature_create(
    *, train: Train, title: str, actor=None, pi=None, team=None, iteration=None, **fields
) -> Feature:
    """Create a feature; placing it on a team needs the right to plan that team."""
    require(
        actor,
        train.pk,
        lambda access: access.can_plan_team(team.pk) if team else access.can_plan_any,
        "You may not add features here.",
    )
    require_open(pi)
    if not title.strip():
        raise ValidationError({"title": "Give the feature a title."})
    unknown = set(fields) - set(FEATURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown feature fields: {sorted(unknown)}")
    _check_placement(feature_train_id=train.pk, pi=pi, team=team, iteration=iteration)
    feature = Feature(train=train, pi=pi, team=team, iteration=iteration, title=title.strip(), **fields)
    feature.full_clean()
    feature.save()
    FeatureStateChange.objects.create(
        feature=feature, from_state="", to_state=feature.state, changed_at=timezone.now(), actor=actor
    )
    _record_feature(
        feature,
        actor,
        action=Action.CREATED,
        after=snapshot(feature, "pi", "team", "iteration", "state", *FEATURE_FIELDS),
    )
    board_changed(feature.pi_id, features=[feature.pk])
    return feature


@transaction.atomic
def feature_create_many(*, train: Train, drafts: list[dict], actor=None) -> list[Feature]:
    """`feature_create` for many features at once (an import): the same rights, placement rules,
    flow history, history and board change, in batched statements. A draft holds feature_create's
    arguments and may hold a `state` (recorded as the feature's first state, with `started_at` and
    `done_at` as feature_set_state sets them) and the tracker's `external_key`. All or none.

    The model's check constraints are left to the database here (they hold on every INSERT): Django
    validates each by a query of its own, ten per feature."""
    for team in {id(d.get("team")): d.get("team") for d in drafts}.values():
        require(
            actor,
            train.pk,
            lambda access, team=team: access.can_plan_team(team.pk) if team else access.can_plan_any,
            "You may not add features here.",
        )
    now = timezone.now()
    order = Feature.State.values
    features = []
    for draft in drafts:
        fields = {
            k: v
            for k, v in draft.items()
            if k not in ("title", "pi", "team", "iteration", "state", "external_key")
        }
        unknown = set(fields) - set(FEATURE_FIELDS)
        if unknown:
            raise TypeError(f"Unknown feature fields: {sorted(unknown)}")
        pi, team, iteration = draft.get("pi"), draft.get("team"), draft.get("iteration")
        require_open(pi)
        title = (draft.get("title") or "").strip()
        if not title:
            raise ValidationError({"title": "Give the feature a title."})
        _check_placement(feature_train_id=train.pk, pi=pi, team=team, iteration=iteration)
        state = draft.get("state") or Feature.State.FUNNEL
        if state not in order:
            raise ValidationError({"state": "Unknown state."})
        feature = Feature(
            train=train,
            pi=pi,
            team=team,
            iteration=iteration,
            title=title,
            state=state,
            state_changed_at=now,
            started_at=now if order.index(state) >= order.index(Feature.State.IMPLEMENTING) else None,
            done_at=now if state == Feature.State.DONE else None,
            external_key=draft.get("external_key", ""),
            **fields,
        )
        feature.clean_fields(exclude=["train", "pi", "team", "iteration"])
        features.append(feature)
    Feature.objects.bulk_create(features, batch_size=500)
    FeatureStateChange.objects.bulk_create(
        [
            FeatureStateChange(feature=f, from_state="", to_state=f.state, changed_at=now, actor=actor)
            for f in features
        ],
        batch_size=1000,
    )
    record_many(
        {
            "train_id": train.pk,
            "kind": Kind.FEATURE,
            "target": feature,
            "label": feature.title,
            "actor": actor,
            "action": Action.CREATED,
            "after": snapshot(feature, "pi", "team", "iteration", "state", *FEATURE_FIELDS),
        }
        for feature in features
    )
    by_pi: dict[int, list[int]] = {}
    for feature in features:
        if feature.pi_id is not None:
            by_pi.setdefault(feature.pi_id, []).append(feature.pk)
    for pi_id, feature_ids in by_pi.items():
        board_changed(pi_id, features=feature_ids)
    return features


@transaction.atomic
def feature_update(*, feature: Feature, expected_version: int, actor=None, **fields) -> Feature:
    """Edit a feature's fields; refused (StaleVersion) when someone else saved it first."""
    current = lock_for_change(Feature.objects.select_related("pi"), feature.pk, expected_version)
    _require_edit(actor, current)
    require_open(current.pi)
    unknown = set(fields) - set(FEATURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown feature fields: {sorted(unknown)}")
    before = snapshot(current, *fields)
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean(exclude=["train", "pi", "team", "iteration"])
    current.version += 1
    current.save()
    _record_feature(current, actor, before=before, after=snapshot(current, *fields))
    board_changed(current.pi_id, features=[current.pk])
    return current


def _iteration_ended(iteration: Iteration) -> str:
    return (
        f"{iteration.label} ended on {iteration.end_date.day} {iteration.end_date:%b %Y}: a feature that is"
        " not done can only be planned in an iteration that has not ended yet."
    )


@transaction.atomic
def feature_move(
    *,
    feature: Feature,
    team_id: int | None,
    iteration_id: int | None,
    expected_version: int | None,
    actor=None,
    board_version: int | None = None,
    at=None,
) -> Feature:
    """Move a card on the program board to a team and iteration (both None: back to the unplanned lane).

    The mover needs the right to plan both the team the feature leaves and the team it joins. A move
    stays within the feature's PI: a feature in no PI is pulled into one first (backlog). A feature
    that is not done cannot be planned in an iteration that has ended (a done one may still be
    recorded where it finished): that would hide the slip and could turn a real conflict green.

    One guarded UPDATE does the move: it applies only if the row still has the version the user saw
    (and the permission was checked against) and the team and iteration are places the feature may
    take. A concurrent change is therefore refused, never overwritten; only a refused move looks
    again, to say why.

    `board_version` is the version of the board the mover is looking at: when nobody else changed
    the board since, the returned feature's `board_now` is the board's version with this move (the
    mover's board is current once it shows the move); otherwise None (its next poll catches up).
    """
    if require_version(expected_version) != feature.version:
        raise StaleVersion(Feature.objects.get(pk=feature.pk))
    _require_edit(actor, feature)
    if team_id is not None:
        require(
            actor,
            feature.train_id,
            lambda access: access.can_plan_team(team_id),
            "You may not plan work for that team.",
        )
    require_open(feature.pi)
    if (feature.team_id, feature.iteration_id) == (team_id, iteration_id):
        feature.provided_strings, feature.board_now = [], None  # nothing moved: nothing re-rated or new
        return feature
    if iteration_id is not None and feature.pi_id is None:
        raise ValidationError({"iteration": "Pull the feature into a PI before planning it in an iteration."})
    train = feature.train  # the caller's loaded train (card_for_user): says who listens, at no query
    left = _iteration_dates(feature)
    was = {"team": feature.team_id, "iteration": feature.iteration_id}
    now = at or timezone.now()
    today = timezone.localdate(now)
    guards = move_guards(
        team_id=team_id, iteration_id=iteration_id, done=feature.state == Feature.State.DONE, today=today
    )
    # The move and its history entry: one statement on PostgreSQL, the places named by subqueries.
    # Only what changed: a card moved along its team's row keeps its team.
    places = {}
    if was["team"] != team_id:
        places["team"] = (_team_label(was["team"]), _team_label(team_id))
    if was["iteration"] != iteration_id:
        places["iteration"] = (_iteration_label(was["iteration"]), _iteration_label(iteration_id))
    moved = update_recorded(
        Feature.objects.filter(*guards, pk=feature.pk, version=feature.version),
        {"team_id": team_id, "iteration_id": iteration_id, "version": F("version") + 1, "updated_at": now},
        train_id=feature.train_id,
        kind=Kind.FEATURE,
        object_id=feature.pk,
        label=feature.title,
        action=Action.MOVED,
        actor=actor,
        at=now,
        fields=places,
    )
    if not moved:
        _refuse_move(feature, team_id=team_id, iteration_id=iteration_id, today=today)
    feature.team_id, feature.iteration_id = team_id, iteration_id
    feature.version, feature.updated_at = feature.version + 1, now
    feature.board_now = board_changed(feature.pi_id, features=[feature.pk], seen_version=board_version)
    emit(
        train=train,
        event=WebhookEvent.FEATURE_MOVED,
        actor=actor,
        data={
            "feature": _feature_json(feature),
            "from": was,
            "to": {"team": team_id, "iteration": iteration_id},
        },
    )
    # The strings the card provides, the only ones a move can re-rate, read once: as they are now
    # and as they were (for webhooks and inboxes), and carried back for the mover's board.
    feature.provided_strings = strings_after_move(feature, left=left)
    _announce_string_health(train, feature, feature.provided_strings, actor)
    return feature


def _team_label(team_id: int | None):
    """A team's name for the move's history, read by the history's own INSERT (no SELECT of its own)."""
    if team_id is None:
        return None
    return Subquery(Team.objects.filter(pk=team_id).order_by().values("name")[:1])


def _iteration_label(iteration_id: int | None):
    """An iteration as it prints ("PI 26 · I3", Iteration.__str__), read by the history's INSERT."""
    if iteration_id is None:
        return None
    short = Case(
        When(is_ip=True, then=Value("IP")),
        default=Concat(Value("I"), Cast("number", CharField())),
        output_field=CharField(),
    )
    named = (
        Iteration.objects.filter(pk=iteration_id)
        .order_by()
        .annotate(history_label=Concat(F("pi__name"), Value(" · "), short, output_field=CharField()))
    )
    return Subquery(named.values("history_label")[:1])


# --- what the webhooks are told (trains.webhooks) ---------------------------------------------------


def _feature_json(feature: Feature) -> dict:
    return {"id": feature.pk, "title": feature.title, "version": feature.version, "pi": feature.pi_id}


def _announce_string_health(train: Train, feature: Feature, strings: list[dict], actor) -> None:
    """Each string the move turned red or back: to the train's webhooks, and a red one to the
    requesting team's Scrum Masters and Product Owners."""
    red = Health.CONFLICT.value
    for string in strings:
        before, health = string["health_before"], string["health"]
        if (before == red) == (health == red):
            continue
        emit(
            train=train,
            event=WebhookEvent.DEPENDENCY_RED if health == red else WebhookEvent.DEPENDENCY_RECOVERED,
            actor=actor,
            data={
                "dependency": {"id": string["id"], "pi": feature.pi_id, "providing_feature": feature.pk},
                "health_before": before,
                "health": health,
            },
        )
    turned_red = [string["id"] for string in strings if string["health"] == red != string["health_before"]]
    if turned_red:
        _tell_strings_turned_red(train, feature, turned_red, actor=actor)


# --- what people's inboxes are told (trains.conversation) ------------------------------------------


def _iteration_dates(feature: Feature) -> tuple:
    """The start and end of the iteration a card is planned in (None: unplanned), as expressions for
    the health rule: the dates themselves when the caller read the iteration with the card
    (card_for_user does), else a subquery, so that no caller pays a query of its own for them."""
    if feature.iteration_id is None:
        return Value(None, DateField()), Value(None, DateField())
    if Feature.iteration.is_cached(feature):
        iteration = feature.iteration
        return Value(iteration.start_date, DateField()), Value(iteration.end_date, DateField())
    dates = Iteration.objects.filter(pk=feature.iteration_id)
    return Subquery(dates.values("start_date")[:1]), Subquery(dates.values("end_date")[:1])


def _tell_strings_turned_red(train: Train, feature: Feature, turned_ids: list[int], *, actor) -> None:
    """Tell the requesting teams' Scrum Masters and Product Owners of each string this move turned red."""
    turned = Dependency.objects.filter(pk__in=turned_ids).select_related("requesting_team", "providing_team")
    for dependency in turned:
        dependency_turned_red_notify(
            dependency=dependency,
            train=train,
            actor=actor,
            cause=f"“{feature.title}” was moved",
            # The move (the card's new version) is the event: the same string turning red again later is another.
            event=f"dependency:{dependency.pk}:red:feature-{feature.pk}-v{feature.version}",
        )


def dependency_turned_red_notify(
    *, dependency: Dependency, train: Train, actor, cause: str, event: str
) -> int:
    """The requesting team's Scrum Masters and Product Owners find the red string in their inbox."""
    people = Membership.objects.filter(
        team_id=dependency.requesting_team_id, role__in=[Role.SCRUM_MASTER, Role.PRODUCT_OWNER]
    ).values_list("user_id", flat=True)
    return inbox_notify(
        user_ids=list(people),
        train_id=train.pk,
        kind=InboxKind.DEPENDENCY_RED,
        event=event,
        target=dependency,
        text=(
            f"{dependency.requesting_team}'s dependency on {dependency.providing_team} "
            f"“{dependency.description}” turned red: {cause}."
        ),
        url=reverse("planning:dependency_edit", args=[train.slug, dependency.pk]),
        actor=actor,
    )


def move_guards(*, team_id: int | None, iteration_id: int | None, done: bool, today) -> list[Exists]:
    """What the move's UPDATE checks besides the version: the team is on the feature's train, the
    iteration is in its PI and, for a feature not done, has not ended by `today`."""
    guards = []
    if team_id is not None:
        guards.append(Exists(Team.objects.filter(pk=team_id, train_id=OuterRef("train_id"))))
    if iteration_id is not None:
        places = Iteration.objects.filter(
            pk=iteration_id, pi_id=OuterRef("pi_id"), pi__train_id=OuterRef("train_id")
        )
        if not done:
            places = places.filter(end_date__gte=today)
        guards.append(Exists(places))
    return guards


def _refuse_move(feature: Feature, *, team_id, iteration_id, today) -> None:
    """Why the guarded UPDATE applied to no row: someone else changed the card, or the place is not
    the feature's to take."""
    current = Feature.objects.get(pk=feature.pk)
    if current.version != feature.version:
        raise StaleVersion(current)
    errors = {}
    if team_id is not None and not Team.objects.filter(pk=team_id, train_id=feature.train_id).exists():
        errors["team"] = TEAM_ELSEWHERE
    if iteration_id is not None:
        iteration = Iteration.objects.filter(
            pk=iteration_id, pi_id=feature.pi_id, pi__train_id=feature.train_id
        ).first()
        if iteration is None:
            errors["iteration"] = ITERATION_ELSEWHERE
        elif iteration.end_date < today:
            errors["iteration"] = _iteration_ended(iteration)
    raise ValidationError(errors or "The move could not be applied.")


# --- dependencies and milestones -------------------------------------------------------------------

DEPENDENCY_FIELDS = (
    "requesting_team",
    "providing_team",
    "requesting_feature",
    "providing_feature",
    "needed_by_iteration",
    "description",
    "kind",
    "state",
    "owner",
)


def _check_dependency(pi: ProgramIncrement, dependency) -> None:
    errors = {}
    if dependency.requesting_team_id and dependency.requesting_team_id == dependency.providing_team_id:
        errors["providing_team"] = "A team cannot depend on itself: choose another providing team."
    for name in ("requesting_team", "providing_team"):
        team = getattr(dependency, name)
        if team is not None and team.train_id != pi.train_id:
            errors[name] = "That team belongs to another train."
    for name, team_name in (
        ("requesting_feature", "requesting_team"),
        ("providing_feature", "providing_team"),
    ):
        feature = getattr(dependency, name)
        if feature is not None and feature.pi_id != pi.pk:
            errors[name] = "That feature is not in this PI."
        elif (
            feature is not None
            and feature.team_id
            and feature.team_id != getattr(dependency, f"{team_name}_id")
        ):
            errors[name] = "That feature belongs to another team."
    if dependency.needed_by_iteration is not None and dependency.needed_by_iteration.pi_id != pi.pk:
        errors["needed_by_iteration"] = "That iteration is not in this PI."
    if errors:
        raise ValidationError(errors)


def _string_ends(dependency: Dependency) -> list[int | None]:
    return [dependency.requesting_feature_id, dependency.providing_feature_id]


def _require_dependency_rights(actor, pi: ProgramIncrement, dependency) -> None:
    require(
        actor,
        pi.train_id,
        lambda access: access.can_plan_team(dependency.requesting_team_id)
        or access.can_plan_team(dependency.providing_team_id),
        "Only planners of the requesting or providing team change this dependency.",
    )


def _stamp_resolution(dependency, previous_state: str | None) -> None:
    resolved = dependency.state in Dependency.RESOLVED_STATES
    if resolved and (previous_state not in Dependency.RESOLVED_STATES or dependency.resolved_at is None):
        dependency.resolved_at = timezone.now()
    elif not resolved:
        dependency.resolved_at = None


@transaction.atomic
def dependency_create(*, pi: ProgramIncrement, actor=None, **fields) -> Dependency:
    unknown = set(fields) - set(DEPENDENCY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown dependency fields: {sorted(unknown)}")
    require_open(pi)
    dependency = Dependency(pi=pi, created_at=timezone.now(), **fields)
    _check_dependency(pi, dependency)
    _require_dependency_rights(actor, pi, dependency)
    _stamp_resolution(dependency, None)
    dependency.full_clean(exclude=["pi"])
    dependency.save()
    _record_dependency(
        dependency, pi, actor, action=Action.CREATED, after=snapshot(dependency, *DEPENDENCY_FIELDS)
    )
    board_changed(pi.pk, features=_string_ends(dependency), dependencies=[dependency.pk])
    return dependency


@transaction.atomic
def dependency_create_many(*, pi: ProgramIncrement, drafts: list[dict], actor=None) -> list[Dependency]:
    """`dependency_create` for many dependencies of one PI at once (an import): the same rules,
    rights, history and board change, in batched statements. All or none. The model's check
    constraints are left to the database (see feature_create_many)."""
    require_open(pi)
    now = timezone.now()
    dependencies = []
    for fields in drafts:
        unknown = set(fields) - set(DEPENDENCY_FIELDS)
        if unknown:
            raise TypeError(f"Unknown dependency fields: {sorted(unknown)}")
        dependency = Dependency(pi=pi, created_at=now, **fields)
        _check_dependency(pi, dependency)
        _require_dependency_rights(actor, pi, dependency)
        _stamp_resolution(dependency, None)
        dependency.clean_fields(exclude=["pi"])
        dependencies.append(dependency)
    Dependency.objects.bulk_create(dependencies, batch_size=1000)
    record_many(
        {
            "train_id": pi.train_id,
            "kind": Kind.DEPENDENCY,
            "target": dependency,
            "actor": actor,
            "action": Action.CREATED,
            "after": snapshot(dependency, *DEPENDENCY_FIELDS),
        }
        for dependency in dependencies
    )
    if dependencies:
        ends = [end for dependency in dependencies for end in _string_ends(dependency)]
        board_changed(pi.pk, features=ends, dependencies=[d.pk for d in dependencies])
    return dependencies


def _record_dependency(dependency: Dependency, pi: ProgramIncrement, actor, **change) -> None:
    record(train_id=pi.train_id, kind=Kind.DEPENDENCY, target=dependency, actor=actor, **change)


@transaction.atomic
def dependency_update(*, dependency: Dependency, expected_version: int, actor=None, **fields) -> Dependency:
    current = lock_for_change(Dependency.objects.select_related("pi"), dependency.pk, expected_version)
    _require_dependency_rights(actor, current.pi, current)
    require_open(current.pi)
    unknown = set(fields) - set(DEPENDENCY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown dependency fields: {sorted(unknown)}")
    previous_state = current.state
    ends_before = _string_ends(current)
    red = Health.CONFLICT.value
    was_red = with_health(Dependency.objects.filter(pk=current.pk)).filter(health=red).exists()
    named = [name for name in DEPENDENCY_FIELDS if name in fields]
    before = snapshot(current, *named)
    for name, value in fields.items():
        setattr(current, name, value)
    _check_dependency(current.pi, current)
    _require_dependency_rights(actor, current.pi, current)
    _stamp_resolution(current, previous_state)
    current.full_clean(exclude=["pi"])
    current.version += 1
    current.save()
    _record_dependency(current, current.pi, actor, before=before, after=snapshot(current, *named))
    # Both ends, before and after: each card counts its strings (⇄), and may turn red or not.
    board_changed(current.pi_id, features=ends_before + _string_ends(current), dependencies=[current.pk])
    if not was_red and with_health(Dependency.objects.filter(pk=current.pk)).filter(health=red).exists():
        dependency_turned_red_notify(
            dependency=current,
            train=current.pi.train,
            actor=actor,
            cause="blocked" if current.state == Dependency.State.BLOCKED else "its plan changed",
            event=f"dependency:{current.pk}:red:v{current.version}",
        )
    return current


MILESTONE_FIELDS = ("name", "date", "kind", "description")


def _record_milestone(milestone: Milestone, pi: ProgramIncrement, actor, **change) -> None:
    record(
        train_id=pi.train_id,
        kind=Kind.MILESTONE,
        target=milestone,
        label=milestone.name,
        actor=actor,
        **change,
    )


def _require_milestone_rights(actor, pi: ProgramIncrement) -> None:
    require(
        actor,
        pi.train_id,
        lambda access: access.has(*TRAIN_PLANNERS),
        "Only the RTE and Product Management place milestones.",
    )


@transaction.atomic
def milestone_create(
    *, pi: ProgramIncrement, name: str, date, actor=None, kind: str = "release", description: str = ""
):
    _require_milestone_rights(actor, pi)
    require_open(pi)
    milestone = Milestone(pi=pi, name=name.strip(), date=date, kind=kind, description=description)
    if date is not None and not (pi.start_date <= date <= pi.end_date):
        raise ValidationError(
            {"date": f"Pick a date inside {pi.name} ({pi.start_date:%d %b} – {pi.end_date:%d %b %Y})."}
        )
    milestone.full_clean(exclude=["pi"])
    milestone.save()
    _record_milestone(
        milestone, pi, actor, action=Action.CREATED, after=snapshot(milestone, *MILESTONE_FIELDS)
    )
    board_changed(pi.pk)
    return milestone


@transaction.atomic
def milestone_update(*, milestone: Milestone, expected_version: int, actor=None, **fields) -> Milestone:
    current = lock_for_change(Milestone.objects.select_related("pi"), milestone.pk, expected_version)
    _require_milestone_rights(actor, current.pi)
    require_open(current.pi)
    before = snapshot(current, *MILESTONE_FIELDS)
    for name, value in fields.items():
        if name not in MILESTONE_FIELDS:
            raise TypeError(f"Unknown milestone field: {name}")
        setattr(current, name, value)
    if not (current.pi.start_date <= current.date <= current.pi.end_date):
        raise ValidationError({"date": f"Pick a date inside {current.pi.name}."})
    current.full_clean(exclude=["pi"])
    current.version += 1
    current.save()
    _record_milestone(current, current.pi, actor, before=before, after=snapshot(current, *MILESTONE_FIELDS))
    board_changed(current.pi_id)
    return current
