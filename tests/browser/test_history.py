"""The history in a real browser: a feature's History panel in its board dialog, opened and loaded by
htmx, and the train's activity feed filtered by kind. Screenshots in test-artifacts/history/."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from planning import services as planning
from planning.models import Feature
from risks import services as running
from tests.conftest import ARTIFACTS, log_in
from trains.history.door import through
from trains.history.models import Door

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def shots():
    folder = ARTIFACTS / "history"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def feature(train, upcoming_pi, team, other_team, rte, scrum_master):
    """A feature with a past: created, edited, started, moved through the API."""
    for person, (first, last) in ((rte, ("Rita", "Engel")), (scrum_master, ("Sam", "Moreau"))):
        person.first_name, person.last_name = first, last
        person.save(update_fields=["first_name", "last_name"])
    iterations = list(upcoming_pi.iterations.order_by("number"))
    feature = planning.feature_create(
        train=train,
        title="Checkout v2",
        pi=upcoming_pi,
        team=team,
        iteration=iterations[0],
        actor=rte,
        job_size=8,
    )
    feature = planning.feature_update(
        feature=feature,
        expected_version=feature.version,
        actor=scrum_master,
        title="Checkout in one step",
        acceptance_criteria="Given a basket, when I pay, then I get a receipt.",
    )
    feature = planning.feature_set_state(
        feature=Feature.objects.select_related("pi").get(pk=feature.pk),
        state=Feature.State.IMPLEMENTING,
        actor=scrum_master,
    )
    with through(Door.API):
        planning.feature_move(
            feature=Feature.objects.get(pk=feature.pk),
            team_id=other_team.pk,
            iteration_id=iterations[1].pk,
            expected_version=feature.version,
            actor=rte,
        )
    running.impediment_raise(team=team, title="No payment sandbox", actor=scrum_master, severity="high")
    return feature


def test_a_features_history_panel_and_the_trains_activity_feed(
    page, rte, viewer, train, feature, team, shots
):
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/")
    # A move made here, on the page: drag's keyboard twin, the "Move to…" dialog.
    card = page.locator(f"#f-{feature.pk}")
    card.get_by_role("button", name="Move to…").click()
    dialog = page.locator("#dialog-box")
    dialog.get_by_label("Team").select_option(label=team.name)
    dialog.get_by_label("Iteration").select_option(index=3)
    dialog.get_by_role("button", name="Move").click()
    expect(dialog).to_be_hidden()

    page.locator(f"#f-{feature.pk} .ft").click()
    history = dialog.locator("details.history-panel")
    expect(history).to_be_visible()
    history.locator("summary").click()
    changes = history.locator(".change")
    expect(changes.first).to_contain_text("moved")
    expect(changes.first).to_contain_text("on a page")
    expect(changes).to_have_count(5)  # moved here, moved through the API, started, edited, created
    expect(changes.nth(1)).to_contain_text("through the API")
    history.scroll_into_view_if_needed()
    dialog.screenshot(path=str(shots / "feature-history.png"))
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Log out").click()

    # Everyone on the train reads the feed; a Viewer filters it to features.
    log_in(page, "viewer")
    page.goto(f"/trains/{train.slug}/")
    page.get_by_role("navigation", name="Train").get_by_role("link", name="Activity").click()
    expect(page.get_by_role("heading", name="Activity", exact=True)).to_be_visible()
    feed = page.locator("#activity-feed")
    expect(feed).to_contain_text("No payment sandbox")
    page.get_by_label("Kind").select_option(label="Feature")
    expect(feed).not_to_contain_text("No payment sandbox")
    expect(feed).to_contain_text("Checkout in one step")
    expect(page).to_have_url(re.compile(r"/activity/\?.*kind=feature"))
    page.get_by_label("Kind").select_option(label="All kinds")
    expect(feed).to_contain_text("No payment sandbox")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(shots / "activity.png"), full_page=True)


def test_the_activity_feeds_day_filter_refuses_a_range_that_ends_before_it_starts(
    page, viewer, train, feature
):
    log_in(page, "viewer")
    page.goto(f"/trains/{train.slug}/activity/")
    today = feature.updated_at.date()
    page.get_by_role("textbox", name="From").fill(today.strftime("%d/%m/%Y"))
    page.get_by_role("textbox", name="To").fill((today - timedelta(days=2)).strftime("%d/%m/%Y"))
    page.get_by_role("button", name="Filter").click()

    expect(page.get_by_role("alert")).to_contain_text("The range ends before it starts")
