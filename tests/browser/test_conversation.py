"""A comment with an @mention, written in a feature's dialog on the program board, reaches the
mentioned person's inbox: the unread count in the header, the inbox, and the link back to it."""

import re

import pytest
from playwright.sync_api import expect

from planning.factories import FeatureFactory
from tests.conftest import log_in
from trains.models import Comment, InboxItem

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def feature(train, upcoming_pi, team):
    iterations = list(upcoming_pi.iterations.order_by("number"))
    return FeatureFactory(
        train=train, pi=upcoming_pi, team=team, iteration=iterations[1], title="Checkout v2"
    )


def test_a_mention_in_the_board_dialog_reaches_the_mentioned_persons_inbox(
    page, rte, scrum_master, train, feature, screenshot
):
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/")
    page.locator(f"#f-{feature.pk} .ft").click()
    dialog = page.locator("#dialog-box")
    expect(dialog.get_by_role("heading", name="Comments")).to_be_visible()
    dialog.get_by_label("Add a comment").fill("@sm can Apollo finish this by I2? <b>not bold</b>")
    dialog.get_by_role("button", name="Comment").click()
    comment = dialog.locator(".comment").first
    expect(comment).to_contain_text("can Apollo finish this by I2? <b>not bold</b>")
    expect(comment.locator(".mention")).to_have_text("@sm")
    expect(dialog.get_by_label("Add a comment")).to_have_value("")
    screenshot("conversation-board-dialog")
    assert Comment.objects.get().author == rte
    page.keyboard.press("Escape")  # close the dialog (modal) before logging out
    page.get_by_role("button", name="Log out").click()

    log_in(page, "sm")
    inbox_link = page.locator(".inbox-link")
    expect(inbox_link).to_contain_text("1")
    expect(inbox_link.locator(".inbox-count")).to_have_text(re.compile(r"^1\s*unread$"))
    inbox_link.click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    item = page.locator(".inbox-item.unread")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("mentioned you on feature “Checkout v2”")
    screenshot("conversation-inbox-unread")

    item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/board/features/{feature.pk}/edit/#comment-\d+$"))
    expect(page.locator(".comment .mention")).to_have_text("@sm")
    expect(page.locator(".inbox-link .inbox-count")).to_have_count(0)
    assert InboxItem.objects.get().read_at is not None
    screenshot("conversation-followed-link")

    page.goto("/inbox/")
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    screenshot("conversation-inbox-read")
