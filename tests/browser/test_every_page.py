"""Every page of the demo train as each demo role, in a real Chromium: it answers, runs without a
script error, shows content, and leaves a screenshot (test-artifacts/every-page/) for a person to
look at."""

import pytest

from artops.demo import build_demo
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

ROLES = ["rte", "pm", "bo", "architect", "sm", "po", "member", "viewer"]
PAGES = {
    "train": "/trains/aurora/",
    "board": "/trains/aurora/board/",
    "pi": "/trains/aurora/planning/",
    "backlog": "/trains/aurora/planning/backlog/",
    "capacity": "/trains/aurora/planning/capacity/",
    "objectives": "/trains/aurora/planning/objectives/",
    "votes": "/trains/aurora/planning/votes/",
    "plan-vs-now": "/trains/aurora/planning/plan-vs-now/",
    "business-owners": "/trains/aurora/planning/business-owners/",
    "risks": "/trains/aurora/risks/",
    "impediments": "/trains/aurora/impediments/",
    "art-sync": "/trains/aurora/art-sync/",
    "system-demo": "/trains/aurora/system-demo/",
    "inspect-adapt": "/trains/aurora/inspect-adapt/",
    "metrics": "/trains/aurora/metrics/",
    "api-tokens": "/account/tokens/",
}


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
