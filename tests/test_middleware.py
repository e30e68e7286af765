"""Domain errors become HTTP answers in one place (trains/refusals.py, applied by artops/middleware.py
to whatever an HTML view lets escape): for htmx the message alone as text/plain (app.js shows it in
the page's alert area), for a plain request the error page with the message and the train's
navigation. Any other error stays a 500."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import path

from artops import urls as project_urls
from trains.errors import Conflict, NotAllowed, StaleVersion
from trains.models import Train
from trains.refusals import Refusal, refusal

HTMX = {"HX-Request": "true"}


def boom(request, slug: str, kind: str):
    """A view that lets one domain error escape, as a real view does when it does not handle it."""
    if kind == "not-allowed":
        raise NotAllowed("Only the RTE runs the ART Sync's meeting.")
    if kind == "stale":
        raise StaleVersion(Train.objects.get(slug=slug))
    if kind == "conflict":
        raise Conflict("PI 7 is closed: its record is read-only.")
    if kind == "invalid":
        raise ValidationError({"title": "Say what is to be done.", "owner": "Every action needs an owner."})
    if kind == "bug":
        return {}["a key no one set"]  # a programming error, as a view's own bug raises it
    raise RuntimeError("not a domain error")


urlpatterns = [path("boom/<slug:slug>/<str:kind>/", boom), *project_urls.urlpatterns]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

CASES = [
    ("not-allowed", 403, "Not allowed", "Only the RTE runs the ART Sync's meeting."),
    ("stale", 409, "Changed by someone else", "was changed by someone else. Reload the page to see it."),
    (
        "conflict",
        409,
        "Not saved: it conflicts with the current state",
        "PI 7 is closed: its record is read-only.",
    ),
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


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "page"])
def test_a_programming_error_in_a_view_stays_a_500(client, rte, train, headers):
    client.force_login(rte)
    client.raise_request_exception = False  # as a browser sees it: Django's 500, not a 4xx

    response = client.post(f"/boom/{train.slug}/bug/", headers=headers)

    assert response.status_code == 500
    assert "HX-Reswap" not in response


def test_each_domain_error_maps_to_its_refusal_and_nothing_else_does(train):
    """The mapping a DRF exception handler reuses: status, message and the messages per field."""
    invalid = ValidationError({"title": "Say what is to be done.", "owner": ["Every action needs an owner."]})

    assert refusal(NotAllowed("Only the RTE.")) == Refusal(403, "Not allowed", "Only the RTE.")
    stale = refusal(StaleVersion(train))
    assert (stale.status, stale.current) == (409, train)
    assert refusal(Conflict("PI 7 is closed.")) == Refusal(
        409, "Not saved: it conflicts with the current state", "PI 7 is closed."
    )
    assert refusal(invalid) == Refusal(
        422,
        "Not saved",
        "Say what is to be done. Every action needs an owner.",
        field_errors={"title": ["Say what is to be done."], "owner": ["Every action needs an owner."]},
    )
    assert refusal(ValidationError("Not a whole number.")).field_errors == {}
    for error in (KeyError("x"), RuntimeError("x"), ValueError("x"), PermissionError("x")):
        assert refusal(error) is None


@pytest.fixture
def demo_train(transactional_db):
    from artops.demo import build_demo

    train, _ = build_demo()
    return train


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("screen", "heading", "area"),
    [
        ("risks/", "ROAM board", "#risks-alert"),
        ("planning/votes/", "Confidence vote", "#planning-alert"),
        ("board/", "Program board", "#page-alert"),  # the shared alert area of base.html
    ],
)
def test_the_page_shows_a_refused_htmx_request_in_its_alert_area_and_stays_as_it_was(
    page, demo_train, screenshot, screen, heading, area
):
    from playwright.sync_api import expect

    from tests.conftest import log_in

    log_in(page, "rte")
    page.goto(f"/trains/{demo_train.slug}/{screen}")
    heading = page.get_by_role("heading", name=re.compile(rf"^{heading}( ·|$)"))
    expect(heading).to_be_visible()

    # As a write refused after the page was drawn would: htmx asked to swap the whole page.
    page.evaluate(
        "url => htmx.ajax('POST', url, {target: 'main', swap: 'innerHTML'})",
        f"/boom/{demo_train.slug}/not-allowed/",
    )

    expect(page.locator(area).get_by_role("alert")).to_have_text("Only the RTE runs the ART Sync's meeting.")
    expect(page.locator("[data-alert-area]")).to_have_count(1)  # one place to look, on every page
    expect(heading).to_be_visible()
    screenshot(f"refused-in-alert-area-{area.strip('#')}")
