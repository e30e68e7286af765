"""The metrics dashboard and "recompute now": who sees what, what it costs, how it follows a recompute."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from metrics import services, tasks
from metrics.models import PIRecompute, Snapshot
from planning.factories import FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory, StoryFactory
from planning.models import Feature, ProgramIncrement
from planning.services import feature_set_state
from trains.factories import TeamFactory, TrainFactory

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def executing(train, team):
    start = timezone.localdate() - timedelta(days=20)
    pi = ProgramIncrementFactory(
        train=train, name="PI 9", start_date=start, state=ProgramIncrement.State.EXECUTING
    )
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    return pi


def dashboard_url(train, pi=None) -> str:
    if pi is None:
        return reverse("metrics:dashboard", args=[train.slug])
    return reverse("metrics:dashboard_pi", args=[train.slug, pi.pk])


# --- who sees it -----------------------------------------------------------------------------------


def test_anyone_with_a_role_sees_the_dashboard_of_the_executing_pi(client, viewer, train, executing):
    client.force_login(viewer)

    response = client.get(dashboard_url(train))

    assert response.status_code == 200
    assert response.context["pi"] == executing
    page = response.content.decode()
    assert "Metrics · PI 9" in page
    assert f'href="{dashboard_url(train)}" aria-current="page">Metrics</a>' in page  # in the nav
    assert "not scored yet" in page


def test_an_outsider_gets_not_found_and_an_anonymous_visitor_the_login(client, outsider, train, executing):
    assert client.get(dashboard_url(train)).status_code == 302
    client.force_login(outsider)
    assert client.get(dashboard_url(train)).status_code == 404
    assert client.post(reverse("metrics:recompute", args=[train.slug, executing.pk])).status_code == 404


def test_another_trains_pi_is_not_found(client, rte, train):
    elsewhere = ProgramIncrementFactory(train=TrainFactory(slug="elsewhere-2"), name="PI 1")
    client.force_login(rte)

    assert client.get(dashboard_url(train, elsewhere)).status_code == 404


def test_a_train_without_pis_says_so(client, rte, train):
    client.force_login(rte)

    response = client.get(dashboard_url(train))

    assert response.status_code == 200
    assert "This train has no PI yet" in response.content.decode()


# --- figures from snapshots only, at a fixed cost --------------------------------------------------


def plan(train, pi, teams, features: int) -> None:
    iteration = pi.iterations.first()
    now = timezone.now()
    for n in range(features):
        team = teams[n % len(teams)]
        feature = FeatureFactory(train=train, pi=pi, team=team, iteration=iteration)
        feature_set_state(feature=feature, state=Feature.State.IMPLEMENTING, at=now - timedelta(days=9))
        if n % 2:
            feature_set_state(feature=feature, state=Feature.State.DONE, at=now - timedelta(days=2))
        StoryFactory(team=team, feature=feature, iteration=iteration, points=3)


def test_the_dashboard_costs_the_same_few_queries_for_2_features_and_for_40(client, rte, train, team):
    teams = [team, TeamFactory(train=train, name="Vega")]
    start = timezone.localdate() - timedelta(days=20)
    counts = {}
    for name, features in (("PI 8", 2), ("PI 9", 40)):
        pi = ProgramIncrementFactory(
            train=train, name=name, start_date=start, state=ProgramIncrement.State.EXECUTING
        )
        plan(train, pi, teams, features)
        services.pi_recompute(pi_id=pi.pk)  # fresh figures: the page only reads them
        client.force_login(rte)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(dashboard_url(train, pi))
        assert response.status_code == 200
        assert len(response.context["pi_board"].cards) == 10
        counts[features] = len(queries)

    # The user and their roles, the PIs, freshness (2), the PI's snapshots (2), across PIs.
    assert counts[2] == counts[40] <= 10


def test_every_chart_has_a_title_a_description_and_a_table_view(client, rte, train, executing):
    services.pi_recompute(pi_id=executing.pk)
    client.force_login(rte)

    page = client.get(dashboard_url(train)).content.decode()

    charts = page.count('<svg class="chart-svg"')
    assert charts == 12 + 5  # the Delivery section's five across PIs
    assert page.count("<title id=") == charts and page.count("<desc id=") == charts
    assert page.count("<summary>Table view</summary>") == charts
    assert page.count("Computed ") >= charts


def test_in_the_embedded_default_opening_a_stale_pi_recomputes_it_first(client, rte, train, executing):
    services.pi_mark_changed(executing.pk)  # a board move, in the embedded default: marked stale only
    assert not Snapshot.objects.filter(pi=executing).exists()
    client.force_login(rte)

    response = client.get(dashboard_url(train, executing))

    assert Snapshot.objects.filter(pi=executing).exists()
    assert not PIRecompute.objects.get(pi=executing).is_stale
    assert response.context["pi_board"] is not None
    assert response.context["phase"] == "idle"


def test_with_a_worker_a_stale_pi_is_queued_and_the_page_polls_for_the_new_figures(
    client, rte, train, executing, queue
):
    services.pi_recompute(pi_id=executing.pk)
    services.pi_mark_changed(executing.pk)  # queued by the change itself
    client.force_login(rte)

    response = client.get(dashboard_url(train, executing))

    page = response.content.decode()
    status_url = reverse("metrics:recompute_status", args=[train.slug, executing.pk])
    assert f'hx-get="{status_url}?covers=1"' in page
    assert 'hx-trigger="every 1s"' in page
    assert "Recompute queued" in page
    # One task, from the change; opening the page added none.
    assert queue == [(executing.pk, services.COALESCE_SECONDS)]
    assert response.context["pi_board"] is not None  # the previous figures meanwhile


# --- recompute now --------------------------------------------------------------------------------


def test_recompute_now_queues_a_task_and_the_status_follows_it_until_the_figures_are_swapped_in(
    client, viewer, train, executing, queue
):
    client.force_login(viewer)
    recompute_url = reverse("metrics:recompute", args=[train.slug, executing.pk])
    status_url = reverse("metrics:recompute_status", args=[train.slug, executing.pk])

    response = client.post(recompute_url, **HTMX)

    assert response.status_code == 200
    assert queue == [(executing.pk, 0)]
    body = response.content.decode()
    assert 'id="recompute-status"' in body and f"{status_url}?covers=1" in body
    assert 'id="figures"' not in body
    polling = client.get(f"{status_url}?covers=1", **HTMX).content.decode()
    assert "Recompute queued" in polling and 'hx-trigger="every 1s"' in polling

    services.pi_recompute(pi_id=executing.pk)  # the worker
    done = client.get(f"{status_url}?covers=1", **HTMX).content.decode()

    assert "Figures updated at" in done and 'hx-trigger="every 1s"' not in done
    assert '<div id="figures" hx-swap-oob="true">' in done
    assert "Forecast: remaining committed features" in done


def test_a_failed_recompute_stops_the_polling_and_says_so(client, rte, train, executing, queue):
    client.force_login(rte)
    client.post(reverse("metrics:recompute", args=[train.slug, executing.pk]), **HTMX)
    PIRecompute.objects.filter(pi=executing).update(
        queued_at=None, last_error="OperationalError: connection lost", last_error_at=timezone.now()
    )

    body = client.get(
        reverse("metrics:recompute_status", args=[train.slug, executing.pk]) + "?covers=1", **HTMX
    ).content.decode()

    assert "The last recompute failed (OperationalError: connection lost)" in body
    assert "hx-get" not in body


def test_recompute_now_without_javascript_redirects_back_to_the_dashboard(client, rte, train, executing):
    client.force_login(rte)

    response = client.post(reverse("metrics:recompute", args=[train.slug, executing.pk]))

    assert response.status_code == 302
    assert response.url == dashboard_url(train, executing)
    assert Snapshot.objects.filter(pi=executing).exists()  # the embedded default ran it at once


def test_recompute_needs_a_post_and_the_status_a_change_number(client, rte, train, executing):
    client.force_login(rte)

    assert client.get(reverse("metrics:recompute", args=[train.slug, executing.pk])).status_code == 405
    status_url = reverse("metrics:recompute_status", args=[train.slug, executing.pk])
    assert client.get(status_url).status_code == 400
    assert client.get(f"{status_url}?covers=soon").status_code == 400


def test_with_the_queue_unreachable_recompute_now_says_so(client, rte, train, executing, broker_down):
    client.force_login(rte)

    response = client.post(reverse("metrics:recompute", args=[train.slug, executing.pk]), **HTMX)

    assert response.status_code == 503
    assert "The task queue cannot be reached" in response.content.decode()
    # Nothing was queued, so nothing is waited for: the token is handed back.
    assert PIRecompute.objects.get(pi=executing).queued_at is None


def test_with_the_queue_unreachable_recompute_now_without_javascript_returns_to_the_dashboard_saying_so(
    client, rte, train, executing, broker_down
):
    client.force_login(rte)

    response = client.post(reverse("metrics:recompute", args=[train.slug, executing.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("metrics:dashboard_pi", args=[train.slug, executing.pk])
    assert "The task queue cannot be reached: try again in a moment." in response.content.decode()
    assert PIRecompute.objects.get(pi=executing).queued_at is None


def test_recompute_now_after_the_broker_came_back_queues_at_once(
    client, rte, train, executing, broker_down, monkeypatch
):
    client.force_login(rte)
    recompute_url = reverse("metrics:recompute", args=[train.slug, executing.pk])
    assert client.post(recompute_url, **HTMX).status_code == 503
    sent = []
    monkeypatch.setattr(
        tasks.recompute_pi,
        "apply_async",
        lambda args, countdown=None, **kw: sent.append((args[0], countdown)),
    )

    response = client.post(recompute_url, **HTMX)

    assert response.status_code == 200 and sent == [(executing.pk, 0)]
    assert "Recompute queued" in response.content.decode()
