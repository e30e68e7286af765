"""A closed PI of the demo train in a real Chromium: its board and its objectives say they are a
read-only record and offer nothing to drag, move, edit, commit or score (issue 11)."""

import pytest
from playwright.sync_api import expect

from artops.demo import build_demo
from planning.models import ProgramIncrement
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def closed_pi(transactional_db) -> ProgramIncrement:
    train, _ = build_demo()
    return train.pis.filter(state=ProgramIncrement.State.CLOSED).order_by("-start_date").first()


def test_a_closed_pis_board_has_no_draggable_card(page, closed_pi, screenshot):
    log_in(page, "rte")
    page.goto(f"/trains/{closed_pi.train.slug}/board/?pi={closed_pi.pk}")

    expect(page.locator("#closed-notice")).to_contain_text("Closed — read-only record")
    cards = page.locator("article.fc")
    expect(cards.first).to_be_visible()
    assert cards.count() > 10
    expect(page.locator('.fc[draggable="true"]')).to_have_count(0)
    expect(page.locator(".fc .mv")).to_have_count(0)
    expect(page.get_by_role("link", name="+ Feature")).to_have_count(0)
    # A card opens for reading: every field disabled and nothing to save.
    cards.first.locator(".ft").click()
    expect(page.locator("#dialog-title")).to_contain_text("read-only")
    expect(page.locator("#dialog").get_by_role("button", name="Save")).to_have_count(0)
    page.locator("#dialog").get_by_role("button", name="Close").click()
    screenshot("closed-pi-board")


def test_a_closed_pis_objectives_offer_no_edit_commitment_or_scoring(page, closed_pi):
    log_in(page, "bo")
    page.goto(f"/trains/{closed_pi.train.slug}/planning/objectives/?pi={closed_pi.pk}")

    expect(page.locator("#closed-notice")).to_contain_text("Closed — read-only record")
    expect(page.locator(".obj-row").first).to_be_visible()
    for control in ("Make uncommitted", "Make committed", "Edit", "Delete", "Add objective", "Clear"):
        expect(page.get_by_role("button", name=control)).to_have_count(0)
    expect(page.locator(".bv-scale")).to_have_count(0)
    # The top of the page (notice, ART figure, first teams) reads better than the whole long page.
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "closed-pi-objectives.png"))
