"""Comments with @mentions, their edit window and removal trace, the inbox and its e-mail digest."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from planning.factories import DependencyFactory, FeatureFactory
from planning.services import dependency_update, feature_move
from risks.factories import ImpedimentFactory, RiskFactory
from risks.services import impediment_escalate
from risks.services.inbox import inbox_risks_due
from trains.conversation.services import (
    comment_add,
    comment_edit,
    comment_remove,
    inbox_mail_send,
    inbox_notify,
    mention_names,
)
from trains.errors import Conflict, NotAllowed
from trains.factories import MembershipFactory, UserFactory
from trains.models import Comment, InboxItem, Role

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def feature(train, pi, team):
    return FeatureFactory(train=train, pi=pi, team=team, title="Checkout v2")


def comments_url(train, kind, target):
    return reverse("conversation:comments", args=[train.slug, kind, target.pk])


# --- mentions ------------------------------------------------------------------------------------


def test_mention_names_are_read_as_django_spells_usernames_and_not_inside_an_email_address():
    text = "@sm please check with @Jane.Doe, and @sm again; mail me@example.com or @bob."
    assert mention_names(text) == ["sm", "Jane.Doe", "bob"]


def test_a_mention_of_someone_on_the_train_reaches_their_inbox_once(rte, scrum_master, feature):
    comment = comment_add(target=feature, body="@sm can Apollo take this? cc @sm", actor=rte)
    items = InboxItem.objects.filter(user=scrum_master)
    assert [(i.kind, i.event) for i in items] == [("mention", f"comment:{comment.pk}")]
    assert "mentioned you on feature “Checkout v2”" in items[0].text
    assert items[0].url == f"/trains/orbit/board/features/{feature.pk}/edit/#comment-{comment.pk}"
    assert list(comment.mentioned.all()) == [scrum_master]


def test_unknown_names_and_people_of_other_trains_stay_plain_text(rte, outsider, feature):
    comment = comment_add(target=feature, body="@outsider and @nobody, see this", actor=rte)
    assert not comment.mentioned.exists()
    assert not InboxItem.objects.exists()


def test_mentioning_yourself_puts_nothing_in_your_inbox(rte, feature):
    comment_add(target=feature, body="note to self @rte", actor=rte)
    assert not InboxItem.objects.exists()


def test_viewers_read_but_do_not_comment(viewer, feature):
    with pytest.raises(NotAllowed):
        comment_add(target=feature, body="hello", actor=viewer)


def test_an_outsider_cannot_comment_on_our_items(outsider, feature):
    with pytest.raises(NotAllowed):
        comment_add(target=feature, body="hello", actor=outsider)


def test_an_empty_comment_is_refused(rte, feature):
    with pytest.raises(ValidationError):
        comment_add(target=feature, body="   ", actor=rte)


# --- edit window and removal ---------------------------------------------------------------------


def test_its_author_edits_a_comment_within_the_window_and_newly_mentioned_people_are_told(
    rte, scrum_master, business_owner, feature
):
    comment = comment_add(target=feature, body="@sm look", actor=rte)
    edited = comment_edit(comment=comment, body="@sm @bo look", expected_version=1, actor=rte)
    assert (edited.body, edited.version) == ("@sm @bo look", 2) and edited.edited_at is not None
    # One item per person and event: the Scrum Master is not told a second time.
    assert sorted(InboxItem.objects.values_list("user__username", flat=True)) == ["bo", "sm"]


def test_nobody_else_edits_a_comment(rte, scrum_master, feature):
    comment = comment_add(target=feature, body="mine", actor=rte)
    with pytest.raises(NotAllowed):
        comment_edit(comment=comment, body="yours", expected_version=1, actor=scrum_master)


def test_a_comment_cannot_be_edited_once_the_window_has_passed(rte, feature, settings):
    settings.CONVERSATION_EDIT_MINUTES = 15
    comment = comment_add(target=feature, body="first", actor=rte, at=timezone.now() - timedelta(minutes=16))
    with pytest.raises(Conflict, match="15 minutes"):
        comment_edit(comment=comment, body="second", expected_version=1, actor=rte)
    comment.refresh_from_db()
    assert comment.body == "first"


def test_removal_keeps_a_trace_and_the_rte_may_remove_anyones(rte, scrum_master, feature, client):
    comment = comment_add(target=feature, body="a secret @sm", actor=scrum_master)
    comment_add(target=feature, body="ping @sm", actor=rte)
    removed = comment_remove(comment=comment, expected_version=1, actor=rte)
    assert Comment.objects.filter(pk=comment.pk).exists()
    assert removed.removed_by == rte and removed.removed_at is not None
    client.force_login(scrum_master)
    body = client.get(comments_url(feature.train, "feature", feature), **HTMX).content.decode()
    assert f"removed by {rte.get_full_name()}" in body and "a secret" not in body


def test_a_team_member_cannot_remove_someone_elses_comment(rte, team_member, feature):
    comment = comment_add(target=feature, body="mine", actor=rte)
    with pytest.raises(NotAllowed):
        comment_remove(comment=comment, expected_version=1, actor=team_member)
    with pytest.raises(Conflict):
        comment_remove(
            comment=comment_remove(comment=comment, expected_version=1, actor=rte),
            expected_version=2,
            actor=rte,
        )


# --- the page: escaping, htmx add/edit/remove, permissions --------------------------------------------


def test_a_comment_is_escaped_and_its_mentions_highlighted_in_the_dialog(client, rte, scrum_master, feature):
    comment_add(target=feature, body='<script>alert("x")</script> @sm\nsecond line', actor=rte)
    client.force_login(rte)
    body = client.get(reverse("planning:feature_edit", args=["orbit", feature.pk]), **HTMX).content.decode()
    assert "<script>alert" not in body and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert '<span class="mention" title="sm Example">@sm</span><br>second line' in body or (
        'class="mention"' in body and "<br>second line" in body
    )


def test_a_member_adds_a_comment_with_htmx_and_gets_the_conversation_back(client, team_member, feature):
    client.force_login(team_member)
    response = client.post(comments_url(feature.train, "feature", feature), {"body": "On it"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="conversation-feature-{feature.pk}"' in body and "On it" in body
    assert Comment.objects.get().author == team_member


def test_an_empty_comment_comes_back_with_its_message(client, team_member, feature):
    client.force_login(team_member)
    response = client.post(comments_url(feature.train, "feature", feature), {"body": " "}, **HTMX)
    assert response.status_code == 422 and "Write something first." in response.content.decode()


def test_a_viewer_sees_the_conversation_without_a_form_and_a_post_is_refused(client, rte, viewer, feature):
    comment_add(target=feature, body="hello all", actor=rte)
    client.force_login(viewer)
    body = client.get(comments_url(feature.train, "feature", feature), **HTMX).content.decode()
    assert "hello all" in body and 'name="body"' not in body
    assert (
        client.post(comments_url(feature.train, "feature", feature), {"body": "x"}, **HTMX).status_code == 403
    )


def test_an_outsider_finds_no_conversation(client, outsider, feature):
    client.force_login(outsider)
    assert client.get(comments_url(feature.train, "feature", feature)).status_code == 404


def test_the_author_edits_and_removes_with_htmx(client, scrum_master, feature):
    comment = comment_add(target=feature, body="typo heer", actor=scrum_master)
    client.force_login(scrum_master)
    form = client.get(f"{comments_url(feature.train, 'feature', feature)}?edit={comment.pk}", **HTMX)
    assert 'name="version" value="1"' in form.content.decode()
    edit_url = reverse("conversation:comment_edit", args=["orbit", comment.pk])
    response = client.post(edit_url, {"body": "typo here", "version": 1}, **HTMX)
    assert response.status_code == 200 and "typo here" in response.content.decode()
    remove_url = reverse("conversation:comment_remove", args=["orbit", comment.pk])
    response = client.post(remove_url, {"version": 2}, **HTMX)
    assert (
        response.status_code == 200
        and f"removed by {scrum_master.get_full_name()}" in response.content.decode()
    )


def test_a_stale_edit_is_refused(client, scrum_master, feature):
    comment = comment_add(target=feature, body="one", actor=scrum_master)
    comment_edit(comment=comment, body="two", expected_version=1, actor=scrum_master)
    client.force_login(scrum_master)
    edit_url = reverse("conversation:comment_edit", args=["orbit", comment.pk])
    assert client.post(edit_url, {"body": "three", "version": 1}, **HTMX).status_code == 409


def test_comments_show_on_the_dependency_dialog_the_risk_and_the_impediment_pages(
    client, rte, train, pi, team, other_team
):
    dependency = DependencyFactory(pi=pi, requesting_team=team, providing_team=other_team)
    risk = RiskFactory(train=train, pi=pi)
    impediment = ImpedimentFactory(team=team)
    client.force_login(rte)
    for target, url in (
        (dependency, reverse("planning:dependency_edit", args=["orbit", dependency.pk])),
        (risk, reverse("risks:risk_detail", args=["orbit", risk.pk])),
        (impediment, reverse("risks:impediment_detail", args=["orbit", impediment.pk])),
    ):
        comment_add(target=target, body=f"about {type(target).__name__}", actor=rte)
        body = client.get(url).content.decode()
        assert f"about {type(target).__name__}" in body and "Add a comment" in body


# --- the inbox -----------------------------------------------------------------------------------


def test_the_header_counts_unread_items_and_opening_one_marks_it_read(client, rte, scrum_master, feature):
    comment = comment_add(target=feature, body="@sm one", actor=rte)
    comment_add(target=feature, body="@sm two", actor=rte)
    client.force_login(scrum_master)
    page = client.get(reverse("conversation:inbox")).content.decode()
    assert reverse("conversation:inbox_count") in page and page.count("inbox-item unread") == 2
    count = client.get(reverse("conversation:inbox_count"), **HTMX).content.decode()
    assert '<span class="inbox-count">2<' in count
    item = InboxItem.objects.get(event=f"comment:{comment.pk}")
    response = client.get(reverse("conversation:inbox_open", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == item.url
    item.refresh_from_db()
    assert item.read_at is not None
    assert '<span class="inbox-count">1<' in client.get(reverse("conversation:inbox_count")).content.decode()
    client.post(reverse("conversation:inbox_read_all"))
    assert client.get(reverse("conversation:inbox_count")).content.decode().strip() == ""


def test_nobody_opens_someone_elses_inbox_item(client, rte, scrum_master, feature):
    comment_add(target=feature, body="@sm one", actor=rte)
    client.force_login(rte)
    item = InboxItem.objects.get()
    assert client.get(reverse("conversation:inbox_open", args=[item.pk])).status_code == 404


def test_the_header_count_costs_one_count_and_no_page_a_query(
    client, rte, scrum_master, feature, django_assert_num_queries
):
    comment_add(target=feature, body="@sm one", actor=rte)
    client.force_login(scrum_master)
    client.get(reverse("conversation:inbox_count"))
    with django_assert_num_queries(2):  # the user (the session is cached), the COUNT
        client.get(reverse("conversation:inbox_count"), **HTMX)
    with django_assert_num_queries(2):  # the user, the inbox itself: the count is not the page's
        client.get(reverse("conversation:inbox"))


def test_one_item_per_person_and_event(rte, scrum_master, feature):
    for _ in range(2):
        inbox_notify(
            user_ids=[scrum_master.pk, scrum_master.pk],
            train_id=feature.train_id,
            kind="mention",
            event="x:1",
            target=feature,
            text="t",
            url="/",
        )
    assert InboxItem.objects.count() == 1


def test_an_escalated_impediment_reaches_its_raiser_and_owner(rte, scrum_master, team_member, team):
    impediment = ImpedimentFactory(team=team, raised_by=scrum_master, owner=team_member)
    impediment_escalate(impediment=impediment, note="Needs the ART", actor=rte, expected_version=1)
    items = InboxItem.objects.order_by("user__username")
    assert [(i.user.username, i.kind) for i in items] == [
        ("member", "impediment_escalated"),
        ("sm", "impediment_escalated"),
    ]
    assert "escalated to the ART level" in items[0].text


def test_a_risk_due_tells_its_owner_once(scrum_master, train):
    today = timezone.localdate()
    RiskFactory(train=train, owner=scrum_master, due_date=today, title="Vendor late")
    RiskFactory(train=train, owner=scrum_master, due_date=today + timedelta(days=3))
    RiskFactory(train=train, owner=scrum_master, due_date=today, roam_status="resolved")
    assert inbox_risks_due(today=today) == 1
    assert inbox_risks_due(today=today) == 0
    assert "“Vendor late” you own was due today" in InboxItem.objects.get(kind="risk_due").text


def test_a_move_that_turns_a_string_red_tells_the_requesting_teams_sm_and_po(
    rte, train, upcoming_pi, team, other_team
):
    iterations = list(upcoming_pi.iterations.order_by("number"))
    requesting_sm = UserFactory(username="gemini-sm")
    MembershipFactory(user=requesting_sm, train=train, team=other_team, role=Role.SCRUM_MASTER)
    requesting_po = UserFactory(username="gemini-po")
    MembershipFactory(user=requesting_po, train=train, team=other_team, role=Role.PRODUCT_OWNER)
    provider = FeatureFactory(train=train, pi=upcoming_pi, team=team, iteration=iterations[0])
    DependencyFactory(
        pi=upcoming_pi,
        requesting_team=other_team,
        providing_team=team,
        providing_feature=provider,
        needed_by_iteration=iterations[1],
        description="Payments API",
    )
    # Within the needed-by iteration: amber, not red; nobody is told.
    feature_move(
        feature=provider, team_id=team.pk, iteration_id=iterations[1].pk, expected_version=1, actor=rte
    )
    assert not InboxItem.objects.exists()
    feature_move(
        feature=provider, team_id=team.pk, iteration_id=iterations[2].pk, expected_version=2, actor=rte
    )
    items = InboxItem.objects.filter(kind="dependency_red").order_by("user__username")
    assert [i.user.username for i in items] == ["gemini-po", "gemini-sm"]
    assert "“Payments API” turned red" in items[0].text
    # Still red after another late move: nobody is told again.
    feature_move(
        feature=provider, team_id=team.pk, iteration_id=iterations[3].pk, expected_version=3, actor=rte
    )
    assert InboxItem.objects.count() == 2


def test_a_dependency_blocked_tells_the_requesting_team(
    rte, scrum_master, train, upcoming_pi, team, other_team
):
    iterations = list(upcoming_pi.iterations.order_by("number"))
    provider = FeatureFactory(train=train, pi=upcoming_pi, team=other_team, iteration=iterations[0])
    dependency = DependencyFactory(
        pi=upcoming_pi,
        requesting_team=team,
        providing_team=other_team,
        providing_feature=provider,
        needed_by_iteration=iterations[2],
    )
    dependency_update(dependency=dependency, expected_version=1, actor=rte, state="blocked")
    assert InboxItem.objects.get().user == scrum_master


# --- e-mail ----------------------------------------------------------------------------------------


@pytest.fixture
def email_on(settings):
    settings.INBOX_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://artops.example"


def test_the_digest_mails_each_person_once_with_all_their_items_and_never_again(
    email_on, rte, scrum_master, business_owner, feature
):
    comment_add(target=feature, body="@sm one", actor=rte)
    comment_add(target=feature, body="@sm two @bo", actor=rte)
    assert inbox_mail_send() == 2
    by_person = {message.to[0]: message for message in mail.outbox}
    assert set(by_person) == {"sm@example.com", "bo@example.com"}
    assert "2 new items" in by_person["sm@example.com"].subject
    assert (
        "“@sm one”" in by_person["sm@example.com"].body
        and "“@sm two @bo”" in by_person["sm@example.com"].body
    )
    assert "https://artops.example/inbox/" in by_person["sm@example.com"].body
    assert inbox_mail_send() == 0 and len(mail.outbox) == 2
    comment_add(target=feature, body="@sm three", actor=rte)
    assert inbox_mail_send() == 1
    assert "“@sm three”" in mail.outbox[-1].body and "“@sm one”" not in mail.outbox[-1].body


def test_what_was_read_in_the_app_is_not_mailed(email_on, rte, scrum_master, feature):
    comment_add(target=feature, body="@sm one", actor=rte)
    InboxItem.objects.update(read_at=timezone.now())
    assert inbox_mail_send() == 0 and mail.outbox == []


def test_no_mail_and_nothing_marked_when_email_is_not_configured(settings, rte, scrum_master, feature):
    settings.INBOX_EMAIL_ENABLED = False
    comment_add(target=feature, body="@sm one", actor=rte)
    assert inbox_mail_send() == 0 and mail.outbox == []
    assert InboxItem.objects.get().emailed_at is None


def test_immediate_mail_when_chosen(
    email_on, settings, rte, scrum_master, feature, django_capture_on_commit_callbacks
):
    settings.INBOX_EMAIL_IMMEDIATE = True
    with django_capture_on_commit_callbacks(execute=True):
        comment_add(target=feature, body="@sm now", actor=rte)
    assert [m.to for m in mail.outbox] == [["sm@example.com"]]
