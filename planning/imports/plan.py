"""Map work items onto a train and PI, validate them and say what an import would do.

Pure: everything the train holds that matters (its teams, the PI's iterations, what earlier imports
created) comes in as a `Context`, so the rules are tested without a database and the dry run and
the apply run the very same function.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from planning.models import FeatureKind, FeatureState

from .records import Problem, WorkItem

STORY = "story"
SKIP = "skip"
TARGETS = {
    **{kind.value: f"Feature ({kind.label.lower()})" for kind in FeatureKind},
    STORY: "Story",
    SKIP: "Leave out",
}

# What an experienced RTE expects each tracker's types to become (SAFe: epics and features are
# the board's features; stories, tasks and bugs the teams' stories). Anything else is asked.
TYPE_GUESSES = {
    "epic": FeatureKind.FEATURE,
    "feature": FeatureKind.FEATURE,
    "enabler": FeatureKind.ENABLER,
    "enabler feature": FeatureKind.ENABLER,
    "enabler epic": FeatureKind.ENABLER,
    "technical debt": FeatureKind.DEBT,
    "tech debt": FeatureKind.DEBT,
    "story": STORY,
    "user story": STORY,
    "product backlog item": STORY,
    "task": STORY,
    "bug": STORY,
    "spike": STORY,
    "enabler story": STORY,
    "sub-task": SKIP,
    "subtask": SKIP,
}
STATUS_GUESSES = {
    "funnel": FeatureState.FUNNEL,
    "new": FeatureState.FUNNEL,
    "analyzing": FeatureState.ANALYZING,
    "analysis": FeatureState.ANALYZING,
    "refinement": FeatureState.ANALYZING,
    "backlog": FeatureState.BACKLOG,
    "open": FeatureState.BACKLOG,
    "to do": FeatureState.BACKLOG,
    "ready": FeatureState.BACKLOG,
    "implementing": FeatureState.IMPLEMENTING,
    "in progress": FeatureState.IMPLEMENTING,
    "in development": FeatureState.IMPLEMENTING,
    "active": FeatureState.IMPLEMENTING,
    "committed": FeatureState.IMPLEMENTING,
    "validating": FeatureState.VALIDATING,
    "in review": FeatureState.VALIDATING,
    "in qa": FeatureState.VALIDATING,
    "testing": FeatureState.VALIDATING,
    "resolved": FeatureState.VALIDATING,
    "deploying": FeatureState.DEPLOYING,
    "releasing": FeatureState.RELEASING,
    "done": FeatureState.DONE,
    "closed": FeatureState.DONE,
}


@dataclass(frozen=True)
class IterationRef:
    id: int
    number: int
    is_ip: bool
    end_date: date

    @property
    def label(self) -> str:
        return "IP" if self.is_ip else f"I{self.number}"


@dataclass(frozen=True)
class Existing:
    """A feature or story an earlier import created, as the plan needs it."""

    id: int
    version: int
    pi_id: int | None
    team_id: int | None
    iteration_id: int | None
    feature_id: int | None = None
    title: str = ""
    description: str = ""
    kind: str = ""
    state: str = ""
    points: int = 0


@dataclass
class Context:
    """What the train holds, read once (planning/imports/services.py: load_context)."""

    pi_id: int
    pi_closed: bool
    today: date
    teams: dict[int, str]
    iterations: list[IterationRef]
    features: dict[str, Existing] = field(default_factory=dict)
    stories: dict[str, Existing] = field(default_factory=dict)
    dependencies: set[tuple[str, str]] = field(default_factory=set)  # (blocking key, blocked key)


@dataclass
class Mapping:
    """The person's choices (from the dry run's selects, the API or the command), by source value.

    Types map to a feature kind, "story" or "skip"; statuses to a feature state; sprints to an
    iteration id (None: unscheduled); team values to a team id (None: not a team).
    """

    types: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    sprints: dict[str, int | None] = field(default_factory=dict)
    teams: dict[str, int | None] = field(default_factory=dict)


@dataclass
class MappingRow:
    source: str
    target: str | int | None
    guessed: bool
    count: int = 0

    @property
    def unresolved(self) -> bool:
        """No target guessed; a target of None chosen by the person means 'none' (unscheduled, no team)."""
        return self.target is None and self.guessed


@dataclass
class FeaturePlan:
    item: WorkItem
    kind: str
    state: str
    team_id: int | None
    iteration_id: int | None
    existing: Existing | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class StoryPlan:
    item: WorkItem
    team_id: int
    feature_key: str
    iteration_id: int | None
    points: int
    existing: Existing | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class DependencyPlan:
    provider: str  # the key of the issue that blocks
    requester: str  # the key of the issue blocked
    line: int
    column: str
    providing_team_id: int
    requesting_team_id: int
    providing_feature_key: str
    requesting_feature_key: str
    needed_by_iteration_id: int | None


@dataclass
class Plan:
    features: list[FeaturePlan] = field(default_factory=list)
    stories: list[StoryPlan] = field(default_factory=list)
    dependencies: list[DependencyPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    types: list[MappingRow] = field(default_factory=list)
    statuses: list[MappingRow] = field(default_factory=list)
    sprints: list[MappingRow] = field(default_factory=list)
    teams: list[MappingRow] = field(default_factory=list)
    dependencies_unchanged: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, dict[str, int]]:
        def tally(plans) -> dict[str, int]:
            created = sum(1 for p in plans if p.existing is None)
            updated = sum(1 for p in plans if p.existing is not None and p.changes)
            return {"create": created, "update": updated, "unchanged": len(plans) - created - updated}

        return {
            "features": tally(self.features),
            "stories": tally(self.stories),
            "dependencies": {
                "create": len(self.dependencies),
                "update": 0,
                "unchanged": self.dependencies_unchanged,
            },
            "iterations": {"used": len({p.iteration_id for p in self.features + self.stories} - {None})},
        }


def guess_iteration(sprint: str, iterations: list[IterationRef]) -> int | None:
    """A sprint's iteration from its name: 'IP' names the IP iteration, else its last number does
    ('Aurora 26.3', 'PI 26 Sprint 3' → iteration 3). None when no iteration of the PI fits."""
    words = re.findall(r"[A-Za-z]+|\d+", sprint)
    if any(word.upper() == "IP" for word in words) or "innovation" in sprint.casefold():
        return next((it.id for it in iterations if it.is_ip), None)
    numbers = [int(word) for word in words if word.isdigit()]
    if not numbers:
        return None
    return next((it.id for it in iterations if it.number == numbers[-1] and not it.is_ip), None)


def _team_guess(value: str, teams: dict[int, str]) -> int | None:
    wanted = value.casefold().replace("team", "").strip(" -_")
    matches = [pk for pk, name in teams.items() if name.casefold() in (value.casefold(), wanted)]
    return matches[0] if len(matches) == 1 else None


def _rows(values: dict[str, int], chosen: dict, guess) -> tuple[list[MappingRow], dict]:
    rows, resolved = [], {}
    for source in sorted(values, key=str.casefold):
        if source in chosen:
            target, guessed = chosen[source], False
        else:
            target, guessed = guess(source), True
        resolved[source] = target
        rows.append(MappingRow(source, target, guessed, values[source]))
    return rows, resolved


def build_plan(items: list[WorkItem], context: Context, mapping: Mapping | None = None) -> Plan:
    mapping = mapping or Mapping()
    plan = Plan(rows=len(items))
    problems = plan.problems
    if context.pi_closed:
        problems.append(Problem(0, "", "The PI is closed: its record is read-only. Import into an open PI."))

    # The mapping: every value the file holds, with its guess or the person's choice.
    def census(values) -> dict[str, int]:
        seen: dict[str, int] = {}
        for value in values:
            if value:
                seen[value] = seen.get(value, 0) + 1
        return seen

    plan.types, types = _rows(
        census(i.type for i in items),
        {k: v for k, v in mapping.types.items() if v in TARGETS},
        lambda t: TYPE_GUESSES.get(t.casefold()),
    )
    kinds = {item.key: types.get(item.type) for item in items}
    featured = [i for i in items if kinds[i.key] in FeatureKind.values]
    plan.statuses, statuses = _rows(
        census(i.status for i in featured),
        {k: v for k, v in mapping.statuses.items() if v in FeatureState.values},
        lambda s: STATUS_GUESSES.get(s.casefold()),
    )
    iteration_by_id = {it.id: it for it in context.iterations}
    chosen_sprints = {k: v for k, v in mapping.sprints.items() if v is None or v in iteration_by_id}
    plan.sprints, sprints = _rows(
        census(i.sprint for i in items if kinds[i.key] not in (SKIP, None)),
        chosen_sprints,
        lambda s: guess_iteration(s, context.iterations),
    )
    plan.teams, teams = _rows(
        census(v for i in items if kinds[i.key] not in (SKIP, None) for v in dict.fromkeys(i.teams)),
        {k: v for k, v in mapping.teams.items() if v is None or v in context.teams},
        lambda v: _team_guess(v, context.teams),
    )

    # Each item on its own.
    first_line: dict[str, int] = {}
    by_key: dict[str, WorkItem] = {}
    by_id: dict[str, WorkItem] = {}
    for item in items:
        if item.key in first_line:
            problems.append(
                Problem(item.line, item.column("key"), f"{item.key} is also on line {first_line[item.key]}.")
            )
            continue
        first_line[item.key] = item.line
        by_key[item.key] = item
        if item.source_id:
            by_id[item.source_id] = item

    def team_of(item: WorkItem) -> int | None:
        found = {teams[v] for v in item.teams if teams.get(v) is not None}
        if len(found) > 1:
            names = ", ".join(sorted(context.teams[pk] for pk in found))
            problems.append(
                Problem(item.line, item.column("team"), f"{item.key} names several teams ({names}): map one.")
            )
        return found.pop() if len(found) == 1 else None

    def iteration_of(item: WorkItem) -> int | None:
        if not item.sprint:
            return None
        target = sprints.get(item.sprint)
        if target is None and item.sprint not in chosen_sprints:
            problems.append(
                Problem(
                    item.line,
                    item.column("sprint"),
                    f"Sprint '{item.sprint}' maps to no iteration of the PI: choose one in the mapping.",
                )
            )
        return target

    feature_plans: dict[str, FeaturePlan] = {}
    for item in by_key.values():
        kind = kinds[item.key]
        if kind == SKIP:
            continue
        if kind is None:
            reason = (
                "The issue type is empty."
                if not item.type
                else f"Unknown issue type '{item.type}': map it to a feature kind, story or 'leave out'."
            )
            problems.append(Problem(item.line, item.column("type"), reason))
            continue
        if not item.title:
            problems.append(Problem(item.line, item.column("title"), f"{item.key} has no summary."))
        elif len(item.title) > 200:
            problems.append(
                Problem(
                    item.line,
                    item.column("title"),
                    f"The summary has {len(item.title)} characters: 200 at most.",
                )
            )
        if kind == STORY:
            continue
        state = statuses.get(item.status)
        if state is None:
            reason = (
                "The status is empty."
                if not item.status
                else f"Unknown status '{item.status}': map it to a feature state."
            )
            problems.append(Problem(item.line, item.column("status"), reason))
        existing = context.features.get(item.key)
        feature = FeaturePlan(item, kind, state or "", team_of(item), iteration_of(item), existing)
        _check_feature(feature, context, iteration_by_id, problems)
        feature_plans[item.key] = feature
        plan.features.append(feature)

    story_plans: dict[str, StoryPlan] = {}
    for item in by_key.values():
        if kinds[item.key] != STORY:
            continue
        parent_key = _parent_key(item, by_key, by_id)
        if item.parent and parent_key is None:
            problems.append(
                Problem(
                    item.line,
                    item.column("parent"),
                    f"The parent '{item.parent}' is not in the file or the train.",
                )
            )
            continue
        if parent_key and parent_key not in feature_plans and parent_key not in context.features:
            if parent_key in by_key and kinds[parent_key] != SKIP:
                reason = f"The parent {parent_key} is a {by_key[parent_key].type}, not a feature."
            else:
                reason = f"The parent {parent_key} is not in the file or the train."
            problems.append(Problem(item.line, item.column("parent"), reason))
            continue
        parent = feature_plans.get(parent_key) if parent_key else None
        parent_existing = context.features.get(parent_key) if parent_key else None
        parent_team = parent.team_id if parent else (parent_existing.team_id if parent_existing else None)
        if parent_existing and not parent and parent_existing.pi_id != context.pi_id:
            problems.append(
                Problem(item.line, item.column("parent"), f"The parent {parent_key} is not in this PI.")
            )
        team_id = team_of(item) or parent_team
        if team_id is None:
            problems.append(
                Problem(
                    item.line,
                    item.column("team"),
                    f"{item.key} belongs to no team: map its team, component or label, or its feature's.",
                )
            )
            continue
        if parent_key and parent_team != team_id:
            where = context.teams.get(parent_team, "no team") if parent_team else "no team"
            problems.append(
                Problem(
                    item.line,
                    item.column("team"),
                    f"{item.key} is {context.teams[team_id]}'s but its feature {parent_key} is {where}'s:"
                    " a story belongs to its feature's team.",
                )
            )
        story = StoryPlan(
            item,
            team_id,
            parent_key or "",
            iteration_of(item),
            item.points or 0,
            context.stories.get(item.key),
        )
        if story.existing:
            if story.existing.team_id != team_id:
                problems.append(
                    Problem(
                        item.line,
                        item.column("team"),
                        f"{item.key} was imported for {context.teams.get(story.existing.team_id, 'another team')}:"
                        " a story cannot change team.",
                    )
                )
            story.changes = _story_changes(story, context)
        story_plans[item.key] = story
        plan.stories.append(story)

    _plan_dependencies(plan, by_key, feature_plans, story_plans, context)
    plan.problems.sort(key=lambda p: (p.line, p.column))
    return plan


def _parent_key(item: WorkItem, by_key: dict, by_id: dict) -> str | None:
    if not item.parent:
        return None
    if item.parent in by_key:
        return item.parent
    if item.parent in by_id:
        return by_id[item.parent].key
    if not item.parent.isdigit():
        return item.parent  # a key: in the train, or reported as missing by the caller
    return None


def _check_feature(feature: FeaturePlan, context: Context, iterations: dict, problems: list[Problem]) -> None:
    item, existing = feature.item, feature.existing
    if existing is not None:
        if existing.pi_id != context.pi_id:
            problems.append(
                Problem(item.line, item.column("key"), f"{item.key} was imported into another PI (or none).")
            )
        feature.changes = [
            name
            for name, now, then in (
                ("title", item.title, existing.title),
                ("description", item.description, existing.description),
                ("kind", feature.kind, existing.kind),
                ("state", feature.state, existing.state),
                ("team", feature.team_id, existing.team_id),
                ("iteration", feature.iteration_id, existing.iteration_id),
            )
            if now != then
        ]
    moved = existing is None or "iteration" in feature.changes
    iteration = iterations.get(feature.iteration_id)
    if moved and iteration and feature.state != FeatureState.DONE and iteration.end_date < context.today:
        problems.append(
            Problem(
                item.line,
                item.column("sprint"),
                f"{iteration.label} ended on {iteration.end_date:%d %b %Y}: a feature that is not done can only"
                " be planned in an iteration that has not ended yet.",
            )
        )


def _story_changes(story: StoryPlan, context: Context) -> list[str]:
    existing = story.existing
    feature = context.features.get(story.feature_key)
    return [
        name
        for name, now, then in (
            ("title", story.item.title, existing.title),
            ("points", story.points, existing.points),
            ("iteration", story.iteration_id, existing.iteration_id),
            ("feature", feature.id if feature else story.feature_key or None, existing.feature_id),
        )
        if now != then
    ]


def _plan_dependencies(plan: Plan, by_key, feature_plans, story_plans, context: Context) -> None:
    """'A blocks B': B's team needs A from A's team by B's iteration. Both ends are the features
    (a story's end is its feature); a link within one team is no dependency between teams."""
    links: dict[tuple[str, str], tuple[int, str]] = {}
    for item in by_key.values():
        for other in item.blocks:
            links.setdefault((item.key, other), (item.line, item.column("blocks")))
        for other in item.blocked_by:
            links.setdefault((other, item.key), (item.line, item.column("blocked_by")))

    def end(key: str):
        if key in feature_plans:
            feature = feature_plans[key]
            return feature.team_id, key, feature.iteration_id
        if key in story_plans:
            story = story_plans[key]
            return story.team_id, story.feature_key, story.iteration_id
        if key in context.features:
            existing = context.features[key]
            return existing.team_id, key, existing.iteration_id
        return None

    for (provider, requester), (line, column) in links.items():
        ends = end(provider), end(requester)
        if None in ends:
            missing = provider if ends[0] is None else requester
            if missing in by_key:
                continue  # left out by the mapping, or already reported on its own line
            plan.problems.append(
                Problem(line, column, f"The linked issue {missing} is not in the file or the train.")
            )
            continue
        (providing_team, providing_feature, _), (requesting_team, requesting_feature, needed_by) = ends
        if providing_team is None or requesting_team is None:
            plan.notes.append(
                Problem(line, column, f"{provider} blocks {requester}: no dependency, a team is unknown.")
            )
            continue
        if providing_team == requesting_team:
            continue
        if (provider, requester) in context.dependencies:
            plan.dependencies_unchanged += 1
            continue
        plan.dependencies.append(
            DependencyPlan(
                provider,
                requester,
                line,
                column,
                providing_team,
                requesting_team,
                providing_feature,
                requesting_feature,
                needed_by,
            )
        )
