"""Search (artops/search.py and the search view): every kind is found, nothing of another train ever
is, each kind costs one query whatever the number of matches, and no input makes it fail.

Runs on the database the suite runs on: full-text search on PostgreSQL, icontains on SQLite; what
only PostgreSQL does (stems, websearch operators) is marked so."""

import pytest
from django.db import connection
from django.urls import reverse

from artops.search import LIMIT, MAX_QUERY_LENGTH, search
from planning.factories import DependencyFactory, FeatureFactory, PIObjectiveFactory, ProgramIncrementFactory
from risks.factories import ImpedimentFactory, RiskFactory
from trains.factories import MembershipFactory, TeamFactory, TrainFactory, UserFactory
from trains.models import Role

pytestmark = pytest.mark.django_db

SEARCH = reverse("search")
KIND_QUERIES = 6  # one per kind: features, dependencies, risks, impediments, objectives, people


def _titles(results, kind: str) -> list[str]:
    return [hit.title for group in results.groups if group.kind == kind for hit in group.hits]


@pytest.fixture
def world(train, team, other_team, pi, rte, outsider):
    """One row of every kind on our train mentioning "payment", and the same on the outsider's."""
    elsewhere = outsider.memberships.get().train
    their_team = TeamFactory(train=elsewhere, name="Hidden")
    their_other_team = TeamFactory(train=elsewhere, name="Hidden too")
    their_pi = ProgramIncrementFactory(train=elsewhere, name="PI 99")
    for where_train, where_team, providing_team, where_pi, marker in [
        (train, team, other_team, pi, "ours"),
        (elsewhere, their_team, their_other_team, their_pi, "theirs"),
    ]:
        FeatureFactory(
            train=where_train, pi=where_pi, team=where_team, title=f"Payment retries {marker}",
            description="Retry failed card payments", acceptance_criteria="Given a declined card",
        )  # fmt: skip
        DependencyFactory(
            pi=where_pi, requesting_team=where_team, providing_team=providing_team,
            description=f"Payment API {marker}",
        )  # fmt: skip
        RiskFactory(train=where_train, pi=where_pi, title=f"Payment sandbox unstable {marker}")
        ImpedimentFactory(team=where_team, title=f"Payment test cards expired {marker}")
        PIObjectiveFactory(pi=where_pi, team=where_team, text=f"Payment retries live {marker}")
    return {"train": train, "elsewhere": elsewhere}


# --- the selector ---------------------------------------------------------------------------------


def test_every_kind_is_found_with_its_train_and_pi(world, rte):
    results = search(rte, "payment")

    assert _titles(results, "features") == ["Payment retries ours"]
    assert _titles(results, "dependencies") == ["Payment API ours"]
    assert _titles(results, "risks") == ["Payment sandbox unstable ours"]
    assert _titles(results, "impediments") == ["Payment test cards expired ours"]
    assert _titles(results, "objectives") == ["Payment retries live ours"]
    feature = next(group for group in results.groups if group.kind == "features").hits[0]
    assert feature.where == "Orbit ART · PI 7 · Apollo"


def test_nothing_of_a_train_the_user_holds_no_role_on_is_ever_found(world, rte, outsider):
    ours = search(rte, "payment")
    theirs = search(outsider, "payment")

    assert not any("theirs" in hit.title for group in ours.groups for hit in group.hits)
    assert not any("ours" in hit.title for group in theirs.groups for hit in group.hits)
    assert ours.total == theirs.total == 5
    assert search(outsider, "rte").total == 0  # our people neither


def test_a_user_with_no_role_anywhere_finds_nothing(world):
    assert search(UserFactory(), "payment").total == 0


def test_features_are_found_by_description_and_acceptance_criteria(world, rte):
    assert _titles(search(rte, "declined"), "features") == ["Payment retries ours"]
    assert _titles(search(rte, "failed card"), "features") == ["Payment retries ours"]


def test_partial_words_are_found_while_typed(world, rte):
    assert _titles(search(rte, "paym"), "risks") == ["Payment sandbox unstable ours"]
    assert _titles(search(rte, "sandb unst"), "risks") == ["Payment sandbox unstable ours"]


def test_every_word_must_match(world, rte):
    assert search(rte, "payment zeppelin").total == 0


def test_people_are_found_by_name_and_username_on_each_of_the_users_trains(world, rte, team):
    person = UserFactory(username="mberg", first_name="Mia", last_name="Berg")
    MembershipFactory(user=person, train=world["train"], role=Role.SCRUM_MASTER, team=team)
    MembershipFactory(
        user=person, train=world["train"], role=Role.TEAM_MEMBER, team=team
    )  # two roles, one hit
    other_train = TrainFactory(name="Second ART", slug="second")
    MembershipFactory(user=person, train=other_train, role=Role.VIEWER)
    MembershipFactory(user=rte, train=other_train, role=Role.VIEWER)

    by_name = next(group for group in search(rte, "mia").groups if group.kind == "people")
    by_username = next(group for group in search(rte, "mber").groups if group.kind == "people")

    assert [(hit.title, hit.where, hit.detail) for hit in by_name.hits] == [
        ("Mia Berg", "Orbit ART", "@mberg"),
        ("Mia Berg", "Second ART", "@mberg"),
    ]
    assert by_name.total == 2
    assert [hit.url for hit in by_username.hits] == ["/trains/orbit/", "/trains/second/"]


def test_people_of_other_trains_are_not_found(world, rte, outsider):
    def usernames(user):
        return [
            hit.detail
            for group in search(user, "outsider").groups
            if group.kind == "people"
            for hit in group.hits
        ]

    assert usernames(rte) == []
    assert usernames(outsider) == ["@outsider"]


def test_each_result_links_to_where_the_item_is_shown(world, rte, pi):
    feature = world["train"].features.get()
    in_no_pi = FeatureFactory(train=world["train"], title="Payment wallet")
    risk = world["train"].risks.get()
    impediment = world["train"].impediments.get()
    objective = pi.objectives.get()
    dependency = pi.dependencies.get()

    urls = {hit.title: hit.url for group in search(rte, "payment").groups for hit in group.hits}

    assert urls["Payment retries ours"] == f"/trains/orbit/board/features/{feature.pk}/edit/"
    assert urls["Payment wallet"] == f"/trains/orbit/planning/backlog/#feature-{in_no_pi.pk}"
    assert urls["Payment API ours"] == f"/trains/orbit/board/dependencies/{dependency.pk}/edit/"
    assert urls["Payment sandbox unstable ours"] == f"/trains/orbit/risks/{risk.pk}/"
    assert urls["Payment test cards expired ours"] == f"/trains/orbit/impediments/{impediment.pk}/"
    assert (
        urls["Payment retries live ours"]
        == f"/trains/orbit/planning/objectives/?pi={pi.pk}#objective-{objective.pk}"
    )


def test_a_kind_shows_the_first_hits_and_counts_the_rest(train, pi, rte):
    FeatureFactory.create_batch(LIMIT + 5, train=train, pi=pi, title="Checkout step")

    features = next(group for group in search(rte, "checkout").groups if group.kind == "features")

    assert len(features.hits) == LIMIT
    assert features.total == LIMIT + 5
    assert features.more == 5
    assert len(search(rte, "checkout", kind="features", limit=50).groups[0].hits) == LIMIT + 5


def test_each_kind_costs_one_query_however_many_rows_match(
    train, team, other_team, pi, rte, django_assert_num_queries
):
    def add(count: int) -> None:
        for n in range(train.memberships.count(), train.memberships.count() + count):
            FeatureFactory(train=train, pi=pi, team=team, title=f"Ledger {n}")
            DependencyFactory(
                pi=pi, requesting_team=team, providing_team=other_team, description=f"Ledger {n}"
            )
            RiskFactory(train=train, pi=pi, title=f"Ledger {n}")
            ImpedimentFactory(team=team, title=f"Ledger {n}")
            PIObjectiveFactory(pi=pi, team=team, text=f"Ledger {n}")
            MembershipFactory(user=UserFactory(username=f"ledger{n}"), train=train, role=Role.VIEWER)

    add(2)
    with django_assert_num_queries(KIND_QUERIES):
        few = search(rte, "ledger")
    add(30)
    with django_assert_num_queries(KIND_QUERIES):
        many = search(rte, "ledger")

    assert few.total == 6 * 2
    assert many.total == 6 * 32


@pytest.mark.parametrize("text", ["", "   ", "%", "'", "%%%", "&|!:*()", "--"])
def test_a_query_with_no_word_costs_nothing_and_finds_nothing(rte, text, django_assert_num_queries):
    with django_assert_num_queries(0):
        results = search(rte, text)
    assert results.total == 0 and not results.searched


@pytest.mark.parametrize(
    "text",
    [
        "100%",
        "o'reilly",
        "a_b",
        "pay:* & !x",
        '"unclosed',
        "-",
        "or",
        "(payment",
        "payment' OR 1=1 --",
        "x" * 5000,
    ],
)
def test_hostile_input_is_read_as_words(world, rte, text):
    results = search(rte, text)  # no error, whatever the database
    assert len(results.query) <= MAX_QUERY_LENGTH


def test_a_like_wildcard_typed_inside_a_word_is_a_plain_character(world, rte):
    # "_" is a word character, so it reaches the database (% is not: it separates words).
    assert search(rte, "p_yment").total == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stems and websearch are PostgreSQL's")
def test_on_postgresql_english_stems_and_websearch_operators_work(world, rte):
    assert _titles(search(rte, "payments"), "risks") == ["Payment sandbox unstable ours"]
    assert _titles(search(rte, "retry"), "features") == ["Payment retries ours"]
    assert search(rte, '"sandbox unstable"').total == 1
    assert search(rte, '"unstable sandbox"').total == 0
    assert _titles(search(rte, "payment -sandbox"), "risks") == []
    assert _titles(search(rte, "zeppelin or sandbox"), "risks") == ["Payment sandbox unstable ours"]


# --- the view ----------------------------------------------------------------------------------------


def test_the_page_answers_results_grouped_by_kind(client, world, rte):
    client.force_login(rte)
    response = client.get(SEARCH, {"q": "payment"})
    html = response.content.decode()

    assert response.status_code == 200
    for label in ["Features", "Dependencies", "Risks", "Impediments", "Team PI objectives"]:
        assert f'>{label} <span class="count">1</span>' in html
    assert "Payment retries ours" in html
    assert "theirs" not in html
    assert "5 results for “payment”" in html


def test_the_panel_for_htmx_is_the_results_alone(client, world, rte):
    client.force_login(rte)
    response = client.get(SEARCH, {"q": "payment"}, headers={"HX-Request": "true"})
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in html
    assert 'class="search-hit"' in html
    assert 'id="header-search-status" hx-swap-oob="innerHTML"' in html
    assert "5 results" in html


def test_an_emptied_box_empties_the_panel(client, rte):
    client.force_login(rte)
    response = client.get(SEARCH, {"q": ""}, headers={"HX-Request": "true"})
    assert 'class="search-hit"' not in response.content.decode()
    assert "search-panel-body" not in response.content.decode()


def test_the_view_costs_the_same_queries_for_few_and_many_matches(
    client, train, team, pi, rte, django_assert_num_queries
):
    client.force_login(rte)
    FeatureFactory.create_batch(2, train=train, pi=pi, team=team, title="Ledger")
    with django_assert_num_queries(1 + KIND_QUERIES):  # the user (the session is cached), one per kind
        client.get(SEARCH, {"q": "ledger"}, headers={"HX-Request": "true"})
    FeatureFactory.create_batch(40, train=train, pi=pi, team=team, title="Ledger")
    with django_assert_num_queries(1 + KIND_QUERIES):
        response = client.get(SEARCH, {"q": "ledger"}, headers={"HX-Request": "true"})
    assert "34 more features" in response.content.decode()


@pytest.mark.parametrize("text", ["%", "'", '"', "<script>alert(1)</script>", "x" * 10_000, "payment\x00"])
def test_hostile_input_never_fails_the_page(client, world, rte, text):
    client.force_login(rte)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(SEARCH, {"q": text}, headers=headers)
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()


def test_the_more_link_shows_one_kind_with_more_rows(client, train, pi, rte):
    FeatureFactory.create_batch(LIMIT + 3, train=train, pi=pi, title="Checkout step")
    client.force_login(rte)

    page = client.get(SEARCH, {"q": "checkout"}).content.decode()
    one_kind = client.get(SEARCH, {"q": "checkout", "kind": "features"}).content.decode()

    assert f"All {LIMIT + 3} features" in page
    assert one_kind.count('class="search-hit"') == LIMIT + 3
    assert "Search: features" in one_kind


def test_the_page_keeps_the_header_of_the_train_it_was_searched_from(client, train, rte, outsider):
    client.force_login(rte)
    assert 'class="train-name">Orbit ART' in client.get(SEARCH, {"q": "x", "train": "orbit"}).content.decode()
    # A train the user holds no role on: searched all the same, its name never shown.
    elsewhere = client.get(SEARCH, {"q": "x", "train": "elsewhere"})
    assert elsewhere.status_code == 200 and "Elsewhere ART" not in elsewhere.content.decode()


def test_search_asks_to_log_in(client):
    response = client.get(SEARCH, {"q": "payment"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_every_page_has_the_search_box_in_its_header(client, train, rte):
    client.force_login(rte)
    html = client.get(reverse("trains:detail", args=[train.slug])).content.decode()
    assert 'role="search"' in html and 'id="header-search-input"' in html
    assert '<input type="hidden" name="train" value="orbit">' in html
