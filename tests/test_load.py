"""`make load` in small: a few boards and planners for a few seconds, over real HTTP to gunicorn with
the production settings, a Celery worker, PostgreSQL and Redis (bench/load.py, the same harness).

Nothing is timed here (the machine is shared): the test holds what must never happen under load,
at any speed: a 5xx, a move answered as accepted that is not on the board (lost), a change nobody
was told of (phantom), a board that does not come to show the server's board.
"""

import pytest
from django.db import connection

from bench import board, load


@pytest.mark.django_db(transaction=True)
@pytest.mark.xdist_group("stack")
@pytest.mark.services
def test_boards_and_planners_over_http_lose_no_move_see_no_phantom_and_converge(postgres, redis_url):
    train, pi = board.build("load-smoke", teams=3, iterations=3, features=12, dependencies=4, milestones=1)
    config = load.Config(
        boards=5,
        planners=3,
        moves_per_s=3.0,
        hot_cards=2,  # the planners fight over two cards: stale versions (409), reloads and retries
        duration=5.0,
        poll_interval=1.0,  # the browser's 3 s, quickened: a few seconds hold several polls per board
        settle=30.0,
        time_limit=180.0,
        web_workers=2,
        worker_args=("--concurrency=1",),
        beat=False,
        setup_concurrency=3,
        http_timeout=30.0,
    )

    figures = load.load_test(
        config=config,
        train=train,
        pi=pi,
        db_url=load.database_url(connection.settings_dict),
        redis_url=redis_url,
        db_settings=dict(connection.settings_dict),
    )

    summary = {k: v for k, v in figures.items() if k != "targets"}
    assert figures["server_5xx"] == 0, summary
    assert figures["client_errors"] == 0, summary
    assert figures["moves_accepted"] > 0 and figures["polls"] > 0, summary
    assert figures["moves_refused_409"] > 0 and figures["reloads_after_409"] > 0, summary
    # Planners only drop cards into iterations that have not ended: nothing is refused on its fields.
    assert figures["moves_refused_422"] == 0 and figures["moves_other_status"] == 0, summary
    assert figures["lost_moves"] == 0 and figures["phantom_moves"] == 0, summary
    assert figures["server_page_matches_db"], summary
    assert figures["boards_converged"] and figures["boards_converged_count"] == config.boards, summary
    assert figures["cpu_seconds"] > 0, summary


# --- the harness's own checks: they must catch what they look for -----------------------------------

BODY = """
<div id="board-poll" hx-get="/trains/t/board/changes/?pi=7&amp;team=3" data-version="41"></div>
<div class="cell ms" role="cell"><div class="milestone">M1</div></div>
<div class="cell ip" id="cell-3-9" data-team="3" data-iteration="9" role="cell">
  <article class="fc k-feature red" id="f-12" data-version="5" tabindex="0"><a class="ft">A</a></article>
  <article class="fc k-enabler done" id="f-13" data-version="1" tabindex="0"></article>
</div>
<div class="cell" id="cell-4-9" data-team="4" data-iteration="9" role="cell"></div>
<div class="cell lane-cell" id="lane-unplanned" data-team="" data-iteration="">
  <article class="fc k-defect" id="f-20" data-version="2" tabindex="0"></article>
</div>
"""


def test_a_board_body_is_read_as_cards_in_cells_with_their_versions():
    parsed = load.parse_board(BODY)

    assert parsed["version"] == 41
    assert parsed["poll_url"] == "/trains/t/board/changes/?pi=7&team=3"
    assert parsed["cards"] == {12: ("cell-3-9", 5), 13: ("cell-3-9", 1), 20: ("lane-unplanned", 2)}
    assert set(parsed["cells"]) == {"cell-3-9", "cell-4-9", "lane-unplanned"}


def test_a_delta_moves_cards_drops_removed_ones_and_sets_the_version():
    board_view = load.Board()
    board_view.load(load.parse_board(BODY))

    board_view.apply_delta(
        {"version": 43, "cards": [{"id": 12, "cell": "cell-4-9", "version": 6, "html": ""}], "removed": [20]}
    )

    assert board_view.snapshot() == (43, {12: ("cell-4-9", 6), 13: ("cell-3-9", 1)})


def test_the_replay_finds_lost_and_phantom_moves():
    initial = {1: ("cell-1-1", 3), 2: ("cell-1-1", 1)}
    accepted = [load.Accepted(1, "cell-2-1", 4), load.Accepted(1, "cell-2-2", 5)]
    twice = [load.Accepted(1, "cell-2-1", 4), load.Accepted(1, "cell-2-2", 4)]

    def lost_and_phantom(moves, final):
        lost, phantom, _ = load.replay(initial, moves, final)
        return lost, phantom

    assert lost_and_phantom(accepted, {**initial, 1: ("cell-2-2", 5)}) == (0, 0)
    # The last accepted move is not on the board.
    assert lost_and_phantom(accepted, {**initial, 1: ("cell-2-1", 4)}) == (1, 0)
    # Two moves answered as accepted on the same version: one overwrote the other.
    assert lost_and_phantom(twice, {**initial, 1: ("cell-2-2", 4)}) == (1, 0)
    # A card moved that nobody was told had moved.
    assert lost_and_phantom(accepted, {1: ("cell-2-2", 5), 2: ("cell-3-3", 2)}) == (0, 1)
