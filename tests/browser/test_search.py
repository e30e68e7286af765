"""The header's search box in a real Chromium: results appear grouped by kind as the user types, and
the keyboard alone reaches one and opens it; Escape closes the panel, Enter opens the full page."""

import pytest
from playwright.sync_api import expect

from planning.factories import DependencyFactory, FeatureFactory, PIObjectiveFactory
from risks.factories import ImpedimentFactory, RiskFactory
from tests.conftest import log_in
from trains.factories import TeamFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def items(train, team, other_team, pi, rte, outsider):
    feature = FeatureFactory(
        train=train, pi=pi, team=team, title="Payment retries", description="Retry cards"
    )
    DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team, description="Payment API")
    risk = RiskFactory(train=train, pi=pi, title="Payment sandbox unstable")
    ImpedimentFactory(team=team, title="Payment test cards expired")
    PIObjectiveFactory(pi=pi, team=team, text="Payment retries live for partners")
    elsewhere = outsider.memberships.get().train
    RiskFactory(train=elsewhere, title="Payment secret of another train")
    TeamFactory(train=elsewhere)
    return {"feature": feature, "risk": risk}


def test_typing_in_the_header_box_shows_results_by_kind_and_the_keyboard_opens_one(
    page, train, items, screenshot
):
    log_in(page, "rte")
    expect(page.get_by_role("heading", name="Orbit ART")).to_be_visible()
    page.wait_for_load_state()  # the deferred scripts have run: "/" is listened to
    box = page.get_by_role("searchbox", name="Search features")
    panel = page.get_by_role("region", name="Search results")

    page.keyboard.press("/")  # from anywhere on the page to the box
    expect(box).to_be_focused()
    page.keyboard.type("paym")

    expect(panel).to_be_visible()
    kinds = ["Features", "Dependencies", "Risks", "Impediments", "Team PI objectives"]
    expect(panel.locator(".search-kind")).to_have_text([f"{kind} 1" for kind in kinds])
    expect(panel.get_by_role("link", name="Payment sandbox unstable")).to_be_visible()
    expect(panel).not_to_contain_text("another train")
    expect(page.locator("#header-search-status")).to_have_text("5 results. Arrow down to reach them.")
    screenshot("search-panel")

    page.keyboard.press("ArrowDown")
    expect(panel.get_by_role("link", name="Payment retries Orbit ART")).to_be_focused()
    page.keyboard.press("ArrowDown")  # the dependency
    page.keyboard.press("ArrowDown")  # the risk
    risk_link = panel.get_by_role("link", name="Payment sandbox unstable")
    expect(risk_link).to_be_focused()
    screenshot("search-panel-keyboard")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"/trains/orbit/risks/{items['risk'].pk}/")
    expect(page.get_by_role("heading", name="Payment sandbox unstable")).to_be_visible()


def test_escape_closes_the_results_and_enter_opens_the_full_page(page, train, items, screenshot):
    log_in(page, "rte")
    box = page.get_by_role("searchbox", name="Search features")
    panel = page.get_by_role("region", name="Search results")
    box.click()
    page.keyboard.type("payment retries")
    expect(panel.get_by_role("link", name="Payment retries live for partners")).to_be_visible()

    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")  # from a result: the panel closes, focus back in the box
    expect(panel).to_be_hidden()
    expect(box).to_be_focused()
    expect(box).to_have_value("payment retries")
    page.keyboard.press("ArrowUp")  # nothing to reach: the panel stays closed
    expect(panel).to_be_hidden()

    page.keyboard.press("Enter")
    expect(page).to_have_url("/search/?q=payment+retries&train=orbit")
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()
    expect(page.get_by_text("2 results for “payment retries”.")).to_be_visible()
    expect(page.locator(".mainnav .train-name")).to_have_text("Orbit ART")  # the train's header stays
    screenshot("search-page")

    page.get_by_role("link", name="Payment retries Orbit ART").click()
    expect(page).to_have_url(f"/trains/orbit/board/features/{items['feature'].pk}/edit/")
    expect(page.get_by_label("Title")).to_have_value("Payment retries")


def test_tabbing_out_of_the_results_closes_them(page, train, items):
    log_in(page, "rte")
    box = page.get_by_role("searchbox", name="Search features")
    panel = page.get_by_role("region", name="Search results")
    box.fill("sandbox")
    expect(panel.get_by_role("link", name="Payment sandbox unstable")).to_be_visible()

    page.keyboard.press("Tab")  # into the panel's first link, then past the last
    expect(panel.get_by_role("link", name="Payment sandbox unstable")).to_be_focused()
    page.keyboard.press("Tab")  # "All results on a page"
    page.keyboard.press("Tab")  # out of the search: the user box
    expect(panel).to_be_hidden()
