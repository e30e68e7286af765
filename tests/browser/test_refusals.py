"""A refused htmx action says why in the page's alert area, the same way on every page
(trains/refusals.py answers, static/js/app.js shows), and the page stays as it was."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from planning.factories import FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory
from planning.services import feature_update
from tests.conftest import log_in
from trains.factories import MembershipFactory
from trains.models import Membership, Role

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def upcoming_pi(train):
    """A PI whose iterations have not ended: every move in it is allowed by the calendar."""
    return ProgramIncrementFactory(
        train=train, name="PI 9", start_date=timezone.localdate() + dt.timedelta(days=7)
    )


def test_a_stale_move_on_the_board_is_said_in_the_alert_area_and_the_board_shows_the_current_plan(
    page, rte, train, team, other_team, upcoming_pi, screenshot
):
    first, _, third = upcoming_pi.iterations.order_by("number")[:3]
    feature = FeatureFactory(train=train, pi=upcoming_pi, team=team, iteration=first, title="Payments API")
    page.route("**/board/changes/**", lambda route: route.abort())  # no poll refreshes it first
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/?pi={upcoming_pi.pk}")
    # Someone else renames it meanwhile: the card this browser shows is now stale.
    feature_update(feature=feature, expected_version=1, actor=rte, title="Payments API v2")

    page.locator(f"#f-{feature.pk}").drag_to(page.locator(f"#cell-{other_team.pk}-{third.pk}"))

    alert = page.locator("#page-alert").get_by_role("alert")
    expect(alert).to_contain_text("“Payments API v2” was changed by someone else while you were moving it.")
    expect(page.locator(f"#cell-{team.pk}-{first.pk} #f-{feature.pk}")).to_contain_text("Payments API v2")
    expect(page.get_by_text("(409)")).to_have_count(0)
    screenshot("refusal-on-the-board")
    feature.refresh_from_db()
    assert (feature.team_id, feature.iteration_id, feature.version) == (team.pk, first.pk, 2)


def test_a_refused_click_on_the_objectives_page_is_said_in_its_alert_area_and_changes_nothing(
    page, train, team, upcoming_pi, screenshot
):
    from trains.factories import UserFactory

    user = UserFactory(username="sam")
    MembershipFactory(user=user, train=train, role=Role.VIEWER)
    MembershipFactory(user=user, train=train, role=Role.SCRUM_MASTER, team=team)
    objective = PIObjectiveFactory(
        pi=upcoming_pi, team=team, text="Self-service refunds live", is_committed=True
    )
    log_in(page, "sam")
    page.goto(f"/trains/{train.slug}/planning/objectives/?pi={upcoming_pi.pk}")
    # Sam stops being Apollo's Scrum Master while the page is open.
    Membership.objects.filter(user=user, role=Role.SCRUM_MASTER).delete()

    page.get_by_role("button", name="Make uncommitted").click()

    expect(page.locator("#planning-alert").get_by_role("alert")).to_have_text(
        "Only the RTE, Product Management and the team's Scrum Master or Product Owner "
        "change this team's objectives."
    )
    expect(page.get_by_role("button", name="Make uncommitted")).to_be_visible()  # the page as it was
    expect(page.locator("[data-alert-area]")).to_have_count(1)
    screenshot("refusal-on-the-objectives-page")
    objective.refresh_from_db()
    assert objective.is_committed and objective.version == 1
