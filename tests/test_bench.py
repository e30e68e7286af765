"""The benchmark's builders and measurements still run against the current models.

`make bench` is not part of `make test`; these smoke tests build tiny versions of its trains, so
a model change that breaks the bench fails here instead of at the next `make bench`.
"""

import pytest

from bench import board, metrics
from metrics.models import Snapshot
from planning.models import ConfidenceVote, Feature, VoteRound

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_board_bench_builds_its_train_and_measures_the_board_and_a_move(settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    train, pi = board.build("bench-smoke", teams=3, iterations=3, features=12, dependencies=4, milestones=1)

    figures = board.measure_board(train, pi)
    move = board.measure_move(train, pi)

    assert Feature.objects.filter(pi=pi).count() == 12
    assert figures["queries"] > 0 and figures["ratio"] > 0
    assert 0 < move["queries"] <= 9 and move["ratio_framework"] > 0 and move["raw_ratio"] > 0
    # The mover's board is current after the move: its next poll has nothing new.
    assert move["poll_status"] == 204 and 0 < move["followup_bytes"] < 15_000
    # Another open board's poll brings that move alone.
    poll = board.measure_poll(train, pi)
    assert 0 < poll["queries"] <= 8 and 0 < poll["bytes"] < 10_000 and poll["floor_ms"] > 0
    # The PI plan as a spreadsheet, through the board's Export link.
    export = board.measure_export(train, pi, runs=1)
    assert export["queries"] > 0 and export["bytes"] > 0 and export["ms"] > 0


def test_the_metrics_bench_builds_its_pis_with_votes_and_recomputes_them():
    train = metrics._train("bench-metrics-smoke", 1, 10)

    pi = train.pis.get()
    metrics._queries_of_one_recompute(pi)
    metrics._floor(pi)  # the floor's hand-written SQL still matches the tables

    assert VoteRound.objects.filter(pi=pi, team__isnull=True).count() == 1
    assert ConfidenceVote.objects.filter(round__pi=pi).exists()
    assert Snapshot.objects.filter(pi=pi).exists()
