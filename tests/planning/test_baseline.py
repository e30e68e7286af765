"""Committing the plan stores a baseline; plan vs now says what moved, was added or dropped since."""

import pytest
from django.core.exceptions import ValidationError

from planning.factories import DependencyFactory, FeatureFactory, PIObjectiveFactory
from planning.models import Dependency, Feature, PlanBaseline, ProgramIncrement
from planning.selectors.baseline import plan_vs_now
from planning.services.baseline import plan_commit
from trains.access import train_access
from trains.errors import NotAllowed
from trains.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(train, pi, team, other_team, iterations):
    """Apollo builds Checkout in I2 for an objective; it needs an API Gemini builds in I1."""
    checkout = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[1], title="Checkout")
    api = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[0], title="Payments API")
    spare = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[2], title="Reports")
    objective = PIObjectiveFactory(pi=pi, team=team, text="Customers pay online", planned_business_value=8)
    objective.features.add(checkout)
    stretch = PIObjectiveFactory(
        pi=pi, team=other_team, text="Refunds", is_committed=False, planned_business_value=3
    )
    dependency = DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        requesting_feature=checkout,
        providing_feature=api,
        needed_by_iteration=iterations[1],
        description="payment endpoint",
    )
    return {
        "checkout": checkout,
        "api": api,
        "spare": spare,
        "objective": objective,
        "stretch": stretch,
        "dependency": dependency,
    }


def test_commit_stores_the_plan_as_a_snapshot_and_marks_the_pi_committed(
    rte, pi, team, other_team, plan, iterations
):
    baseline = plan_commit(pi=pi, actor=rte)
    pi.refresh_from_db()
    assert pi.committed_at == baseline.committed_at
    assert baseline.committed_by == rte
    snapshot = PlanBaseline.objects.get(pk=baseline.pk).plan
    checkout = next(f for f in snapshot["features"] if f["id"] == plan["checkout"].pk)
    assert checkout == {
        "id": plan["checkout"].pk,
        "title": "Checkout",
        "team_id": team.pk,
        "team": "Apollo",
        "iteration_id": iterations[1].pk,
        "iteration": "I2",
    }
    assert len(snapshot["features"]) == 3
    assert snapshot["objectives"][0] == {
        "id": plan["objective"].pk,
        "team_id": team.pk,
        "team": "Apollo",
        "text": "Customers pay online",
        "committed": True,
        "planned_bv": 8,
        "feature_ids": [plan["checkout"].pk],
    }
    assert snapshot["objectives"][1]["committed"] is False
    assert snapshot["dependencies"] == [
        {
            "id": plan["dependency"].pk,
            "description": "payment endpoint",
            "requesting_team_id": team.pk,
            "requesting_team": "Apollo",
            "providing_team_id": other_team.pk,
            "providing_team": "Gemini",
            "requesting_feature_id": plan["checkout"].pk,
            "providing_feature_id": plan["api"].pk,
            "needed_by_iteration_id": iterations[1].pk,
            "needed_by": "I2",
            "state": "requested",
        }
    ]


@pytest.mark.parametrize(
    "persona", ["product_manager", "scrum_master", "business_owner", "viewer", "outsider"]
)
def test_only_the_rte_commits(request, pi, persona):
    with pytest.raises(NotAllowed):
        plan_commit(pi=pi, actor=request.getfixturevalue(persona))
    assert not PlanBaseline.objects.exists()


# A closed PI refuses every write, the commit too, as a Conflict: tests/planning/test_closed_pi.py.
@pytest.mark.parametrize("state", ["draft", "executing"])
def test_commit_is_refused_outside_planning(rte, pi, state):
    pi.state = state
    pi.save()
    with pytest.raises(ValidationError, match="only while the PI is in planning"):
        plan_commit(pi=pi, actor=rte)
    assert ProgramIncrement.objects.get(pk=pi.pk).committed_at is None


def test_no_baseline_means_no_comparison(pi):
    diff = plan_vs_now(pi)
    assert diff.baseline is None and diff.change_count == 0


def test_nothing_changed_right_after_commit(rte, pi, plan):
    plan_commit(pi=pi, actor=rte)
    assert plan_vs_now(pi).change_count == 0


def test_plan_vs_now_shows_moved_added_and_dropped_features(
    rte, train, pi, team, other_team, plan, iterations
):
    plan_commit(pi=pi, actor=rte)
    Feature.objects.filter(pk=plan["checkout"].pk).update(team=other_team, iteration=iterations[3])
    Feature.objects.filter(pk=plan["api"].pk).update(iteration=iterations[2])
    Feature.objects.filter(pk=plan["spare"].pk).update(pi=None, team=None, iteration=None)  # out of the PI
    late = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Late arrival")
    FeatureFactory(train=train, pi=pi, title="Unplanned, not in the plan")  # on no team: not "added"

    diff = plan_vs_now(pi)
    moved = {
        c.now["title"]: (c.was["team"], c.was["iteration"], c.now["team"], c.now["iteration"])
        for c in diff.features_moved
    }
    assert moved == {
        "Checkout": ("Apollo", "I2", "Gemini", "I4"),
        "Payments API": ("Gemini", "I1", "Gemini", "I3"),
    }
    assert [c.now["id"] for c in diff.features_added] == [late.pk]
    assert [c.was["title"] for c in diff.features_dropped] == ["Reports"]


def test_a_feature_taken_off_its_team_counts_as_dropped(rte, pi, plan):
    plan_commit(pi=pi, actor=rte)
    Feature.objects.filter(pk=plan["api"].pk).update(team=None, iteration=None)
    assert [c.was["title"] for c in plan_vs_now(pi).features_dropped] == ["Payments API"]


def test_plan_vs_now_shows_objective_and_dependency_changes(rte, pi, team, other_team, plan):
    plan_commit(pi=pi, actor=rte)
    plan["objective"].planned_business_value = 10
    plan["objective"].save()
    plan["stretch"].delete()
    added = PIObjectiveFactory(pi=pi, team=team, text="New promise")
    Dependency.objects.filter(pk=plan["dependency"].pk).update(state="blocked")
    new_dependency = DependencyFactory(pi=pi, requesting_team=other_team, providing_team=team)

    diff = plan_vs_now(pi)
    assert [(c.was["planned_bv"], c.now["planned_bv"]) for c in diff.objectives_changed] == [(8, 10)]
    assert [c.was["text"] for c in diff.objectives_dropped] == ["Refunds"]
    assert [c.now["id"] for c in diff.objectives_added] == [added.pk]
    assert [(c.was["state"], c.now["state"]) for c in diff.dependencies_changed] == [("requested", "blocked")]
    assert [c.now["id"] for c in diff.dependencies_added] == [new_dependency.pk]
    assert diff.dependencies_dropped == []
    assert diff.change_count == 5


def test_plan_vs_now_compares_with_the_latest_baseline(rte, pi, other_team, plan, iterations):
    plan_commit(pi=pi, actor=rte)
    Feature.objects.filter(pk=plan["checkout"].pk).update(iteration=iterations[3])
    plan_commit(pi=pi, actor=rte)  # a re-plan during planning: the new plan is the baseline
    assert plan_vs_now(pi).features_moved == []


def grow(train, pi, iterations, teams: int, features_per_team: int):
    made = [TeamFactory(train=train) for _ in range(teams)]
    for t, team in enumerate(made):
        features = [
            FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[n % 4])
            for n in range(features_per_team)
        ]
        objective = PIObjectiveFactory(pi=pi, team=team)
        objective.features.add(*features[:2])
        DependencyFactory(pi=pi, requesting_team=team, providing_team=made[(t + 1) % teams])


def test_commit_and_plan_vs_now_cost_the_same_queries_small_or_large(
    rte, train, pi, iterations, django_assert_max_num_queries
):
    grow(train, pi, iterations, teams=2, features_per_team=2)
    train_access(rte, train)  # the actor's roles are read once and remembered: keep them out of the count
    plan_commit(pi=pi, actor=rte)  # a PI's first change also creates the metrics app's row for it
    with django_assert_max_num_queries(20) as small_commit:
        plan_commit(pi=pi, actor=rte)
    with django_assert_max_num_queries(5) as small_diff:
        plan_vs_now(pi)
    grow(train, pi, iterations, teams=10, features_per_team=15)
    with django_assert_max_num_queries(20) as large_commit:
        plan_commit(pi=pi, actor=rte)
    with django_assert_max_num_queries(5) as large_diff:
        diff = plan_vs_now(pi)
    assert len(small_commit.captured_queries) == len(large_commit.captured_queries)
    assert len(small_diff.captured_queries) == len(large_diff.captured_queries)
    assert diff.change_count == 0
