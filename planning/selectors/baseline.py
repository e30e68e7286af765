"""The plan as a snapshot, and the committed plan compared with the plan now (plan vs now).

One function builds the snapshot both for committing (planning/services/baseline.py stores it)
and for "now", so a comparison never reports a difference that is only a difference of format.
Both cost a fixed number of queries, whatever the size of the plan.
"""

from dataclasses import dataclass, field

from planning.models import Dependency, Feature, PIObjective, PlanBaseline, ProgramIncrement

SNAPSHOT_FORMAT = 1


def plan_snapshot(pi: ProgramIncrement) -> dict:
    """Features per team and iteration, objectives with planned value and linked features, dependencies.

    Ids and names both: ids to compare by, names so a baseline still reads after a rename or delete.
    Four queries.
    """
    features = [
        {
            "id": f.pk,
            "title": f.title,
            "team_id": f.team_id,
            "team": f.team.name if f.team else None,
            "iteration_id": f.iteration_id,
            "iteration": f.iteration.label if f.iteration else None,
        }
        for f in Feature.objects.filter(pi=pi).select_related("team", "iteration").order_by("pk")
    ]
    links: dict[int, list[int]] = {}
    for objective_id, feature_id in (
        PIObjective.features.through.objects.filter(piobjective__pi=pi)
        .order_by("piobjective_id", "feature_id")
        .values_list("piobjective_id", "feature_id")
    ):
        links.setdefault(objective_id, []).append(feature_id)
    objectives = [
        {
            "id": o.pk,
            "team_id": o.team_id,
            "team": o.team.name,
            "text": o.text,
            "committed": o.is_committed,
            "planned_bv": o.planned_business_value,
            "feature_ids": links.get(o.pk, []),
        }
        for o in PIObjective.objects.filter(pi=pi).select_related("team").order_by("pk")
    ]
    dependencies = [
        {
            "id": d.pk,
            "description": d.description,
            "requesting_team_id": d.requesting_team_id,
            "requesting_team": d.requesting_team.name,
            "providing_team_id": d.providing_team_id,
            "providing_team": d.providing_team.name,
            "requesting_feature_id": d.requesting_feature_id,
            "providing_feature_id": d.providing_feature_id,
            "needed_by_iteration_id": d.needed_by_iteration_id,
            "needed_by": d.needed_by_iteration.label if d.needed_by_iteration else None,
            "state": d.state,
        }
        for d in Dependency.objects.filter(pi=pi)
        .select_related("requesting_team", "providing_team", "needed_by_iteration")
        .order_by("pk")
    ]
    return {
        "format": SNAPSHOT_FORMAT,
        "features": features,
        "objectives": objectives,
        "dependencies": dependencies,
    }


def latest_baseline(pi: ProgramIncrement) -> PlanBaseline | None:
    return (
        PlanBaseline.objects.filter(pi=pi)
        .select_related("committed_by")
        .order_by("-committed_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class Change:
    """One difference between the committed plan and now; `was`/`now` are snapshot rows (or None)."""

    was: dict | None
    now: dict | None

    @property
    def row(self) -> dict:
        return self.now or self.was


@dataclass
class PlanVsNow:
    baseline: PlanBaseline | None
    features_moved: list[Change] = field(default_factory=list)
    features_added: list[Change] = field(default_factory=list)
    features_dropped: list[Change] = field(default_factory=list)
    objectives_added: list[Change] = field(default_factory=list)
    objectives_dropped: list[Change] = field(default_factory=list)
    objectives_changed: list[Change] = field(default_factory=list)
    dependencies_added: list[Change] = field(default_factory=list)
    dependencies_dropped: list[Change] = field(default_factory=list)
    dependencies_changed: list[Change] = field(default_factory=list)

    @property
    def change_count(self) -> int:
        return sum(len(getattr(self, name)) for name in self.__dataclass_fields__ if name != "baseline")


def _by_id(rows: list[dict]) -> dict[int, dict]:
    return {row["id"]: row for row in rows}


def _planned(rows: list[dict]) -> dict[int, dict]:
    """Features on a team's row of the board; a feature in the PI but on no team is not in the plan."""
    return {row["id"]: row for row in rows if row["team_id"] is not None}


def _compare(was: dict[int, dict], now: dict[int, dict], keys: tuple[str, ...]) -> tuple[list, list, list]:
    """Rows added, dropped, and changed (any of `keys` differs), each list in id order."""
    added = [Change(was=None, now=now[key]) for key in sorted(now.keys() - was.keys())]
    dropped = [Change(was=was[key], now=None) for key in sorted(was.keys() - now.keys())]
    changed = [
        Change(was=was[key], now=now[key])
        for key in sorted(was.keys() & now.keys())
        if any(was[key][name] != now[key][name] for name in keys)
    ]
    return added, dropped, changed


def plan_vs_now(pi: ProgramIncrement) -> PlanVsNow:
    """What changed since the latest commit: moved, added and dropped features; objectives and
    dependencies added, dropped or changed. Five queries (the baseline, then the snapshot)."""
    baseline = latest_baseline(pi)
    if baseline is None:
        return PlanVsNow(baseline=None)
    was, now = baseline.plan, plan_snapshot(pi)
    result = PlanVsNow(baseline=baseline)

    result.features_added, result.features_dropped, result.features_moved = _compare(
        _planned(was.get("features", [])), _planned(now["features"]), ("team_id", "iteration_id")
    )
    result.objectives_added, result.objectives_dropped, result.objectives_changed = _compare(
        _by_id(was.get("objectives", [])), _by_id(now["objectives"]), ("planned_bv", "committed")
    )
    result.dependencies_added, result.dependencies_dropped, result.dependencies_changed = _compare(
        _by_id(was.get("dependencies", [])), _by_id(now["dependencies"]), ("state",)
    )
    return result
