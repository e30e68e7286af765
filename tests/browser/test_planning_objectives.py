"""Team PI objectives in a real Chromium: the team writes them, a Business Owner values them with one
click each, the figures follow; the Business Owner view on screen and printed."""

import pytest
from playwright.sync_api import expect

from planning.factories import ConfidenceVoteFactory, FeatureFactory, PIObjectiveFactory
from planning.models import PIObjective, ProgramIncrement
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def value_button(row, scale: str, value: int):
    return row.get_by_role("group", name=scale).get_by_role("button", name=str(value), exact=True)


def test_sm_adds_objectives_and_a_business_owner_values_them_with_one_click_each(
    page, scrum_master, business_owner, train, pi, team, screenshot
):
    FeatureFactory(train=train, pi=pi, team=team, title="Refund API")
    objectives_url = f"/trains/{train.slug}/planning/objectives/?pi={pi.pk}"
    section = page.locator(f"#team-{team.pk}")

    log_in(page, "sm")
    page.goto(objectives_url)
    section.get_by_text(f"Add an objective for {team.name}").click()
    section.get_by_role("textbox", name="Objective").fill("Customers refund an order in one click")
    section.get_by_label("Refund API").check()
    section.get_by_role("button", name="Add objective").click()
    expect(section.locator(".obj-team-message")).to_have_text("Objective added.")
    # The form stays open for the next one.
    section.get_by_role("textbox", name="Objective").fill("Dark mode for the back office")
    section.get_by_label("Uncommitted (planned, not promised)").check()
    section.get_by_role("button", name="Add objective").click()
    expect(section.locator("ol.obj-list.uncommitted li")).to_have_count(1)
    expect(section.locator("ol.obj-list.uncommitted")).to_contain_text("Dark mode for the back office")
    expect(section.locator(".obj-features")).to_contain_text("Refund API")
    expect(section.get_by_role("button", name="8", exact=True)).to_have_count(0)  # no values for an SM
    screenshot("objectives-sm-added")
    log_out(page)

    committed, uncommitted = PIObjective.objects.order_by("-is_committed")
    log_in(page, "bo")
    page.goto(objectives_url)
    first, second = page.locator(f"#objective-{committed.pk}"), page.locator(f"#objective-{uncommitted.pk}")
    value_button(first, "Planned value", 8).click()
    expect(value_button(first, "Planned value", 8)).to_have_attribute("aria-pressed", "true")
    expect(value_button(first, "Planned value", 8)).to_be_focused()  # the new row keeps the keyboard's place
    expect(page.locator(f"#figure-team-{team.pk}")).to_contain_text("actual 0 / planned 8 (committed)")
    value_button(second, "Planned value", 5).click()
    expect(value_button(second, "Planned value", 5)).to_have_attribute("aria-pressed", "true")
    # Uncommitted value never joins the plan.
    expect(page.locator(f"#figure-team-{team.pk}")).to_contain_text("actual 0 / planned 8 (committed)")
    value_button(first, "Planned value", 9).click()
    expect(value_button(first, "Planned value", 9)).to_have_attribute("aria-pressed", "true")
    expect(value_button(first, "Planned value", 8)).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#art-figure")).to_contain_text("actual 0 / planned 9 (committed)")
    screenshot("objectives-bo-planned")
    assert [o.planned_business_value for o in PIObjective.objects.order_by("-is_committed")] == [9, 5]

    ProgramIncrement.objects.filter(pk=pi.pk).update(state=ProgramIncrement.State.EXECUTING)
    page.reload()
    value_button(first, "Actual value", 9).click()
    expect(page.locator(f"#figure-team-{team.pk}")).to_contain_text("100 %")
    # One of two scored: the figure says it is partial rather than placing itself in the band.
    expect(page.locator(f"#figure-team-{team.pk}")).to_contain_text("partial: 1 of 2 scored")
    value_button(second, "Actual value", 5).click()
    # (9 + 5) / 9 = 155.6 %: the uncommitted objective's value lifts the team above the band.
    expect(page.locator(f"#figure-team-{team.pk}")).to_contain_text("156 %")
    expect(page.locator(f"#figure-team-{team.pk}")).to_contain_text("above the healthy band")
    expect(page.locator("#art-figure")).to_contain_text("156 %")
    screenshot("objectives-bo-actual")


def test_business_owner_view_on_screen_and_printed(
    page, business_owner, train, pi, team, other_team, screenshot
):
    pi.state = ProgramIncrement.State.EXECUTING
    pi.save()
    refunds = FeatureFactory(train=train, pi=pi, team=team, title="Refund API")
    objective = PIObjectiveFactory(
        pi=pi,
        team=team,
        text="Customers refund an order in one click",
        planned_business_value=10,
        actual_business_value=8,
    )
    objective.features.set([refunds])
    PIObjectiveFactory(
        pi=pi, team=team, text="Checkout under 2 s", planned_business_value=6, actual_business_value=6
    )
    PIObjectiveFactory(
        pi=pi,
        team=team,
        is_committed=False,
        text="Dark mode",
        planned_business_value=3,
        actual_business_value=3,
    )
    PIObjectiveFactory(
        pi=pi,
        team=other_team,
        text="Partner payouts daily",
        planned_business_value=8,
        actual_business_value=5,
    )
    PIObjectiveFactory(
        pi=pi, team=other_team, text="Ledger export", planned_business_value=5, actual_business_value=None
    )
    for score in (4, 4, 5, 3):
        ConfidenceVoteFactory(pi=pi, team=team, score=score)
    for score in (4, 3, 3, 2):
        ConfidenceVoteFactory(pi=pi, team=None, score=score)

    log_in(page, "bo")
    page.goto(f"/trains/{train.slug}/planning/business-owners/?pi={pi.pk}")
    expect(page.get_by_role("heading", name="Business Owner view")).to_be_visible()
    # Apollo (8 + 6 + 3) / 16 = 106.3 %; Gemini 5 / 13 = 38.5 %, 1 of 2 scored; ART 22 / 29 = 75.9 %.
    expect(page.locator(f"#bo-team-{team.pk}")).to_contain_text("106 %")
    expect(page.locator(f"#bo-team-{other_team.pk}")).to_contain_text("38 %")
    expect(page.locator(f"#bo-team-{other_team.pk}")).to_contain_text("partial: 1 of 2 scored")
    expect(page.locator(f"#bo-team-{other_team.pk}")).to_contain_text("no vote yet")
    expect(page.locator("#art-figure")).to_contain_text("76 %")
    expect(page.locator(".bo-art")).to_contain_text("3.00 mean of 4 voters")
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    screenshot("business-owner-view")

    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print this page")).to_be_hidden()
    expect(page.locator(".subnav")).to_be_hidden()
    expect(page.locator(".bo-print-title")).to_be_visible()
    screenshot("business-owner-view-print")
