"""The people page (/trains/<slug>/people/): everyone on the train reads who holds what; the RTE adds
people by username or e-mail, invites someone new, changes and takes roles."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from trains.factories import MembershipFactory, UserFactory
from trains.models import Membership, Role

pytestmark = pytest.mark.django_db
User = get_user_model()
HTMX = {"HX-Request": "true"}


def url(name, train, *args):
    return reverse(f"trains:{name}", args=[train.slug, *args])


def roles_of(user, train):
    return sorted(
        (m.role, m.team.name if m.team else None) for m in Membership.objects.filter(user=user, train=train)
    )


# --- reading -----------------------------------------------------------------------------------------


def test_everyone_on_the_train_reads_who_holds_what_and_only_the_rte_sees_forms(
    client, rte, scrum_master, viewer, train
):
    client.force_login(viewer)

    response = client.get(url("people", train))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Scrum Master / Team Coach" in page and "Apollo" in page and "Release Train Engineer" in page
    assert "Add a person" not in page and "<select" not in page
    assert "sm@example.com" not in page  # addresses are for the RTE, who needs them to find people


def test_the_rte_sees_each_role_with_its_forms(client, rte, scrum_master, train):
    client.force_login(rte)

    page = client.get(url("people", train)).content.decode()

    assert "Add a person" in page
    membership = Membership.objects.get(user=scrum_master)
    assert f'hx-post="{url("membership", train, membership.pk)}"' in page
    assert f'action="{url("membership_remove", train, membership.pk)}"' in page
    assert "<script" not in page.split("<main", 1)[1]  # no inline script (CSP)


def test_the_page_costs_the_same_queries_for_3_people_and_for_30(client, rte, train, team, other_team):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def people_page() -> int:
        client.force_login(rte)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("people", train)).status_code == 200
        return len(queries)

    for _ in range(2):
        MembershipFactory(user=UserFactory(), train=train, team=team, role=Role.TEAM_MEMBER)
    few = people_page()
    for n in range(27):
        MembershipFactory(
            user=UserFactory(), train=train, team=[team, other_team][n % 2], role=Role.TEAM_MEMBER
        )

    assert people_page() == few


def test_another_trains_rte_finds_no_such_page(client, rte, outsider, train):
    client.force_login(outsider)

    assert client.get(url("people", train)).status_code == 404


# --- adding people -------------------------------------------------------------------------------------


@pytest.mark.parametrize("identifier", ["nora", "NORA", "nora@example.com", "Nora@Example.com"])
def test_the_rte_adds_someone_with_an_account_by_username_or_email(client, rte, train, team, identifier):
    nora = UserFactory(username="nora", first_name="Nora", last_name="Lind")
    client.force_login(rte)

    response = client.post(
        url("people", train), {"person": identifier, "role": Role.TEAM_MEMBER, "team": team.pk}
    )

    assert response.status_code == 302
    assert roles_of(nora, train) == [("team_member", "Apollo")]
    page = client.get(response.url).content.decode()
    assert "Nora Lind is now Team member of Apollo." in page


def test_a_username_nobody_has_is_said_on_its_field(client, rte, train):
    client.force_login(rte)

    response = client.post(url("people", train), {"person": "ghost", "role": Role.VIEWER})

    assert response.status_code == 422
    assert re.search(r'id="id_person_error">Nobody has that username', response.content.decode())
    assert not User.objects.filter(username="ghost").exists()


@pytest.mark.parametrize(
    ("role", "with_team", "field", "message"),
    [
        (Role.SCRUM_MASTER, False, "team", "acts for one team: choose it"),
        (Role.PRODUCT_MANAGER, True, "team", "acts for the whole train: leave the team empty"),
        ("", False, "role", "This field is required"),
    ],
)
def test_a_role_and_team_that_do_not_fit_are_refused_on_their_field(
    client, rte, viewer, train, team, role, with_team, field, message
):
    client.force_login(rte)

    response = client.post(
        url("people", train), {"person": "viewer", "role": role, "team": team.pk if with_team else ""}
    )

    assert response.status_code == 422
    assert re.search(rf'id="id_{field}_error">[^<]*{re.escape(message)}', response.content.decode())
    assert roles_of(viewer, train) == [("viewer", None)]


def test_giving_a_role_someone_already_holds_says_so(client, rte, scrum_master, train, team):
    client.force_login(rte)

    response = client.post(url("people", train), {"person": "sm", "role": Role.SCRUM_MASTER, "team": team.pk})

    assert response.status_code == 422
    assert "is already Scrum Master / Team Coach in Apollo" in response.content.decode()
    assert Membership.objects.filter(user=scrum_master).count() == 1


# --- inviting -------------------------------------------------------------------------------------------


def test_inviting_someone_new_mails_a_link_that_sets_their_password_and_opens_the_account(
    client, rte, train, team, settings
):
    settings.INBOX_EMAIL_ENABLED = True
    client.force_login(rte)

    response = client.post(
        url("people", train),
        {"person": "ines.park@example.com", "name": "Ines Park", "role": Role.PRODUCT_OWNER, "team": team.pk},
    )

    assert response.status_code == 302
    ines = User.objects.get(email="ines.park@example.com")
    assert (ines.username, ines.get_full_name(), ines.is_active, ines.has_usable_password()) == (
        "ines.park",
        "Ines Park",
        False,
        False,
    )
    assert roles_of(ines, train) == [("product_owner", "Apollo")]
    assert [m.to for m in mail.outbox] == [["ines.park@example.com"]]
    body = mail.outbox[0].body
    assert "Orbit ART" in body and "Your username: ines.park" in body
    link = re.search(r"http://\S+/people/welcome/\S+/", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert "Invited, not signed in yet" in client.get(url("people", train)).content.decode()

    client.logout()
    form_page = client.get("/" + path, follow=True)
    assert "Choose a password for" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "plan-the-pi-42", "new_password2": "plan-the-pi-42"},
    )

    assert done.status_code == 302 and done.url == url("detail", train)
    ines.refresh_from_db()
    assert ines.is_active and ines.check_password("plan-the-pi-42")
    assert client.session["_auth_user_id"] == str(ines.pk)  # signed in at once
    client.logout()
    again = client.get("/" + path, follow=True)
    assert "This invitation link no longer works" in again.content.decode()


def test_without_email_the_rte_is_shown_the_invitation_link_once(client, rte, train, settings):
    settings.INBOX_EMAIL_ENABLED = False
    client.force_login(rte)

    response = client.post(
        url("people", train), {"person": "kai@example.com", "role": Role.VIEWER}, follow=True
    )

    page = response.content.decode()
    assert "Send kai their invitation" in page
    assert "/trains/orbit/people/welcome/" in page
    assert not mail.outbox
    assert "/people/welcome/" not in client.get(url("people", train)).content.decode()


def test_an_invitation_can_be_sent_again_until_it_is_used(client, rte, train, settings):
    settings.INBOX_EMAIL_ENABLED = True
    client.force_login(rte)
    client.post(url("people", train), {"person": "kai@example.com", "role": Role.VIEWER})
    kai = User.objects.get(email="kai@example.com")

    response = client.post(url("person_invite_again", train, kai.pk))

    assert response.status_code == 302
    assert len(mail.outbox) == 2


def test_an_invitation_link_is_never_a_password_reset_for_an_account_in_use(client, rte, viewer, train):
    from trains.people.services import invitation_link

    path = invitation_link(viewer, train).split("://", 1)[1].split("/", 1)[1]

    response = client.get("/" + path, follow=True)

    assert "This invitation link no longer works" in response.content.decode()


def test_inviting_an_address_someone_already_has_adds_them_instead(client, rte, viewer, train, team):
    client.force_login(rte)

    client.post(
        url("people", train), {"person": "viewer@example.com", "role": Role.TEAM_MEMBER, "team": team.pk}
    )

    assert roles_of(viewer, train) == [("team_member", "Apollo"), ("viewer", None)]
    assert User.objects.filter(email="viewer@example.com").count() == 1


# --- changing and taking roles ---------------------------------------------------------------------------


def test_the_rte_moves_a_role_to_another_team_in_place(client, rte, scrum_master, train, other_team):
    membership = Membership.objects.get(user=scrum_master)
    client.force_login(rte)

    response = client.post(
        url("membership", train, membership.pk),
        {f"m{membership.pk}-role": Role.SCRUM_MASTER, f"m{membership.pk}-team": other_team.pk},
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tbody id="person-{scrum_master.pk}">')
    assert "Scrum Master / Team Coach of Apollo is now Scrum Master / Team Coach of Gemini" in html
    assert roles_of(scrum_master, train) == [("scrum_master", "Gemini")]


def test_a_refused_change_comes_back_on_its_field_in_place(client, rte, scrum_master, train):
    membership = Membership.objects.get(user=scrum_master)
    client.force_login(rte)

    response = client.post(
        url("membership", train, membership.pk),
        {f"m{membership.pk}-role": Role.TEAM_MEMBER, f"m{membership.pk}-team": ""},
        headers=HTMX,
    )

    assert response.status_code == 422
    assert f'id="id_m{membership.pk}-team_error">A Team member acts for one team' in response.content.decode()
    assert roles_of(scrum_master, train) == [("scrum_master", "Apollo")]


def test_the_rte_takes_a_role_away(client, rte, scrum_master, train):
    membership = Membership.objects.get(user=scrum_master)
    client.force_login(rte)

    response = client.post(url("membership_remove", train, membership.pk), headers=HTMX)

    assert response.status_code == 200
    assert "is no longer Scrum Master / Team Coach of Apollo" in response.content.decode()
    assert roles_of(scrum_master, train) == []


def test_the_last_rte_stays_and_the_row_says_why(client, rte, train):
    membership = Membership.objects.get(user=rte)
    client.force_login(rte)

    response = client.post(url("membership_remove", train, membership.pk), headers=HTMX)

    assert response.status_code == 422
    assert "A train keeps at least one Release Train Engineer" in response.content.decode()
    assert roles_of(rte, train) == [("rte", None)]


@pytest.mark.parametrize("persona", ["product_manager", "scrum_master", "viewer"])
def test_nobody_but_the_rte_changes_roles(request, client, rte, train, team, persona):
    actor = request.getfixturevalue(persona)
    target = Membership.objects.get(user=rte)
    client.force_login(actor)

    answers = [
        client.post(url("people", train), {"person": "rte", "role": Role.VIEWER}).status_code,
        client.post(url("membership", train, target.pk), {f"m{target.pk}-role": Role.VIEWER}).status_code,
        client.post(url("membership_remove", train, target.pk)).status_code,
    ]

    assert answers == [403, 403, 403]
    assert roles_of(rte, train) == [("rte", None)]


def test_every_change_of_roles_is_in_the_trains_history_with_who_made_it(
    client, rte, scrum_master, train, other_team, settings
):
    from trains.history.models import Change

    settings.INBOX_EMAIL_ENABLED = False
    membership = Membership.objects.get(user=scrum_master)
    client.force_login(rte)

    client.post(url("people", train), {"person": "new@example.com", "role": Role.VIEWER})
    client.post(
        url("membership", train, membership.pk),
        {f"m{membership.pk}-role": Role.SCRUM_MASTER, f"m{membership.pk}-team": other_team.pk},
    )
    client.post(url("membership_remove", train, membership.pk))

    changes = Change.objects.filter(train=train, kind="membership").order_by("at", "pk")
    assert [(c.action, c.actor_id, c.door) for c in changes] == [
        ("created", rte.pk, "page"),
        ("changed", rte.pk, "page"),
        ("deleted", rte.pk, "page"),
    ]
    assert "kind=membership" in client.get(url("people", train)).content.decode()
