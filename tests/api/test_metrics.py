"""Metrics over the API: stored figures read and filtered at a fixed cost, the dashboard's cards, and
"recompute now" with its state."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError as BrokerError

from artops.celery import app
from metrics import tasks
from metrics.models import PIRecompute, Snapshot
from metrics.services import pi_mark_changed, pi_snapshot_compute
from planning.factories import FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory
from trains.factories import TeamFactory

from .world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def project_celery_app():
    """The project's Celery app, whatever another test made current (see tests/metrics/conftest.py)."""
    app.set_current()
    app.set_default()


@pytest.fixture
def world():
    return build_world()


def url(world, name: str, pi=None) -> str:
    return reverse(f"metrics-api:{name}", args=["orbit", (pi or world.pi).pk])


def two_days(world):
    """The PI's figures stored on its first and its fifth day."""
    first = world.pi.start_date
    pi_snapshot_compute(pi=world.pi, day=first)
    pi_snapshot_compute(pi=world.pi, day=first + timedelta(days=4))
    return first, first + timedelta(days=4)


# --- snapshots -------------------------------------------------------------------------------------


def test_snapshots_filter_by_metric_team_art_and_day_range(world):
    first, fifth = two_days(world)
    client = world.client("viewer")

    everything = client.get(url(world, "snapshot-list"), {"page_size": 500}).json()["results"]
    assert {row["day"] for row in everything} == {first.isoformat(), fifth.isoformat()}

    rows = client.get(url(world, "snapshot-list"), {"metric": "predictability", "art": "true"}).json()
    assert [(row["metric"], row["team"], row["day"]) for row in rows["results"]] == [
        ("predictability", None, first.isoformat()),
        ("predictability", None, fifth.isoformat()),
    ]

    rows = client.get(
        url(world, "snapshot-list"),
        {"metric": ["load", "confidence"], "team": world.team_b.pk, "day_after": fifth.isoformat()},
    ).json()["results"]
    assert {(row["metric"], row["team_name"], row["day"]) for row in rows} == {
        ("load", "Gemini", fifth.isoformat()),
        ("confidence", "Gemini", fifth.isoformat()),
    }

    rows = client.get(url(world, "snapshot-list"), {"day_before": first.isoformat(), "art": "false"}).json()
    assert rows["results"] and all(row["team"] is not None for row in rows["results"])
    assert {row["day"] for row in rows["results"]} == {first.isoformat()}


@pytest.mark.parametrize(
    "query",
    [
        {"metric": "velocityy"},
        {"team": "apollo"},
        {"team": "99999999999999999999999"},
        {"day_after": "yesterday"},
        {"art": "perhaps"},
    ],
)
def test_a_filter_value_that_is_not_valid_is_refused_with_the_error_shape(world, query):
    response = world.client("viewer").get(url(world, "snapshot-list"), query)

    assert response.status_code == 422, response.content
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "invalid"


def test_another_trains_team_is_refused_like_an_unknown_one(world):
    elsewhere = TeamFactory(train=world.users["outsider"].memberships.first().train, name="Voyager")

    response = world.client("rte").get(url(world, "snapshot-list"), {"team": elsewhere.pk})

    assert response.status_code == 422
    assert "team" in response.json()["fields"]


@pytest.mark.parametrize("name", ["snapshot-list", "series", "dashboard", "recompute"])
def test_another_trains_pi_and_an_id_too_large_are_not_found(world, name):
    other = ProgramIncrementFactory(train=world.users["outsider"].memberships.first().train, name="PI 1")
    client = world.client("rte")

    assert client.get(url(world, name, other)).status_code == 404
    too_large = reverse(f"metrics-api:{name}", args=["orbit", 10**30])
    response = client.get(too_large)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_snapshot_list_costs_the_same_queries_for_one_day_and_for_many(world):
    client = world.client("viewer")
    client.get(url(world, "recompute"))  # the token's first use is recorded once
    pi_snapshot_compute(pi=world.pi, day=world.pi.start_date)
    with CaptureQueriesContext(connection) as one_day:
        assert client.get(url(world, "snapshot-list"), {"page_size": 500}).status_code == 200
    for offset in range(1, 6):
        pi_snapshot_compute(pi=world.pi, day=world.pi.start_date + timedelta(days=offset))
    with CaptureQueriesContext(connection) as six_days:
        response = client.get(url(world, "snapshot-list"), {"page_size": 500})
    assert len(response.json()["results"]) > 100
    assert len(six_days) == len(one_day)


# --- series ----------------------------------------------------------------------------------------


def test_series_give_each_figure_day_by_day_for_the_art_and_each_team(world):
    first, fifth = two_days(world)

    response = world.client("member").get(url(world, "series"), {"metric": "flow_load"})

    assert response.status_code == 200
    series = response.json()["series"]
    assert [(line["label"], line["team_name"]) for line in series] == [
        ("Flow load", None),
        ("Flow load", "Apollo"),
        ("Flow load", "Gemini"),
    ]
    assert [point["day"] for point in series[0]["points"]] == [first.isoformat(), fifth.isoformat()]
    stored = Snapshot.objects.get(pi=world.pi, team=None, metric="flow_load", day=fifth)
    assert series[0]["points"][1]["value"] == stored.value


def test_series_of_one_team_within_a_day_range(world):
    first, fifth = two_days(world)

    response = world.client("sm").get(
        url(world, "series"), {"team": world.team_a.pk, "day_after": fifth.isoformat()}
    )

    series = response.json()["series"]
    assert series and {line["team_name"] for line in series} == {"Apollo"}
    assert all([point["day"] for point in line["points"]] == [fifth.isoformat()] for line in series)
    stored = Snapshot.objects.filter(pi=world.pi, team=world.team_a, day=fifth).values_list(
        "metric", flat=True
    )
    assert sorted(line["metric"] for line in series) == sorted(stored)


# --- the dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_is_what_the_page_draws_from_the_latest_day(world):
    PIObjectiveFactory(pi=world.pi, team=world.team_a, planned_business_value=8)
    FeatureFactory(train=world.train, pi=world.pi, team=world.team_a, iteration=world.pi.iterations.first())
    two_days(world)

    data = world.client("bo").get(url(world, "dashboard")).json()

    assert data["pi"] == world.pi.pk and data["computed_at"]
    chart_ids = [chart["id"] for chart in data["charts"]]
    assert "chart-predictability-teams" in chart_ids and "chart-forecast" in chart_ids
    assert {"Predictability (ART)"} <= {tile["label"] for tile in data["tiles"]}
    assert [row["name"] for row in data["teams"]["rows"]] == ["Apollo", "Gemini"]
    assert data["teams"]["columns"][0] == "Predictability"
    assert [chart["id"] for chart in data["across_pis"]] == ["chart-predictability-pis", "chart-velocity-pis"]
    load = next(chart for chart in data["charts"] if chart["id"] == "chart-load")
    assert load["table"]["columns"] and load["source"]
    assert data["recompute"]["phase"] == "fresh"


def test_the_dashboard_of_a_pi_never_computed_is_empty_and_queues_nothing(world):
    data = world.client("viewer").get(url(world, "dashboard")).json()

    assert (data["computed_at"], data["charts"], data["tiles"]) == (None, [], [])
    assert data["recompute"]["phase"] == "never"
    assert not PIRecompute.objects.exists()


def test_the_dashboard_costs_the_same_queries_for_two_teams_and_for_eight(world):
    client = world.client("viewer")
    client.get(url(world, "recompute"))  # the token's first use is recorded once
    pi_snapshot_compute(pi=world.pi)
    with CaptureQueriesContext(connection) as small:
        client.get(url(world, "dashboard"))
    for number in range(6):
        TeamFactory(train=world.train, name=f"Team {number}")
    ProgramIncrementFactory(train=world.train, name="PI 8", start_date=world.pi.end_date + timedelta(days=1))
    pi_snapshot_compute(pi=world.pi)
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url(world, "dashboard")).json()["teams"]["rows"]) == 8
    assert len(large) == len(small)


# --- recompute -------------------------------------------------------------------------------------


@pytest.fixture
def queue(monkeypatch, settings) -> list:
    """A worker-backed deployment: recomputes go to the broker (recorded here, not run)."""
    sent = []
    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(
        tasks.recompute_pi, "apply_async", lambda args, countdown=None, **kw: sent.append(args[0])
    )
    return sent


def test_recompute_now_queues_one_recompute_and_says_what_it_will_cover(
    world, queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = world.client("member").post(url(world, "recompute"))
    with django_capture_on_commit_callbacks(execute=True):
        second = world.client("viewer").post(url(world, "recompute"))

    assert first.status_code == second.status_code == 202
    assert first.json()["phase"] == "queued" and first.json()["stale"] is True
    assert second.json()["covers"] == first.json()["covers"] + 1
    assert queue == [world.pi.pk]  # the second request joined the queued one
    state = world.client("viewer").get(url(world, "recompute")).json()
    assert state["phase"] == "queued" and state["computed_seq"] < second.json()["covers"]


def test_without_a_worker_recompute_now_runs_at_once_and_the_state_covers_it(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("viewer").post(url(world, "recompute"))

    assert response.status_code == 202
    state = world.client("viewer").get(url(world, "recompute")).json()
    assert state["phase"] == "fresh" and state["computed_seq"] >= response.json()["covers"]
    assert state["runs"] == 1 and Snapshot.objects.filter(pi=world.pi).exists()


def test_a_plan_change_makes_the_figures_stale(world, queue):
    pi_snapshot_compute(pi=world.pi)
    pi_mark_changed(world.pi.pk)
    PIRecompute.objects.filter(pi=world.pi).update(queued_at=None)

    state = world.client("viewer").get(url(world, "recompute")).json()

    assert (state["phase"], state["stale"], state["change_seq"], state["computed_seq"]) == (
        "stale",
        True,
        1,
        0,
    )


@pytest.mark.django_db(transaction=True)  # the send happens when the request's writes commit
def test_recompute_now_with_the_queue_down_is_refused_with_503_and_the_error_shape(
    world, monkeypatch, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def unreachable(*args, **kwargs):
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.recompute_pi, "apply_async", unreachable)

    response = world.client("rte").post(url(world, "recompute"))

    assert response.status_code == 503
    assert response.json()["code"] == "queue_unreachable" and "queue" in response.json()["message"]
    assert PIRecompute.objects.get(pi=world.pi).queued_at is None  # the token handed back
