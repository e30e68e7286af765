"""Writes for a team's stories during PI Planning: create, estimate, schedule, link, delete.

Load (domain.md §4.3) is the sum of the points of a team's stories in an iteration, so every write
here changes the figures: each one tells the board (and metrics) through ``board_changed``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from planning.models import Feature, Iteration, Story
from trains.guards import lock_for_change
from trains.history.models import Action, Kind
from trains.history.services import record, record_many, snapshot
from trains.models import Team

from .capacity import MAX_POINTS, require_team_planner
from .common import board_changed, require_open

STORY_FIELDS = ("title", "points", "feature", "iteration")
DENIED = "Only the RTE, Product Management or this team's SM/PO plan its stories."


def _check(team: Team, *, title: str, points, feature: Feature | None, iteration: Iteration | None) -> str:
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the story a title."
    elif len(title) > 200:
        errors["title"] = "Keep the title under 200 characters."
    if isinstance(points, bool) or not isinstance(points, int):
        errors["points"] = "Story points are a whole number, 0 or more."
    elif points < 0:
        errors["points"] = "Story points cannot be negative."
    elif points > MAX_POINTS:
        errors["points"] = f"Story points are at most {MAX_POINTS}."
    if iteration is not None and iteration.pi.train_id != team.train_id:
        errors["iteration"] = "That iteration belongs to another train's PI."
    if feature is not None:
        if feature.team_id != team.pk:
            errors["feature"] = "That feature is not this team's: pull it onto the team first."
        elif feature.pi_id is None:
            errors["feature"] = "That feature is in no PI yet."
        elif iteration is not None and feature.pi_id != iteration.pi_id:
            errors["feature"] = "That feature is in another PI than the iteration."
    if errors:
        raise ValidationError(errors)
    return title


def _require_open(*, feature: Feature | None, iteration: Iteration | None, **_) -> None:
    """A story belongs to the PIs of its iteration and its feature: refused if either is closed."""
    for pi in (iteration.pi if iteration else None, feature.pi if feature else None):
        require_open(pi)


def _record(story: Story, actor, **change) -> None:
    record(
        train_id=story.team.train_id, kind=Kind.STORY, target=story, label=story.title, actor=actor, **change
    )


def _pi_ids(story: Story) -> set[int]:
    ids = {
        story.iteration.pi_id if story.iteration_id else None,
        story.feature.pi_id if story.feature_id else None,
    }
    return {pi_id for pi_id in ids if pi_id is not None}


@transaction.atomic
def story_create(
    *,
    team: Team,
    title: str,
    points: int,
    actor,
    feature: Feature | None = None,
    iteration: Iteration | None = None,
) -> Story:
    require_team_planner(actor, team, DENIED)
    _require_open(feature=feature, iteration=iteration)
    title = _check(team, title=title, points=points, feature=feature, iteration=iteration)
    story = Story.objects.create(team=team, title=title, points=points, feature=feature, iteration=iteration)
    _record(story, actor, action=Action.CREATED, after=snapshot(story, "team", *STORY_FIELDS))
    for pi_id in _pi_ids(story):
        board_changed(pi_id, features=[story.feature_id])  # the card sums its stories' points
    return story


@transaction.atomic
def story_create_many(*, drafts: list[dict], actor) -> list[Story]:
    """`story_create` for many stories at once (an import): the same rights, rules, history and
    board change, in batched statements rather than several per story. Each draft holds
    story_create's arguments (`team`, `title`, `points`, `feature`, `iteration`) and may hold the
    tracker's `external_key`. All or none: one refused draft refuses them all."""
    for team in {draft["team"].pk: draft["team"] for draft in drafts}.values():
        require_team_planner(actor, team, DENIED)
    stories = []
    for draft in drafts:
        feature, iteration = draft.get("feature"), draft.get("iteration")
        _require_open(feature=feature, iteration=iteration)
        title = _check(
            draft["team"], title=draft["title"], points=draft["points"], feature=feature, iteration=iteration
        )
        stories.append(
            Story(
                team=draft["team"],
                title=title,
                points=draft["points"],
                feature=feature,
                iteration=iteration,
                external_key=draft.get("external_key", ""),
            )
        )
    Story.objects.bulk_create(stories, batch_size=1000)
    record_many(
        {
            "train_id": story.team.train_id,
            "kind": Kind.STORY,
            "target": story,
            "label": story.title,
            "actor": actor,
            "action": Action.CREATED,
            "after": snapshot(story, "team", *STORY_FIELDS),
        }
        for story in stories
    )
    touched: dict[int, set[int | None]] = {}
    for story in stories:
        for pi_id in _pi_ids(story):
            touched.setdefault(pi_id, set()).add(story.feature_id)
    for pi_id, feature_ids in touched.items():
        board_changed(pi_id, features=feature_ids)  # each card sums its stories' points
    return stories


@transaction.atomic
def story_update(*, story: Story, expected_version: int, actor, **fields) -> Story:
    """Rename, estimate, move to another iteration (None: unscheduled) or link to a feature."""
    unknown = set(fields) - set(STORY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown story fields: {sorted(unknown)}")
    current = lock_for_change(
        Story.objects.select_related("team", "feature__pi", "iteration__pi"), story.pk, expected_version
    )
    require_team_planner(actor, current.team, DENIED)
    before = _pi_ids(current)
    feature_before = current.feature_id
    values = {name: fields.get(name, getattr(current, name)) for name in STORY_FIELDS}
    # Both where the story is and where it would go: it may neither leave nor join a closed PI.
    _require_open(feature=current.feature, iteration=current.iteration)
    _require_open(**values)
    values["title"] = _check(current.team, **values)
    changed = [name for name in STORY_FIELDS if getattr(current, name) != values[name]]
    if not changed:
        return current
    was = snapshot(current, *changed)
    for name in changed:
        setattr(current, name, values[name])
    current.version += 1
    current.save(update_fields=[*changed, "version"])
    _record(current, actor, before=was, after=snapshot(current, *changed))
    for pi_id in before | _pi_ids(current):
        board_changed(pi_id, features=[feature_before, current.feature_id])
    return current


@transaction.atomic
def story_delete(*, story: Story, expected_version: int, actor) -> None:
    current = lock_for_change(
        Story.objects.select_related("team", "feature__pi", "iteration__pi"), story.pk, expected_version
    )
    require_team_planner(actor, current.team, DENIED)
    _require_open(feature=current.feature, iteration=current.iteration)
    pi_ids, feature_id = _pi_ids(current), current.feature_id
    _record(current, actor, action=Action.DELETED, before=snapshot(current, "team", *STORY_FIELDS, "state"))
    current.delete()
    for pi_id in pi_ids:
        board_changed(pi_id, features=[feature_id])
