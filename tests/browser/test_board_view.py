"""The board for the room: compact, fitted to the screen and on the wall, with strings that never run
across a card's text. Screenshots in test-artifacts/board-view/."""

import pytest
from django.contrib.auth import get_user_model

from artops.demo import build_demo
from bench.board import build
from tests.conftest import ARTIFACTS, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

FOLDER = ARTIFACTS / "board-view"
ROOM_SCREEN = {"width": 1440, "height": 900}

# Every drawn string sampled along its length: points inside a card (its text box, a little
# inset) other than the two cards it joins; with `seen`, only where the string shows on top of the
# card there (it runs under cards). Read in the page, as the user sees it.
STRINGS_ACROSS_CARDS = """(seen) => {
  const wrap = document.getElementById('board-wrap');
  const origin = wrap.getBoundingClientRect();
  const cards = [...wrap.querySelectorAll('.fc')].map(c => [c.id, c.getBoundingClientRect()]);
  const crossings = [];
  for (const path of document.querySelectorAll('#strings path')) {
    const ends = ['f-' + path.dataset.from, 'f-' + path.dataset.to];
    const length = path.getTotalLength();
    for (let at = 0; at <= length; at += 4) {
      const p = path.getPointAtLength(at);
      const x = p.x + origin.left - wrap.scrollLeft, y = p.y + origin.top - wrap.scrollTop;
      for (const [id, r] of cards) {
        if (ends.includes(id)) continue;
        if (!(x > r.left + 3 && x < r.right - 3 && y > r.top + 3 && y < r.bottom - 3)) continue;
        if (!seen || document.elementFromPoint(x, y) === path) crossings.push([path.dataset.from, path.dataset.to, id]);
      }
    }
  }
  return {paths: document.querySelectorAll('#strings path').length, crossings};
}"""

NO_INNER_SCROLL = """() => {
  const wrap = document.getElementById('board-wrap');
  return {
    scrolls: wrap.scrollHeight > wrap.clientHeight + 1 || wrap.scrollWidth > wrap.clientWidth + 1,
    bottom: wrap.getBoundingClientRect().bottom,
    right: wrap.getBoundingClientRect().right,
    zoom: Number(document.querySelector('.board-grid').style.zoom),
  };
}"""


@pytest.fixture
def demo(transactional_db):
    train, _ = build_demo()
    return train


@pytest.fixture
def room_page(browser, live_server):
    context = browser.new_context(viewport=ROOM_SCREEN, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def show_all_strings(page):
    page.select_option("#strings-mode", "all")
    page.wait_for_timeout(100)


def test_the_view_is_kept_per_user_and_the_strings_never_cross_a_cards_text(room_page, demo):
    FOLDER.mkdir(parents=True, exist_ok=True)
    page = room_page
    log_in(page, "rte")
    page.goto("/trains/aurora/board/")
    show_all_strings(page)
    # One card a row: every string in the gutters, none even under a card.
    drawn = page.evaluate(STRINGS_ACROSS_CARDS, False)
    assert drawn["paths"] > 5 and drawn["crossings"] == [], drawn
    page.screenshot(path=str(FOLDER / "demo-normal.png"))

    page.select_option("#board-mode", "compact")
    assert "board-compact" in page.evaluate("document.body.className")
    page.click("#zoom-out")
    assert page.text_content("#zoom-level") == "90%"
    # Cards side by side: a string leaving a card may pass under its neighbour, never over it.
    drawn = page.evaluate(STRINGS_ACROSS_CARDS, True)
    assert drawn["paths"] > 5 and drawn["crossings"] == [], drawn
    page.screenshot(path=str(FOLDER / "demo-compact.png"))

    page.reload()  # the choice stays with this user
    assert "board-compact" in page.evaluate("document.body.className")
    assert page.text_content("#zoom-level") == "90%"
    page.context.clear_cookies()
    log_in(page, "sm")
    page.goto("/trains/aurora/board/")
    assert "board-compact" not in page.evaluate("document.body.className")  # another user's choice
    assert page.text_content("#zoom-level") == "100%"


def test_a_compact_cards_whole_title_shows_on_focus(room_page, demo):
    page = room_page
    log_in(page, "rte")
    page.goto("/trains/aurora/board/?view=compact")
    titles = page.locator(".board-grid .fc .ft")
    clipped = None
    for i in range(titles.count()):
        if titles.nth(i).evaluate("t => t.scrollHeight > t.clientHeight + 1"):
            clipped = titles.nth(i)
            break
    assert clipped is not None, "no title long enough to be cut on two lines"
    assert clipped.get_attribute("title")  # the whole title on hover
    clipped.evaluate("t => t.closest('.fc').focus()")
    assert clipped.evaluate("t => t.scrollHeight <= t.clientHeight + 1")


def test_the_large_trains_board_fits_a_1440_by_900_screen(room_page, transactional_db):
    build("bench-large", teams=12, iterations=6, features=400, dependencies=300, milestones=20)
    rte = get_user_model().objects.get(username="bench-rte")
    rte.set_password("bench")
    rte.save()
    page = room_page
    log_in(page, "bench-rte", "bench")
    page.goto("/trains/bench-large/board/?view=fit")
    page.wait_for_timeout(200)
    fitted = page.evaluate(NO_INNER_SCROLL)
    page.screenshot(path=str(FOLDER / "large-fit.png"))
    assert not fitted["scrolls"] and fitted["bottom"] <= ROOM_SCREEN["height"], fitted
    assert page.locator(".board-grid .rh:not(.ms)").count() == 12


def test_the_demo_board_on_the_wall_shows_only_the_board_fitted(room_page, demo):
    page = room_page
    log_in(page, "rte")
    page.goto("/trains/aurora/board/")
    page.click("#wall-mode")
    page.wait_for_timeout(300)
    assert page.locator(".topbar").is_hidden() and page.locator(".lane").is_hidden()
    fitted = page.evaluate(NO_INNER_SCROLL)
    page.screenshot(path=str(FOLDER / "demo-wall.png"))
    assert not fitted["scrolls"] and fitted["bottom"] <= ROOM_SCREEN["height"], (
        fitted,
        page.evaluate("[document.body.className, !!document.fullscreenElement, innerHeight]"),
    )
    page.click("#wall-mode")  # and back
    assert page.locator(".topbar").is_visible()
