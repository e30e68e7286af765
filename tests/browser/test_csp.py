"""The Content Security Policy holds in a real Chromium: the board (a drag, the move and edit dialogs,
a new feature, the dependency table, the view controls), every page of the demo train, the admin, the
API docs and the login page run without a single violation.

A violation is caught three ways: the page's `securitypolicyviolation` event, Chromium's console
message ("Refused to … because it violates the following Content Security Policy directive") and a
script error (a refused eval throws). Any one fails the test.
"""

import pytest
from playwright.sync_api import expect

from artops.demo import build_demo
from planning.factories import DependencyFactory, FeatureFactory
from planning.models import Feature
from risks.models import Impediment, Risk
from tests.browser.demo_pages import PAGES
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# Runs in every document before the page's own scripts; Playwright injects it past the policy.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.artopsCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


# Blocked on purpose: Redoc's bundle (/api/redoc/) shows its maker's logo from their CDN, and the site
# loads nothing from outside.
BLOCKED_ON_PURPOSE = ("https://cdn.redoc.ly/redoc/logo-mini.svg",)


class Violations(list):
    """Every violation seen, as text, with the page being looked at (`path`) when it was reported."""

    path = ""

    def add(self, text: str) -> None:
        if not any(blocked in text for blocked in BLOCKED_ON_PURPOSE):
            self.append(f"{self.path or 'board'}: {text}")

    def watch(self, page):
        page.expose_function("artopsCspViolation", lambda text: self.add(f"event: {text}"))
        page.add_init_script(LISTEN)
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text
            and self.add(f"console: {message.text}"),
        )
        page.on("pageerror", lambda error: self.add(f"script error: {error}"))
        return self


@pytest.fixture
def violations(page):
    return Violations().watch(page)


def test_the_board_runs_without_a_violation_while_cards_move_and_dialogs_open(
    page, violations, rte, train, team, other_team, upcoming_pi, screenshot
):
    iterations = list(upcoming_pi.iterations.order_by("number"))
    upcoming_pi.state = "executing"
    upcoming_pi.save()
    need = FeatureFactory(
        train=train, pi=upcoming_pi, team=team, iteration=iterations[1], title="Checkout v2"
    )
    give = FeatureFactory(
        train=train, pi=upcoming_pi, team=other_team, iteration=iterations[0], title="Payments API"
    )
    DependencyFactory(
        pi=upcoming_pi,
        requesting_team=team,
        providing_team=other_team,
        requesting_feature=need,
        providing_feature=give,
        needed_by_iteration=iterations[1],
    )
    log_in(page, "rte")
    response = page.goto(f"/trains/{train.slug}/board/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy

    # A drag.
    target = page.locator(f"#cell-{team.pk}-{iterations[3].pk}")
    page.locator(f"#f-{give.pk}").drag_to(target)
    expect(target.locator(f"#f-{give.pk}")).to_be_visible()

    # The move dialog from the keyboard, submitted.
    page.locator(f"#f-{need.pk}").focus()
    page.keyboard.press("m")
    dialog = page.locator("#dialog-box")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Iteration").select_option(index=3)
    dialog.get_by_role("button", name="Move").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#cell-{team.pk}-{iterations[2].pk}").locator(f"#f-{need.pk}")).to_be_visible()

    # A new feature in its dialog, then its edit dialog from the card.
    page.get_by_role("link", name="+ Feature").click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").fill("Fraud checks")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    created = Feature.objects.get(title="Fraud checks")
    page.locator(f"#f-{give.pk} .ft").click()
    expect(dialog).to_be_visible()
    dialog.get_by_label("Title").fill("Payments API v2")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"#f-{give.pk}")).to_contain_text("Payments API v2")

    # The rest of the board's controls: the strings, the dependency table, the views, a poll.
    page.locator("#strings-mode").select_option("all")
    page.locator("details.dep-table summary").click()
    expect(page.locator(".dep-table-body table")).to_be_visible()
    page.locator("#zoom-in").click()
    page.locator("#wall-mode").click()
    page.locator("#wall-mode").click()  # and out again
    page.wait_for_timeout(3500)  # one poll of board/changes/ at least
    screenshot("csp-board")

    assert created.pk and not violations, violations


def test_every_page_the_admin_and_the_api_docs_run_without_a_violation(page, violations, transactional_db):
    train, _ = build_demo()
    log_in(page, "rte")
    feature = Feature.objects.filter(train=train).order_by("pk").first()
    risk = Risk.objects.filter(train=train).order_by("pk").first()
    impediment = Impediment.objects.filter(train=train).order_by("pk").first()
    paths = [
        *PAGES.values(),
        f"/trains/{train.slug}/board/features/{feature.pk}/edit/",
        f"/trains/{train.slug}/risks/{risk.pk}/",
        f"/trains/{train.slug}/impediments/{impediment.pk}/",
        f"/trains/{train.slug}/webhooks/",
        "/inbox/",
        "/search/?q=pay",
        "/admin/",
        f"/admin/planning/feature/{feature.pk}/change/",
        "/admin/planning/feature/",
        "/api/docs/",
        "/api/redoc/",
        "/no-such-page/",
    ]
    for path in paths:
        violations.path = path
        response = page.goto(path)
        assert response is not None and response.status in (200, 404), (path, response and response.status)
        assert "content-security-policy" in response.headers, path
        page.wait_for_load_state("networkidle")
        if path == "/api/docs/":
            expect(page.locator(".swagger-ui .info")).to_be_visible()
        if path == "/api/redoc/":
            expect(page.locator("redoc h1, #redoc-container h1").first).to_be_visible(timeout=20_000)
    # The objectives page's team filter applies on change (static/js/app.js, once an inline onchange).
    violations.path = PAGES["objectives"]
    page.goto(PAGES["objectives"])
    page.locator("#team-filter").select_option(index=1)
    page.wait_for_url("**team=*")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to ARTops")).to_be_visible()

    assert not violations, violations
