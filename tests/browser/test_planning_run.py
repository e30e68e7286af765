"""One PI Planning run end to end in a real headless Chromium, through the UI only.

Four people in four browsers, as in the room: the RTE runs the event, Apollo's Scrum Master plans the
team (capacity, a feature, stories over capacity, objectives), the Business Owner values the
objectives, an Apollo team member votes. After the fixture data below, every change is made by
clicking; each step is checked on screen and in the database, and any JavaScript error fails the run.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.utils import dateformat, timezone
from playwright.sync_api import Page, expect

from planning.factories import FeatureFactory
from planning.models import (
    ConfidenceVote,
    Feature,
    PIObjective,
    PlanBaseline,
    ProgramIncrement,
    Story,
    TeamCapacity,
    VoteRound,
)
from planning.services import pi_create
from risks.models import Risk
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# The vote page polls every 3 s: allow a few polls for what another person did to arrive.
LIVE = 10_000


@dataclass
class Browsers:
    """Opens one browser context per person and records every JavaScript error any of them hits."""

    browser: object
    base_url: str
    errors: list[str] = field(default_factory=list)
    contexts: list = field(default_factory=list)

    def watch(self, page: Page, who: str) -> Page:
        def on_console(message) -> None:
            # Chromium asks for /favicon.ico on its own and the app has none: not the page's doing.
            if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
                self.errors.append(f"{who}: {message.text} ({message.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"{who}: {error}"))
        return page

    def open(self, who: str) -> Page:
        context = self.browser.new_context(viewport={"width": 1400, "height": 900}, base_url=self.base_url)
        context.set_default_timeout(10_000)
        self.contexts.append(context)
        page = self.watch(context.new_page(), who)
        log_in(page, who)
        return page

    def shot(self, page: Page, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert self.errors == [], f"JavaScript errors: {self.errors}"


@pytest.fixture
def people(browser, live_server):
    browsers = Browsers(browser, live_server.url)
    yield browsers
    for context in browsers.contexts:
        context.close()


@pytest.fixture
def run_data(train, team, other_team, rte, scrum_master, business_owner, team_member):
    """A train of two teams, a draft PI on its cadence, a WSJF-ranked backlog; people with real names."""
    names = {
        "rte": ("Rosa", "Tanaka"),
        "sm": ("Sam", "Meyer"),
        "bo": ("Bea", "Owens"),
        "member": ("Max", "Weber"),
    }
    for username, (first, last) in names.items():
        get_user_model().objects.filter(username=username).update(first_name=first, last_name=last)
    pi = pi_create(train=train, name="PI 2027.1", start_date=dt.date(2027, 1, 4))
    FeatureFactory(
        train=train,
        pi=pi,
        team=other_team,
        title="Ledger reconciliation",
        business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=5,
    )
    FeatureFactory(
        train=train,
        pi=pi,
        title="Fraud scoring",
        business_value=5,
        time_criticality=3,
        risk_reduction=8,
        job_size=8,
    )
    payouts = FeatureFactory(
        train=train,
        title="Partner payouts",
        business_value=13,
        time_criticality=8,
        risk_reduction=3,
        job_size=5,
        acceptance_criteria="Given a partner with a balance, when the payout day comes, then it is paid.",
    )
    return pi, payouts


def test_a_planning_run_from_draft_to_executing(
    page, screenshot, people, run_data, train, team, other_team, business_owner, team_member
):
    pi, payouts = run_data
    first = pi.iterations.get(number=1)
    rte = people.watch(page, "rte")
    log_in(rte, "rte")

    # 1. The RTE opens PI Planning: 3 of 5 ready (no capacity, no Business Owner), then fixes one.
    rte.get_by_role("navigation", name="Train").get_by_role("link", name="PI Planning").click()
    expect(rte.get_by_role("heading", name="PI Planning: PI 2027.1")).to_be_visible()
    expect(rte.locator("#ready-percent")).to_have_text("60 % ready")
    expect(rte.locator("#ready-capacity")).to_contain_text("Not yet")
    expect(rte.locator("#ready-business_owners")).to_contain_text("No Business Owner is assigned")
    screenshot("planning-run-1-readiness")
    rte.get_by_label("Bea Owens").check()
    rte.get_by_role("button", name="Save Business Owners").click()
    expect(rte.locator("#ready-percent")).to_have_text("80 % ready")
    expect(rte.locator("#ready-business_owners")).to_contain_text("Assigned: Bea Owens.")
    assert list(pi.business_owners.all()) == [business_owner]
    rte.get_by_role("button", name="Move to planning").click()
    expect(rte.locator(".lc-steps [aria-current=step]")).to_contain_text("Planning")
    pi.refresh_from_db()
    assert pi.state == ProgramIncrement.State.PLANNING
    people.shot(rte, "planning-run-1-moved-to-planning")

    # 2. The Scrum Master enters Apollo's capacity: 8 × 5 FTE − 3 days off = 37 points.
    sm = people.open("sm")
    sm.get_by_role("navigation", name="Train").get_by_role("link", name="PI Planning").click()
    subnav = sm.get_by_role("navigation", name="PI Planning")
    subnav.get_by_role("link", name="Capacity & load").click()
    cell = sm.locator(f"#cap-{team.pk}-{first.pk}")
    cell.get_by_text("Edit").click()
    cell.get_by_label("FTE").fill("5")
    cell.get_by_label("Days off").fill("3")
    cell.get_by_role("button", name="Save").click()
    expect(cell).to_contain_text("5 FTE · 3 days off")
    expect(cell).to_contain_text("Capacity 37 pts (default)")
    capacity = TeamCapacity.objects.get(team=team, iteration=first)
    assert (capacity.fte, capacity.days_off, capacity.capacity_points) == (5, 3, 37.0)
    people.shot(sm, "planning-run-2-capacity")

    # ... pulls "Partner payouts" from the train's backlog into the PI, onto Apollo ...
    subnav.get_by_role("link", name="Backlog (WSJF)").click()
    row = sm.locator(f"#feature-{payouts.pk}")
    expect(row.locator(".wsjf")).to_have_text("4.80")  # (13 + 8 + 3) / 5
    row.get_by_label("Team for “Partner payouts”").select_option(label=team.name)
    row.get_by_role("button", name="Pull into PI 2027.1").click()
    expect(sm.locator("#backlog-tables .pl-message")).to_contain_text("Partner payouts")
    expect(sm.locator("#in-pi-heading .count")).to_have_text("3")
    payouts.refresh_from_db()
    assert (payouts.pi_id, payouts.team_id, payouts.iteration_id) == (pi.pk, team.pk, None)
    people.shot(sm, "planning-run-2-backlog-pulled")

    # ... and plans stories into I1 until it is over capacity: 33 / 37 amber, then 41 / 37 red.
    subnav.get_by_role("link", name="Capacity & load").click()
    sm.get_by_role("link", name=team.name, exact=True).click()
    expect(sm.get_by_role("heading", name=f"{team.name} · team plan")).to_be_visible()
    load = sm.locator(f"#load-{first.pk}")
    for title, points, figure in (
        ("Payout schedule API", "20", "54.1 % · green"),
        ("Payout ledger export", "13", "89.2 % · amber"),
        ("Partner statement e-mail", "8", "110.8 % · red"),
    ):
        sm.locator("#new-story-title").fill(title)
        sm.locator("#new-story-points").fill(points)
        sm.locator("#new-story-feature").select_option(label="Partner payouts")
        sm.locator("#new-story-iteration").select_option(label=first.label)
        sm.get_by_role("button", name="Add story").click()
        expect(sm.locator("#story-create")).to_contain_text(f"Added “{title}”")
        expect(load).to_contain_text(figure)
    expect(load).to_contain_text("41 / 37 pts")
    expect(load.locator(".load-bar.status-red")).to_be_visible()
    expect(sm.locator("#team-totals")).to_contain_text("110.8 % · red")
    stories = Story.objects.filter(team=team, iteration=first, feature=payouts)
    assert sorted(stories.values_list("points", flat=True)) == [8, 13, 20]
    people.shot(sm, "planning-run-2-team-plan-red")

    # 3. The Scrum Master writes a committed and an uncommitted objective, both linked to the feature.
    subnav.get_by_role("link", name="Objectives").click()
    section = sm.locator(f"#team-{team.pk}")
    section.get_by_text(f"Add an objective for {team.name}").click()
    for text, uncommitted in (
        ("Partners are paid on their payout day, every time", False),
        ("Partners get a monthly statement by e-mail", True),
    ):
        section.get_by_role("textbox", name="Objective").fill(text)
        if uncommitted:
            section.get_by_label("Uncommitted (planned, not promised)").check()
        section.get_by_label("Partner payouts").check()
        section.get_by_role("button", name="Add objective").click()
        expect(section.locator(".obj-team-message")).to_have_text("Objective added.")
        expect(section).to_contain_text(text)
    expect(section.locator("ol.obj-list.uncommitted li")).to_have_count(1)
    expect(section.locator(".obj-features")).to_have_count(2)
    committed, uncommitted = PIObjective.objects.filter(pi=pi, team=team).order_by("-is_committed")
    assert (committed.is_committed, uncommitted.is_committed) == (True, False)
    assert [list(o.features.all()) for o in (committed, uncommitted)] == [[payouts], [payouts]]
    people.shot(sm, "planning-run-3-objectives")

    # 4. The Business Owner values them with one click each; only committed value is planned.
    bo = people.open("bo")
    bo.get_by_role("navigation", name="Train").get_by_role("link", name="PI Planning").click()
    bo.get_by_role("navigation", name="PI Planning").get_by_role("link", name="Objectives").click()
    for objective, value in ((committed, "8"), (uncommitted, "5")):
        scale = bo.locator(f"#objective-{objective.pk}").get_by_role("group", name="Planned value")
        scale.get_by_role("button", name=value, exact=True).click()
        expect(scale.get_by_role("button", name=value, exact=True)).to_have_attribute("aria-pressed", "true")
    expect(bo.locator(f"#figure-team-{team.pk}")).to_contain_text("actual 0 / planned 8 (committed)")
    values = PIObjective.objects.filter(pi=pi).order_by("-is_committed")
    assert list(values.values_list("planned_business_value", flat=True)) == [8, 5]
    people.shot(bo, "planning-run-4-business-value")

    # 5. The team vote: the RTE opens it, the member votes 2 and is asked why.
    rte.get_by_role("navigation", name="PI Planning").get_by_role("link", name="Confidence vote").click()
    apollo = rte.locator(f"#scope-team-{team.pk}")
    apollo.get_by_role("button", name=f"Open vote on {team.name}'s plan").click()
    expect(apollo.get_by_text("Voting open")).to_be_visible()

    member = people.open("member")
    member.get_by_role("navigation", name="Train").get_by_role("link", name="PI Planning").click()
    member.get_by_role("navigation", name="PI Planning").get_by_role("link", name="Confidence vote").click()
    ballot = member.locator(f"#scope-team-{team.pk} .ballot")
    ballot.get_by_role("button", name="2 Little confidence").click()
    expect(ballot.get_by_role("button", name="2 Little confidence")).to_have_attribute("aria-pressed", "true")
    concern = ballot.get_by_label("What worries you?")
    expect(concern).to_be_focused()
    concern.fill("The bank's payout file format is still not agreed; I1 cannot take all 41 points.")
    ballot.get_by_role("button", name="Save concern").click()
    expect(ballot.get_by_text("Concern saved.")).to_be_visible()
    people.shot(member, "planning-run-5-member-concern")

    # The RTE's page was not reloaded: the poll brings the verdict and the concern in.
    # Open: a running count, never a verdict yet.
    expect(apollo.locator(".verdict")).to_contain_text("So far: mean 2.00, below 3", timeout=LIVE)
    concern_row = apollo.locator(".concern")
    expect(concern_row).to_contain_text("payout file format")
    screenshot("planning-run-5-rte-needs-rework")
    concern_row.get_by_role("button", name="Make it a risk").click()
    expect(concern_row).to_contain_text("Risk raised:")
    risk = Risk.objects.get()
    assert (risk.pi_id, risk.from_vote.voter_id, risk.from_vote.score) == (pi.pk, team_member.pk, 2)

    # After the risk is on the table the member changes their vote; the RTE sees it accepted, closes.
    ballot.get_by_role("button", name="4 Confident").click()
    expect(ballot.get_by_role("button", name="4 Confident")).to_have_attribute("aria-pressed", "true")
    expect(apollo.locator(".verdict")).to_contain_text("So far: mean 4.00, at or above 3", timeout=LIVE)
    apollo.get_by_role("button", name=f"Close vote on {team.name}'s plan").click()
    expect(apollo.get_by_role("button", name=f"Open round 2 on {team.name}'s plan")).to_be_visible()
    expect(apollo.locator(".verdict")).to_contain_text("Accepted")
    team_round = VoteRound.objects.get(pi=pi, team=team)
    assert team_round.closed_at is not None
    assert list(team_round.votes.values_list("voter_id", "score")) == [(team_member.pk, 4)]
    people.shot(rte, "planning-run-5-team-vote-closed")
    # Gemini planned work too: its vote comes before the ART's, whose button waits until then.
    art = rte.locator("#scope-art")
    expect(art.get_by_role("button", name="Open vote on the ART's plan")).to_be_disabled()
    gemini = rte.locator(f"#scope-team-{other_team.pk}")
    gemini.get_by_role("button", name=f"Open vote on {other_team.name}'s plan").click()
    gemini.locator(".ballot").get_by_role("button", name="4 Confident").click()  # the RTE votes
    expect(gemini.locator(".verdict")).to_contain_text("1 of")
    gemini.get_by_role("button", name=f"Close vote on {other_team.name}'s plan").click()
    expect(art.get_by_role("button", name="Open vote on the ART's plan")).to_be_enabled()

    # The ART vote: the Business Owner votes 3, exactly the acceptance threshold.
    art = rte.locator("#scope-art")
    art.get_by_role("button", name="Open vote on the ART's plan").click()
    expect(art.get_by_text("Voting open")).to_be_visible()
    bo.get_by_role("navigation", name="PI Planning").get_by_role("link", name="Confidence vote").click()
    bo_ballot = bo.locator("#scope-art .ballot")
    bo_ballot.get_by_role("button", name="3 Confident enough").click()
    expect(bo_ballot.get_by_role("button", name="3 Confident enough")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(bo_ballot.get_by_label("What worries you?")).to_have_count(0)  # 3 is not a low score
    expect(art.locator(".verdict")).to_contain_text("So far: mean 3.00, at or above 3", timeout=LIVE)
    art.get_by_role("button", name="Close vote on the ART's plan").click()
    expect(art.get_by_role("button", name="Open round 2 on the ART's plan")).to_be_visible()
    expect(art.locator(".verdict")).to_contain_text("Accepted mean 3.00 ≥ 3")
    art_round = VoteRound.objects.get(pi=pi, team=None)
    assert art_round.closed_at is not None
    assert list(ConfidenceVote.objects.filter(round=art_round).values_list("score", flat=True)) == [3]
    people.shot(rte, "planning-run-5-art-vote-closed")

    # 6. The RTE commits the plan (the baseline time shows) and starts execution.
    rte.get_by_role("navigation", name="PI Planning").get_by_role("link", name="PI & readiness").click()
    rte.get_by_role("button", name="Commit the plan").click()
    expect(rte.locator("#baseline-time")).to_contain_text("Plan committed")
    baseline = PlanBaseline.objects.get(pi=pi)
    shown = dateformat.format(timezone.localtime(baseline.committed_at), "D j M Y, H:i")
    expect(rte.locator("#baseline-time")).to_contain_text(f"Plan committed {shown} by Rosa Tanaka")
    assert [(o["text"], o["planned_bv"]) for o in baseline.plan["objectives"]] == [
        (committed.text, 8),
        (uncommitted.text, 5),
    ]
    assert Feature.objects.get(pk=payouts.pk).team_id == team.pk
    expect(rte.get_by_role("button", name="Commit the plan again")).to_be_visible()
    screenshot("planning-run-6-committed")
    rte.get_by_role("button", name="Move to executing").click()
    expect(rte.locator(".lc-steps [aria-current=step]")).to_contain_text("Executing")
    pi.refresh_from_db()
    expect(rte.locator(".lc-commit button")).to_have_count(0)  # the plan is committed during planning only
    assert pi.state == ProgramIncrement.State.EXECUTING
    people.shot(rte, "planning-run-6-executing")
    assert people.errors == [], f"JavaScript errors: {people.errors}"
