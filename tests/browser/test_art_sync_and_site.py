"""In a real Chromium on the demo train: the ART Sync of a PI that has not started says why it has none,
the executing PI's sync lists each carried action once and the earlier PI's apart; a wrong address
shows the app's own 404 page, with the favicon."""

import re

import pytest
from playwright.sync_api import expect

from artops.demo import build_demo
from planning.models import ProgramIncrement
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    train, _ = build_demo()
    return train


def test_the_art_sync_of_a_pi_not_started_says_why_and_offers_no_meeting(page, demo, screenshot):
    draft = demo.pis.filter(state=ProgramIncrement.State.DRAFT).order_by("start_date").last()
    log_in(page, "rte")

    page.goto(f"/trains/{demo.slug}/art-sync/?pi={draft.pk}")

    expect(page.get_by_role("status").filter(has_text=f"{draft.name} has not started")).to_be_visible()
    expect(page.get_by_role("button", name="Start today's ART Sync")).to_have_count(0)
    expect(page.get_by_text(f"No ART Sync before {draft.name} starts.")).to_be_visible()
    screenshot("art_sync_pi_not_started")


def test_the_executing_pis_sync_lists_its_actions_once_and_earlier_pis_apart(page, demo, screenshot):
    executing = demo.pis.get(state=ProgramIncrement.State.EXECUTING)
    log_in(page, "rte")

    page.goto(f"/trains/{demo.slug}/art-sync/?pi={executing.pk}")

    actions = page.locator("#sync-actions")
    expect(actions.get_by_text(re.compile(rf"\d+ open in {executing.name}\."))).to_be_visible()
    carried = actions.locator("h3:has-text('Carried from earlier syncs') + ul .action-title")
    titles = carried.all_inner_texts()
    assert len(titles) == len(set(titles)), titles
    for summary in actions.locator("details.earlier-actions summary").all_inner_texts():
        assert re.fullmatch(r"Left from PI \d+: \d+ actions?", summary), summary
    screenshot("art_sync_executing_pi")


def test_a_wrong_address_shows_the_apps_404_page_with_its_favicon(page, demo, screenshot):
    log_in(page, "rte")

    favicon = page.request.get("/static/favicon.svg")
    page.goto("/trains/aurora/no-such-page/")

    assert favicon.status == 200 and favicon.headers["content-type"] == "image/svg+xml"
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your train")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.locator("link[rel=icon]")).to_have_attribute("href", "/static/favicon.svg")
    screenshot("not_found")
