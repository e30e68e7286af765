"""The backlog, capacity and team plan screens over HTTP: rendering, htmx writes, refusals, queries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from planning.factories import FeatureFactory, StoryFactory
from planning.models import Feature, Story, TeamCapacity
from trains.factories import TeamFactory
from trains.guards import MISSING_VERSION

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, train, *args, pi=None):
    address = reverse(f"planning:{name}", args=[train.slug, *args])
    return f"{address}?pi={pi.pk}" if pi else address


def test_smoke_pages_render(client, rte, train, team, pi, iterations):
    FeatureFactory(train=train, pi=pi, team=team, title="In PI")
    FeatureFactory(train=train, title="Waiting")
    StoryFactory(team=team, iteration=iterations[0], points=5)
    client.force_login(rte)
    for name, args in (("backlog", ()), ("capacity", ()), ("team_plan", (team.pk,))):
        response = client.get(url(name, train, *args, pi=pi))
        assert response.status_code == 200, name


# --- backlog -----------------------------------------------------------------------------------------


@pytest.fixture
def two_features(train, pi):
    """Low = 3/5 = 0.60, high = 9/3 = 3.00."""
    low = FeatureFactory(
        train=train, pi=pi, title="Low", business_value=1, time_criticality=1, risk_reduction=1, job_size=5
    )
    high = FeatureFactory(
        train=train, pi=pi, title="High", business_value=5, time_criticality=3, risk_reduction=1, job_size=3
    )
    return low, high


def test_backlog_shows_wsjf_to_two_decimals_and_the_not_yet_in_a_pi_section(
    client, rte, train, pi, two_features
):
    FeatureFactory(train=train, title="Someday", acceptance_criteria="")
    client.force_login(rte)
    html = client.get(url("backlog", train, pi=pi)).content.decode()
    assert html.index("High") < html.index("Low") < html.index("Not yet in a PI") < html.index("Someday")
    assert "3.00" in html and "0.60" in html
    assert 'name="job_size"' in html


def test_changing_a_wsjf_input_answers_with_the_reranked_table(
    client, product_manager, train, pi, two_features
):
    low, _ = two_features
    client.force_login(product_manager)
    response = client.post(
        url("backlog_wsjf", train, low.pk),
        {
            "pi": pi.pk,
            "version": low.version,
            "business_value": 20,
            "time_criticality": 1,
            "risk_reduction": 1,
            "job_size": 1,
        },
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Low") < html.index("High")
    assert "22.00" in html and "just-changed" in html
    assert "<html" not in html


def test_an_off_scale_wsjf_input_is_refused_with_a_message_and_nothing_saved(
    client, rte, train, pi, two_features
):
    low, _ = two_features
    client.force_login(rte)
    response = client.post(
        url("backlog_wsjf", train, low.pk), {"pi": pi.pk, "version": 1, "job_size": 4}, **HTMX
    )
    assert response.status_code == 422
    assert "modified Fibonacci scale" in response.content.decode()
    low.refresh_from_db()
    assert (low.job_size, low.version) == (5, 1)


def test_a_stale_wsjf_edit_answers_409_with_the_fresh_table(client, rte, train, pi, two_features):
    low, _ = two_features
    Feature.objects.filter(pk=low.pk).update(version=2, job_size=1)
    client.force_login(rte)
    response = client.post(
        url("backlog_wsjf", train, low.pk), {"pi": pi.pk, "version": 1, "job_size": 13}, **HTMX
    )
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    low.refresh_from_db()
    assert low.job_size == 1


def test_the_backlog_is_read_only_for_a_viewer(client, viewer, train, pi, two_features):
    client.force_login(viewer)
    html = client.get(url("backlog", train, pi=pi)).content.decode()
    assert "<select" not in html.split('id="backlog-tables"')[1]
    assert "Read-only" in html
    low, _ = two_features
    response = client.post(url("backlog_wsjf", train, low.pk), {"pi": pi.pk, "version": 1, "job_size": 1})
    assert response.status_code == 403
    low.refresh_from_db()
    assert low.job_size == 5


def test_pulling_from_the_page_puts_the_feature_in_the_pi(client, scrum_master, train, pi, team):
    waiting = FeatureFactory(train=train, title="Waiting")
    client.force_login(scrum_master)
    response = client.post(
        url("backlog_pull", train, waiting.pk),
        {"pi": pi.pk, "version": 1, "team": team.pk, "action": "pull"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "unplanned lane" in response.content.decode()
    waiting.refresh_from_db()
    assert (waiting.pi, waiting.team, waiting.iteration) == (pi, team, None)


def test_without_javascript_a_pull_redirects_back_to_the_backlog(client, rte, train, pi, team):
    waiting = FeatureFactory(train=train)
    client.force_login(rte)
    response = client.post(
        url("backlog_pull", train, waiting.pk), {"pi": pi.pk, "version": 1, "team": team.pk, "action": "pull"}
    )
    assert response.status_code == 302
    assert f"pi={pi.pk}" in response["Location"]


def test_a_done_feature_shows_no_wsjf_inputs_nor_remove_and_the_services_refuse_both(
    client, rte, train, pi, team
):
    done = FeatureFactory(
        train=train,
        pi=pi,
        team=team,
        title="Shipped",
        state=Feature.State.DONE,
        done_at=timezone.now(),
        business_value=3,
        job_size=5,
    )
    open_one = FeatureFactory(train=train, pi=pi, team=team, title="Open")
    client.force_login(rte)

    html = client.get(url("backlog", train, pi=pi)).content.decode()

    row = html[
        html.index(f'id="feature-{done.pk}"') : html.index("</tr>", html.index(f'id="feature-{done.pk}"'))
    ]
    assert "<select" not in row and f'id="remove-{done.pk}"' not in row and "wsjf-form" not in row
    assert "Done: delivered" in row
    assert f'id="wsjf-{open_one.pk}-bv"' in html and f'id="remove-{open_one.pk}"' in html

    wsjf = client.post(
        url("backlog_wsjf", train, done.pk),
        {"pi": pi.pk, "version": done.version, "business_value": 8},
        **HTMX,
    )
    removed = client.post(
        url("backlog_pull", train, done.pk),
        {"pi": pi.pk, "version": done.version, "action": "remove"},
        **HTMX,
    )
    assert wsjf.status_code == removed.status_code == 422
    assert "“Shipped” is done: its WSJF inputs stay as they were" in wsjf.content.decode()
    assert "“Shipped” is done: it stays in the PI" in removed.content.decode()
    done.refresh_from_db()
    assert (done.business_value, done.pi, done.team) == (3, pi, team)


def test_an_outsider_gets_404_on_every_page_and_write(client, outsider, train, pi, team, two_features):
    client.force_login(outsider)
    low, _ = two_features
    iteration = pi.iterations.first()
    story = StoryFactory(team=team)
    for address in (
        url("backlog", train, pi=pi),
        url("capacity", train, pi=pi),
        url("team_plan", train, team.pk, pi=pi),
    ):
        assert client.get(address).status_code == 404
    for address, data in (
        (url("backlog_wsjf", train, low.pk), {"version": 1, "job_size": 1}),
        (url("backlog_pull", train, low.pk), {"version": 1, "action": "remove"}),
        (url("capacity_cell", train, team.pk, iteration.pk), {"fte": 5, "version": 0}),
        (url("story_new", train, team.pk), {"title": "x", "points": 1}),
        (url("story_edit", train, team.pk, story.pk), {"title": "x", "points": 1, "version": 1}),
        (url("story_delete", train, team.pk, story.pk), {"version": 1}),
    ):
        assert client.post(address, data).status_code == 404
    assert not TeamCapacity.objects.exists()


# --- capacity ----------------------------------------------------------------------------------------


def test_capacity_cell_answers_with_the_cell_and_out_of_band_totals(client, rte, train, pi, team, iterations):
    StoryFactory(team=team, iteration=iterations[0], points=35)
    client.force_login(rte)
    response = client.post(
        url("capacity_cell", train, team.pk, iterations[0].pk),
        {"pi": pi.pk, "fte": "5", "days_off": "3", "version": "0"},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>37</strong>" in html
    assert "94.6 % · amber" in html
    assert f'id="cap-total-{team.pk}" class="cap-total" hx-swap-oob="true"' in html
    assert 'id="cap-overall"' in html and f'id="cap-col-{iterations[0].pk}"' in html


def test_capacity_minus_one_is_refused_with_a_field_message_and_nothing_saved(
    client, rte, train, pi, team, iterations
):
    client.force_login(rte)
    response = client.post(
        url("capacity_cell", train, team.pk, iterations[0].pk),
        {"pi": pi.pk, "fte": "5", "days_off": "-1", "version": "0"},
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Days off cannot be negative." in html
    assert '<details class="cap-edit" open>' in html
    assert not TeamCapacity.objects.exists()


def test_capacity_that_is_not_a_number_is_refused(client, rte, train, pi, team, iterations):
    client.force_login(rte)
    response = client.post(
        url("capacity_cell", train, team.pk, iterations[0].pk),
        {"pi": pi.pk, "fte": "lots", "version": "0"},
        **HTMX,
    )
    assert response.status_code == 422
    assert "FTE is a number" in response.content.decode()


def test_a_stale_capacity_edit_answers_409(client, rte, train, pi, team, iterations):
    TeamCapacity.objects.create(team=team, iteration=iterations[0], fte=6, version=3)
    client.force_login(rte)
    response = client.post(
        url("capacity_cell", train, team.pk, iterations[0].pk),
        {"pi": pi.pk, "fte": "5", "days_off": "0", "version": "2"},
        **HTMX,
    )
    assert response.status_code == 409
    assert "changed this while you were editing" in response.content.decode()
    assert TeamCapacity.objects.get().fte == 6


def test_a_scrum_master_of_another_team_and_a_viewer_cannot_post_capacity(
    client, scrum_master, viewer, train, pi, other_team, iterations
):
    for user in (scrum_master, viewer):
        client.force_login(user)
        response = client.post(
            url("capacity_cell", train, other_team.pk, iterations[0].pk),
            {"pi": pi.pk, "fte": "5", "version": "0"},
        )
        assert response.status_code == 403
    assert not TeamCapacity.objects.exists()


def test_the_grid_offers_editing_only_for_the_teams_one_may_plan(
    client, scrum_master, train, pi, team, other_team
):
    client.force_login(scrum_master)
    html = client.get(url("capacity", train, pi=pi)).content.decode()
    assert html.count('class="cap-edit"') == pi.iterations.count()
    assert "IP: no planned feature stories by default" in html
    assert url("team_plan", train, team.pk, pi=pi) in html


# --- team plan ---------------------------------------------------------------------------------------


def test_adding_a_story_updates_load_bars_and_totals_out_of_band(
    client, scrum_master, train, pi, team, iterations
):
    TeamCapacity.objects.create(team=team, iteration=iterations[0], fte=1)  # 8 points
    client.force_login(scrum_master)
    response = client.post(
        url("story_new", train, team.pk),
        {"pi": pi.pk, "title": "Big one", "points": "13", "iteration": iterations[0].pk},
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="load-{iterations[0].pk}" class="load-bar-wrap" hx-swap-oob="true"' in html
    assert 'id="team-totals" class="team-totals" hx-swap-oob="true"' in html
    assert "162.5 % · red" in html
    assert Story.objects.get().points == 13


@pytest.mark.parametrize(
    ("points", "message"), [("-2", "whole number, 0 or more"), ("abc", "whole number, 0 or more")]
)
def test_bad_story_points_get_a_field_message_and_nothing_is_saved(
    client, rte, train, pi, team, points, message
):
    client.force_login(rte)
    response = client.post(
        url("story_new", train, team.pk), {"pi": pi.pk, "title": "S", "points": points}, **HTMX
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Story.objects.exists()


def test_editing_a_story_moves_it_and_a_stale_edit_is_refused(client, rte, train, pi, team, iterations):
    story = StoryFactory(team=team, iteration=iterations[0], points=3, title="Move me")
    client.force_login(rte)
    data = {"pi": pi.pk, "title": "Move me", "points": "5", "iteration": iterations[1].pk, "version": "1"}
    assert client.post(url("story_edit", train, team.pk, story.pk), data, **HTMX).status_code == 200
    story.refresh_from_db()
    assert (story.iteration, story.points, story.version) == (iterations[1], 5, 2)
    response = client.post(url("story_edit", train, team.pk, story.pk), {**data, "points": "1"}, **HTMX)
    assert response.status_code == 409
    story.refresh_from_db()
    assert story.points == 5


def test_deleting_a_story_from_the_plan(client, scrum_master, train, pi, team):
    story = StoryFactory(team=team, title="Drop me")
    client.force_login(scrum_master)
    response = client.post(
        url("story_delete", train, team.pk, story.pk), {"pi": pi.pk, "version": "1"}, **HTMX
    )
    assert response.status_code == 200
    assert not Story.objects.exists()


def test_a_delete_with_a_version_that_is_not_a_number_is_refused_and_keeps_the_story(
    client, scrum_master, train, pi, team
):
    story = StoryFactory(team=team, title="Keep me")
    client.force_login(scrum_master)
    response = client.post(
        url("story_delete", train, team.pk, story.pk), {"pi": pi.pk, "version": "abc"}, **HTMX
    )
    assert response.status_code == 422
    assert MISSING_VERSION in response.content.decode()  # a version that is no number is none at all
    assert Story.objects.filter(pk=story.pk).exists()


def test_the_team_plan_is_read_only_for_another_teams_scrum_master(
    client, scrum_master, train, pi, other_team
):
    StoryFactory(team=other_team)
    client.force_login(scrum_master)
    html = client.get(url("team_plan", train, other_team.pk, pi=pi)).content.decode()
    assert "Add a story" not in html and "Edit, estimate or move" not in html
    assert (
        client.post(
            url("story_new", train, other_team.pk), {"pi": pi.pk, "title": "S", "points": "1"}
        ).status_code
        == 403
    )


# --- query counts ------------------------------------------------------------------------------------


def _fill(train, pi, teams: int, per_team: int, prefix: str) -> list:
    made = [TeamFactory(train=train, name=f"{prefix} {n}") for n in range(teams)]
    iterations = list(pi.iterations.all())
    for team in made:
        for index, iteration in enumerate(iterations):
            TeamCapacity.objects.create(team=team, iteration=iteration, fte=5, days_off=index)
        for n in range(per_team):
            feature = FeatureFactory(train=train, pi=pi, team=team)
            FeatureFactory(train=train)
            StoryFactory(team=team, feature=feature, iteration=iterations[n % len(iterations)], points=n)
            StoryFactory(team=team)
    return made


def _queries(client, django_assert_max_num_queries, address, limit):
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(address).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["backlog", "capacity", "team_plan"])
def test_the_pages_cost_the_same_queries_for_a_small_and_a_larger_train(
    client, rte, train, pi, django_assert_max_num_queries, page
):
    client.force_login(rte)
    small = _fill(train, pi, 1, 2, "Small")
    args = (small[0].pk,) if page == "team_plan" else ()
    small_count = _queries(client, django_assert_max_num_queries, url(page, train, *args, pi=pi), 12)
    _fill(train, pi, 6, 25, "Large")
    large_count = _queries(client, django_assert_max_num_queries, url(page, train, *args, pi=pi), 12)
    assert small_count == large_count
