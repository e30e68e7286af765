"""Every page of the demo train as each demo role, in a real Chromium: it answers, runs without a
script error, shows content, and leaves a screenshot (test-artifacts/every-page/) for a person to
look at."""

import pytest

from artops.demo import build_demo
from tests.browser.demo_pages import PAGES, ROLES
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def demo(transactional_db):
    train, _ = build_demo()
    return train


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_with_content_for_each_demo_role(page, demo, role):
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, role)
    folder = ARTIFACTS / "every-page"
    folder.mkdir(parents=True, exist_ok=True)
    for name, path in PAGES.items():
        response = page.goto(path)
        assert response is not None and response.status == 200, (role, name, response and response.status)
        main = page.locator("main")
        assert len(main.inner_text().strip()) > 80, (role, name, "the page is nearly empty")
        page.screenshot(path=str(folder / f"{role}-{name}.png"), full_page=False)
    assert not errors, errors
