"""Program board benchmark (issue: the program board).

Builds, deterministically and once (reused on later runs), a typical train (8 teams × 5 iterations,
40 features, 30 dependencies) and a large one (12 teams × 6 iterations, 400 features, 300
dependencies, 20 milestones), then measures, interleaved in the same run:
- the board view (server time through Django's test client, warm) against a floor replaying the
  view's own SQL through a raw cursor;
- a move (the view, HTMX request) against two floors: the same signed-in request through a minimal
  Django view that only runs the guarded UPDATE and commits (bench/urls.py; the target), and a raw
  UPDATE + COMMIT of the same row (for information);
- what the mover's browser receives for one move, its answer and its next poll;
- what every other open board receives after that move (its poll brings the change alone), on the
  typical and the large train: queries (flat in the board's size), bytes and time, against the
  poll that finds nothing new (the floor);
- the PI plan exported as a spreadsheet (the board's Export link): queries on the typical and the
  large train (equal: flat in the number of features), the file's size and the server time.

The large train's PI runs now (it starts this week), so the cards move into iterations that have
not ended; a stored bench train whose iterations have ended is built afresh.
"""

import json
import random
import statistics
import time
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from planning.models import Dependency, Feature, Milestone, ProgramIncrement, Story
from planning.services import feature_move, pi_create
from trains.models import Membership, Role, Team, Train

RUNS = 25
KINDS = ["feature"] * 6 + ["enabler"] * 2 + ["defect", "debt"]
STATES = ["backlog", "implementing", "implementing", "validating", "done"]
FIB = [1, 2, 3, 5, 8, 13, 20]


def build(slug: str, teams: int, iterations: int, features: int, dependencies: int, milestones: int):
    """The bench train, built once; a later run reuses it (same seed, same shape)."""
    train = Train.objects.filter(slug=slug).first()
    if train is not None:
        pi = ProgramIncrement.objects.get(train=train)
        if pi.iterations.get(number=2).end_date >= timezone.localdate():
            return train, pi
        train.delete()  # built weeks ago: its first iterations have ended since
    start = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    rng = random.Random(f"{slug}-{teams}-{features}")
    with transaction.atomic():
        train = Train.objects.create(name=f"Bench {slug}", slug=slug, iterations_per_pi=iterations)
        team_rows = Team.objects.bulk_create(
            Team(train=train, name=f"Team {n:02d}", position=n) for n in range(teams)
        )
        pi = pi_create(train=train, name="PI 1", start_date=start, iteration_count=iterations)
        pi.state = ProgramIncrement.State.EXECUTING
        pi.save(update_fields=["state"])
        its = list(pi.iterations.order_by("number"))
        rows = []
        for n in range(features):
            planned = rng.random() > 0.08
            state = rng.choice(STATES)
            rows.append(
                Feature(
                    train=train,
                    pi=pi,
                    team=team_rows[n % teams] if planned else None,
                    iteration=rng.choice(its[:-1]) if planned else None,
                    title=f"Feature {n:03d} {rng.choice(['checkout', 'billing', 'search', 'partner', 'mobile'])}",
                    kind=rng.choice(KINDS),
                    state=state,
                    done_at=None if state != "done" else pi.start_date and _at(pi.start_date),
                    business_value=rng.choice(FIB),
                    time_criticality=rng.choice(FIB),
                    risk_reduction=rng.choice(FIB),
                    job_size=rng.choice(FIB),
                )
            )
        feature_rows = Feature.objects.bulk_create(rows)
        Story.objects.bulk_create(
            Story(
                team=f.team or team_rows[0],
                feature=f,
                iteration=f.iteration,
                title=f"Story {f.pk}-{k}",
                points=rng.choice([1, 2, 3, 5, 8]),
            )
            for f in feature_rows
            for k in range(3)
        )
        deps = []
        while len(deps) < dependencies:
            a, b = rng.sample(feature_rows, 2)
            if a.team_id is None or b.team_id is None or a.team_id == b.team_id:
                continue
            state = rng.choice(["requested", "committed", "committed", "blocked", "delivered", "cancelled"])
            deps.append(
                Dependency(
                    pi=pi,
                    requesting_team_id=a.team_id,
                    providing_team_id=b.team_id,
                    requesting_feature=a,
                    providing_feature=b,
                    needed_by_iteration=a.iteration,
                    description=f"Need {len(deps)}",
                    state=state,
                    created_at=_at(pi.start_date),
                    resolved_at=_at(pi.start_date) if state in ("delivered", "cancelled") else None,
                )
            )
        Dependency.objects.bulk_create(deps)
        Milestone.objects.bulk_create(
            Milestone(pi=pi, name=f"Milestone {n}", date=rng.choice(its).start_date)
            for n in range(milestones)
        )
        user, _ = get_user_model().objects.get_or_create(username="bench-rte")
        Membership.objects.create(user=user, train=train, role=Role.RTE)
    return train, pi


def _at(day):
    from datetime import datetime, time

    from django.utils import timezone

    return datetime.combine(day, time(10), tzinfo=timezone.get_current_timezone())


def _client() -> Client:
    """The bench RTE, signed in, with CSRF checked as in production (the token sent as htmx sends it)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(get_user_model().objects.get(username="bench-rte"))
    client.get(reverse("trains:home"))  # sets the CSRF cookie
    return client


def _post_as_htmx(client: Client, url: str, data: dict):
    """As htmx sends a drop: a form-urlencoded body (the test client's default is multipart)."""
    return client.post(
        url,
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        HTTP_HX_REQUEST="true",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )


def _received_bytes(response) -> int:
    """What the browser receives: the status line, the headers and the body."""
    headers = sum(len(name) + len(value) + 4 for name, value in response.items())
    return (
        len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n")
        + headers
        + 2
        + len(response.content)
    )


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _replay(sqls: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql)
            if cursor.description:
                cursor.fetchall()


def measure_board(train, pi) -> dict:
    client = _client()
    url = reverse("planning:board", args=[train.slug]) + f"?pi={pi.pk}"
    for _ in range(3):
        client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    sqls = [q["sql"] for q in captured.captured_queries]
    views, floors, ratios = [], [], []
    for _ in range(RUNS):
        view = _timed(lambda: client.get(url))
        floor = _timed(lambda: _replay(sqls))
        views.append(view)
        floors.append(floor)
        ratios.append(view / floor)
    return {
        "queries": len(sqls),
        "html_bytes": len(response.content),
        "ms": statistics.median(views),
        "floor_ms": statistics.median(floors),
        "ratio": statistics.median(ratios),
    }


@override_settings(ROOT_URLCONF="bench.urls")  # the product's URLs and the floor's view
def measure_move(train, pi) -> dict:
    client = _client()
    its = [it for it in pi.iterations.order_by("number") if it.end_date >= timezone.localdate()]
    teams = list(train.teams.order_by("position")[:2])
    # A card not done that provides strings: its move is guarded against ended iterations and
    # answers with the strings it re-rated (the dearer path).
    feature = (
        Feature.objects.filter(pi=pi, team__isnull=False, dependencies_provided__isnull=False)
        .exclude(state=Feature.State.DONE)
        .order_by("pk")
        .first()
    )
    url = reverse("planning:feature_move", args=[train.slug, feature.pk])
    floor_url = reverse("bench_move_floor", args=[feature.pk])
    places = [(teams[0], its[0]), (teams[1], its[1])]

    def to(n: int, url: str):
        team, iteration = places[n % 2]
        # Read outside the measured request: the card's version and the board's, as the page has them.
        version = Feature.objects.values_list("version", flat=True).get(pk=feature.pk)
        board = ProgramIncrement.objects.values_list("board_version", flat=True).get(pk=pi.pk)
        data = {"team": team.pk, "iteration": iteration.pk, "version": version, "board_version": board}
        return lambda: _post_as_htmx(client, url, data)

    # Warm up with a move each way, so the measured one is never a first (a no-op move, or the
    # first change of a PI creating its metrics row).
    to(0, url)()
    to(1, url)()
    request = to(0, url)
    with CaptureQueriesContext(connection) as captured:
        response = request()
    # Read now: Django clears the query log when the next request starts.
    statements = [q["sql"] for q in captured.captured_queries]
    assert response.status_code == 200, response.content[:300]
    # The mover's next poll, from the version the move's answer gave the board.
    version = json.loads(response["HX-Trigger"])["board:moved"]["board_version"]
    poll = client.get(
        reverse("planning:board_changes", args=[train.slug]),
        {"pi": pi.pk, "since": version},
        HTTP_HX_REQUEST="true",
    )
    followup_bytes = _received_bytes(response) + _received_bytes(poll)

    def raw_floor(n: int):
        team, iteration = places[n % 2]

        def run():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE planning_feature SET team_id = %s, iteration_id = %s, version = version + 1 WHERE id = %s",
                    [team.pk, iteration.pk, feature.pk],
                )

        return run

    moves, framework_floors, raw_floors = [], [], []
    for n in range(RUNS):
        moves.append(_timed(to(n, url)))
        framework_floors.append(_timed(to(n + 1, floor_url)))
        raw_floors.append(_timed(raw_floor(n)))
    assert to(0, floor_url)().status_code in (204, 409)
    control = {"BEGIN", "COMMIT", "ROLLBACK"}  # transaction control, not queries
    ratios = [m / f for m, f in zip(moves, framework_floors, strict=True)]
    return {
        "queries": sum(sql not in control for sql in statements),
        "statements": statements,
        "ms": statistics.median(moves),
        "framework_floor_ms": statistics.median(framework_floors),
        "ratio_framework": statistics.median(ratios),
        "raw_floor_ms": statistics.median(raw_floors),
        "raw_ratio": statistics.median([m / f for m, f in zip(moves, raw_floors, strict=True)]),
        "followup_bytes": followup_bytes,
        "poll_status": poll.status_code,
    }


def measure_poll(train, pi) -> dict:
    """Another open board's poll after a move it did not make, against its poll with nothing new."""
    watcher = _client()
    url = reverse("planning:board_changes", args=[train.slug])
    feature = (
        Feature.objects.filter(pi=pi, team__isnull=False).exclude(state=Feature.State.DONE).order_by("pk")[1]
    )
    its = [it for it in pi.iterations.order_by("number") if it.end_date >= timezone.localdate()]
    places = [(feature.team_id, its[0].pk), (feature.team_id, its[1].pk)]

    def remote_move(n: int) -> int:
        """Someone else's move (outside the measured request); the board version before it."""
        seen = ProgramIncrement.objects.values_list("board_version", flat=True).get(pk=pi.pk)
        current = Feature.objects.select_related("pi").get(pk=feature.pk)
        current.train = train
        team, iteration = places[n % 2]
        feature_move(feature=current, team_id=team, iteration_id=iteration, expected_version=current.version)
        return seen

    def poll(since: int):
        return watcher.get(url, {"pi": pi.pk, "since": since}, HTTP_HX_REQUEST="true")

    remote_move(0)  # warm
    since = remote_move(1)
    with CaptureQueriesContext(connection) as captured:
        response = poll(since)
    queries = len(captured.captured_queries)  # now: the next request clears the query log
    assert response.status_code == 200 and response["Content-Type"] == "application/json", response
    polls, floors = [], []
    for n in range(RUNS):
        since = remote_move(n)
        polls.append(_timed(lambda since=since: poll(since)))
        floors.append(_timed(lambda since=since: poll(since + 1)))  # nothing new since: 204
    return {
        "queries": queries,
        "bytes": _received_bytes(response),
        "ms": statistics.median(polls),
        "floor_ms": statistics.median(floors),
    }


def measure_export(train, pi, runs: int = 9) -> dict:
    """The PI plan as a spreadsheet (planning/exports.py, the board's Export link): queries (flat in
    the number of features), the file's size and the median server time, warm."""
    client = _client()
    url = reverse("planning:pi_plan_export", args=[train.slug, "xlsx"]) + f"?pi={pi.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    # Counted now: the capture reads the connection's log, which the next request empties.
    queries = len(captured.captured_queries)
    assert response.status_code == 200, response.status_code
    times = [_timed(lambda: client.get(url)) for _ in range(runs)]
    return {
        "queries": queries,
        "bytes": len(response.content),
        "ms": statistics.median(times),
    }


def run() -> dict:
    typical = build("bench-typical", teams=8, iterations=5, features=40, dependencies=30, milestones=4)
    large = build("bench-large", teams=12, iterations=6, features=400, dependencies=300, milestones=20)
    with connection.cursor() as cursor:  # statistics for the rows just built, before measuring
        cursor.execute("ANALYZE")
    board_typical = measure_board(*typical)
    board_large = measure_board(*large)
    move = measure_move(*large)
    poll_typical = measure_poll(*typical)
    poll_large = measure_poll(*large)
    export_typical = measure_export(*typical)
    export_large = measure_export(*large)
    return {
        "board_queries_typical": board_typical["queries"],
        "board_queries_large": board_large["queries"],
        "board_html_bytes_large": board_large["html_bytes"],
        "board_ms_typical": round(board_typical["ms"], 2),
        "board_ms_large": round(board_large["ms"], 2),
        "board_floor_ms_large": round(board_large["floor_ms"], 2),
        "board_ratio_large": round(board_large["ratio"], 2),
        "move_queries": move["queries"],
        "move_queries_detail": [sql.split(" WHERE ")[0][:90] for sql in move["statements"]],
        "move_ms": round(move["ms"], 2),
        "move_framework_floor_ms": round(move["framework_floor_ms"], 2),
        "move_ratio_framework": round(move["ratio_framework"], 2),
        "move_floor_ms": round(move["raw_floor_ms"], 2),
        "move_ratio": round(move["raw_ratio"], 2),
        "move_followup_bytes_large": move["followup_bytes"],
        "move_followup_poll_status": move["poll_status"],
        "poll_after_remote_move_queries_typical": poll_typical["queries"],
        "poll_after_remote_move_queries_large": poll_large["queries"],
        "poll_after_remote_move_bytes_large": poll_large["bytes"],
        "poll_after_remote_move_ms_large": round(poll_large["ms"], 2),
        "poll_nothing_new_ms_large": round(poll_large["floor_ms"], 2),
        "poll_ratio_large": round(poll_large["ms"] / poll_large["floor_ms"], 2),
        "export_xlsx_queries_typical": export_typical["queries"],
        "export_xlsx_queries_large": export_large["queries"],
        "export_xlsx_bytes_large": export_large["bytes"],
        "export_xlsx_ms_large": round(export_large["ms"], 2),
    }
