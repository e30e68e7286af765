"""The import's doors share these: read a file, show the dry run, apply it whole or not at all.

Apply writes only through the planning services (feature_create, feature_update, feature_move,
feature_set_state, story_create, story_update, dependency_create), as the RTE who imports, inside
`through(Door.IMPORT)` so the history says where each change came from. One transaction: a problem
found while applying (a service's refusal) rolls back everything written before it.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from planning.models import Dependency, Feature, FeatureState, ImportRun, Iteration, ProgramIncrement, Story
from planning.services import feature_move, feature_set_state, feature_update
from planning.services.board import dependency_create_many, feature_create_many
from planning.services.stories import story_create_many, story_update
from trains.errors import Conflict, NotAllowed
from trains.guards import require
from trains.history.door import through
from trains.history.models import Door
from trains.limits import parse_id
from trains.models import Train

from . import azure, jira
from .plan import TARGETS, Context, Existing, IterationRef, Mapping, Plan, build_plan
from .records import Problem, WorkItem

READERS: dict[str, Callable[[IO[bytes]], tuple[list[WorkItem], list[Problem]]]] = {
    "jira": jira.read,
    "azure": azure.read,
}
DEPENDENCY_TAG = re.compile(r"^(\S+) blocks (\S+):")
ONLY_RTE = "Only the train's RTE imports a plan."
PROGRESS_EVERY = 50
STORY_BATCH = 1000
BATCH = 500
# Up to this many rows an upload is applied in the request; a larger one by a worker, with progress.
IN_REQUEST_ROWS = 1000
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


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
    progress: Callable[[int], None] | None = None,
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
        _apply(plan, pi=pi, actor=actor, progress=progress or (lambda done: None))
    return Result(plan, applied=True)


def _message(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in _dict(error).items()
        )
    return str(error)


def _dict(error: ValidationError) -> dict:
    return error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}


def _apply(plan: Plan, *, pi: ProgramIncrement, actor, progress: Callable[[int], None]) -> None:
    train = pi.train
    teams = {team.pk: team for team in train.teams.all()}
    iterations = {it.pk: it for it in Iteration.objects.filter(pi=pi)}
    features: dict[str, Feature] = {
        f.external_key: f
        for f in Feature.objects.filter(train=train)
        .exclude(external_key="")
        .select_related("train", "pi", "team", "iteration")
    }
    # New features in batches (feature_create_many), each with its first state and its key.
    created = [step for step in plan.features if step.existing is None]
    try:
        for start in range(0, len(created), BATCH):
            batch = created[start : start + BATCH]
            made = feature_create_many(
                train=train,
                actor=actor,
                drafts=[
                    {
                        "title": step.item.title,
                        "pi": pi,
                        "team": teams.get(step.team_id),
                        "iteration": iterations.get(step.iteration_id),
                        "kind": step.kind,
                        "description": step.item.description,
                        "state": step.state,
                        "external_key": step.item.key,
                    }
                    for step in batch
                ],
            )
            features.update((feature.external_key, feature) for feature in made)
            progress(start + len(batch))
    except (ValidationError, Conflict, NotAllowed) as error:
        plan.problems.append(Problem(0, "", f"Features: {_message(error)}"))
        raise ImportRefused(plan) from error
    done = len(created)
    for step in plan.features:
        item = step.item
        if step.existing is None or not step.changes:
            continue
        try:
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
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)

    stories = {
        s.external_key: s
        for s in Story.objects.filter(team__train=train)
        .exclude(external_key="")
        .select_related("team", "feature__pi", "iteration__pi")
    }
    drafts = []
    for step in plan.stories:
        item = step.item
        feature = features.get(step.feature_key) if step.feature_key else None
        iteration = iterations.get(step.iteration_id)
        if step.existing is None:
            drafts.append(
                {
                    "team": teams[step.team_id],
                    "title": item.title,
                    "points": step.points,
                    "feature": feature,
                    "iteration": iteration,
                    "external_key": item.key,
                }
            )
            continue
        if not step.changes:
            continue
        story = stories[item.key]
        try:
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
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done)
    try:
        # New stories in batches: thousands of rows in a handful of statements (story_create_many).
        for start in range(0, len(drafts), STORY_BATCH):
            story_create_many(drafts=drafts[start : start + STORY_BATCH], actor=actor)
            done += len(drafts[start : start + STORY_BATCH])
            progress(done)
    except (ValidationError, Conflict, NotAllowed) as error:
        plan.problems.append(Problem(0, "", f"Stories: {_message(error)}"))
        raise ImportRefused(plan) from error

    drafts = []
    for step in plan.dependencies:
        providing, requesting = (
            features.get(step.providing_feature_key),
            features.get(step.requesting_feature_key),
        )
        title = providing.title if providing else step.provider
        drafts.append(
            {
                "requesting_team": teams[step.requesting_team_id],
                "providing_team": teams[step.providing_team_id],
                "requesting_feature": requesting,
                "providing_feature": providing,
                "needed_by_iteration": iterations.get(step.needed_by_iteration_id),
                "description": f"{step.provider} blocks {step.requester}: {title}"[:240],
                "kind": Dependency.Kind.FEATURE,
            }
        )
    try:
        dependency_create_many(pi=pi, drafts=drafts, actor=actor)
    except (ValidationError, Conflict, NotAllowed) as error:
        plan.problems.append(Problem(0, "", f"Dependencies: {_message(error)}"))
        raise ImportRefused(plan) from error


# --- Import runs: an upload kept between its dry run and its apply (the page, the API, a task) ---


def mapping_from_json(data: dict | None) -> Mapping:
    """A mapping as a page, the API or a file gives it, kept to what can mean something: known
    targets, ids a database can hold, and text PostgreSQL can store (no NUL)."""
    data = data if isinstance(data, dict) else {}

    def group(name: str) -> dict:
        values = data.get(name)
        return {
            k: v
            for k, v in (values.items() if isinstance(values, dict) else ())
            if isinstance(k, str) and k and "\x00" not in k and len(k) <= 500
        }

    def ids(values: dict) -> dict[str, int | None]:
        chosen = {}
        for source, value in values.items():
            if value in (None, ""):
                chosen[source] = None
            elif isinstance(value, int | str) and not isinstance(value, bool) and str(value).isdigit():
                # isdigit() also passes "²", which int() refuses: parse_id reads ASCII digits only.
                chosen[source] = parse_id(str(value))
        return chosen

    return Mapping(
        types={k: v for k, v in group("types").items() if v in TARGETS},
        statuses={k: v for k, v in group("statuses").items() if v in FeatureState.values},
        sprints=ids(group("sprints")),
        teams=ids(group("teams")),
    )


def mapping_to_json(mapping: Mapping) -> dict:
    return {
        "types": mapping.types,
        "statuses": mapping.statuses,
        "sprints": mapping.sprints,
        "teams": mapping.teams,
    }


def import_run_create(*, train: Train, pi: ProgramIncrement, source: str, upload, actor) -> ImportRun:
    """Keep an uploaded export for its dry run. `upload` is a Django UploadedFile (or any file)."""
    require(actor, train.pk, lambda access: access.is_rte, ONLY_RTE)
    errors = {}
    if pi.train_id != train.pk:
        errors["pi"] = "That PI belongs to another train."
    if source not in READERS:
        errors["source"] = "Choose Jira or Azure DevOps."
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        errors["file"] = (
            f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: export fewer issues."
        )
    if errors:
        raise ValidationError(errors)
    chunks = upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(1 << 16), b"")
    content = b"".join(chunks)
    return ImportRun.objects.create(
        train=train,
        pi=pi,
        source=source,
        filename=(getattr(upload, "name", "") or "").replace("\x00", "")[:200],
        content=content,
        rows_total=content.count(b"\n"),
        created_by=actor,
    )


def import_run_plan(run: ImportRun) -> Plan:
    return read_plan(
        pi=run.pi,
        source=run.source,
        file=io.BytesIO(bytes(run.content)),
        mapping=mapping_from_json(run.mapping),
    )


def import_run_remap(*, run: ImportRun, mapping: Mapping, actor) -> ImportRun:
    require(actor, run.train_id, lambda access: access.is_rte, ONLY_RTE)
    _require_editable(run)
    run.mapping = mapping_to_json(mapping)
    run.save(update_fields=["mapping"])
    return run


def _require_editable(run: ImportRun) -> None:
    if run.status not in (ImportRun.Status.UPLOADED, ImportRun.Status.REFUSED):
        raise Conflict(
            "This import has been applied (or is being applied): upload the file again to import it anew."
        )


def import_run_apply(*, run: ImportRun, actor, in_request_rows: int | None = None) -> ImportRun:
    """Apply the run: in the request when small, else queued for a worker (in-process on the
    embedded default, where there is none). Either way whole or not at all."""
    require(actor, run.train_id, lambda access: access.is_rte, ONLY_RTE)
    _require_editable(run)
    limit = IN_REQUEST_ROWS if in_request_rows is None else in_request_rows
    if run.rows_total <= limit:
        return import_run_execute(run_id=run.pk, actor_id=actor.pk if actor else None)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.QUEUED, rows_done=0)
    _set_progress(run.pk, 0)
    from planning import tasks  # the task module imports this one

    transaction.on_commit(lambda: tasks.apply_import.delay(run.pk, actor.pk if actor else None))
    run.refresh_from_db()
    return run


def progress_key(run_id: int) -> str:
    return f"planning:import-run:{run_id}:done"


def _set_progress(run_id: int, done: int) -> None:
    # The apply's own transaction hides its writes until the end: the progress goes through the
    # cache (Redis where a worker applies), which every process reads at once.
    cache.set(progress_key(run_id), done, timeout=3600)


def import_run_progress(run: ImportRun) -> int:
    if run.status in (ImportRun.Status.APPLIED,):
        return run.rows_total
    return int(cache.get(progress_key(run.pk)) or 0)


def import_run_execute(*, run_id: int, actor_id: int | None) -> ImportRun:
    """Validate and apply a run (the task's body). A refused file stores its problems and writes
    nothing else; running it again after it was applied changes nothing (the keys match)."""
    from django.contrib.auth import get_user_model

    run = ImportRun.objects.select_related("train", "pi").get(pk=run_id)
    if run.status == ImportRun.Status.APPLIED:
        return run
    actor = get_user_model().objects.get(pk=actor_id) if actor_id else None
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING)
    try:
        result = import_file(
            train=run.train,
            pi=run.pi,
            source=run.source,
            file=io.BytesIO(bytes(run.content)),
            actor=actor,
            mapping=mapping_from_json(run.mapping),
            apply=True,
            progress=lambda done: _set_progress(run.pk, done),
        )
    except ImportRefused as refused:
        run.status, run.result = ImportRun.Status.REFUSED, plan_json(refused.plan)
    else:
        run.status, run.result = ImportRun.Status.APPLIED, plan_json(result.plan)
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "result", "finished_at"])
    return run


def plan_json(plan: Plan, *, problems_limit: int = 1000) -> dict:
    def rows(mapping_rows) -> list[dict]:
        return [
            {"source": r.source, "target": r.target, "guessed": r.guessed, "count": r.count}
            for r in mapping_rows
        ]

    return {
        "ok": plan.ok,
        "rows": plan.rows,
        "counts": plan.counts(),
        "mapping": {
            "types": rows(plan.types),
            "statuses": rows(plan.statuses),
            "sprints": rows(plan.sprints),
            "teams": rows(plan.teams),
        },
        "problems": [p.as_dict() for p in plan.problems[:problems_limit]],
        "problems_total": len(plan.problems),
        "notes": [p.as_dict() for p in plan.notes[:problems_limit]],
    }
