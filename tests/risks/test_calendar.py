"""The ART calendar (issue #13, part 5): an iCalendar feed per train at a secret, revocable address."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from planning.factories import MilestoneFactory
from risks.calendar import working_days_before
from risks.factories import ArtSyncFactory
from risks.models import CalendarFeed, SystemDemo
from risks.services.calendar import calendar_feed_create, calendar_feed_revoke
from trains.errors import NotAllowed

pytestmark = pytest.mark.django_db


def events_of(response) -> list:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return list(Calendar.from_ical(response.content).walk("VEVENT"))


def feed_path(token: str, slug: str = "orbit") -> str:
    return reverse("risks:calendar_feed", kwargs={"slug": slug, "token": token})


@pytest.fixture
def cadence(train, pi):
    iterations = list(pi.iterations.order_by("number"))
    SystemDemo.objects.create(
        iteration=iterations[0], held_on=iterations[0].end_date, created_at=timezone.now()
    )
    SystemDemo.objects.create(iteration=iterations[1], created_at=timezone.now())  # no day yet
    ArtSyncFactory(pi=pi, held_on=date(2026, 1, 7))
    ArtSyncFactory(pi=pi, held_on=date(2026, 1, 14))
    MilestoneFactory(pi=pi, name="Release 1", date=date(2026, 2, 20))
    return iterations


def test_the_rte_makes_an_address_shown_once_and_a_calendar_app_reads_it(client, rte, train, pi, cadence):
    client.force_login(rte)
    response = client.post(reverse("risks:calendar_create", args=[train.slug]), follow=True)
    page = response.content.decode()
    feed = CalendarFeed.objects.get(train=train)
    start = page.index("http://testserver/trains/orbit/calendar/")
    url = page[start : page.index('"', start)]
    assert url.endswith(".ics") and feed.token_hash not in url
    # Shown once: the page opened again no longer holds it.
    assert url not in client.get(reverse("risks:calendar", args=[train.slug])).content.decode()

    client.logout()  # a calendar app signs in as nobody
    events = events_of(client.get(url.removeprefix("http://testserver")))
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids))
    by_kind = {}
    for uid in uids:
        by_kind.setdefault(uid.split("-")[0], []).append(uid)
    assert len(by_kind["iteration"]) == len(cadence)
    assert len([u for u in uids if u.startswith("system-demo-")]) == 2
    assert len([u for u in uids if u.startswith("art-sync-")]) == 2
    assert len([u for u in uids if u.startswith("milestone-")]) == 1
    assert len([u for u in uids if u.endswith("-pi-planning@orbit.artops")]) == 1
    assert len([u for u in uids if u.endswith("-inspect-adapt@orbit.artops")]) == 1

    first = {str(e["UID"]): e for e in events}
    iteration = cadence[0]
    event = first[f"iteration-{iteration.pk}@orbit.artops"]
    # All day, from the first to the last day (DTEND the day after, RFC 5545).
    assert event.decoded("DTSTART") == iteration.start_date
    assert event.decoded("DTEND") == iteration.end_date + timedelta(days=1)
    demo = next(e for uid, e in first.items() if uid.startswith(f"system-demo-{iteration.system_demo.pk}@"))
    assert demo.decoded("DTSTART") == iteration.end_date
    # PI 7 starts on Monday 5 January 2026: its two days of PI Planning are the Thursday and Friday
    # before, the last two days of the previous IP iteration (domain.md §2).
    planning = first[f"pi-{pi.pk}-pi-planning@orbit.artops"]
    assert planning.decoded("DTSTART") == date(2026, 1, 1) and planning.decoded("DTEND") == date(2026, 1, 3)
    inspect = first[f"pi-{pi.pk}-inspect-adapt@orbit.artops"]
    assert inspect.decoded("DTSTART") == working_days_before(pi.end_date + timedelta(days=1), 3)[0]
    assert cadence[-1].start_date <= inspect.decoded("DTSTART") <= pi.end_date  # in the IP iteration


def test_uids_are_stable_so_an_app_updates_rather_than_duplicates(client, train, pi, cadence):
    _, token = calendar_feed_create(train=train, actor=None)
    before = {str(e["UID"]): e for e in events_of(client.get(feed_path(token)))}
    milestone = pi.milestones.get()
    milestone.date = date(2026, 2, 27)
    milestone.save()
    after = {str(e["UID"]): e for e in events_of(client.get(feed_path(token)))}
    assert set(before) == set(after)
    assert after[f"milestone-{milestone.pk}@orbit.artops"].decoded("DTSTART") == date(2026, 2, 27)


def test_a_revoked_or_unknown_address_answers_404(client, rte, train, pi):
    feed, token = calendar_feed_create(train=train, actor=rte)
    assert client.get(feed_path(token)).status_code == 200
    client.force_login(rte)
    response = client.post(reverse("risks:calendar_revoke", args=[train.slug, feed.pk]))
    assert response.status_code == 302
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    client.logout()
    assert client.get(feed_path(token)).status_code == 404
    assert client.get(feed_path("x" * 43)).status_code == 404
    # A live address under another train's name is no address either.
    _, live = calendar_feed_create(train=train, actor=None)
    assert client.get(feed_path(live, slug="elsewhere")).status_code == 404


def test_only_the_rte_manages_addresses_and_other_trains_see_nothing(
    client, viewer, scrum_master, outsider, train
):
    page = reverse("risks:calendar", args=[train.slug])
    create = reverse("risks:calendar_create", args=[train.slug])
    for person in (viewer, scrum_master):
        client.force_login(person)
        assert client.get(page).status_code == 403
        assert client.post(create).status_code == 403
    client.force_login(outsider)
    assert client.get(page).status_code == 404 and client.post(create).status_code == 404
    assert not CalendarFeed.objects.exists()
    feed, _ = calendar_feed_create(train=train, actor=None)
    with pytest.raises(NotAllowed):
        calendar_feed_revoke(feed=feed, actor=viewer)


def test_the_feed_costs_the_same_queries_however_long_the_train_has_run(
    client, train, pi, cadence, django_assert_max_num_queries
):
    _, token = calendar_feed_create(train=train, actor=None)
    with django_assert_max_num_queries(6):
        client.get(feed_path(token))
