"""The program board in a real headless Chromium against a live server."""

import re

import pytest
from playwright.sync_api import expect

from planning.factories import DependencyFactory, FeatureFactory, MilestoneFactory
from planning.models import Feature
from tests.conftest import log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def pi(upcoming_pi):
    return upcoming_pi


@pytest.fixture
def plan(train, pi, team, other_team):
    """Apollo needs an API from Gemini by I2; Gemini plans it in I1 (healthy)."""
    iterations = list(pi.iterations.order_by("number"))
    pi.state = "executing"
    pi.save()
    need = FeatureFactory(train=train, pi=pi, team=team, iteration=iterations[1], title="Checkout v2")
    give = FeatureFactory(train=train, pi=pi, team=other_team, iteration=iterations[0], title="Payments API")
    DependencyFactory(
        pi=pi,
        requesting_team=team,
        providing_team=other_team,
        requesting_feature=need,
        providing_feature=give,
        needed_by_iteration=iterations[1],
        description="refund endpoint",
    )
    MilestoneFactory(pi=pi, name="Go-live", date=iterations[2].start_date)
    return {"iterations": iterations, "need": need, "give": give}


def cell(page, team, iteration):
    return page.locator(f"#cell-{team.pk}-{iteration.pk}")


def test_drag_a_card_to_another_team_and_iteration_and_it_persists(
    page, rte, train, team, other_team, plan, screenshot
):
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/")
    target = cell(page, team, plan["iterations"][3])
    page.locator(f"#f-{plan['give'].pk}").drag_to(target)
    expect(target.locator(f"#f-{plan['give'].pk}")).to_be_visible()
    screenshot("board-after-drag")
    page.reload()
    expect(cell(page, team, plan["iterations"][3]).locator(f"#f-{plan['give'].pk}")).to_be_visible()
    feature = Feature.objects.get(pk=plan["give"].pk)
    assert (feature.team_id, feature.iteration_id) == (team.pk, plan["iterations"][3].pk)


def test_string_turns_red_when_the_provider_moves_past_needed_by_and_back_when_fixed(
    page, rte, train, other_team, plan, screenshot
):
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/")
    expect(page.locator("#red-count")).to_contain_text("0 red strings")
    expect(page.locator("#strings path.healthy")).to_have_count(1)
    expect(page.locator("#strings path.healthy")).to_be_hidden()  # by default only strings needing attention
    page.locator("#strings-mode").select_option("all")
    expect(page.locator("#strings path.healthy")).to_be_attached()
    expect(page.locator("#strings path.healthy")).to_have_class("str healthy")  # waits for the redraw
    page.locator(f"#f-{plan['give'].pk}").drag_to(cell(page, other_team, plan["iterations"][2]))
    expect(page.locator("#red-count")).to_contain_text("1 red string")
    expect(page.locator("#strings path.conflict")).to_have_count(1)
    expect(page.locator(f"#f-{plan['give'].pk}")).to_have_class(re.compile(r"\bred\b"))
    expect(page.locator(f"#f-{plan['need'].pk}")).to_have_class(re.compile(r"\bred\b"))
    screenshot("board-red-string")
    page.locator(f"#f-{plan['give'].pk}").drag_to(cell(page, other_team, plan["iterations"][0]))
    expect(page.locator("#red-count")).to_contain_text("0 red strings")
    expect(page.locator("#strings path.healthy")).to_have_count(1)
    expect(page.locator(f"#f-{plan['need'].pk}")).not_to_have_class(re.compile(r"\bred\b"))


def test_a_stale_move_in_a_second_browser_is_refused_with_a_message(
    browser, live_server, rte, train, team, other_team, plan
):
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
        pages.append(context.new_page())
    first, second = pages
    # The second board must not refresh itself before its user acts: hold its polling back.
    second.route("**/board/changes/**", lambda route: route.abort())
    for p in pages:
        log_in(p, "rte")
        p.goto(f"/trains/{train.slug}/board/")
    first.locator(f"#f-{plan['give'].pk}").drag_to(cell(first, team, plan["iterations"][2]))
    expect(cell(first, team, plan["iterations"][2]).locator(f"#f-{plan['give'].pk}")).to_be_visible()
    second.locator(f"#f-{plan['give'].pk}").drag_to(cell(second, other_team, plan["iterations"][3]))
    # Said in the page's alert area, as every refusal is (static/js/app.js).
    expect(second.locator("#page-alert").get_by_role("alert")).to_contain_text("changed by someone else")
    # The refused board refreshes to the current plan.
    expect(cell(second, team, plan["iterations"][2]).locator(f"#f-{plan['give'].pk}")).to_be_visible()
    feature = Feature.objects.get(pk=plan["give"].pk)
    assert (feature.team_id, feature.iteration_id) == (team.pk, plan["iterations"][2].pk)
    for p in pages:
        p.context.close()


def test_keyboard_move_through_the_move_to_dialog(page, rte, train, team, plan):
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/")
    card = page.locator(f"#f-{plan['give'].pk}")
    card.focus()
    page.keyboard.press("m")
    dialog = page.locator("#dialog-box")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Team").select_option(label=team.name)
    dialog.get_by_label("Iteration").select_option(index=4)
    dialog.get_by_role("button", name="Move").press("Enter")
    expect(cell(page, team, plan["iterations"][3]).locator(f"#f-{plan['give'].pk}")).to_be_visible()
    expect(dialog).to_be_hidden()


def test_the_dependency_dialog_keeps_every_field_inside_it_with_long_feature_titles(
    page, rte, train, pi, team, plan, screenshot
):
    FeatureFactory(train=train, pi=pi, team=team, title="A very long feature title " * 6)
    log_in(page, "rte")
    page.goto(f"/trains/{train.slug}/board/")
    page.get_by_text("+ Dependency").click()
    dialog = page.locator("#dialog-box")
    expect(dialog.get_by_label("Providing feature")).to_be_visible()
    right = dialog.bounding_box()["x"] + dialog.bounding_box()["width"]
    for field in dialog.locator("select, input:not([type=hidden])").all():
        box = field.bounding_box()
        assert box["x"] + box["width"] <= right, field.get_attribute("name")
    screenshot("board-dependency-dialog")


def test_viewer_cannot_move_anything(page, viewer, train, other_team, plan, screenshot):
    log_in(page, "viewer")
    page.goto(f"/trains/{train.slug}/board/")
    expect(page.get_by_text("Read-only")).to_be_visible()
    expect(page.locator(".fc[draggable=true]")).to_have_count(0)
    expect(page.get_by_text("Move to…")).to_have_count(0)
    page.locator(f"#f-{plan['give'].pk}").drag_to(cell(page, other_team, plan["iterations"][3]))
    page.wait_for_timeout(300)
    assert Feature.objects.get(pk=plan["give"].pk).iteration_id == plan["iterations"][0].pk
    screenshot("board-viewer")


def test_another_open_board_shows_a_move_within_seconds_without_reloading(
    browser, live_server, rte, train, team, plan
):
    pages = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
        pages.append(context.new_page())
    mover, watcher = pages
    for p in pages:
        log_in(p, "rte")
        p.goto(f"/trains/{train.slug}/board/")
    watcher.evaluate("window.__stillTheSamePage = true")
    watcher.evaluate("document.getElementById('board-wrap').__sameBody = true")
    mover.locator(f"#f-{plan['give'].pk}").drag_to(cell(mover, team, plan["iterations"][3]))
    moved = cell(watcher, team, plan["iterations"][3]).locator(f"#f-{plan['give'].pk}")
    expect(moved).to_be_visible(timeout=8000)
    assert watcher.evaluate("window.__stillTheSamePage") is True  # refreshed in place, not reloaded
    # Only the change came: the board's body is the one it had, the card and its string patched in.
    assert watcher.evaluate("document.getElementById('board-wrap').__sameBody") is True
    expect(moved).to_have_class(re.compile(r"\bred\b"))
    expect(watcher.locator("#red-count strong")).to_have_text("1")
    for p in pages:
        p.context.close()
