"""The demo train (domain.md §5): a living train a newcomer can explore at once.

The train is built once for the module inside a transaction that is rolled back at the end, like
Django's `setUpTestData`; each test runs in its own savepoint inside it, so tests that delete and
rebuild the train leave the shared one untouched for the next test.
"""

import io
import json
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from artops.demo import LOGINS, SLUG, build_demo
from metrics.models import Snapshot
from planning.calculations import load_status
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
    VoteRound,
)
from planning.selectors.baseline import plan_vs_now
from planning.selectors.lifecycle import pi_readiness
from risks.models import (
    ActionItem,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Risk,
    RiskRoamChange,
)
from trains.factories import DEFAULT_PASSWORD
from trains.models import Membership, Team, Train

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 21)
LOGIN_USERNAMES = [username for username, *_ in LOGINS]
APP_LABELS = ("trains", "planning", "risks", "metrics")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Build the demo train once for the module; roll it back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        train, created = build_demo(today=TODAY)
        assert created
        yield train
        transaction.set_rollback(True)


def _closed_pis(train: Train) -> list[ProgramIncrement]:
    return list(train.pis.filter(state=ProgramIncrement.State.CLOSED).order_by("start_date"))


def _executing_pi(train: Train) -> ProgramIncrement:
    return train.pis.get(state=ProgramIncrement.State.EXECUTING)


def _draft_pi(train: Train) -> ProgramIncrement:
    return train.pis.get(state=ProgramIncrement.State.DRAFT)


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


# --- shape of the train ------------------------------------------------------------------------------


def test_the_demo_train_has_six_to_eight_teams_of_mixed_kinds(demo):
    teams = list(demo.teams.all())
    kinds = {team.kind for team in teams}

    assert 6 <= len(teams) <= 8
    assert len(kinds) >= 3
    assert Team.Kind.STREAM_ALIGNED in kinds and Team.Kind.PLATFORM in kinds


def test_the_demo_has_two_closed_pis_one_executing_and_one_draft(demo):
    pis = list(demo.pis.order_by("start_date"))

    assert [pi.state for pi in pis] == [
        ProgramIncrement.State.CLOSED,
        ProgramIncrement.State.CLOSED,
        ProgramIncrement.State.EXECUTING,
        ProgramIncrement.State.DRAFT,
    ]
    for earlier, later in zip(pis, pis[1:], strict=False):
        assert later.start_date > earlier.end_date
    for pi in pis:
        iterations = list(pi.iterations.order_by("number"))
        assert iterations[-1].is_ip and not any(it.is_ip for it in iterations[:-1])


def test_today_falls_mid_way_through_the_executing_pi(demo):
    pi = _executing_pi(demo)

    current = pi.iterations.get(start_date__lte=TODAY, end_date__gte=TODAY)

    assert pi.start_date < TODAY < pi.end_date
    assert current.number > 1
    assert not current.is_ip


def test_closed_pis_have_scored_committed_and_uncommitted_objectives(demo):
    for pi in _closed_pis(demo):
        objectives = list(pi.objectives.all())
        assert objectives
        assert all(objective.actual_business_value is not None for objective in objectives)
        assert all(objective.planned_business_value is not None for objective in objectives)
        assert {objective.is_committed for objective in objectives} == {True, False}


def test_closed_pis_have_metric_snapshots_with_a_predictability_value(demo):
    for pi in _closed_pis(demo):
        art = Snapshot.objects.get(pi=pi, team=None, metric=Snapshot.Metric.PREDICTABILITY)
        assert art.value is not None and art.value > 0
        assert art.data["planned_committed_bv"] > 0
        team_figures = Snapshot.objects.filter(
            pi=pi, team__isnull=False, metric=Snapshot.Metric.PREDICTABILITY
        )
        assert team_figures.count() == demo.teams.count()


def test_the_executing_pi_has_features_moving_through_the_kanban_with_stories(demo):
    pi = _executing_pi(demo)
    features = pi.features.filter(team__isnull=False)

    states = set(features.values_list("state", flat=True))
    assert {Feature.State.IMPLEMENTING, Feature.State.DONE} <= states
    assert Story.objects.filter(feature__pi=pi).exists()
    assert Story.objects.filter(feature__pi=pi, state=Story.State.DONE).exists()
    assert FeatureStateChange.objects.filter(feature__pi=pi).exists()


def test_every_done_feature_went_through_the_kanban(demo):
    done = Feature.objects.filter(train=demo, state=Feature.State.DONE)

    without_history = sorted(
        feature.title
        for feature in done
        if feature.started_at is None
        or not FeatureStateChange.objects.filter(feature=feature, to_state=Feature.State.DONE).exists()
    )

    assert done.exists()
    assert without_history == []


def test_the_draft_pi_has_a_backlog_to_plan(demo):
    draft = demo.pis.get(state=ProgramIncrement.State.DRAFT)

    assert draft.features.filter(state=Feature.State.BACKLOG).exists()


# --- PI Planning: baselines, plan vs now, the next PI being prepared ---------------------------------


def test_every_pi_has_its_business_owners(demo):
    for pi in demo.pis.all():
        assert set(pi.business_owners.values_list("username", flat=True)) == {"bo", "bo2"}, pi.name


def test_each_planned_pi_has_one_baseline_committed_by_the_rte_at_the_end_of_planning(demo):
    planned = [*_closed_pis(demo), _executing_pi(demo)]

    for pi in planned:
        baseline = pi.baselines.get()
        assert baseline.committed_at == pi.committed_at
        assert baseline.committed_at.date() < pi.start_date
        assert baseline.committed_by.username == "rte"
        assert baseline.plan["features"] and baseline.plan["objectives"] and baseline.plan["dependencies"]
    assert not _draft_pi(demo).baselines.exists()


def test_baselines_hold_dependencies_as_agreed_at_planning_not_their_outcome(demo):
    states = {
        row["state"]
        for baseline in PlanBaseline.objects.filter(pi__train=demo)
        for row in baseline.plan["dependencies"]
    }

    assert states <= {Dependency.State.REQUESTED, Dependency.State.COMMITTED}


def test_the_closed_pis_ran_to_their_committed_plan_of_features(demo):
    for pi in _closed_pis(demo):
        changes = plan_vs_now(pi)
        assert changes.baseline is not None
        assert (changes.features_moved, changes.features_added, changes.features_dropped) == ([], [], [])
        assert {change.now["state"] for change in changes.dependencies_changed} <= set(
            Dependency.RESOLVED_STATES
        )


def test_the_executing_pis_plan_vs_now_shows_a_moved_an_added_and_a_dropped_feature(demo):
    pi = _executing_pi(demo)

    changes = plan_vs_now(pi)

    [moved] = changes.features_moved
    assert (moved.was["team"], moved.was["iteration"]) == (moved.now["team"], "I3")
    assert moved.now["iteration"] == "I4"
    [added] = changes.features_added
    assert added.now["title"] == "Strong customer authentication update – Borealis"
    assert added.now["team"] == "Borealis"
    [dropped] = changes.features_dropped
    feature = Feature.objects.get(pk=dropped.was["id"])
    assert (feature.pi_id, feature.team_id, feature.iteration_id) == (pi.pk, None, None)
    assert not feature.stories.filter(iteration__isnull=False).exists()
    assert changes.dependencies_changed


def test_the_feature_added_after_the_commit_arrived_after_it_and_has_stories(demo):
    pi = _executing_pi(demo)
    feature = pi.features.get(title="Strong customer authentication update – Borealis")

    arrived = FeatureStateChange.objects.get(feature=feature, from_state="")

    assert pi.committed_at < arrived.changed_at < feature.started_at
    assert feature.stories.filter(iteration=feature.iteration).exists()


def test_the_draft_pi_is_partly_ready_for_planning(demo):
    pi = _draft_pi(demo)

    readiness = pi_readiness(pi)

    assert 0 < readiness.percent < 100
    passed = {item.key: item.passed for item in readiness.items}
    assert passed["business_owners"] and not passed["capacity"]


def test_five_of_the_seven_teams_entered_capacity_for_every_development_iteration_of_the_draft_pi(demo):
    pi = _draft_pi(demo)
    development = pi.iterations.filter(is_ip=False)
    rows = TeamCapacity.objects.filter(iteration__pi=pi)

    per_team = {
        team: rows.filter(team__name=team, iteration__in=development).count()
        for team in rows.values_list("team__name", flat=True).distinct()
    }

    assert demo.teams.count() == 7
    assert per_team == dict.fromkeys(per_team, development.count()) and len(per_team) == 5
    assert not rows.filter(iteration__is_ip=True).exists()
    assert rows.filter(capacity_override__isnull=False).values("team").distinct().count() == 1
    assert rows.values("fte").distinct().count() > 1
    assert rows.values("days_off").distinct().count() > 1


def test_at_least_one_team_iteration_of_the_draft_pi_is_over_capacity(demo):
    """§4.3: load is the points of the team's stories in the iteration; over 100 % is red."""
    pi = _draft_pi(demo)
    load: dict[tuple[int, int], int] = {}
    for team_id, iteration_id, points in Story.objects.filter(iteration__pi=pi).values_list(
        "team_id", "iteration_id", "points"
    ):
        load[team_id, iteration_id] = load.get((team_id, iteration_id), 0) + points

    statuses = [
        load_status(load.get((row.team_id, row.iteration_id), 0), row.capacity_points)
        for row in TeamCapacity.objects.filter(iteration__pi=pi)
    ]

    assert "red" in statuses
    assert "green" in statuses


def test_the_draft_pi_has_features_pulled_onto_teams_and_draft_objectives_without_business_value(demo):
    pi = _draft_pi(demo)

    pulled = pi.features.filter(team__isnull=False)
    objectives = pi.objectives.all()

    assert pulled.exists() and pi.features.filter(team__isnull=True).exists()
    assert not pulled.filter(iteration__isnull=False).exists()
    assert objectives.values("team").distinct().count() == 2
    assert all(objective.planned_business_value is None for objective in objectives)
    assert Story.objects.filter(iteration__pi=pi).values("team").distinct().count() == 2
    assert pi.state == ProgramIncrement.State.DRAFT and pi.committed_at is None


# --- dependencies, risks, impediments ----------------------------------------------------------------


def test_the_executing_pi_has_dependencies_in_every_state(demo):
    states = set(_executing_pi(demo).dependencies.values_list("state", flat=True))

    assert states == set(Dependency.State.values)


def test_the_executing_pi_has_at_least_one_red_dependency(demo):
    """Red string: the provider plans it after it is needed, has not planned it, or it is blocked."""
    unresolved = _executing_pi(demo).dependencies.exclude(state__in=Dependency.RESOLVED_STATES)

    late = [
        dependency
        for dependency in unresolved.select_related("providing_feature__iteration", "needed_by_iteration")
        if dependency.providing_feature
        and dependency.providing_feature.iteration
        and dependency.needed_by_iteration
        and dependency.providing_feature.iteration.number > dependency.needed_by_iteration.number
    ]
    unplanned = unresolved.filter(providing_feature__isnull=True)
    blocked = unresolved.filter(state=Dependency.State.BLOCKED)

    assert late, "at least one provider plans its feature after the iteration it is needed by"
    assert unplanned.exists() or blocked.exists()


def test_the_demo_has_risks_in_every_roam_state(demo):
    states = set(Risk.objects.filter(pi=_executing_pi(demo)).values_list("roam_status", flat=True))

    assert states == set(Risk.Roam.values)
    assert RiskRoamChange.objects.filter(risk__train=demo).exists()


def test_the_demo_has_open_and_escalated_impediments(demo):
    unresolved = Impediment.objects.filter(train=demo).exclude(status=Impediment.Status.RESOLVED)

    assert unresolved.filter(status=Impediment.Status.OPEN).exists()
    escalated_levels = set(
        unresolved.filter(status=Impediment.Status.ESCALATED).values_list("escalation_level", flat=True)
    )
    assert escalated_levels == {Impediment.Level.ART, Impediment.Level.PORTFOLIO}
    assert ImpedimentEscalation.objects.filter(impediment__in=unresolved).exists()
    assert Impediment.objects.filter(train=demo, status=Impediment.Status.RESOLVED).exists()


def test_the_demo_has_improvement_items_some_done(demo):
    items = ImprovementItem.objects.filter(train=demo)

    assert items.exists()
    done = items.filter(status=ImprovementItem.Status.DONE)
    assert done.exists()
    assert items.exclude(status=ImprovementItem.Status.DONE).exists()
    assert all(item.done_at is not None for item in done)


def test_the_demo_has_art_sync_action_items_open_and_done(demo):
    statuses = set(ActionItem.objects.filter(train=demo).values_list("status", flat=True))

    assert statuses == {ActionItem.Status.OPEN, ActionItem.Status.DONE}


def test_the_demo_has_team_and_art_votes_with_low_scores_explained(demo):
    votes = ConfidenceVote.objects.filter(round__pi=_executing_pi(demo))

    assert votes.filter(round__team__isnull=True).exists()
    assert (
        votes.filter(round__team__isnull=False).values("round__team").distinct().count() == demo.teams.count()
    )
    assert not VoteRound.objects.filter(pi__train=demo, closed_at__isnull=True).exists()
    low = ConfidenceVote.objects.filter(round__pi__train=demo, score__lte=2)
    assert low.exists()
    assert all(vote.concern.strip() for vote in low)


# --- logins ------------------------------------------------------------------------------------------


def test_there_is_one_login_per_role(demo):
    roles = [role for *_, role, _team in LOGINS]

    assert len(roles) == len(set(roles))
    for username, _first, _last, role, team_name in LOGINS:
        membership = Membership.objects.get(train=demo, user__username=username, role=role)
        assert (membership.team.name if membership.team else None) == team_name


@pytest.mark.parametrize("username", LOGIN_USERNAMES)
def test_each_demo_login_signs_in_and_lands_on_the_demo_train(demo, client, username):
    assert client.login(username=username, password=DEFAULT_PASSWORD)

    response = client.get("/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/trains/{SLUG}/"


def test_every_demo_user_has_a_hashed_demo_password(demo):
    """Not only the printed logins: a raw password in the password column would lock the user out."""
    users = get_user_model().objects.filter(memberships__train=demo).distinct()

    cannot = sorted(user.username for user in users if not user.check_password(DEFAULT_PASSWORD))

    assert cannot == []


# --- determinism and idempotence ---------------------------------------------------------------------


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
