"""Domain errors that escape an HTML view become HTTP answers in one place (artops/middleware.py):
for htmx the message alone as text/plain (app.js shows it in the page's alert area), for a plain
request the error page with the message and the train's navigation."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import path

from artops import urls as project_urls
from trains.errors import NotAllowed, StaleVersion
from trains.models import Train

HTMX = {"HX-Request": "true"}


def boom(request, slug: str, kind: str):
    """A view that lets one domain error escape, as a real view does when it does not handle it."""
    if kind == "not-allowed":
        raise NotAllowed("Only the RTE runs the ART Sync's meeting.")
    if kind == "stale":
        raise StaleVersion(Train.objects.get(slug=slug))
    if kind == "invalid":
        raise ValidationError({"title": "Say what is to be done.", "owner": "Every action needs an owner."})
    raise RuntimeError("not a domain error")


urlpatterns = [path("boom/<slug:slug>/<str:kind>/", boom), *project_urls.urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

CASES = [
    ("not-allowed", 403, "Not allowed", "Only the RTE runs the ART Sync's meeting."),
    ("stale", 409, "Changed by someone else", "was changed by someone else. Reload the page to see it."),
    ("invalid", 422, "Not saved", "Say what is to be done. Every action needs an owner."),
]


@pytest.fixture
def as_rte(client, rte):
    client.force_login(rte)
    return client


@pytest.mark.parametrize(("kind", "status", "title", "message"), CASES)
def test_an_htmx_request_gets_the_message_alone_as_plain_text_swapped_nowhere(
    as_rte, train, kind, status, title, message
):
    response = as_rte.post(f"/boom/{train.slug}/{kind}/", headers=HTMX)

    assert response.status_code == status
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["HX-Reswap"] == "none"
    # Not HTML-escaped: app.js puts it in with textContent, so an apostrophe stays an apostrophe.
    assert message in response.content.decode()
    assert "<" not in response.content.decode()


@pytest.mark.parametrize(("kind", "status", "title", "message"), CASES)
def test_a_plain_request_gets_the_error_page_with_the_message_and_the_trains_navigation(
    as_rte, train, kind, status, title, message
):
    response = as_rte.post(f"/boom/{train.slug}/{kind}/")

    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in html
    assert "Nothing was changed." in html
    assert message.replace("'", "&#x27;") in html
    assert train.name in html  # the train's navigation stays, so the person is not lost


def test_the_error_page_links_back_only_to_a_page_of_ours(as_rte, train):
    ours = as_rte.post(f"/boom/{train.slug}/invalid/", HTTP_REFERER="http://testserver/trains/")
    theirs = as_rte.post(f"/boom/{train.slug}/invalid/", HTTP_REFERER="https://elsewhere.example/")

    assert 'href="http://testserver/trains/">Go back' in ours.content.decode()
    assert "elsewhere.example" not in theirs.content.decode()


def test_an_outsider_gets_the_page_without_the_trains_navigation(client, outsider, train):
    client.force_login(outsider)

    response = client.post(f"/boom/{train.slug}/not-allowed/")

    assert response.status_code == 403
    assert train.name not in response.content.decode()


def test_any_other_error_is_not_turned_into_a_refusal(as_rte, train):
    with pytest.raises(RuntimeError):
        as_rte.post(f"/boom/{train.slug}/other/", headers=HTMX)


@pytest.fixture
def demo_train(transactional_db):
    from artops.demo import build_demo

    train, _ = build_demo()
    return train


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("screen", "heading", "area"),
    [("risks/", "ROAM board", "#risks-alert"), ("planning/votes/", "Confidence vote", "#planning-alert")],
)
def test_the_page_shows_a_refused_htmx_request_in_its_alert_area_and_stays_as_it_was(
    page, demo_train, screenshot, screen, heading, area
):
    from playwright.sync_api import expect

    from tests.conftest import log_in

    log_in(page, "rte")
    page.goto(f"/trains/{demo_train.slug}/{screen}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()

    # As a write refused after the page was drawn would: htmx asked to swap the whole page.
    page.evaluate(
        "url => htmx.ajax('POST', url, {target: 'main', swap: 'innerHTML'})",
        f"/boom/{demo_train.slug}/not-allowed/",
    )

    expect(page.locator(area).get_by_role("alert")).to_have_text("Only the RTE runs the ART Sync's meeting.")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    screenshot(f"refused-in-alert-area-{area.strip('#')}")
