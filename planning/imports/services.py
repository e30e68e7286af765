"""The import's doors share these: read a file, show the dry run, apply it whole or not at all.

Apply writes only through the planning services (feature_create, feature_update, feature_move,
feature_set_state, story_create, story_update, dependency_create), as the RTE who imports, inside
`through(Door.IMPORT)` so the history says where each change came from. One transaction: a problem
found while applying (a service's refusal) rolls back everything written before it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Dependency, Feature, Iteration, ProgramIncrement, Story
from planning.services import (
    dependency_create,
    feature_create,
    feature_move,
    feature_set_state,
    feature_update,
)
from planning.services.stories import story_create, story_update
from trains.errors import Conflict, NotAllowed
from trains.guards import require
from trains.history.door import through
from trains.history.models import Door
from trains.models import Train

from . import azure, jira
from .plan import Context, Existing, IterationRef, Mapping, Plan, build_plan
from .records import Problem, WorkItem

READERS: dict[str, Callable[[IO[bytes]], tuple[list[WorkItem], list[Problem]]]] = {
    "jira": jira.read,
    "azure": azure.read,
}
DEPENDENCY_TAG = re.compile(r"^(\S+) blocks (\S+):")
ONLY_RTE = "Only the train's RTE imports a plan."


class ImportRefused(Exception):
    """The file has problems: nothing was written. `plan.problems` says where and why."""

    def __init__(self, plan: Plan):
        self.plan = plan
        super().__init__(f"{len(plan.problems)} problem(s) in the file: nothing was imported.")


@dataclass
class Result:
    plan: Plan
    applied: bool = False


def load_context(pi: ProgramIncrement) -> Context:
    train_id = pi.train_id
    features = {
        row["external_key"]: Existing(
            id=row["id"],
            version=row["version"],
            pi_id=row["pi_id"],
            team_id=row["team_id"],
            iteration_id=row["iteration_id"],
            title=row["title"],
            description=row["description"],
            kind=row["kind"],
            state=row["state"],
        )
        for row in Feature.objects.filter(train_id=train_id)
        .exclude(external_key="")
        .values(
            "external_key",
            "id",
            "version",
            "pi_id",
            "team_id",
            "iteration_id",
            "title",
            "description",
            "kind",
            "state",
        )
    }
    stories = {
        row["external_key"]: Existing(
            id=row["id"],
            version=row["version"],
            pi_id=None,
            team_id=row["team_id"],
            iteration_id=row["iteration_id"],
            feature_id=row["feature_id"],
            title=row["title"],
            points=row["points"],
        )
        for row in Story.objects.filter(team__train_id=train_id)
        .exclude(external_key="")
        .values("external_key", "id", "version", "team_id", "iteration_id", "feature_id", "title", "points")
    }
    dependencies = {
        match.groups()
        for description in Dependency.objects.filter(pi=pi).values_list("description", flat=True)
        if (match := DEPENDENCY_TAG.match(description))
    }
    return Context(
        pi_id=pi.pk,
        pi_closed=pi.is_closed,
        today=timezone.localdate(),
        teams=dict(pi.train.teams.values_list("id", "name")),
        iterations=[
            IterationRef(it.pk, it.number, it.is_ip, it.end_date)
            for it in Iteration.objects.filter(pi=pi).order_by("number")
        ],
        features=features,
        stories=stories,
        dependencies=dependencies,
    )


def read_plan(*, pi: ProgramIncrement, source: str, file: IO[bytes], mapping: Mapping | None = None) -> Plan:
    """The dry run: what importing `file` into `pi` would create and update, and every problem."""
    items, problems = READERS[source](file)
    plan = build_plan(items, load_context(pi), mapping)
    plan.problems = sorted([*problems, *plan.problems], key=lambda p: (p.line, p.column))
    return plan


def import_file(
    *,
    train: Train,
    pi: ProgramIncrement,
    source: str,
    file: IO[bytes],
    actor,
    mapping: Mapping | None = None,
    apply: bool = False,
) -> Result:
    """Validate `file` (the dry run) and, with `apply` and no problem, write it in one transaction.

    Raises ImportRefused (nothing written) when applying a file with any problem."""
    require(actor, train.pk, lambda access: access.is_rte, ONLY_RTE)
    if pi.train_id != train.pk:
        raise NotAllowed("That PI belongs to another train.")
    if not apply:
        return Result(read_plan(pi=pi, source=source, file=file, mapping=mapping))
    with transaction.atomic(), through(Door.IMPORT):
        # One import of a PI at a time: the second waits here and then sees the first's keys.
        pi = ProgramIncrement.objects.select_for_update().select_related("train").get(pk=pi.pk)
        plan = read_plan(pi=pi, source=source, file=file, mapping=mapping)
        if not plan.ok:
            raise ImportRefused(plan)
        _apply(plan, pi=pi, actor=actor)
    return Result(plan, applied=True)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in _dict(error).items()
        )
    return str(error)


def _dict(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _apply(plan: Plan, *, pi: ProgramIncrement, actor) -> None:
    train = pi.train
    teams = {team.pk: team for team in train.teams.all()}
    iterations = {it.pk: it for it in Iteration.objects.filter(pi=pi)}
    features: dict[str, Feature] = {
        f.external_key: f
        for f in Feature.objects.filter(train=train)
        .exclude(external_key="")
        .select_related("train", "pi", "team", "iteration")
    }
    for step in plan.features:
        item = step.item
        try:
            if step.existing is None:
                feature = feature_create(
                    train=train,
                    title=item.title,
                    actor=actor,
                    pi=pi,
                    team=teams.get(step.team_id),
                    iteration=iterations.get(step.iteration_id),
                    kind=step.kind,
                    description=item.description,
                )
                # The key is the import's own bookkeeping, not a planning fact: no history, no board change.
                Feature.objects.filter(pk=feature.pk).update(external_key=item.key)
                feature.external_key = item.key
            else:
                feature = features[item.key]
                edits = {
                    name: value
                    for name, value in (
                        ("title", item.title),
                        ("description", item.description),
                        ("kind", step.kind),
                    )
                    if getattr(feature, name) != value
                }
                if edits:
                    feature = feature_update(
                        feature=feature, expected_version=feature.version, actor=actor, **edits
                    )
            # The state before the move: a feature done may stay recorded in an iteration that ended.
            if feature.state != step.state:
                feature = feature_set_state(feature=feature, state=step.state, actor=actor)
            if (feature.team_id, feature.iteration_id) != (step.team_id, step.iteration_id):
                feature = feature_move(
                    feature=feature,
                    team_id=step.team_id,
                    iteration_id=step.iteration_id,
                    expected_version=feature.version,
                    actor=actor,
                )
        except (ValidationError, Conflict, NotAllowed) as error:
            plan.problems.append(Problem(item.line, item.column("key"), f"{item.key}: {_message(error)}"))
            raise ImportRefused(plan) from error
        features[item.key] = feature

    stories = {
        s.external_key: s
        for s in Story.objects.filter(team__train=train)
        .exclude(external_key="")
        .select_related("team", "feature__pi", "iteration__pi")
    }
    for step in plan.stories:
        item = step.item
        feature = features.get(step.feature_key) if step.feature_key else None
        iteration = iterations.get(step.iteration_id)
        try:
            if step.existing is None:
                story = story_create(
                    team=teams[step.team_id],
                    title=item.title,
                    points=step.points,
                    actor=actor,
                    feature=feature,
                    iteration=iteration,
                )
                Story.objects.filter(pk=story.pk).update(external_key=item.key)
            elif step.changes:
                story = stories[item.key]
                story_update(
                    story=story,
                    expected_version=story.version,
                    actor=actor,
                    title=item.title,
                    points=step.points,
                    feature=feature,
                    iteration=iteration,
                )
        except (ValidationError, Conflict, NotAllowed) as error:
            plan.problems.append(Problem(item.line, item.column("key"), f"{item.key}: {_message(error)}"))
            raise ImportRefused(plan) from error

    for step in plan.dependencies:
        providing, requesting = (
            features.get(step.providing_feature_key),
            features.get(step.requesting_feature_key),
        )
        title = providing.title if providing else step.provider
        try:
            dependency_create(
                pi=pi,
                actor=actor,
                requesting_team=teams[step.requesting_team_id],
                providing_team=teams[step.providing_team_id],
                requesting_feature=requesting,
                providing_feature=providing,
                needed_by_iteration=iterations.get(step.needed_by_iteration_id),
                description=f"{step.provider} blocks {step.requester}: {title}"[:240],
                kind=Dependency.Kind.FEATURE,
            )
        except (ValidationError, Conflict, NotAllowed) as error:
            plan.problems.append(
                Problem(step.line, step.column, f"{step.provider} blocks {step.requester}: {_message(error)}")
            )
            raise ImportRefused(plan) from error
