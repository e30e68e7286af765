"""A concern from the confidence vote becomes a risk with one action (domain.md §4.2)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from planning.services.votes import vote_cast, vote_round_open
from risks.models import Risk
from risks.services import risk_from_vote_concern
from tests.planning.conftest import teams_have_voted
from trains.errors import NotAllowed

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _pi_in_planning(pi):
    """Votes are taken during PI Planning: the PI of these tests is in planning."""
    pi.state = "planning"
    pi.save(update_fields=["state"])


@pytest.fixture
def team_vote(pi, team, rte, team_member):
    vote_round = vote_round_open(pi=pi, team=team, actor=rte)
    return vote_cast(
        vote_round=vote_round, voter=team_member, score=2, concern="The payments API lands after we need it."
    )


@pytest.fixture
def art_vote(pi, rte, scrum_master):
    teams_have_voted(pi, rte)
    vote_round = vote_round_open(pi=pi, team=None, actor=rte)
    return vote_cast(
        vote_round=vote_round, voter=scrum_master, score=1, concern="Audit week clashes with I3."
    )


def make_url(train, vote):
    return reverse("risks:risk_from_vote_concern", args=[train.slug, vote.pk])


def test_a_team_concern_becomes_one_unroamed_team_risk_quoting_it(pi, team, rte, team_member, team_vote):
    risk = risk_from_vote_concern(vote=team_vote, actor=rte)

    assert (risk.pi, risk.team, risk.train, risk.raised_by, risk.from_vote) == (
        pi,
        team,
        pi.train,
        rte,
        team_vote,
    )
    assert risk.roam_status == Risk.Roam.UNROAMED
    assert risk.title == "The payments API lands after we need it."
    assert "Apollo's plan" in risk.description and "round 1" in risk.description
    assert f"{team_member.get_full_name()} voted 2 of 5" in risk.description
    assert "> The payments API lands after we need it." in risk.description


def test_an_art_concern_becomes_an_art_level_risk(rte, art_vote):
    risk = risk_from_vote_concern(vote=art_vote, actor=rte)
    assert risk.team is None
    assert "the ART's plan" in risk.description


def test_a_second_click_is_refused_and_there_is_still_one_risk(rte, team_vote):
    risk_from_vote_concern(vote=team_vote, actor=rte)

    with pytest.raises(ValidationError, match="already a risk"):
        risk_from_vote_concern(vote=team_vote, actor=rte)

    assert Risk.objects.filter(from_vote=team_vote).count() == 1


def test_a_vote_without_a_concern_makes_no_risk(pi, rte, team_member):
    teams_have_voted(pi, rte)
    vote_round = vote_round_open(pi=pi, team=None, actor=rte)
    vote = vote_cast(vote_round=vote_round, voter=team_member, score=2)

    with pytest.raises(ValidationError, match="no concern"):
        risk_from_vote_concern(vote=vote, actor=rte)
    assert not Risk.objects.exists()


@pytest.mark.parametrize("persona", ["scrum_master", "product_manager", "team_member", "viewer"])
def test_only_the_rte_turns_a_concern_into_a_risk(request, team_vote, persona):
    with pytest.raises(NotAllowed, match="Only the RTE"):
        risk_from_vote_concern(vote=team_vote, actor=request.getfixturevalue(persona))
    assert not Risk.objects.exists()


def test_a_long_concern_gets_a_short_title_on_a_word_and_is_quoted_whole(pi, rte, team_member):
    teams_have_voted(pi, rte)
    vote_round = vote_round_open(pi=pi, team=None, actor=rte)
    concern = ("We depend on the identity team's new token service " * 5).strip() + "\nSecond line."
    vote = vote_cast(vote_round=vote_round, voter=team_member, score=1, concern=concern)

    risk = risk_from_vote_concern(vote=vote, actor=rte)

    assert len(risk.title) <= 120 and risk.title.endswith("…")
    assert not risk.title[:-1].endswith(" ")
    assert risk.title[:-1] in concern
    assert "> Second line." in risk.description


# --- the view ------------------------------------------------------------------------------------------


def test_the_rte_clicks_once_and_gets_the_row_with_a_link_to_the_risk(client, train, pi, rte, team_vote):
    client.force_login(rte)

    response = client.post(make_url(train, team_vote), {"pi": pi.pk}, **HTMX)

    risk = Risk.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="concern-row-{team_vote.pk}"' in html
    assert "Risk raised:" in html
    assert reverse("risks:risk_detail", args=[train.slug, risk.pk]) in html
    assert "Make it a risk" not in html

    again = client.post(make_url(train, team_vote), {"pi": pi.pk}, **HTMX)
    assert again.status_code == 422
    assert again["Content-Type"].startswith("text/plain")  # shown in the alert area by app.js
    assert "already a risk" in again.content.decode()
    assert Risk.objects.count() == 1


def test_without_javascript_the_rte_is_sent_back_to_the_concern(client, train, pi, rte, team_vote):
    client.force_login(rte)
    response = client.post(make_url(train, team_vote), {"pi": pi.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?pi={pi.pk}#concern-row-{team_vote.pk}")
    assert Risk.objects.count() == 1


def test_a_non_rte_is_refused_by_the_view(client, train, pi, scrum_master, team_vote):
    client.force_login(scrum_master)
    assert client.post(make_url(train, team_vote), {"pi": pi.pk}, **HTMX).status_code == 403
    assert client.post(make_url(train, team_vote), {"pi": pi.pk}).status_code == 403
    assert not Risk.objects.exists()


def test_an_outsider_gets_404(client, outsider, train, pi, team_vote):
    client.force_login(outsider)
    assert client.post(make_url(train, team_vote)).status_code == 404
    assert (
        client.post(reverse("risks:risk_from_vote_concern", args=["elsewhere", team_vote.pk])).status_code
        == 404
    )
    assert not Risk.objects.exists()


def test_the_risk_appears_on_the_vote_page_for_everyone(client, train, pi, rte, viewer, team_vote):
    risk = risk_from_vote_concern(vote=team_vote, actor=rte)
    client.force_login(viewer)

    html = client.get(reverse("planning:votes", args=[train.slug]), {"pi": pi.pk}).content.decode()

    assert f'Risk raised: <a href="{reverse("risks:risk_detail", args=[train.slug, risk.pk])}"' in html
