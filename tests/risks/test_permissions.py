"""Who may do what on the running-the-PI screens, through HTTP: refused writes change nothing.

- a Scrum Master updates only their own team's impediments;
- a viewer changes nothing anywhere;
- another train's risks, impediments and meetings are invisible (404, never 403).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from risks.factories import (
    ActionItemFactory,
    ArtSyncFactory,
    ImpedimentFactory,
    ImprovementItemFactory,
    RiskFactory,
)
from risks.models import (
    ActionItem,
    ArtSync,
    Impediment,
    ImpedimentEscalation,
    ImprovementItem,
    Problem,
    Risk,
    SystemDemo,
)
from risks.services import problem_create, system_demo_plan
from trains.factories import TeamFactory, TrainFactory

pytestmark = pytest.mark.django_db


def url(name, train, *args):
    return reverse(f"risks:{name}", args=[train.slug, *args])


# --- a Scrum Master and impediments --------------------------------------------------------------------


@pytest.fixture
def own_impediment(team):
    return ImpedimentFactory(team=team, title="Own team's")


@pytest.fixture
def other_impediment(other_team):
    return ImpedimentFactory(team=other_team, title="Other team's")


def test_a_scrum_master_updates_their_own_teams_impediment(client, scrum_master, train, own_impediment):
    client.force_login(scrum_master)

    response = client.post(
        url("impediment_escalate", train, own_impediment.pk), {"note": "Needs the ART", "version": 1}
    )

    assert response.status_code == 302
    own_impediment.refresh_from_db()
    assert own_impediment.escalation_level == Impediment.Level.ART


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("impediment_detail", {"title": "Hijacked", "severity": "low", "version": 1}),
        ("impediment_escalate", {"note": "Not mine", "version": 1}),
        ("impediment_resolve", {"resolution": "Not mine", "version": 1}),
    ],
)
def test_a_scrum_master_may_not_update_another_teams_impediment(
    client, scrum_master, train, other_impediment, name, data
):
    client.force_login(scrum_master)

    response = client.post(url(name, train, other_impediment.pk), data)

    assert response.status_code == 403
    assert "Scrum Master" in response.content.decode()
    other_impediment.refresh_from_db()
    assert (
        other_impediment.title,
        other_impediment.status,
        other_impediment.escalation_level,
        other_impediment.version,
    ) == (
        "Other team's",
        "open",
        "team",
        1,
    )
    assert not ImpedimentEscalation.objects.exists()


def test_a_scrum_master_sees_no_forms_on_another_teams_impediment(
    client, scrum_master, train, other_impediment
):
    client.force_login(scrum_master)

    page = client.get(url("impediment_detail", train, other_impediment.pk)).content.decode()

    assert "Gemini's Scrum Master and the RTE update this impediment" in page
    assert 'action="' + url("impediment_escalate", train, other_impediment.pk) not in page


def test_a_scrum_master_raises_impediments_only_for_their_own_team(client, scrum_master, train, other_team):
    client.force_login(scrum_master)

    response = client.post(
        url("impediment_new", train), {"team": other_team.pk, "title": "Not my team", "severity": "high"}
    )

    assert response.status_code == 403  # refused for who they are, before the form is read
    assert not Impediment.objects.exists()


# --- a viewer changes nothing ------------------------------------------------------------------------


@pytest.fixture
def world(train, team, rte, running_pi, iterations, team_feature):
    """One of everything a viewer might try to change."""
    sync = ArtSyncFactory(train=train, pi=running_pi, held_on=timezone.localdate())
    return {
        "risk": RiskFactory(train=train, team=team, pi=running_pi),
        "impediment": ImpedimentFactory(team=team),
        "sync": sync,
        "action": ActionItemFactory(raised_in=sync, owner=rte, due_date=timezone.localdate()),
        "demo": system_demo_plan(iteration=iterations[1], actor=rte),
        "problem": problem_create(pi=running_pi, statement="Late integration", actor=rte),
        "item": ImprovementItemFactory(source_pi=running_pi, owner=rte),
    }


def _viewer_posts(train, world, running_pi, next_pi):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    risk, impediment, sync = world["risk"], world["impediment"], world["sync"]
    demo, item = world["demo"], world["item"]
    return [
        (
            url("risk_new", train) + f"?pi={running_pi.pk}",
            {"title": "Viewer risk", "impact": 3, "likelihood": 3},
        ),
        (url("risk_move", train, risk.pk), {"status": "accepted", "version": 1}),
        (
            url("risk_detail", train, risk.pk),
            {"title": "Viewer edit", "impact": 3, "likelihood": 3, "version": 1},
        ),
        (url("risk_raise", train, risk.pk), {"version": 1}),
        (
            url("impediment_new", train),
            {"team": impediment.team_id, "title": "Viewer impediment", "severity": "low"},
        ),
        (url("impediment_escalate", train, impediment.pk), {"note": "x", "version": 1}),
        (url("impediment_resolve", train, impediment.pk), {"resolution": "x", "version": 1}),
        (url("art_sync_start", train), {"pi": running_pi.pk}),
        (url("art_sync_notes", train, sync.pk), {"notes": "Viewer notes"}),
        (
            url("action_new", train, sync.pk),
            {"title": "Viewer action", "owner": world["action"].owner_id, "due_date": future},
        ),
        (url("action_done", train, world["action"].pk), {"done": "1"}),
        (url("system_demo_edit", train, demo.pk), {"notes": "Viewer notes"}),
        (url("demo_item_edit", train, demo.items.first().pk), {"outcome": "shown"}),
        (url("follow_up_new", train, demo.pk), {"title": "Viewer follow-up"}),
        (url("problem_new", train) + f"?pi={running_pi.pk}", {"statement": "Viewer problem"}),
        (url("problem_vote", train, world["problem"].pk), {}),
        (url("problem_edit", train, world["problem"].pk), {"statement": "Viewer statement"}),
        (url("improvement_new", train) + f"?pi={running_pi.pk}", {"title": "Viewer item"}),
        (url("improvement_take", train, item.pk), {"target_pi": next_pi.pk}),
        (url("improvement_status", train, item.pk), {"status": "done"}),
    ]


def _snapshot():
    return (
        list(Risk.objects.values_list("title", "roam_status", "team_id", "version")),
        list(Impediment.objects.values_list("title", "status", "escalation_level", "version")),
        list(ArtSync.objects.values_list("held_on", "notes")),
        list(ActionItem.objects.values_list("title", "status")),
        list(SystemDemo.objects.values_list("notes", "items__outcome")),
        list(Problem.objects.values_list("statement", "votes")),
        list(ImprovementItem.objects.values_list("title", "status", "target_pi")),
    )


def test_a_viewer_changes_nothing_on_any_screen(client, viewer, train, world, running_pi, next_pi):
    before = _snapshot()
    client.force_login(viewer)

    answers = {
        target: client.post(target, data).status_code
        for target, data in _viewer_posts(train, world, running_pi, next_pi)
    }

    assert set(answers.values()) == {403}, answers
    assert _snapshot() == before


def test_a_viewer_reads_every_screen_without_write_controls(client, viewer, train, world, running_pi):
    client.force_login(viewer)

    for name in ("roam_board", "impediments", "art_sync", "system_demo", "inspect_adapt"):
        page = client.get(url(name, train) + f"?pi={running_pi.pk}")
        assert page.status_code == 200, name
        html = page.content.decode()
        for control in (
            "Move to…",
            "Raise a risk",
            "Add action",
            "Add the item",
            "Add the problem",
            "Save date and notes",
        ):
            assert control not in html, (name, control)


def test_a_viewer_gets_the_refusal_in_the_alert_area_on_an_htmx_request(client, viewer, train, world, htmx):
    client.force_login(viewer)

    response = client.post(
        url("risk_move", train, world["risk"].pk), {"status": "accepted", "version": 1}, headers=htmx
    )

    # The message alone, swapped nowhere: static/js/app.js shows it in the page's alert area.
    assert response.status_code == 403
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["HX-Reswap"] == "none"
    assert "ROAM this risk" in response.content.decode()


# --- another train is invisible ------------------------------------------------------------------------


@pytest.fixture
def elsewhere():
    """Another train with a risk, an impediment and a meeting."""
    train = TrainFactory(name="Elsewhere ART", slug="elsewhere")
    team = TeamFactory(train=train, name="Hidden")
    return {
        "train": train,
        "risk": RiskFactory(train=train, team=team, title="Secret risk"),
        "impediment": ImpedimentFactory(team=team, title="Secret impediment"),
    }


@pytest.mark.parametrize("name", ["roam_board", "impediments", "art_sync", "system_demo", "inspect_adapt"])
def test_a_train_you_hold_no_role_on_answers_404(client, rte, elsewhere, name):
    client.force_login(rte)

    assert client.get(url(name, elsewhere["train"])).status_code == 404


def test_another_trains_risk_is_404_even_through_your_own_trains_address(client, rte, train, elsewhere):
    client.force_login(rte)
    risk = elsewhere["risk"]

    assert client.get(url("risk_detail", train, risk.pk)).status_code == 404
    assert (
        client.post(url("risk_move", train, risk.pk), {"status": "accepted", "version": 1}).status_code == 404
    )
    assert client.get(url("risk_detail", elsewhere["train"], risk.pk)).status_code == 404
    assert client.get(url("impediment_detail", train, elsewhere["impediment"].pk)).status_code == 404
    risk.refresh_from_db()
    assert risk.roam_status == Risk.Roam.UNROAMED


def test_another_trains_risks_never_appear_on_your_board(client, rte, train, running_pi, elsewhere):
    RiskFactory(train=train, pi=running_pi, title="Our risk")
    client.force_login(rte)

    page = client.get(url("roam_board", train)).content.decode()

    assert "Our risk" in page and "Secret risk" not in page


def test_an_outsider_is_sent_to_404_not_403(client, outsider, train, running_pi):
    risk = RiskFactory(train=train, pi=running_pi)
    client.force_login(outsider)

    assert client.get(url("roam_board", train)).status_code == 404
    assert (
        client.post(url("risk_move", train, risk.pk), {"status": "accepted", "version": 1}).status_code == 404
    )


def test_an_anonymous_visitor_is_sent_to_log_in(client, train):
    response = client.get(url("roam_board", train))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
