"""Running PI Planning over the API: versions over HTTP, filters, figures, and no 500 for any input.

Who may call what is tested by the permission table (tests/api/rows/planning_run.py); these are the
behaviours behind the calls.
"""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.factories import (
    FeatureFactory,
    PIObjectiveFactory,
    StoryFactory,
    TeamCapacityFactory,
)
from planning.factories import ProgramIncrementFactory as PIFactory
from planning.models import ConfidenceVote, Feature, PIObjective, ProgramIncrement, Story, TeamCapacity
from planning.services.baseline import plan_commit
from planning.services.votes import vote_round_open
from tests.planning.conftest import teams_have_voted

from .world import build_world

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"planning-api:{name}", args=["orbit", *args])


@pytest.fixture
def w():
    return build_world()


def first_iteration(w):
    return w.pi.iterations.order_by("number").first()


def send(w, persona, method, path, body=None, version=None):
    headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
    return w.client(persona).generic(
        method,
        path,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def assert_refused(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


def count_queries(callable_) -> int:
    callable_()  # once first: the token's last use is recorded on the first call only
    with CaptureQueriesContext(connection) as queries:
        response = callable_()
    assert response.status_code == 200, response.content
    return len(queries)


# --- stories ---------------------------------------------------------------------------------------


def test_a_story_changed_by_someone_else_is_refused_with_412_and_the_current_story(w):
    story = StoryFactory(team=w.team_a, iteration=first_iteration(w), points=3)
    Story.objects.filter(pk=story.pk).update(points=5, version=2)  # someone saved meanwhile

    response = send(w, "sm", "PATCH", url("story-detail", story.pk), {"points": 13}, version=1)

    body = assert_refused(response, 412, "stale")
    assert body["current"]["points"] == 5 and body["current"]["version"] == 2
    assert response["ETag"] == '"2"'
    assert Story.objects.get(pk=story.pk).points == 5


def test_a_story_write_without_if_match_is_refused_with_428(w):
    story = StoryFactory(team=w.team_a)
    for method, body in (("PATCH", {"points": 8}), ("DELETE", None)):
        assert_refused(send(w, "sm", method, url("story-detail", story.pk), body), 428, "version_required")
    assert Story.objects.get(pk=story.pk).points == story.points


def test_a_story_is_created_estimated_and_deleted_through_its_etag(w):
    iteration = first_iteration(w)
    created = send(w, "po", "POST", url("story-list"), {"team": w.team_a.pk, "title": "Pay", "points": 3})
    assert created.status_code == 201 and created["ETag"] == '"1"'
    story_id = created.json()["id"]

    moved = send(w, "po", "PATCH", url("story-detail", story_id), {"iteration": iteration.pk, "points": 5}, 1)
    assert moved.status_code == 200 and moved.json()["iteration"] == iteration.pk and moved["ETag"] == '"2"'

    assert send(w, "po", "DELETE", url("story-detail", story_id), version=2).status_code == 204
    assert not Story.objects.filter(pk=story_id).exists()


def test_stories_filter_by_team_pi_and_unscheduled(w):
    iteration = first_iteration(w)
    feature = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a)
    planned = StoryFactory(team=w.team_a, iteration=iteration)
    unscheduled_in_pi = StoryFactory(team=w.team_a, feature=feature)
    loose = StoryFactory(team=w.team_a)
    other_team = StoryFactory(team=w.team_b, iteration=iteration)

    def ids(query):
        response = w.client("viewer").get(url("story-list") + query)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"?team={w.team_a.pk}") == {planned.pk, unscheduled_in_pi.pk, loose.pk}
    assert ids(f"?pi={w.pi.pk}") == {planned.pk, unscheduled_in_pi.pk, other_team.pk}
    assert ids(f"?team={w.team_a.pk}&unscheduled=true") == {unscheduled_in_pi.pk, loose.pk}
    assert ids(f"?iteration={iteration.pk}&team={w.team_b.pk}") == {other_team.pk}


def test_the_story_list_costs_the_same_queries_for_5_stories_and_for_60(w):
    client = w.client("viewer")
    StoryFactory.create_batch(5, team=w.team_a, iteration=first_iteration(w))
    few = count_queries(lambda: client.get(url("story-list")))
    StoryFactory.create_batch(55, team=w.team_b)
    assert count_queries(lambda: client.get(url("story-list"))) == few


def test_another_trains_stories_are_not_found(w):
    elsewhere = StoryFactory()  # a team of another train
    assert_refused(w.client("rte").get(url("story-detail", elsewhere.pk)), 404, "not_found")
    body = {"team": elsewhere.team_id, "title": "Sneak in", "points": 1}
    refused = assert_refused(send(w, "rte", "POST", url("story-list"), body), 422, "invalid")
    assert "team" in refused["fields"]


@pytest.mark.parametrize(
    "body",
    [
        {"team": 10**30, "title": "x", "points": 1},
        {"team": "apollo", "title": "x", "points": 1},
        {"team": None, "title": "x", "points": 1},
        {"team": 1, "title": ["x"], "points": "many"},
        {"title": "x", "points": 10**30},
        [],
        "text",
    ],
)
def test_a_story_body_that_does_not_fit_is_422_never_500(w, body):
    if isinstance(body, dict) and body.get("team") == 1:
        body["team"] = w.team_a.pk
    if isinstance(body, dict) and "team" not in body:
        body["team"] = w.team_a.pk
    response = send(w, "rte", "POST", url("story-list"), body)
    assert_refused(response, 422, "invalid")
    assert not Story.objects.exists()


def test_ids_that_are_too_large_or_no_number_are_404_or_422(w):
    client = w.client("rte")
    assert_refused(client.get(url("story-detail", 10**30)), 404)
    assert_refused(client.get(url("capacity-grid", 10**30)), 404)
    assert_refused(client.get(url("story-list") + "?team=abc"), 422)
    assert client.get(url("story-list") + f"?team={10**30}").json()["results"] == []
    assert_refused(client.get(url("capacity-grid", w.pi.pk) + "?team=x"), 422)


# --- capacity ----------------------------------------------------------------------------------------


def test_a_first_capacity_entry_needs_no_if_match_and_then_the_cell_does(w):
    iteration = first_iteration(w)
    path = url("capacity-cell", w.pi.pk, w.team_a.pk, iteration.pk)
    StoryFactory(team=w.team_a, iteration=iteration, points=10)

    first = send(w, "sm", "PUT", path, {"fte": "1"})
    assert first.status_code == 200, first.content
    assert first["ETag"] == '"1"'
    assert first.json().items() >= {"capacity": 8.0, "load": 10, "status": "red", "entered": True}.items()

    assert_refused(send(w, "sm", "PUT", path, {"fte": "2"}), 428)
    again = send(w, "sm", "PUT", path, {"fte": "2", "days_off": 1}, version=1)
    assert again.status_code == 200 and again.json()["capacity"] == 15.0 and again["ETag"] == '"2"'


def test_a_stale_capacity_cell_is_412_with_the_cell_as_it_is_now(w):
    iteration = first_iteration(w)
    TeamCapacityFactory(team=w.team_a, iteration=iteration, fte=6, version=3)
    StoryFactory(team=w.team_a, iteration=iteration, points=4)

    response = send(w, "po", "PUT", url("capacity-cell", w.pi.pk, w.team_a.pk, iteration.pk), {"fte": "1"}, 2)

    body = assert_refused(response, 412)
    assert (
        body["current"]["version"] == 3
        and body["current"]["load"] == 4
        and body["current"]["capacity"] == 48.0
    )
    assert TeamCapacity.objects.get().fte == 6


def test_a_cell_entered_by_someone_else_meanwhile_is_412_for_a_first_entry(w):
    iteration = first_iteration(w)
    path = url("capacity-cell", w.pi.pk, w.team_a.pk, iteration.pk)
    response = send(w, "po", "PUT", path, {"fte": "1"}, version=0)
    assert response.status_code == 200
    assert_refused(send(w, "sm", "PUT", path, {"fte": "3"}, version=0), 412)


@pytest.mark.parametrize(
    "body", [{"fte": "-1"}, {"fte": "1e400"}, {"fte": "abc"}, {"fte": "1", "days_off": 10**30}]
)
def test_capacity_off_its_range_is_422(w, body):
    path = url("capacity-cell", w.pi.pk, w.team_a.pk, first_iteration(w).pk)
    assert_refused(send(w, "rte", "PUT", path, body), 422)
    assert not TeamCapacity.objects.exists()


def test_the_capacity_grid_has_every_team_and_iteration_with_totals(w):
    iteration = first_iteration(w)
    TeamCapacityFactory(team=w.team_a, iteration=iteration, fte=1)
    StoryFactory(team=w.team_a, iteration=iteration, points=7)

    grid = w.client("viewer").get(url("capacity-grid", w.pi.pk)).json()

    assert len(grid["cells"]) == 2 * w.pi.iterations.count()
    cell = next(c for c in grid["cells"] if c["team"] == w.team_a.pk and c["iteration"] == iteration.pk)
    assert (cell["capacity"], cell["load"], cell["status"]) == (8.0, 7, "amber")
    assert [team["name"] for team in grid["teams"]] == ["Apollo", "Gemini"]
    assert grid["overall"]["load"] == 7


# --- objectives, business value, predictability ------------------------------------------------------


def test_objectives_filter_by_team_and_commitment(w):
    committed = PIObjectiveFactory(pi=w.pi, team=w.team_a)
    stretch = PIObjectiveFactory(pi=w.pi, team=w.team_a, is_committed=False)
    PIObjectiveFactory(pi=w.pi, team=w.team_b)

    def ids(query):
        return [
            row["id"]
            for row in w.client("member").get(url("objective-list", w.pi.pk) + query).json()["results"]
        ]

    assert ids(f"?team={w.team_a.pk}") == [committed.pk, stretch.pk]
    assert ids(f"?team={w.team_a.pk}&committed=false") == [stretch.pk]


def test_the_objective_list_costs_the_same_queries_for_3_objectives_and_for_40(w):
    feature = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a)
    client = w.client("viewer")
    for objective in PIObjectiveFactory.create_batch(3, pi=w.pi, team=w.team_a):
        objective.features.add(feature)
    few = count_queries(lambda: client.get(url("objective-list", w.pi.pk)))
    for objective in PIObjectiveFactory.create_batch(37, pi=w.pi, team=w.team_b):
        objective.features.add(FeatureFactory(train=w.train, pi=w.pi, team=w.team_b))
    assert count_queries(lambda: client.get(url("objective-list", w.pi.pk))) == few


def test_objectives_are_reordered_committed_and_uncommitted(w):
    first = PIObjectiveFactory(pi=w.pi, team=w.team_a, position=0)
    second = PIObjectiveFactory(pi=w.pi, team=w.team_a, position=1)

    moved = send(w, "po", "POST", url("objective-move", second.pk), {"direction": "up"}, version=1)
    assert moved.status_code == 200 and moved.json()["position"] == 0
    uncommitted = send(w, "po", "POST", url("objective-uncommit", first.pk), version=first.version)
    assert uncommitted.status_code == 200 and uncommitted.json()["is_committed"] is False
    assert_refused(send(w, "po", "POST", url("objective-move", second.pk), {"direction": "sideways"}, 2), 422)


def test_planned_value_is_the_business_owners_and_only_while_planning(w):
    objective = PIObjectiveFactory(pi=w.pi, team=w.team_a, planned_business_value=None)
    path = url("objective-planned-value", objective.pk)

    assert_refused(send(w, "rte", "POST", path, {"value": 8}, version=1), 403)
    assert_refused(send(w, "bo", "POST", path, {"value": 11}, version=1), 422)
    response = send(w, "bo", "POST", path, {"value": 8}, version=1)
    assert response.status_code == 200 and response.json()["planned_business_value"] == 8
    refused = assert_refused(
        send(w, "bo", "POST", url("objective-actual-value", objective.pk), {"value": 5}, 2), 422
    )
    assert "actual_business_value" in refused["fields"]
    assert PIObjective.objects.get().actual_business_value is None


def test_predictability_per_team_and_for_the_art(w):
    executing = PIFactory(
        train=w.train, name="PI 6", start_date=date(2025, 9, 1), state=ProgramIncrement.State.EXECUTING
    )
    scored = PIObjectiveFactory(pi=executing, team=w.team_a, planned_business_value=10)
    PIObjectiveFactory(pi=executing, team=w.team_b, planned_business_value=10)
    response = send(w, "bo", "POST", url("objective-actual-value", scored.pk), {"value": 8}, version=1)
    assert response.status_code == 200

    figures = w.client("viewer").get(url("predictability", executing.pk)).json()

    teams = {team["name"]: team["figure"] for team in figures["teams"]}
    assert teams["Apollo"]["percent"] == 80.0 and teams["Apollo"]["band"] == "in"
    assert teams["Gemini"]["percent"] is None and teams["Gemini"]["reason"]
    assert figures["art"]["percent"] == 40.0 and figures["art"]["provisional"] is True
    assert figures["mean_of_teams"] == 80.0


# --- backlog -------------------------------------------------------------------------------------------


def test_wsjf_inputs_off_the_scale_are_refused_and_a_stale_feature_is_412(w):
    feature = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a)
    path = url("feature-wsjf", feature.pk)

    refused = assert_refused(send(w, "pm", "PATCH", path, {"job_size": 4}, version=1), 422)
    assert "job_size" in refused["fields"]
    changed = send(w, "pm", "PATCH", path, {"job_size": 8, "business_value": 13}, version=1)
    assert changed.status_code == 200 and changed.json()["wsjf"] == (13 + 3 + 2) / 8
    stale = assert_refused(send(w, "pm", "PATCH", path, {"job_size": 1}, version=1), 412)
    assert stale["current"]["job_size"] == 8
    assert Feature.objects.get(pk=feature.pk).job_size == 8


def test_the_backlog_ranks_the_pis_features_by_wsjf(w):
    low = FeatureFactory(train=w.train, pi=w.pi, job_size=20)
    high = FeatureFactory(train=w.train, pi=w.pi, job_size=1)
    unestimated = FeatureFactory(train=w.train, pi=w.pi, job_size=None)
    waiting = FeatureFactory(train=w.train)

    ranked = w.client("viewer").get(url("backlog", w.pi.pk)).json()

    assert [(row["feature"]["id"], row["rank"]) for row in ranked["in_pi"]] == [
        (high.pk, 1),
        (low.pk, 2),
        (unestimated.pk, None),
    ]
    assert [row["feature"]["id"] for row in ranked["not_in_pi"]] == [waiting.pk]


def test_a_feature_is_pulled_into_the_pi_and_not_into_another_trains(w):
    feature = FeatureFactory(train=w.train)
    elsewhere = PIFactory(name="Their PI")
    path = url("feature-pull", feature.pk)

    refused = assert_refused(send(w, "po", "POST", path, {"pi": elsewhere.pk, "team": w.team_a.pk}, 1), 422)
    assert "pi" in refused["fields"]
    pulled = send(w, "po", "POST", path, {"pi": w.pi.pk, "team": w.team_a.pk}, version=1)
    assert pulled.status_code == 200 and (pulled.json()["pi"], pulled.json()["team"]) == (
        w.pi.pk,
        w.team_a.pk,
    )


# --- confidence votes --------------------------------------------------------------------------------


def test_a_vote_round_is_opened_voted_in_and_closed(w):
    # The ART's round before the teams': refused, with the teams still to vote.
    early = send(w, "rte", "POST", url("vote-round-list", w.pi.pk), {"team": None})
    assert early.status_code == 422 and "the teams vote on their own plans first" in early.content.decode()
    teams_have_voted(w.pi, None)
    opened = send(w, "rte", "POST", url("vote-round-list", w.pi.pk), {"team": None})
    assert opened.status_code == 201, opened.content
    round_id = opened.json()["id"]
    assert opened.json()["is_open"] and opened.json()["result"]["accepted"] is None

    for persona, score in (("sm", 4), ("po", 5), ("member", 1)):
        assert send(w, persona, "PUT", url("my-vote", round_id), {"score": score}).status_code == 200
    worried = send(w, "member", "PATCH", url("my-vote", round_id), {"concern": "The sandbox is late."})
    assert worried.status_code == 200
    assert worried.json()["my_vote"]["concern"] == "The sandbox is late."
    changed = send(w, "member", "PUT", url("my-vote", round_id), {"score": 3})
    result = changed.json()["result"]
    assert result == {
        "voters": 3,
        "mean": 4.0,
        "counts": {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1},
        "accepted": True,
        "low_scores": 0,
    }
    assert [c["concern"] for c in changed.json()["concerns"]] == ["The sandbox is late."]  # kept

    closed = send(w, "rte", "POST", url("vote-round-close", round_id))
    assert closed.status_code == 200 and closed.json()["is_open"] is False
    assert_refused(send(w, "sm", "PUT", url("my-vote", round_id), {"score": 2}), 422)
    assert ConfidenceVote.objects.get(voter=w.users["sm"]).score == 4


@pytest.mark.parametrize("score", [0, 6, "five", None, True, 10**30])
def test_a_vote_off_the_fist_of_five_is_422(w, score):
    teams_have_voted(w.pi, None)
    vote_round = vote_round_open(pi=w.pi, team=None, actor=None)
    assert_refused(send(w, "sm", "PUT", url("my-vote", vote_round.pk), {"score": score}), 422)
    assert not ConfidenceVote.objects.filter(round__team=None).exists()


def test_a_concern_before_voting_is_422_and_a_second_open_round_is_refused(w):
    vote_round = vote_round_open(pi=w.pi, team=w.team_a, actor=None)
    assert_refused(send(w, "sm", "PATCH", url("my-vote", vote_round.pk), {"concern": "Worried"}), 422)
    assert_refused(send(w, "sm_other", "PATCH", url("my-vote", vote_round.pk), {"concern": "Worried"}), 403)
    assert_refused(send(w, "rte", "POST", url("vote-round-list", w.pi.pk), {"team": w.team_a.pk}), 422)


def test_vote_rounds_filter_and_cost_the_same_queries_for_few_and_many_votes(w):
    teams_have_voted(w.pi, None)
    art = vote_round_open(pi=w.pi, team=None, actor=None)
    team_round = vote_round_open(pi=w.pi, team=w.team_a, actor=None)
    client = w.client("viewer")
    ConfidenceVote.objects.create(round=art, voter=w.users["sm"], score=4)
    few = count_queries(lambda: client.get(url("vote-round-list", w.pi.pk)))
    for name in ("po", "member", "pm", "bo", "architect"):
        ConfidenceVote.objects.create(round=team_round, voter=w.users[name], score=2, concern="Late")
    assert count_queries(lambda: client.get(url("vote-round-list", w.pi.pk))) == few

    listed = client.get(url("vote-round-list", w.pi.pk) + f"?team={w.team_a.pk}").json()["results"]
    assert [r["id"] for r in listed] == [team_round.pk] and len(listed[0]["concerns"]) == 5
    assert [r["id"] for r in client.get(url("vote-round-list", w.pi.pk) + "?art=true").json()["results"]] == [
        art.pk
    ]


# --- committing the plan -----------------------------------------------------------------------------


def test_the_baseline_is_404_until_the_plan_is_committed_and_plan_vs_now_shows_a_move(w):
    client = w.client("viewer")
    feature = FeatureFactory(train=w.train, pi=w.pi, team=w.team_a, iteration=first_iteration(w))
    assert_refused(client.get(url("baseline", w.pi.pk)), 404)
    assert client.get(url("plan-vs-now", w.pi.pk)).json()["baseline"] is None

    committed = send(w, "rte", "POST", url("plan-commit", w.pi.pk))
    assert committed.status_code == 201 and committed.json()["committed_by"] == "rte"
    baseline = client.get(url("baseline", w.pi.pk)).json()
    assert [f["id"] for f in baseline["plan"]["features"]] == [feature.pk]

    Feature.objects.filter(pk=feature.pk).update(team=w.team_b)
    diff = client.get(url("plan-vs-now", w.pi.pk)).json()
    assert diff["change_count"] == 1
    assert diff["features_moved"][0]["was"]["team_id"] == w.team_a.pk
    assert diff["features_moved"][0]["now"]["team_id"] == w.team_b.pk


def test_committing_a_pi_not_in_planning_is_refused(w):
    executing = PIFactory(
        train=w.train, name="PI 6", start_date=date(2025, 9, 1), state=ProgramIncrement.State.EXECUTING
    )
    assert_refused(send(w, "rte", "POST", url("plan-commit", executing.pk)), 422)
    plan_commit(pi=w.pi, actor=None)
    assert w.client("viewer").get(url("baseline", w.pi.pk)).status_code == 200


def test_objectives_page_through_in_the_pages_order(w):
    stretch = PIObjectiveFactory(pi=w.pi, team=w.team_a, is_committed=False, position=0)
    second = PIObjectiveFactory(pi=w.pi, team=w.team_a, position=1)
    first = PIObjectiveFactory(pi=w.pi, team=w.team_a, position=0)
    other = PIObjectiveFactory(pi=w.pi, team=w.team_b)
    client, seen = w.client("viewer"), []
    page = client.get(url("objective-list", w.pi.pk) + "?page_size=1").json()
    while True:
        seen += [row["id"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    expected = [first.pk, second.pk, stretch.pk]
    assert seen == (expected + [other.pk] if w.team_a.pk < w.team_b.pk else [other.pk, *expected])
