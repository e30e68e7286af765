"""Risks' API: versions over HTTP on risks and impediments, the lists' filters and query budget, the
workshop's votes, and no 500 for any input. Who may call what is in tests/api/rows/risks.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning.factories import ConfidenceVoteFactory, FeatureFactory
from risks.factories import ActionItemFactory, ArtSyncFactory, ImpedimentFactory, RiskFactory
from risks.models import Impediment, ImpedimentEscalation, ProblemVote, Risk, RiskRoamChange
from risks.services import problem_create, system_demo_plan
from trains.factories import TeamFactory, TrainFactory

from .world import build_world

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"risks-api:{name}", args=["orbit", *args])


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def rte(world):
    return world.client("rte")


def send(client, method: str, path: str, body=None, version=None):
    headers = {"HTTP_IF_MATCH": f'"{version}"'} if version is not None else {}
    return getattr(client, method)(path, body or {}, format="json", **headers)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- versions over HTTP ------------------------------------------------------------------------------


def test_a_roam_move_answers_the_risk_with_its_history_and_new_etag(world, rte):
    risk = RiskFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = send(
        rte, "post", url("risk-roam", risk.pk), {"status": "owned", "owner": "sm", "note": "Sam has it"}, 1
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["roam_status"], body["owner"], body["version"]) == ("owned", "sm", 2)
    assert response["ETag"] == '"2"'
    assert [(c["from_status"], c["to_status"], c["note"], c["actor"]) for c in body["roam_history"]] == [
        ("unroamed", "owned", "Sam has it", "rte")
    ]
    assert rte.get(url("risk-detail", risk.pk))["ETag"] == '"2"'


def test_a_stale_roam_move_is_refused_with_412_and_the_current_risk_and_changes_nothing(world, rte):
    risk = RiskFactory(train=world.train, pi=world.pi, team=world.team_a)
    assert send(rte, "patch", url("risk-detail", risk.pk), {"title": "Theirs"}, 1).status_code == 200

    response = send(rte, "post", url("risk-roam", risk.pk), {"status": "accepted"}, 1)

    assert response.status_code == 412
    assert response.json()["code"] == "stale"
    assert response.json()["current"]["title"] == "Theirs" and response.json()["current"]["version"] == 2
    assert response["ETag"] == '"2"'
    risk.refresh_from_db()
    assert (risk.roam_status, risk.version) == ("unroamed", 2)
    assert not RiskRoamChange.objects.exists()


@pytest.mark.parametrize(
    "method,name,body",
    [
        ("patch", "risk-detail", {"title": "Mine"}),
        ("post", "risk-roam", {"status": "accepted"}),
        ("post", "risk-raise-to-art", {}),
    ],
)
def test_a_risk_write_without_if_match_is_refused_with_428_and_changes_nothing(
    world, rte, method, name, body
):
    risk = RiskFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = send(rte, method, url(name, risk.pk), body)

    assert response.status_code == 428 and response.json()["code"] == "version_required"
    assert Risk.objects.get(pk=risk.pk).version == 1


@pytest.mark.parametrize("header", ["", "abc", '"-1"', '"1.5"', '"99999999999999999999999"'])
def test_an_if_match_that_is_no_version_is_refused_with_428(world, rte, header):
    risk = RiskFactory(train=world.train, pi=world.pi, team=world.team_a)

    response = rte.patch(url("risk-detail", risk.pk), {"title": "Mine"}, format="json", HTTP_IF_MATCH=header)

    assert response.status_code == 428


def test_a_stale_escalation_is_refused_with_412_and_the_current_impediment(world, rte):
    impediment = ImpedimentFactory(team=world.team_a)
    assert (
        send(rte, "patch", url("impediment-detail", impediment.pk), {"severity": "high"}, 1).status_code
        == 200
    )

    response = send(rte, "post", url("impediment-escalate", impediment.pk), {"note": "Ops said no."}, 1)

    assert response.status_code == 412
    assert response.json()["current"]["severity"] == "high" and response["ETag"] == '"2"'
    assert not ImpedimentEscalation.objects.exists()
    assert send(rte, "post", url("impediment-escalate", impediment.pk), {"note": "Ops"}).status_code == 428


def test_an_impediment_is_escalated_resolved_and_reopened_with_its_history(world):
    sm = world.client("sm")
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team_a)
    raised = send(
        sm,
        "post",
        url("impediment-list"),
        {"team": world.team_a.pk, "title": "No staging", "blocked_features": [feature.pk]},
    )
    assert raised.status_code == 201, raised.json()
    pk = raised.json()["id"]
    feature.refresh_from_db()
    assert feature.is_blocked

    escalated = send(sm, "post", url("impediment-escalate", pk), {"note": "Ops said no twice."}, 1)
    resolved = send(sm, "post", url("impediment-resolve", pk), {"resolution": "Slot booked."}, 2)
    feature.refresh_from_db()
    assert not feature.is_blocked
    reopened = send(sm, "post", url("impediment-reopen", pk), None, 3)

    assert (escalated.json()["status"], escalated.json()["escalation_level"]) == ("escalated", "art")
    assert [(e["from_level"], e["to_level"], e["actor"]) for e in escalated.json()["escalations"]] == [
        ("team", "art", "sm")
    ]
    assert resolved.json()["status"] == "resolved" and resolved.json()["resolution"] == "Slot booked."
    assert reopened.json()["status"] == "escalated" and reopened.json()["version"] == 4


def test_an_escalation_without_a_note_is_refused_on_its_field(world, rte):
    impediment = ImpedimentFactory(team=world.team_a)

    response = send(rte, "post", url("impediment-escalate", impediment.pk), {"note": "  "}, 1)

    assert response.status_code == 422 and "note" in response.json()["fields"]
    assert Impediment.objects.get(pk=impediment.pk).version == 1


def test_a_scrum_master_raises_impediments_for_their_own_team_only(world):
    response = send(
        world.client("sm"), "post", url("impediment-list"), {"team": world.team_b.pk, "title": "X"}
    )

    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert not Impediment.objects.exists()


# --- lists -------------------------------------------------------------------------------------------


def test_risks_filter_by_roam_status_owner_team_level_and_pi(world, rte):
    sm = world.users["sm"]
    owned = RiskFactory(train=world.train, pi=world.pi, team=world.team_a, roam_status="owned", owner=sm)
    art = RiskFactory(train=world.train, pi=world.pi, roam_status="accepted")
    other_team = RiskFactory(train=world.train, pi=world.pi, team=world.team_b)
    no_pi = RiskFactory(train=world.train, team=world.team_a)
    RiskFactory(train=TrainFactory())  # another train's: never listed

    assert sorted(ids(rte.get(url("risk-list")))) == sorted([owned.pk, art.pk, other_team.pk, no_pi.pk])
    assert ids(rte.get(url("risk-list"), {"roam_status": "owned"})) == [owned.pk]
    assert sorted(ids(rte.get(url("risk-list") + "?roam_status=owned&roam_status=accepted"))) == sorted(
        [owned.pk, art.pk]
    )
    assert ids(rte.get(url("risk-list"), {"owner": "sm"})) == [owned.pk]
    assert ids(rte.get(url("risk-list"), {"team": world.team_b.pk})) == [other_team.pk]
    assert ids(rte.get(url("risk-list"), {"art_level": "true"})) == [art.pk]
    assert no_pi.pk not in ids(rte.get(url("risk-list"), {"pi": world.pi.pk}))


def test_risks_are_ordered_by_exposure_unless_asked_otherwise(world, rte):
    low = RiskFactory(train=world.train, pi=world.pi, impact=1, likelihood=2, title="B")
    high = RiskFactory(train=world.train, pi=world.pi, impact=5, likelihood=4, title="C")
    mid = RiskFactory(train=world.train, pi=world.pi, impact=3, likelihood=3, title="A")

    assert ids(rte.get(url("risk-list"))) == [high.pk, mid.pk, low.pk]
    assert ids(rte.get(url("risk-list"), {"ordering": "title"})) == [mid.pk, low.pk, high.pk]
    assert ids(rte.get(url("risk-list"), {"ordering": "-exposure_rank"})) == [high.pk, mid.pk, low.pk]


def test_impediments_filter_by_team_status_level_and_age_in_days(world, rte):
    now = timezone.now()
    fresh = ImpedimentFactory(team=world.team_a, raised_at=now - timedelta(days=2))
    week_old = ImpedimentFactory(
        team=world.team_a, raised_at=now - timedelta(days=9), status="escalated", escalation_level="art"
    )
    old_b = ImpedimentFactory(team=world.team_b, raised_at=now - timedelta(days=40))
    done = ImpedimentFactory(
        team=world.team_b, raised_at=now - timedelta(days=5), status="resolved", resolved_at=now
    )

    assert ids(rte.get(url("impediment-list"), {"team": world.team_b.pk, "ordering": "raised_at"})) == [
        old_b.pk,
        done.pk,
    ]
    assert ids(rte.get(url("impediment-list"), {"status": "resolved"})) == [done.pk]
    assert done.pk not in ids(rte.get(url("impediment-list"), {"unresolved": "true"}))
    assert ids(rte.get(url("impediment-list"), {"escalation_level": "art"})) == [week_old.pk]
    assert ids(rte.get(url("impediment-list"), {"age_min_days": 9, "age_max_days": 30})) == [week_old.pk]
    assert ids(rte.get(url("impediment-list"), {"age_max_days": 2})) == [fresh.pk]
    aged = rte.get(url("impediment-list"), {"age_min_days": 30}).json()["results"]
    assert [(row["id"], row["age_days"]) for row in aged] == [(old_b.pk, 40)]


@pytest.mark.parametrize(
    "name,query",
    [
        ("risk-list", {"roam_status": "lost"}),
        ("risk-list", {"team": "apollo"}),
        ("impediment-list", {"age_min_days": -1}),
        ("impediment-list", {"age_max_days": 10**12}),
        ("impediment-list", {"age_min_days": "NaN"}),
        ("impediment-list", {"escalation_level": "galaxy"}),
        ("action-item-list", {"status": "maybe"}),
        ("improvement-list", {"status": "someday"}),
    ],
)
def test_a_filter_value_that_makes_no_sense_is_refused_with_422(world, rte, name, query):
    response = rte.get(url(name), query)

    assert response.status_code == 422 and response.json()["code"] == "invalid"


@pytest.mark.parametrize(
    "name,query", [("risk-list", {"team": 10**30}), ("impediment-list", {"team": 10**30})]
)
def test_an_id_too_large_finds_nothing(world, rte, name, query):
    assert ids(rte.get(url(name), query)) == []


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_lists_cost_the_same_queries_for_few_rows_and_many(world, rte):
    def add(n):
        for i in range(n):
            team = world.team_a if i % 2 else world.team_b
            feature = FeatureFactory(train=world.train, pi=world.pi, team=team)
            risk = RiskFactory(train=world.train, pi=world.pi, team=team, owner=world.users["sm"])
            risk.features.add(feature)
            impediment = ImpedimentFactory(team=team, owner=world.users["sm"])
            impediment.blocked_features.add(feature)
            sync = ArtSyncFactory(pi=world.pi)
            ActionItemFactory(raised_in=sync, owner=world.users["member"])
            problem_create(pi=world.pi, statement=f"Problem {sync.pk}", actor=world.users["member"])

    lists = ["risk-list", "impediment-list", "art-sync-list", "action-item-list", "problem-list"]
    add(2)
    rte.get(url("risk-list"))  # the token's last use is noted once
    few = {name: _queries(rte, url(name)) for name in lists}
    add(20)
    many = {name: _queries(rte, url(name)) for name in lists}

    assert many == few
    assert few["risk-list"] == 6  # token, roles, risks, and their features, dependencies, objectives


# --- input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"title": "x", "pi": None, "impact": 9},
        {"title": "x", "pi": None, "impact": "high"},
        {"title": "x", "pi": None, "team": 10**30},
        {"title": "x", "pi": None, "features": ["a"]},
        {"title": "x", "pi": None, "owner": "nobody"},
        {"title": "x", "pi": "7"},
        {"title": "", "pi": None},
        {"title": "x" * 201, "pi": None},
        {"title": "x", "pi": None, "due_date": "tomorrow"},
        {"pi": None},
        ["not", "an", "object"],
    ],
)
def test_a_risk_body_that_makes_no_sense_is_refused_with_422_on_its_field(world, rte, body):
    response = rte.post(url("risk-list"), body, format="json")

    assert response.status_code == 422, response.json()
    assert set(response.json()) >= {"code", "message", "fields"}
    assert not Risk.objects.exists()


def test_a_risk_may_not_link_another_trains_rows(world, rte):
    elsewhere = TeamFactory(train=TrainFactory(slug="far"))
    foreign = FeatureFactory(train=elsewhere.train)

    response = rte.post(
        url("risk-list"),
        {"title": "x", "pi": None, "team": elsewhere.pk, "features": [foreign.pk]},
        format="json",
    )

    assert response.status_code == 422 and {"team", "features"} <= set(response.json()["fields"])


def test_an_owned_risk_keeps_its_owner(world, rte):
    risk = RiskFactory(train=world.train, pi=world.pi, roam_status="owned", owner=world.users["sm"])

    response = send(rte, "patch", url("risk-detail", risk.pk), {"owner": None}, 1)

    assert response.status_code == 422 and "owner" in response.json()["fields"]


@pytest.mark.parametrize("pk", [0, 10**30])
def test_a_risk_or_impediment_that_is_not_there_is_404(world, rte, pk):
    assert rte.get(url("risk-detail", pk)).status_code == 404
    assert send(rte, "post", url("impediment-resolve", pk), {}, 1).status_code == 404


def test_another_trains_risk_is_404_even_for_its_own_rte(world):
    theirs = RiskFactory(train=TrainFactory(slug="far"))

    assert world.client("rte").get(url("risk-detail", theirs.pk)).status_code == 404


# --- the rest ----------------------------------------------------------------------------------------


def test_a_vote_is_cast_once_and_taken_back_once(world):
    member = world.client("member")
    problem = problem_create(pi=world.pi, statement="Integration found late", actor=world.users["rte"])

    first = member.post(url("problem-vote", problem.pk))
    again = member.post(url("problem-vote", problem.pk))

    assert (first.json()["votes"], first.json()["voted"]) == (1, True)
    assert (again.json()["votes"], again.json()["voted"]) == (1, True)
    assert member.delete(url("problem-vote", problem.pk)).json()["votes"] == 0
    assert member.delete(url("problem-vote", problem.pk)).json()["votes"] == 0
    assert not ProblemVote.objects.exists()


def test_a_fourth_vote_is_refused_with_the_reason(world):
    member = world.client("member")
    problems = [
        problem_create(pi=world.pi, statement=f"Problem {n}", actor=world.users["rte"]) for n in range(4)
    ]
    for problem in problems[:3]:
        assert member.post(url("problem-vote", problem.pk)).status_code == 200

    response = member.post(url("problem-vote", problems[3].pk))

    assert response.status_code == 422 and "vote" in response.json()["fields"]


def test_an_art_sync_shows_the_actions_carried_into_it(world, rte):
    earlier = ArtSyncFactory(pi=world.pi, held_on=timezone.localdate() - timedelta(days=7))
    carried = ActionItemFactory(raised_in=earlier, owner=world.users["sm"])
    opened = send(rte, "post", url("art-sync-list"), {"pi": world.pi.pk})
    assert opened.status_code == 201, opened.json()
    sync_id = opened.json()["id"]
    in_a_week = (timezone.localdate() + timedelta(days=7)).isoformat()

    action = send(
        rte,
        "post",
        url("action-item-create", sync_id),
        {"title": "Book staging", "owner": "sm", "due_date": in_a_week},
    )
    ticked = send(world.client("sm"), "patch", url("action-item-detail", carried.pk), {"status": "done"})
    sync = rte.get(url("art-sync-detail", sync_id)).json()

    assert action.status_code == 201 and ticked.json()["status"] == "done"
    assert [a["id"] for a in sync["actions"]["carried"]] == [carried.pk]
    assert [a["id"] for a in sync["actions"]["raised"]] == [action.json()["id"]]


def test_a_demo_shows_its_readiness(world, rte):
    iteration = world.pi.iterations.order_by("number").first()
    FeatureFactory(train=world.train, pi=world.pi, team=world.team_a, iteration=iteration)
    FeatureFactory(train=world.train, pi=world.pi, team=world.team_b, iteration=iteration)
    demo = system_demo_plan(iteration=iteration, actor=None)
    first = demo.items.order_by("pk").first()

    assert send(rte, "patch", url("demo-item-detail", first.pk), {"outcome": "shown"}).status_code == 200
    listed = rte.get(url("system-demo-list"), {"pi": world.pi.pk}).json()["results"]

    assert [(d["id"], d["items_planned"], d["items_shown"], d["readiness"]) for d in listed] == [
        (demo.pk, 2, 1, 50.0)
    ]


def test_a_vote_concern_becomes_one_risk_on_the_votes_team(world, rte):
    vote = ConfidenceVoteFactory(
        pi=world.pi, team=world.team_a, voter=world.users["member"], score=2, concern="Two people on leave."
    )

    made = rte.post(url("risk-from-vote"), {"vote": vote.pk}, format="json")
    again = rte.post(url("risk-from-vote"), {"vote": vote.pk}, format="json")

    assert made.status_code == 201, made.json()
    assert (made.json()["team"], made.json()["pi"], made.json()["from_vote"]) == (
        world.team_a.pk,
        world.pi.pk,
        vote.pk,
    )
    assert again.status_code == 422 and Risk.objects.count() == 1
