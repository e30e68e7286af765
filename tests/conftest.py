"""Personas and real-service fixtures shared by the whole suite.

Real services: `make test` exports ARTOPS_TEST_REDIS_URL when Redis answers and DATABASE_URL when
PostgreSQL does. Tests that need one ask for it through a fixture; without it they are skipped
(and listed loudly at the end), except under CI=true, where a missing service fails the run.
"""

import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from planning.factories import ProgramIncrementFactory
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run there
# unless told the loop is not serving requests concurrently, which is true in these tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() == "true"
CHROMIUM = os.environ.get("ARTOPS_CHROMIUM", "/usr/bin/chromium")
_missing: list[str] = []


def need(service: str, available: bool, why: str) -> None:
    """Skip (or, in CI, fail) a test whose real service is not there."""
    if available:
        return
    message = f"{service} is not available: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: real services are required)", pytrace=False)
    _missing.append(message)
    pytest.skip(message)


def pytest_terminal_summary(terminalreporter):
    # A test's figures (`record_property("figures", "…")`), shown whether it passed or failed and
    # also from xdist's workers, whose own output the run does not show.
    for category in ("passed", "failed"):
        for report in terminalreporter.stats.get(category, []):
            for name, value in getattr(report, "user_properties", []):
                if name == "figures":
                    terminalreporter.write_line(f"{report.nodeid}: {value}", bold=True)
    if connection.vendor != "postgresql":
        terminalreporter.write_line(
            "WARNING: the suite ran on SQLite, not PostgreSQL: database constraints were checked on SQLite only.",
            red=True,
            bold=True,
        )
    for message in sorted(set(_missing)):
        terminalreporter.write_line(f"SKIPPED FOR A MISSING SERVICE: {message}", red=True, bold=True)


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("ARTOPS_TEST_REDIS_URL", "")
    need("Redis", bool(url), "ARTOPS_TEST_REDIS_URL is not set (make test sets it when Redis answers)")
    return url


@pytest.fixture
def postgres(db) -> None:
    need("PostgreSQL", connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    need("Chromium", bool(shutil.which(CHROMIUM)), f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


# --- personas (conventions.md §14) -----------------------------------------------------------------


@pytest.fixture
def train(db):
    return TrainFactory(name="Orbit ART", slug="orbit")


@pytest.fixture
def team(train):
    return TeamFactory(train=train, name="Apollo")


@pytest.fixture
def other_team(train):
    return TeamFactory(train=train, name="Gemini")


@pytest.fixture
def pi(train):
    return ProgramIncrementFactory(train=train, name="PI 7")


@pytest.fixture
def upcoming_pi(train):
    """PI 7 starting next Monday: none of its iterations has ended, so any not-done feature may be
    moved into any of them (the board's tests move cards around)."""
    today = timezone.localdate()
    return ProgramIncrementFactory(
        train=train, name="PI 7", start_date=today + timedelta(days=7 - today.weekday())
    )


def _persona(username: str, train, role: str, team=None):
    user = UserFactory(username=username)
    MembershipFactory(user=user, train=train, role=role, team=team)
    return user


@pytest.fixture
def rte(train):
    return _persona("rte", train, Role.RTE)


@pytest.fixture
def product_manager(train):
    return _persona("pm", train, Role.PRODUCT_MANAGER)


@pytest.fixture
def scrum_master(train, team):
    return _persona("sm", train, Role.SCRUM_MASTER, team)


@pytest.fixture
def business_owner(train):
    return _persona("bo", train, Role.BUSINESS_OWNER)


@pytest.fixture
def team_member(train, team):
    return _persona("member", train, Role.TEAM_MEMBER, team)


@pytest.fixture
def viewer(train):
    return _persona("viewer", train, Role.VIEWER)


@pytest.fixture
def outsider(db):
    """An RTE of another train: must see nothing of ours."""
    other = TrainFactory(name="Elsewhere ART", slug="elsewhere")
    return _persona("outsider", other, Role.RTE)


# --- the browser (conventions.md §16) ----------------------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            # The machine has no outside network: background services would only fail and slow down.
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, username: str, password: str = "artops-demo") -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
