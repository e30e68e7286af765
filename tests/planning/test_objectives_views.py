"""The objectives page and the Business Owner view over HTTP: htmx fragments, refusals, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from planning.factories import ConfidenceVoteFactory, FeatureFactory, PIObjectiveFactory
from planning.models import PIObjective, ProgramIncrement
from trains.factories import TeamFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def objective(pi, team):
    return PIObjectiveFactory(pi=pi, team=team, text="Self-service refunds live", planned_business_value=None)


def url(name, train, *args):
    return reverse(f"planning:{name}", args=[train.slug, *args])


def page(client, train, pi, name="objectives", **params):
    return client.get(url(name, train), {"pi": pi.pk, **params})


def pressed(html: str) -> list[str]:
    return re.findall(r'aria-pressed="true">(\d+)<', html)


# --- reading -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["viewer", "team_member", "business_owner", "rte"])
def test_everyone_on_the_train_reads_both_pages(request, client, persona, train, pi, objective):
    client.force_login(request.getfixturevalue(persona))

    for name in ("objectives", "business_owners"):
        response = page(client, train, pi, name)
        assert response.status_code == 200
        assert "Self-service refunds live" in response.content.decode()


def test_outsiders_get_404_for_pages_and_writes(client, outsider, train, pi, objective):
    client.force_login(outsider)

    assert page(client, train, pi).status_code == 404
    assert page(client, train, pi, "business_owners").status_code == 404
    for name in ("objective_planned_value", "objective_edit", "objective_delete"):
        assert client.post(url(name, train, objective.pk), {"value": 5}).status_code == 404
    assert client.post(url("objective_new", train), {"pi": pi.pk, "text": "x"}).status_code == 404
    assert PIObjective.objects.get().planned_business_value is None


def test_committed_then_uncommitted_clearly_labelled(client, viewer, train, pi, team):
    PIObjectiveFactory(pi=pi, team=team, is_committed=False, text="Stretch: dark mode")
    PIObjectiveFactory(pi=pi, team=team, text="Promise: refunds")
    client.force_login(viewer)

    html = page(client, train, pi).content.decode()

    assert html.index("Promise: refunds") < html.index("Uncommitted <span") < html.index("Stretch: dark mode")
    assert '<span class="obj-tag">Uncommitted</span> Stretch: dark mode' in html


def test_the_team_filter_shows_one_team(client, viewer, train, pi, team, other_team):
    PIObjectiveFactory(pi=pi, team=team, text="Apollo goal")
    PIObjectiveFactory(pi=pi, team=other_team, text="Gemini goal")
    client.force_login(viewer)

    html = page(client, train, pi, team=other_team.pk).content.decode()

    assert "Gemini goal" in html and "Apollo goal" not in html


@pytest.mark.parametrize("persona", ["rte", "product_manager", "scrum_master", "viewer"])
def test_non_business_owners_see_values_read_only(request, client, persona, train, pi, team):
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    client.force_login(request.getfixturevalue(persona))

    html = page(client, train, pi).content.decode()

    assert "aria-pressed" not in html
    assert '8<span class="muted"> / 10</span>' in html


def test_business_owner_sees_one_button_per_score_with_the_chosen_one_pressed(
    client, business_owner, train, pi, team
):
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    client.force_login(business_owner)

    html = page(client, train, pi).content.decode()

    assert re.findall(r'name="value" value="(\d+)" aria-pressed', html) == [str(n) for n in range(1, 11)]
    assert pressed(html) == ["8"]


def test_business_owner_scores_actual_value_0_to_10_once_the_pi_runs(client, business_owner, train, pi, team):
    pi.state = ProgramIncrement.State.EXECUTING
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=8)
    client.force_login(business_owner)

    html = page(client, train, pi).content.decode()

    assert re.findall(r'name="value" value="(\d+)" aria-pressed', html) == [str(n) for n in range(0, 11)]
    assert "actual-value" in html and "planned-value" not in html


# --- business value over htmx ------------------------------------------------------------------------


def test_one_click_sets_planned_value_and_returns_the_row_and_figures(
    client, business_owner, train, pi, objective
):
    client.force_login(business_owner)

    response = client.post(
        url("objective_planned_value", train, objective.pk),
        {"value": 8, "version": objective.version},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<li id="objective-{objective.pk}"')  # the row is what htmx swaps
    assert pressed(html) == ["8"]
    assert "Planned value set to 8." in html
    assert f'id="figure-team-{objective.team_id}" class="pred-figure" hx-swap-oob="true"' in html
    assert 'id="art-figure" class="card art-figure" hx-swap-oob="true"' in html
    assert "actual 0 / planned 8 (committed)" in html
    assert PIObjective.objects.get().planned_business_value == 8


def test_clearing_a_planned_value(client, business_owner, train, pi, team):
    objective = PIObjectiveFactory(pi=pi, team=team, planned_business_value=6)
    client.force_login(business_owner)

    response = client.post(
        url("objective_planned_value", train, objective.pk),
        {"version": objective.version, "value": ""},
        **HTMX,
    )

    assert response.status_code == 200 and "Planned value cleared." in response.content.decode()
    assert PIObjective.objects.get().planned_business_value is None


@pytest.mark.parametrize(("value", "status"), [("11", 422), ("-1", 422), ("0", 422), ("eight", 422)])
def test_bad_planned_values_are_refused_with_a_message_and_nothing_saved(
    client, business_owner, train, pi, objective, value, status
):
    client.force_login(business_owner)

    response = client.post(
        url("objective_planned_value", train, objective.pk),
        {"version": objective.version, "value": value},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == status
    assert 'role="alert"' in html
    assert "whole number" in html
    objective.refresh_from_db()
    assert (objective.planned_business_value, objective.version) == (None, 1)


@pytest.mark.parametrize("value", ["11", "-1"])
def test_bad_actual_values_are_refused(client, business_owner, train, pi, objective, value):
    pi.state = ProgramIncrement.State.EXECUTING
    pi.save()
    client.force_login(business_owner)

    response = client.post(
        url("objective_actual_value", train, objective.pk),
        {"version": objective.version, "value": value},
        **HTMX,
    )

    assert response.status_code == 422
    assert "Actual business value is a whole number from 0 to 10." in response.content.decode()
    objective.refresh_from_db()
    assert objective.actual_business_value is None


@pytest.mark.parametrize("persona", ["rte", "product_manager", "scrum_master", "viewer"])
def test_only_business_owners_may_click_a_value(request, client, persona, train, pi, objective):
    client.force_login(request.getfixturevalue(persona))

    htmx = client.post(
        url("objective_planned_value", train, objective.pk),
        {"version": objective.version, "value": 8},
        **HTMX,
    )
    plain = client.post(
        url("objective_planned_value", train, objective.pk), {"version": objective.version, "value": 8}
    )

    assert htmx.status_code == 403 and plain.status_code == 403
    assert htmx.content.decode() == "Only Business Owners set business value."
    # the message alone, swapped nowhere: app.js shows it in the alert area and the row stays
    assert htmx["Content-Type"].startswith("text/plain") and htmx["HX-Reswap"] == "none"
    assert PIObjective.objects.get().planned_business_value is None


def test_a_stale_click_is_refused_with_the_fresh_row(
    client, business_owner, scrum_master, train, pi, objective
):
    seen = objective.version
    PIObjective.objects.filter(pk=objective.pk).update(text="Reworded by the team", version=seen + 1)
    client.force_login(business_owner)

    response = client.post(
        url("objective_planned_value", train, objective.pk), {"value": 8, "version": seen}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this objective" in html and "Reworded by the team" in html
    assert f'name="version" value="{seen + 1}"' in html
    assert PIObjective.objects.get().planned_business_value is None


def test_without_javascript_a_click_posts_and_redirects_back(client, business_owner, train, pi, objective):
    client.force_login(business_owner)

    response = client.post(
        url("objective_planned_value", train, objective.pk), {"version": objective.version, "value": 3}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"?pi={pi.pk}#team-{objective.team_id}")
    assert PIObjective.objects.get().planned_business_value == 3


# --- writing objectives over htmx ----------------------------------------------------------------------


def test_scrum_master_adds_an_objective_with_a_linked_feature(client, scrum_master, train, pi, team):
    feature = FeatureFactory(train=train, pi=pi, team=team, title="Refund API")
    client.force_login(scrum_master)

    response = client.post(
        url("objective_new", train),
        {
            "pi": pi.pk,
            "team": team.pk,
            "text": "Refunds in one click",
            "is_committed": "0",
            "features": [feature.pk],
        },
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#team-{team.pk}"
    assert "Objective added." in html and "Refunds in one click" in html
    created = PIObjective.objects.get()
    assert created.is_committed is False and list(created.features.all()) == [feature]


@pytest.mark.parametrize(("text", "message"), [("", "Write the objective"), ("x" * 301, "300 characters")])
def test_adding_a_bad_objective_shows_the_field_message_and_saves_nothing(
    client, scrum_master, train, pi, team, text, message
):
    client.force_login(scrum_master)

    response = client.post(
        url("objective_new", train), {"pi": pi.pk, "team": team.pk, "text": text, "is_committed": "1"}, **HTMX
    )

    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode() and message in response.content.decode()
    assert not PIObjective.objects.exists()


def test_a_scrum_master_cannot_add_to_another_team(client, scrum_master, train, pi, other_team):
    client.force_login(scrum_master)

    response = client.post(
        url("objective_new", train),
        {"pi": pi.pk, "team": other_team.pk, "text": "x", "is_committed": "1"},
        **HTMX,
    )

    assert response.status_code == 403
    assert not PIObjective.objects.exists()


def test_a_stale_edit_is_refused_with_409_a_message_and_the_current_text(
    client, scrum_master, train, pi, objective
):
    seen = objective.version
    PIObjective.objects.filter(pk=objective.pk).update(text="Changed by the RTE", version=seen + 1)
    client.force_login(scrum_master)

    response = client.post(
        url("objective_edit", train, objective.pk),
        {"text": "My wording", "is_committed": "1", "version": seen},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this objective" in html and "Changed by the RTE" in html
    assert PIObjective.objects.get().text == "Changed by the RTE"


def test_editing_returns_the_team_section(client, scrum_master, train, pi, objective):
    client.force_login(scrum_master)

    form = client.get(url("objective_edit", train, objective.pk), **HTMX)
    response = client.post(
        url("objective_edit", train, objective.pk),
        {"text": "Refunds in every market", "is_committed": "0", "version": objective.version},
        **HTMX,
    )

    assert form.status_code == 200 and "Save objective" in form.content.decode()
    assert response.status_code == 200 and response["HX-Retarget"] == f"#team-{objective.team_id}"
    saved = PIObjective.objects.get()
    assert (saved.text, saved.is_committed) == ("Refunds in every market", False)


def test_toggle_reorder_and_delete(client, scrum_master, train, pi, team):
    first = PIObjectiveFactory(pi=pi, team=team, text="first", position=0)
    second = PIObjectiveFactory(pi=pi, team=team, text="second", position=1)
    client.force_login(scrum_master)

    moved = client.post(url("objective_move", train, second.pk), {"direction": "up", "version": 1}, **HTMX)
    assert moved.status_code == 200
    assert [o.text for o in PIObjective.objects.all()] == ["second", "first"]

    toggled = client.post(url("objective_commitment", train, first.pk), {"version": 1}, **HTMX)
    assert toggled.status_code == 200 and "Objective is now uncommitted." in toggled.content.decode()
    assert PIObjective.objects.get(pk=first.pk).is_committed is False

    stale = client.post(url("objective_delete", train, first.pk), {"version": 1}, **HTMX)
    assert stale.status_code == 409 and PIObjective.objects.filter(pk=first.pk).exists()
    deleted = client.post(url("objective_delete", train, first.pk), {"version": 2}, **HTMX)
    assert deleted.status_code == 200 and not PIObjective.objects.filter(pk=first.pk).exists()


def test_writes_without_javascript_redirect_back_to_the_team(client, rte, train, pi, team):
    client.force_login(rte)

    response = client.post(
        url("objective_new", train), {"pi": pi.pk, "team": team.pk, "text": "Go", "is_committed": "1"}
    )

    assert response.status_code == 302 and response["Location"].endswith(f"#team-{team.pk}")
    assert PIObjective.objects.get().text == "Go"


# --- the Business Owner view ---------------------------------------------------------------------------


def test_business_owner_view_shows_votes_predictability_and_a_print_button(
    client, viewer, train, pi, team, other_team
):
    pi.state = ProgramIncrement.State.EXECUTING
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=10, actual_business_value=9, text="Refunds")
    PIObjectiveFactory(
        pi=pi, team=team, is_committed=False, planned_business_value=4, actual_business_value=2
    )
    for score in (4, 4, 3):
        ConfidenceVoteFactory(pi=pi, team=team, score=score)
    for score in (2, 3):
        ConfidenceVoteFactory(pi=pi, team=None, score=score)
    client.force_login(viewer)

    html = page(client, train, pi, "business_owners").content.decode()

    assert "110 %" in html  # (9 + 2) / 10
    assert "3.67</strong> mean of 3 voters" in html and "accepted" in html
    assert "2.50</strong> mean of 2 voters" in html and "needs rework" in html  # the ART vote
    assert "no vote yet" in html  # Gemini
    assert "data-print" in html and "@media print" not in html  # the rules live in planning.css
    assert ">Uncommitted<" in html


# --- query counts --------------------------------------------------------------------------------------


def build(pi, train, teams: int, objectives: int, prefix: str):
    for t in range(teams):
        team = TeamFactory(train=train, name=f"{prefix} {t}")
        features = [FeatureFactory(train=train, pi=pi, team=team) for _ in range(3)]
        for n in range(objectives):
            objective = PIObjectiveFactory(
                pi=pi, team=team, is_committed=n % 3 != 0, planned_business_value=1 + n % 10
            )
            objective.features.set(features[: n % 3 + 1])
        ConfidenceVoteFactory(pi=pi, team=team, score=4)
    ConfidenceVoteFactory(pi=pi, team=None, score=3)


def count_queries(client, train, pi, name) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert page(client, train, pi, name).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "most"), [("objectives", 7), ("business_owners", 7)])
def test_pages_cost_the_same_queries_for_a_small_and_a_large_train(
    client, business_owner, train, pi, name, most, django_assert_max_num_queries
):
    client.force_login(business_owner)
    build(pi, train, teams=1, objectives=2, prefix="Small")
    small = count_queries(client, train, pi, name)
    build(pi, train, teams=7, objectives=12, prefix="Large")

    with django_assert_max_num_queries(most):
        assert page(client, train, pi, name).status_code == 200
    assert count_queries(client, train, pi, name) == small, small


def test_without_javascript_the_edit_form_is_a_page_and_a_bad_save_stays_on_it(
    client, scrum_master, train, pi, objective
):
    client.force_login(scrum_master)

    form = client.get(url("objective_edit", train, objective.pk))
    refused = client.post(
        url("objective_edit", train, objective.pk), {"text": " ", "is_committed": "1", "version": 1}
    )

    assert form.status_code == 200 and "Save objective" in form.content.decode()
    assert refused.status_code == 422 and "Write the objective" in refused.content.decode()
    assert PIObjective.objects.get().text == "Self-service refunds live"


def test_a_partial_predictability_says_partial_on_the_objectives_page_and_the_business_owner_view(
    client, viewer, train, pi, team
):
    pi.state = ProgramIncrement.State.EXECUTING
    pi.save()
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=10, actual_business_value=2)
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=10)
    PIObjectiveFactory(pi=pi, team=team, planned_business_value=5)
    client.force_login(viewer)

    for name in ("objectives", "business_owners"):
        html = page(client, train, pi, name).content.decode()
        # 2 / 25 = 8 %: no red "below the healthy band" for a figure still being scored.
        assert '<strong class="pred-value pred-partial">8 %</strong>' in html
        assert ">partial: 1 of 3 scored</span>" in html
        assert "below the healthy band" not in html
