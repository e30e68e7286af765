"""Building the demo is deterministic and idempotent: from scratch twice gives the same data, by natural keys;
again when the train exists (and `seed_demo`) changes nothing."""

import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command

from artops.demo import SLUG, build_demo
from metrics.models import Snapshot
from planning.models import (
    ConfidenceVote,
    Dependency,
    Feature,
    FeatureStateChange,
    PIObjective,
    PlanBaseline,
    ProgramIncrement,
    Story,
    TeamCapacity,
)
from risks.models import (
    ActionItem,
    DemoItem,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Problem,
    Risk,
    RiskRoamChange,
)
from trains.factories import DEFAULT_PASSWORD
from trains.models import Membership, Train

from .common import LOGIN_USERNAMES, TODAY

pytestmark = pytest.mark.django_db

APP_LABELS = ("trains", "planning", "risks", "metrics")


def _row_counts() -> dict[str, int]:
    models = [get_user_model()]
    for label in APP_LABELS:
        models.extend(apps.get_app_config(label).get_models(include_auto_created=True))
    return {model._meta.label: model.objects.count() for model in models}


def _sorted(rows) -> list:
    return sorted(rows, key=repr)


def _baseline(baseline: PlanBaseline) -> tuple:
    """A baseline's content by natural keys: its snapshot's ids differ from one build to the next."""
    plan = baseline.plan
    titles = {row["id"]: row["title"] for row in plan["features"]}
    return (
        baseline.pi.name,
        baseline.committed_at,
        baseline.committed_by.username,
        _sorted((row["title"], row["team"], row["iteration"]) for row in plan["features"]),
        _sorted(
            (
                row["team"],
                row["text"],
                row["committed"],
                row["planned_bv"],
                tuple(sorted(titles[key] for key in row["feature_ids"])),
            )
            for row in plan["objectives"]
        ),
        _sorted(
            (
                row["description"],
                row["requesting_team"],
                row["providing_team"],
                titles.get(row["requesting_feature_id"]),
                titles.get(row["providing_feature_id"]),
                row["needed_by"],
                row["state"],
            )
            for row in plan["dependencies"]
        ),
    )


def _fingerprint(train: Train) -> dict[str, list]:
    """Everything the demo decides, by natural keys (names, titles, numbers), never by primary key."""
    features = Feature.objects.filter(train=train)
    return {
        "teams": _sorted(train.teams.values_list("name", "kind", "position")),
        "memberships": _sorted(
            Membership.objects.filter(train=train).values_list("user__username", "role", "team__name")
        ),
        "pis": _sorted(train.pis.values_list("name", "state", "start_date", "end_date", "committed_at")),
        "business_owners": _sorted(train.pis.values_list("name", "business_owners__username")),
        "baselines": _sorted(
            _baseline(baseline)
            for baseline in PlanBaseline.objects.filter(pi__train=train).select_related("pi", "committed_by")
        ),
        "iterations": _sorted(
            train.pis.values_list(
                "name",
                "iterations__number",
                "iterations__start_date",
                "iterations__end_date",
                "iterations__is_ip",
            )
        ),
        "features": _sorted(
            features.values_list(
                "pi__name",
                "team__name",
                "iteration__number",
                "title",
                "kind",
                "state",
                "business_value",
                "time_criticality",
                "risk_reduction",
                "job_size",
                "is_blocked",
                "started_at",
                "done_at",
                "version",
            )
        ),
        "state_changes": _sorted(
            FeatureStateChange.objects.filter(feature__train=train).values_list(
                "feature__title", "from_state", "to_state", "changed_at"
            )
        ),
        "blocked_periods": _sorted(
            features.values_list(
                "title", "blocked_periods__started_at", "blocked_periods__ended_at", "blocked_periods__reason"
            )
        ),
        "stories": _sorted(
            Story.objects.filter(team__train=train).values_list(
                "team__name",
                "feature__title",
                "iteration__pi__name",
                "iteration__number",
                "title",
                "points",
                "state",
                "done_at",
            )
        ),
        "capacities": _sorted(
            TeamCapacity.objects.filter(team__train=train).values_list(
                "team__name",
                "iteration__pi__name",
                "iteration__number",
                "fte",
                "days_off",
                "capacity_override",
            )
        ),
        "objectives": _sorted(
            PIObjective.objects.filter(pi__train=train).values_list(
                "pi__name",
                "team__name",
                "text",
                "is_committed",
                "planned_business_value",
                "actual_business_value",
                "position",
                "features__title",
            )
        ),
        "votes": _sorted(
            ConfidenceVote.objects.filter(round__pi__train=train).values_list(
                "round__pi__name", "round__team__name", "round__number", "voter__username", "score", "concern"
            )
        ),
        "milestones": _sorted(
            train.pis.values_list("name", "milestones__name", "milestones__date", "milestones__kind")
        ),
        "dependencies": _sorted(
            Dependency.objects.filter(pi__train=train).values_list(
                "pi__name",
                "requesting_team__name",
                "providing_team__name",
                "requesting_feature__title",
                "providing_feature__title",
                "providing_feature__iteration__number",
                "needed_by_iteration__number",
                "description",
                "kind",
                "state",
                "owner__username",
                "created_at",
                "resolved_at",
            )
        ),
        "risks": _sorted(
            Risk.objects.filter(train=train).values_list(
                "pi__name",
                "team__name",
                "title",
                "roam_status",
                "owner__username",
                "impact",
                "likelihood",
                "due_date",
                "mitigation_plan",
                "features__title",
            )
        ),
        "roam_changes": _sorted(
            RiskRoamChange.objects.filter(risk__train=train).values_list(
                "risk__pi__name", "risk__title", "from_status", "to_status", "changed_at", "actor__username"
            )
        ),
        "impediments": _sorted(
            Impediment.objects.filter(train=train).values_list(
                "team__name",
                "title",
                "severity",
                "status",
                "escalation_level",
                "raised_at",
                "resolved_at",
                "raised_by__username",
                "blocked_features__title",
            )
        ),
        "escalations": _sorted(
            ImpedimentEscalation.objects.filter(impediment__train=train).values_list(
                "impediment__title", "from_level", "to_level", "note", "escalated_at", "actor__username"
            )
        ),
        "improvements": _sorted(
            ImprovementItem.objects.filter(train=train).values_list(
                "source_pi__name",
                "target_pi__name",
                "feature__title",
                "title",
                "status",
                "votes",
                "owner__username",
                "created_at",
                "done_at",
            )
        ),
        "actions": _sorted(
            ActionItem.objects.filter(train=train).values_list(
                "raised_in__held_on",
                "title",
                "owner__username",
                "due_date",
                "status",
                "created_at",
                "done_at",
            )
        ),
        "system_demos": _sorted(
            DemoItem.objects.filter(demo__iteration__pi__train=train).values_list(
                "demo__iteration__pi__name",
                "demo__iteration__number",
                "demo__held_on",
                "demo__notes",
                "feature__title",
                "title",
                "outcome",
                "feedback",
                "demo__follow_ups__title",
                "demo__follow_ups__status",
            )
        ),
        "problems": _sorted(
            Problem.objects.filter(pi__train=train).values_list(
                "pi__name", "statement", "root_causes", "votes__voter__username", "improvement_items__title"
            )
        ),
        "snapshots": _sorted(
            (pi, team, metric, day, value, json.dumps(data, sort_keys=True))
            for pi, team, metric, day, value, data in Snapshot.objects.filter(train=train).values_list(
                "pi__name", "team__name", "metric", "day", "value", "data"
            )
        ),
    }


def _delete_demo(train: Train) -> None:
    user_ids = list(Membership.objects.filter(train=train).values_list("user_id", flat=True))
    Train.objects.filter(slug=SLUG).delete()
    get_user_model().objects.filter(pk__in=user_ids).delete()


def test_building_twice_from_scratch_gives_the_same_data(demo):
    first = _fingerprint(demo)
    assert all(first.values()), "every part of the fingerprint holds rows"
    counts = _row_counts()
    _delete_demo(demo)
    assert not Train.objects.filter(slug=SLUG).exists()

    rebuilt, created = build_demo(today=TODAY)

    assert created
    assert rebuilt.pk != demo.pk
    second = _fingerprint(rebuilt)
    for key in first:
        assert second[key] == first[key], key
    assert _row_counts() == counts


def test_building_again_when_the_train_exists_changes_nothing(demo):
    counts, fingerprint = _row_counts(), _fingerprint(demo)

    train, created = build_demo(today=TODAY)

    assert (train.pk, created) == (demo.pk, False)
    assert _row_counts() == counts
    assert _fingerprint(demo) == fingerprint


def test_seed_demo_keeps_an_existing_train_and_prints_the_logins(demo):
    counts, fingerprint = _row_counts(), _fingerprint(demo)
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    output = out.getvalue()
    assert "Kept the existing demo train" in output
    assert DEFAULT_PASSWORD in output
    for username in LOGIN_USERNAMES:
        assert username in output
    assert _row_counts() == counts
    assert _fingerprint(demo) == fingerprint


def test_seed_demo_builds_the_train_when_it_is_missing(demo):
    _delete_demo(demo)
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert "Built demo train" in out.getvalue()
    train = Train.objects.get(slug=SLUG)
    assert train.pis.filter(state=ProgramIncrement.State.EXECUTING).count() == 1
    assert set(Membership.objects.filter(train=train).values_list("user__username", flat=True)) >= set(
        LOGIN_USERNAMES
    )
