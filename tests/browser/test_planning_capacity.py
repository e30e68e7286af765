"""Capacity, the team plan and the WSJF backlog in a real headless Chromium against a live server."""

import pytest
from playwright.sync_api import expect

from planning.factories import FeatureFactory
from planning.models import Feature, Story, TeamCapacity
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_set_capacity_then_plan_stories_over_it_and_see_red(
    page, rte, train, pi, team, other_team, screenshot
):
    first = pi.iterations.order_by("number").first()
    FeatureFactory(train=train, pi=pi, team=team, title="Self-service refunds")
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/planning/capacity/?pi={pi.pk}")
    cell = page.locator(f"#cap-{team.pk}-{first.pk}")
    cell.get_by_text("Edit").click()
    cell.get_by_label("FTE").fill("2")
    cell.get_by_label("Days off").fill("1")
    cell.get_by_role("button", name="Save").click()
    expect(page.locator(f"#cap-{team.pk}-{first.pk}")).to_contain_text("Capacity 15 pts")
    expect(page.locator(f"#cap-total-{team.pk}")).to_contain_text("0 / 15 pts")
    expect(page.locator(f"#cap-{team.pk}-{first.pk}-summary")).to_be_focused()
    screenshot("capacity-after-entering")
    assert TeamCapacity.objects.get(team=team, iteration=first).capacity_points == 15.0

    # A negative value is refused on its field, and nothing changes.
    cell = page.locator(f"#cap-{team.pk}-{first.pk}")
    cell.get_by_text("Edit").click()
    cell.get_by_label("Days off").fill("-1")
    cell.get_by_role("button", name="Save").click()
    expect(page.locator(f"#cap-{team.pk}-{first.pk}")).to_contain_text("Days off cannot be negative.")
    assert TeamCapacity.objects.get(team=team, iteration=first).days_off == 1

    page.get_by_role("link", name=team.name).click()
    expect(page.get_by_role("heading", name=f"{team.name} · team plan")).to_be_visible()
    for title, points in (("Refund form", "8"), ("Refund ledger", "10")):
        page.get_by_label("Title").first.fill(title)
        page.locator("#new-story-points").fill(points)
        page.locator("#new-story-feature").select_option(label="Self-service refunds")
        page.locator("#new-story-iteration").select_option(label=first.label)
        page.get_by_role("button", name="Add story").click()
        expect(page.locator("#story-create")).to_contain_text(f"Added “{title}”")
    expect(page.locator(f"#load-{first.pk}")).to_contain_text("18 / 15 pts")
    expect(page.locator(f"#load-{first.pk}")).to_contain_text("120 % · red")
    expect(page.locator(f"#load-{first.pk} .load-bar.status-red")).to_be_visible()
    expect(page.locator("#team-totals")).to_contain_text("120 % · red")
    screenshot("team-plan-over-capacity")

    # Moving one story out brings the iteration back to green, without a reload.
    story = Story.objects.get(title="Refund ledger")
    page.locator(f"#story-{story.pk}-summary").click()
    page.locator(f"#story-{story.pk}-iteration").select_option(label="Unscheduled")
    page.locator(f"#story-{story.pk}").get_by_role("button", name="Save").click()
    expect(page.locator(f"#load-{first.pk}")).to_contain_text("53.3 % · green")
    # Focus returns to the moved story's editor toggle, so a keyboard user is not thrown to the top.
    expect(page.locator(f"#story-{story.pk}-summary")).to_be_focused()
    screenshot("team-plan-after-move")

    page.goto(f"/trains/{train.slug}/planning/capacity/?pi={pi.pk}")
    expect(page.locator(f"#cap-{team.pk}-{first.pk}")).to_contain_text("53.3 % · green")
    screenshot("capacity-grid")


def test_editing_a_wsjf_input_changes_the_rank_at_once(page, product_manager, train, pi, team, screenshot):
    low = FeatureFactory(
        train=train,
        pi=pi,
        team=team,
        title="Audit trail",
        business_value=2,
        time_criticality=1,
        risk_reduction=1,
        job_size=8,
    )
    FeatureFactory(
        train=train,
        pi=pi,
        title="Payments API",
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=5,
    )
    FeatureFactory(
        train=train,
        title="Dark mode",
        business_value=3,
        time_criticality=1,
        risk_reduction=1,
        job_size=2,
        acceptance_criteria="",
    )
    log_in(page, "pm")
    page.goto(f"/trains/{train.slug}/planning/backlog/?pi={pi.pk}")
    row = page.locator(f"#feature-{low.pk}")
    expect(row.locator(".rank")).to_have_text("2")
    expect(row.locator(".wsjf")).to_have_text("0.50")
    screenshot("backlog-before")
    page.get_by_label("Job size of “Audit trail”").focus()
    page.get_by_label("Job size of “Audit trail”").select_option("1")
    expect(page.locator(f"#feature-{low.pk} .rank")).to_have_text("1")
    expect(page.locator(f"#feature-{low.pk} .wsjf")).to_have_text("4.00")
    expect(page.locator(f"#feature-{low.pk}")).to_have_class("just-changed")
    # The select keeps focus, so a keyboard user carries on from where they were.
    expect(page.get_by_label("Job size of “Audit trail”")).to_be_focused()
    assert Feature.objects.get(pk=low.pk).job_size == 1
    screenshot("backlog-after-rerank")

    dark = Feature.objects.get(title="Dark mode")
    page.locator(f"#pull-team-{dark.pk}").select_option(label=team.name)
    page.locator(f"#pull-{dark.pk}").click()
    expect(page.locator("main").get_by_role("status")).to_contain_text("unplanned lane")
    expect(page.locator("#in-pi-heading")).to_contain_text("3")
    dark.refresh_from_db()
    assert (dark.pi_id, dark.team_id, dark.iteration_id) == (pi.pk, team.pk, None)
    screenshot("backlog-after-pull")
