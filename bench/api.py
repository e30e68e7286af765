"""REST API benchmark (issue 12): the program board in one read, and a page of the feature list.

On bench.board's trains (built once by bench.board.build: a typical one of 40 features and a large
one of 400, with 300 dependencies), called with a personal token as an integration would:
- the board read's queries for both (flat: the same number) and its server time on the large one,
  against a floor replaying the view's own SQL through a raw cursor, interleaved in the same run;
- the queries of a page of 100 features out of the large train's 400.
"""

import statistics

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trains.services import api_token_create, api_token_revoke

from .board import RUNS, _replay, _timed, build


def _get(client: Client, token: str, url: str):
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response


def _captured(client: Client, token: str, url: str) -> tuple[list[str], int]:
    """The SQL of one warm call (the token's last-used time is written at most once a minute, so
    the warm-up calls take that write) and the size of its answer."""
    for _ in range(3):
        _get(client, token, url)
    with CaptureQueriesContext(connection) as captured:
        response = _get(client, token, url)
    return [q["sql"] for q in captured.captured_queries], len(response.content)


def measure_board(client: Client, token: str, train, pi) -> dict:
    url = reverse("planning-api:pi-board", args=[train.slug, pi.pk])
    sqls, size = _captured(client, token, url)
    views, floors, ratios = [], [], []
    for _ in range(RUNS):
        view = _timed(lambda: _get(client, token, url))
        floor = _timed(lambda: _replay(sqls))
        views.append(view)
        floors.append(floor)
        ratios.append(view / floor)
    return {
        "queries": len(sqls),
        "bytes": size,
        "ms": statistics.median(views),
        "floor_ms": statistics.median(floors),
        "ratio": statistics.median(ratios),
    }


def run() -> dict:
    typical = build("bench-typical", teams=8, iterations=5, features=40, dependencies=30, milestones=4)
    large = build("bench-large", teams=12, iterations=6, features=400, dependencies=300, milestones=20)
    with connection.cursor() as cursor:  # statistics for rows just built, before measuring
        cursor.execute("ANALYZE")
    user = get_user_model().objects.get(username="bench-rte")
    token, raw = api_token_create(user=user, name="bench.api")
    try:
        client = Client()
        board_typical = measure_board(client, raw, *typical)
        board_large = measure_board(client, raw, *large)
        train, pi = large
        features, _ = _captured(
            client,
            raw,
            reverse("planning-api:feature-list", args=[train.slug]) + f"?pi={pi.pk}&page_size=100",
        )
    finally:
        api_token_revoke(token=token, actor=None)
    return {
        "api_board_queries_typical": board_typical["queries"],
        "api_board_queries_large": board_large["queries"],
        "api_board_bytes_large": board_large["bytes"],
        "api_board_ms_typical": round(board_typical["ms"], 2),
        "api_board_ms_large": round(board_large["ms"], 2),
        "api_board_floor_ms_large": round(board_large["floor_ms"], 2),
        "api_board_ratio_large": round(board_large["ratio"], 2),
        "api_feature_list_queries": len(features),
    }
