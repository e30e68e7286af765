"""The confidence vote in a real headless Chromium: two people, two browsers, live results."""

import re

import pytest
from playwright.sync_api import expect

from planning.factories import FeatureFactory
from risks.models import Risk
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture(autouse=True)
def _pi_in_planning(pi):
    """Votes are taken during PI Planning: the PI of these tests is in planning."""
    pi.state = "planning"
    pi.save(update_fields=["state"])


@pytest.fixture
def member_page(browser, live_server):
    """A second person's browser, beside the RTE's `page`."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def shot(a_page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    a_page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_low_vote_asks_for_a_concern_which_the_rte_sees_live_and_turns_into_a_risk(
    page, member_page, rte, team_member, train, pi, team, other_team, screenshot
):
    FeatureFactory(train=train, pi=pi, team=team)  # Apollo has planned work: it votes first
    votes_url = f"/trains/{train.slug}/planning/votes/?pi={pi.pk}"
    log_in(page, "rte")
    page.goto(votes_url)
    art = page.locator("#scope-art")
    # Team votes come first: the ART's button waits, and says why.
    expect(art.get_by_role("button", name="Open vote on the ART's plan")).to_be_disabled()
    expect(art.locator(".vote-wait")).to_contain_text("Team votes come first: Apollo has no closed vote")
    screenshot("votes-rte-art-waits-for-the-teams")
    apollo = page.locator(f"#scope-team-{team.pk}")
    apollo.get_by_role("button", name="Open vote on Apollo's plan").click()
    apollo.locator(".ballot").get_by_role("button", name="4 Confident").click()  # the RTE votes too
    expect(apollo.locator(".verdict")).to_contain_text("1 of")
    apollo.get_by_role("button", name="Close vote on Apollo's plan").click()
    expect(art.locator(".vote-wait")).to_have_count(0)
    art.get_by_role("button", name="Open vote on the ART's plan").click()
    expect(art.get_by_text("Voting open")).to_be_visible()
    expect(art.locator(".verdict")).to_contain_text("No votes yet")
    expect(art.locator(".verdict")).to_contain_text("open: decided when the RTE closes the vote")

    log_in(member_page, "member")
    member_page.goto(votes_url)
    ballot = member_page.locator("#scope-art .ballot")
    ballot.get_by_role("button", name="2 Little confidence").click()
    expect(ballot.get_by_role("button", name="2 Little confidence")).to_have_attribute("aria-pressed", "true")
    concern = ballot.get_by_label("What worries you?")
    expect(concern).to_be_focused()
    concern.fill("The payments API from Gemini lands one iteration after we need it.")
    shot(member_page, "votes-member-typing-concern")
    ballot.get_by_role("button", name="Save concern").click()
    expect(ballot.get_by_text("Concern saved.")).to_be_visible()
    expect(member_page.locator("#scope-art .verdict")).to_contain_text("So far: mean 2.00, below 3")
    shot(member_page, "votes-member-after-concern")

    # The RTE's page has not been reloaded: the poll brings the vote and the concern in.
    expect(art.locator(".verdict")).to_contain_text("So far: mean 2.00, below 3", timeout=10_000)
    expect(art.locator(".verdict")).to_contain_text(re.compile(r"1 of \d+ has voted"))
    expect(art.locator(".vote-figures dd").nth(1)).to_have_text(re.compile(r"^1 of \d+$"))
    concern_row = art.locator(".concern")
    expect(concern_row).to_contain_text("The payments API from Gemini")
    screenshot("votes-rte-live-result")

    concern_row.get_by_role("button", name="Make it a risk").click()
    expect(concern_row).to_contain_text("Risk raised:")
    risk = Risk.objects.get()
    assert (risk.pi_id, risk.team_id, risk.from_vote.voter_id) == (pi.pk, None, team_member.pk)
    screenshot("votes-rte-risk-raised")

    # The member changes their mind while it is open, then the RTE closes and the result stays.
    ballot.get_by_role("button", name="4 Confident").click()
    expect(ballot.get_by_role("button", name="4 Confident")).to_have_attribute("aria-pressed", "true")
    expect(art.locator(".verdict")).to_contain_text("So far: mean 4.00, at or above 3", timeout=10_000)
    expect(art.locator(".verdict")).not_to_contain_text("Accepted")
    art.get_by_role("button", name="Close vote on the ART's plan").click()
    expect(art.get_by_role("button", name="Open round 2 on the ART's plan")).to_be_visible()
    expect(member_page.locator("#scope-art .ballot")).to_have_count(0, timeout=10_000)
    expect(member_page.locator("#scope-art .verdict")).to_contain_text("Accepted")
    screenshot("votes-rte-closed")
    concern_row.get_by_role("link").click()
    expect(page.get_by_role("heading", name=risk.title)).to_be_visible()


def test_a_viewer_sees_results_and_no_buttons(page, viewer, rte, train, pi, screenshot):
    from planning.services.votes import vote_round_open
    from tests.planning.conftest import teams_have_voted

    teams_have_voted(pi, rte)
    vote_round_open(pi=pi, team=None, actor=rte)
    log_in(page, "viewer")
    page.goto(f"/trains/{train.slug}/planning/votes/?pi={pi.pk}")
    expect(page.locator("#scope-art")).to_contain_text("Viewers do not vote")
    expect(page.get_by_role("button", name="3 Confident enough")).to_have_count(0)
    screenshot("votes-viewer")
