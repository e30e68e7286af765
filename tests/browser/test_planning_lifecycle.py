"""The PI page in a real headless Chromium: an RTE creates a PI, opens planning, reads the
readiness checklist, edits an iteration inline and commits the plan."""

import re

import pytest
from playwright.sync_api import expect

from planning.factories import FeatureFactory
from planning.models import Feature, PlanBaseline, ProgramIncrement
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_rte_creates_a_pi_opens_planning_sees_readiness_and_commits(
    page, rte, train, team, other_team, screenshot
):
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/planning/")
    # No PI yet: the RTE lands on the form, with the train's cadence as the default.
    expect(page.get_by_role("heading", name="New Program Increment")).to_be_visible()
    expect(page.get_by_label("Iterations (the last one is IP)")).to_have_value(str(train.iterations_per_pi))
    page.get_by_label("Name").fill("PI 2027.1")
    page.get_by_label("Start date").fill("2027-01-04")
    screenshot("planning-pi-new")
    page.get_by_role("button", name="Create the PI").click()

    expect(page.get_by_role("heading", name="PI Planning: PI 2027.1")).to_be_visible()
    expect(page.locator(".lc-steps [aria-current=step]")).to_have_text(re.compile("Draft"))
    pi = ProgramIncrement.objects.get(train=train, name="PI 2027.1")
    iterations = list(pi.iterations.order_by("number"))
    search = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[0], title="Search")
    FeatureFactory(
        train=train, pi=pi, team=other_team, iteration=iterations[1], title="Vague", acceptance_criteria=""
    )
    page.get_by_role("button", name="Move to planning").click()
    expect(page.locator(".lc-steps [aria-current=step]")).to_have_text(re.compile("Planning"))

    # Readiness, 2 of 5: estimates and cadence pass; "Vague" lacks criteria, no capacity, no Business Owner.
    expect(page.locator("#ready-percent")).to_have_text("40 % ready")
    expect(page.locator("#ready-acceptance")).to_contain_text("Vague")
    expect(page.locator("#ready-capacity")).to_contain_text("Apollo")
    expect(page.locator("#ready-cadence")).to_contain_text("Pass")
    screenshot("planning-pi-readiness")

    # Inline date edit (htmx): a date outside the PI is refused on the row, nothing saved.
    first = iterations[0]
    row = page.locator(f"#iteration-{first.pk}")
    row.get_by_label("I1 start").fill("2026-12-28")
    row.get_by_role("button", name="Save I1").click()
    expect(page.locator(f"#iteration-{first.pk}")).to_contain_text("cannot start before the PI does")
    first.refresh_from_db()
    assert str(first.start_date) == "2027-01-04"

    expect(page.locator("#baseline-time")).to_contain_text("Not committed yet")
    page.get_by_role("button", name="Commit the plan").click()
    expect(page.locator("#baseline-time")).to_contain_text("Plan committed")
    expect(page.get_by_role("button", name="Commit the plan again")).to_be_visible()
    assert PlanBaseline.objects.filter(pi=pi).count() == 1
    screenshot("planning-pi-committed")

    # After the commit the plan changes: Search moves to Gemini in I3, a feature arrives late.
    Feature.objects.filter(pk=search.pk).update(team=other_team, iteration=iterations[2])
    FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[1], title="Late arrival")
    page.get_by_role("link", name="Plan vs now →").click()
    expect(page.get_by_text("2 changes")).to_be_visible()
    expect(page.get_by_text("Apollo · I1 → Gemini · I3")).to_be_visible()
    expect(page.get_by_text("Late arrival")).to_be_visible()
    screenshot("planning-plan-vs-now")
