"""The first screens, driven in a real headless Chromium against a live server."""

import pytest
from playwright.sync_api import expect

from artops.demo import build_demo
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    train, _ = build_demo()
    return train


def test_rte_logs_in_and_lands_on_the_demo_train_home(page, demo, screenshot):
    log_in(page, "rte")
    page.wait_for_url(f"**/trains/{demo.slug}/")
    expect(page.get_by_role("heading", name="Aurora ART")).to_be_visible()
    expect(page.get_by_role("row", name="PI 26")).to_contain_text("Executing")
    expect(page.locator(".team-card")).to_have_count(7)
    expect(page.get_by_text("Release Train Engineer").first).to_be_visible()
    screenshot("train-home-rte")


def test_wrong_password_shows_a_message_in_the_browser(page, demo, screenshot):
    log_in(page, "rte", "wrong")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    screenshot("login-error")


def test_viewer_sees_the_train_but_no_admin_link(page, demo):
    log_in(page, "viewer")
    expect(page.get_by_role("heading", name="Aurora ART")).to_be_visible()
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)


def test_outsider_of_the_train_gets_not_found(page, demo, outsider):
    log_in(page, "outsider")
    response = page.goto(f"/trains/{demo.slug}/")
    assert response.status == 404
