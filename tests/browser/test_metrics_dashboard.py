"""The metrics dashboard in a real headless Chromium, on the demo train."""

import threading
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from artops.celery import app
from artops.demo import build_demo
from metrics import tasks
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PI_CHARTS = [
    "chart-predictability-teams",
    "chart-cfd",
    "chart-burnup-features",
    "chart-burnup-points",
    "chart-flow-time",
    "chart-wip",
    "chart-distribution",
    "chart-load",
    "chart-aging",
]


@pytest.fixture(autouse=True)
def project_celery_app():
    """The project's Celery app, even if an earlier test made a client app current (see
    tests/metrics/conftest.py)."""
    app.set_current()
    app.set_default()


@pytest.fixture
def demo(transactional_db):
    train, _ = build_demo()
    return train


def test_the_executing_pi_opens_with_its_figures_and_says_predictability_is_not_scored_yet(
    page, demo, screenshot
):
    log_in(page, "rte")
    page.get_by_role("link", name="Metrics").click()

    expect(page.get_by_role("heading", name="Metrics · PI 26")).to_be_visible()
    tiles = page.locator(".metric-tile")
    expect(tiles.filter(has_text="Predictability (ART)")).to_contain_text("not scored yet")
    expect(tiles.filter(has_text="Forecast: done by PI end")).to_contain_text("%")
    for chart_id in [*PI_CHARTS[1:], "chart-forecast", "chart-predictability-pis"]:
        figure = page.locator(f"figure:has(svg[aria-labelledby^='{chart_id}-'])")
        expect(figure).not_to_have_class("is-empty")
        expect(figure.locator(".provenance")).to_contain_text("Computed")
    screenshot("metrics-dashboard-pi26-executing")


def test_a_closed_pi_shows_plausible_non_empty_charts_with_table_views(page, demo, screenshot):
    log_in(page, "bo")
    page.goto(f"/trains/{demo.slug}/metrics/")
    page.get_by_role("navigation", name="Program Increments").get_by_role("link", name="PI 24").click()

    expect(page.get_by_role("heading", name="Metrics · PI 24")).to_be_visible()
    for chart_id in PI_CHARTS:
        figure = page.locator(f"figure:has(svg[aria-labelledby^='{chart_id}-'])")
        expect(figure).not_to_have_class("is-empty")
        assert figure.locator("svg title").first.text_content()
    predictability = page.locator(".metric-tile", has_text="Predictability (ART)").locator(".tile-value")
    value = float(predictability.inner_text().rstrip("%"))
    assert 60 <= value <= 130, value
    # Each chart has a table view with the same numbers.
    cfd = page.locator("figure:has(svg[aria-labelledby^='chart-cfd-'])")
    cfd.get_by_text("Table view").click()
    expect(cfd.locator("table tbody tr")).to_have_count(70)  # one row per day of the 10-week PI
    expect(cfd.locator("table thead")).to_contain_text("Done")
    teams = page.get_by_role("table").filter(
        has=page.get_by_role("columnheader", name="Iteration completion")
    )
    expect(teams.locator("tbody tr")).to_have_count(7)
    screenshot("metrics-dashboard-pi24-closed")

    page.emulate_media(media="print")
    screenshot("metrics-dashboard-pi24-print")


def test_recompute_now_shows_progress_and_then_the_updated_figures(
    page, demo, screenshot, settings, monkeypatch
):
    # As with a worker: the task is queued and runs a moment later, elsewhere.
    settings.CELERY_TASK_ALWAYS_EAGER = False

    def worker(args, countdown=None, **kwargs):
        def run():
            time.sleep(1.5)
            try:
                tasks.recompute_pi.apply(args=args)
            finally:
                connection.close()

        threading.Thread(target=run, daemon=True).start()

    monkeypatch.setattr(tasks.recompute_pi, "apply_async", worker)
    log_in(page, "viewer")
    page.goto(f"/trains/{demo.slug}/metrics/")
    expect(page.get_by_role("heading", name="Metrics · PI 26")).to_be_visible()

    page.get_by_role("button", name="Recompute now").click()

    status = page.locator("#recompute-status")
    expect(status).to_contain_text("Recompute queued")
    screenshot("metrics-dashboard-recompute-progress")
    expect(status).to_contain_text("Figures updated at", timeout=15_000)
    expect(page.locator("#figures .chart-card").first).to_be_visible()
    expect(page.locator(".metric-tile", has_text="Flow velocity")).to_be_visible()


def test_a_partly_scored_pi_is_labelled_partial_on_the_tile_and_drawn_hollow_on_the_chart(
    page, demo, screenshot
):
    from django.contrib.auth import get_user_model

    from metrics.services import pi_recompute
    from planning.models import PIObjective
    from planning.services.objectives import objective_score_actual

    pi = demo.pis.get(name="PI 26")
    objectives = list(PIObjective.objects.filter(pi=pi).order_by("pk"))
    business_owner = get_user_model().objects.get(username="bo")
    for objective in objectives[:3]:
        objective_score_actual(
            objective=objective, value=2, actor=business_owner, expected_version=objective.version
        )
    pi_recompute(pi_id=pi.pk)

    log_in(page, "rte")
    page.goto(f"/trains/{demo.slug}/metrics/")

    tile = page.locator(".metric-tile", has_text="Predictability (ART)")
    expect(tile.locator(".tile-flag")).to_have_text(f"partial: 3 of {len(objectives)} scored")
    expect(tile).to_have_class("metric-tile partial")
    chart = page.locator("figure:has(svg[aria-labelledby^='chart-predictability-pis-'])")
    expect(chart.locator("circle.dot.partial")).to_have_count(2)  # the ART and the mean of teams
    expect(chart.locator("text.partial-label")).to_have_text(f"partial: 3 of {len(objectives)} scored")
    expect(chart.locator(".legend")).to_contain_text("Hollow mark: partial figure, not final")
    efficiency = page.locator(".metric-tile", has_text="Flow efficiency")
    efficiency.get_by_text("What is this?").click()
    expect(efficiency.locator(".tile-explain p")).to_contain_text("rather than waiting")
    screenshot("metrics-dashboard-partial-predictability")
    page.locator(".metric-tiles").first.screenshot(path=ARTIFACTS / "metrics-dashboard-partial-tiles.png")
    chart.screenshot(path=ARTIFACTS / "metrics-dashboard-partial-chart.png")
