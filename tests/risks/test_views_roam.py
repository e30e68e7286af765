"""The ROAM board over HTTP: the columns, a move answered with the moved card and the changed counts,
refused moves with their message, stale moves, raising risks, and a board that costs the same
number of queries for 3 risks and for 30."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from planning.factories import FeatureFactory
from planning.selectors.pis import pi_being_run
from risks.factories import RiskFactory
from risks.models import Risk, RiskRoamChange
from risks.services import risk_roam

pytestmark = pytest.mark.django_db


def url(name, train, *args):
    return reverse(f"risks:{name}", args=[train.slug, *args])


def test_the_board_shows_the_five_roam_columns_with_counts(client, rte, train, running_pi):
    RiskFactory(train=train, pi=running_pi, title="Vendor late")
    accepted = RiskFactory(train=train, pi=running_pi, title="Key person away")
    risk_roam(risk=accepted, expected_version=accepted.version, status=Risk.Roam.ACCEPTED, actor=rte)
    client.force_login(rte)

    response = client.get(url("roam_board", train))

    html = response.content.decode()
    assert [column.label for column in response.context["columns"]] == [
        "Un-ROAMed",
        "Resolved",
        "Owned",
        "Accepted",
        "Mitigated",
    ]
    assert [column.count for column in response.context["columns"]] == [1, 0, 0, 1, 0]
    assert '<span id="count-accepted" class="count">1</span>' in html
    assert response.context["nav"] == "risks"


def test_overdue_and_unowned_risks_say_so_in_words(client, rte, train, running_pi):
    RiskFactory(
        train=train, pi=running_pi, title="Late one", due_date=timezone.localdate() - dt.timedelta(days=2)
    )
    resolved = RiskFactory(
        train=train, pi=running_pi, title="Old news", due_date=timezone.localdate() - dt.timedelta(days=9)
    )
    risk_roam(risk=resolved, expected_version=resolved.version, status=Risk.Roam.RESOLVED, actor=rte)
    client.force_login(rte)

    html = client.get(url("roam_board", train)).content.decode()

    assert html.count("Overdue · was due") == 1  # a resolved risk is no longer a concern
    assert "No owner" in html
    assert "1 overdue" in html


def test_the_level_filter_shows_the_art_board_or_one_team(client, rte, train, team, running_pi):
    RiskFactory(train=train, pi=running_pi, team=None, title="ART-wide risk")
    RiskFactory(train=train, pi=running_pi, team=team, title="Apollo risk")
    client.force_login(rte)

    art = client.get(url("roam_board", train), {"level": "art"}).content.decode()
    apollo = client.get(url("roam_board", train), {"level": team.pk}).content.decode()

    assert "ART-wide risk" in art and "Apollo risk" not in art
    assert "Apollo risk" in apollo and "ART-wide risk" not in apollo


def test_another_pi_is_chosen_with_the_pi_parameter(client, rte, train, running_pi, next_pi):
    RiskFactory(train=train, pi=running_pi, title="Now")
    RiskFactory(train=train, pi=next_pi, title="Later")
    client.force_login(rte)

    default = client.get(url("roam_board", train)).content.decode()
    later = client.get(url("roam_board", train), {"pi": next_pi.pk}).content.decode()

    assert "Now" in default and "Later" not in default  # the executing PI by default
    assert "Later" in later
    assert client.get(url("roam_board", train), {"pi": 999999}).status_code == 404


def test_the_running_pages_open_on_the_pi_the_program_board_shows(client, rte, train, running_pi, next_pi):
    client.force_login(rte)

    for name in ("roam_board", "art_sync", "system_demo", "inspect_adapt"):
        assert client.get(url(name, train)).context["pi"] == pi_being_run(train, None) == running_pi


@pytest.mark.parametrize("name", ["roam_board", "art_sync", "system_demo", "inspect_adapt"])
def test_a_train_without_a_pi_gets_its_pages_not_a_404(client, rte, train, name):
    client.force_login(rte)

    response = client.get(url(name, train))

    assert response.status_code == 200 and response.context["pi"] is None
    assert client.get(url(name, train), {"pi": "1"}).status_code == 404
    assert client.get(url(name, train), {"pi": "abc"}).status_code == 404


def test_an_htmx_move_answers_with_the_moved_card_and_the_counts(client, rte, train, running_pi, htmx):
    risk = RiskFactory(train=train, pi=running_pi, title="Vendor late")
    client.force_login(rte)

    response = client.post(
        url("risk_move", train, risk.pk),
        {"status": "accepted", "version": 1, "board_pi": running_pi.pk, "level": "all"},
        headers=htmx,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="afterbegin:#cards-accepted"' in html
    assert f'id="risk-{risk.pk}"' in html
    assert '<span id="count-accepted" class="count" hx-swap-oob="true">1</span>' in html
    assert '<span id="count-unroamed" class="count" hx-swap-oob="true">0</span>' in html
    assert "roam:moved" in response.headers["HX-Trigger-After-Settle"]
    risk.refresh_from_db()
    assert (risk.roam_status, risk.version) == ("accepted", 2)


def test_without_javascript_a_move_redirects_back_to_the_board(client, rte, train, running_pi):
    risk = RiskFactory(train=train, pi=running_pi)
    client.force_login(rte)

    response = client.post(
        url("risk_move", train, risk.pk),
        {"status": "resolved", "version": 1, "board_pi": running_pi.pk},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url("roam_board", train) + f"?pi={running_pi.pk}"
    assert "Moved “" in response.content.decode()
    risk.refresh_from_db()
    assert risk.roam_status == "resolved"


def test_owned_without_an_owner_is_refused_on_the_card_and_nothing_changes(
    client, rte, train, running_pi, htmx
):
    risk = RiskFactory(train=train, pi=running_pi)
    client.force_login(rte)

    response = client.post(
        url("risk_move", train, risk.pk),
        {"status": "owned", "version": 1, "board_pi": running_pi.pk},
        headers=htmx,
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "An owned risk needs an owner: who takes it on?" in html
    assert '<details class="move-menu" open>' in html
    risk.refresh_from_db()
    assert (risk.roam_status, risk.owner, risk.version) == ("unroamed", None, 1)
    assert not RiskRoamChange.objects.exists()


def test_owned_without_an_owner_without_javascript_shows_the_form_with_the_message(
    client, rte, train, running_pi
):
    risk = RiskFactory(train=train, pi=running_pi)
    client.force_login(rte)

    response = client.post(url("risk_move", train, risk.pk), {"status": "owned", "version": 1})

    assert response.status_code == 422
    assert "An owned risk needs an owner" in response.content.decode()
    risk.refresh_from_db()
    assert risk.roam_status == "unroamed"


def test_mitigated_without_a_plan_is_refused_with_its_message(client, rte, train, running_pi, htmx):
    risk = RiskFactory(train=train, pi=running_pi)
    client.force_login(rte)

    response = client.post(
        url("risk_move", train, risk.pk), {"status": "mitigated", "version": 1}, headers=htmx
    )

    assert response.status_code == 422
    assert "Describe the mitigation plan" in response.content.decode()
    risk.refresh_from_db()
    assert risk.roam_status == "unroamed"


def test_a_stale_move_is_refused_and_shows_the_current_state(
    client, rte, product_manager, train, running_pi, htmx
):
    risk = RiskFactory(train=train, pi=running_pi, title="Vendor late")
    risk_roam(
        risk=risk, expected_version=risk.version, status=Risk.Roam.ACCEPTED, actor=rte
    )  # someone else, meanwhile
    client.force_login(rte)

    response = client.post(
        url("risk_move", train, risk.pk),
        {"status": "resolved", "version": 1, "board_pi": running_pi.pk},
        headers=htmx,
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed “Vendor late”" in html
    assert 'hx-swap-oob="afterbegin:#cards-accepted"' in html  # the card shown where it really is
    risk.refresh_from_db()
    assert (risk.roam_status, risk.version) == ("accepted", 2)


def test_a_stale_edit_of_a_risk_shows_the_fresh_data_and_what_was_typed(client, rte, train, running_pi):
    risk = RiskFactory(train=train, pi=running_pi, title="Vendor late")
    Risk.objects.filter(pk=risk.pk).update(title="Vendor very late", version=2)
    client.force_login(rte)

    response = client.post(
        url("risk_detail", train, risk.pk), {"title": "My title", "impact": 3, "likelihood": 3, "version": 1}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved this risk while you were editing it" in html
    assert 'value="Vendor very late"' in html  # the form holds the current version
    assert "My title" in html  # and what was typed is not lost silently
    risk.refresh_from_db()
    assert risk.title == "Vendor very late"


def test_a_risk_is_raised_from_its_own_page_with_links(
    client, team_member, train, team, running_pi, iterations
):
    feature = FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[0])
    client.force_login(team_member)

    response = client.post(
        url("risk_new", train) + f"?pi={running_pi.pk}",
        {
            "title": "Shared QA overbooked",
            "team": team.pk,
            "impact": 4,
            "likelihood": 3,
            "features": [feature.pk],
        },
    )

    assert response.status_code == 302
    risk = Risk.objects.get()
    assert (risk.pi, risk.team, risk.raised_by, list(risk.features.all())) == (
        running_pi,
        team,
        team_member,
        [feature],
    )


def test_raising_a_risk_without_a_title_says_so(client, team_member, train, running_pi):
    client.force_login(team_member)

    response = client.post(url("risk_new", train), {"title": "", "impact": 3, "likelihood": 3})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not Risk.objects.exists()


def test_the_detail_page_shows_the_roam_history(client, rte, train, running_pi):
    risk = RiskFactory(train=train, pi=running_pi)
    risk_roam(
        risk=risk,
        expected_version=risk.version,
        status=Risk.Roam.ACCEPTED,
        note="Nothing more to do",
        actor=rte,
    )
    client.force_login(rte)

    html = client.get(url("risk_detail", train, risk.pk)).content.decode()

    assert "Un-ROAMed</strong> → <strong>Accepted" in html
    assert "Nothing more to do" in html


def test_a_scrum_master_raises_their_teams_risk_to_the_art_board(
    client, scrum_master, train, team, running_pi
):
    risk = RiskFactory(train=train, pi=running_pi, team=team)
    client.force_login(scrum_master)

    response = client.post(
        url("risk_raise", train, risk.pk), {"version": 1, "note": "Vendor contract"}, follow=True
    )

    assert "Raised from Apollo to the ART board" in response.content.decode()
    risk.refresh_from_db()
    assert (risk.team, risk.origin_team) == (None, team)


def _board_queries(client, train) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("roam_board", train)).status_code == 200
    return len(queries)


def test_the_board_costs_the_same_queries_for_3_risks_and_for_30(
    client, rte, train, team, running_pi, iterations
):
    feature = FeatureFactory(train=train, pi=running_pi, team=team, iteration=iterations[0])

    def add(n):
        for i in range(n):
            risk = RiskFactory(train=train, pi=running_pi, team=team if i % 2 else None, owner=rte)
            risk.features.add(feature)

    add(3)
    client.force_login(rte)
    client.get(url("roam_board", train))  # warm the session
    small = _board_queries(client, train)
    add(27)

    assert _board_queries(client, train) == small
