"""The I&A review reads the same §4.1 figures the metrics app stores, on the demo train's closed PIs."""

import pytest

from artops.demo import build_demo
from metrics.models import Snapshot
from planning.models import ProgramIncrement
from risks.selectors import quantitative_review

pytestmark = pytest.mark.django_db


def test_the_ia_predictability_matches_the_metrics_snapshots_of_the_closed_pis():
    train, _ = build_demo()

    for pi in train.pis.filter(state=ProgramIncrement.State.CLOSED):
        review = quantitative_review(pi)
        stored = {
            snapshot.team_id: snapshot.value
            for snapshot in Snapshot.objects.filter(pi=pi, metric=Snapshot.Metric.PREDICTABILITY)
        }
        assert review.art.percent == pytest.approx(stored[None])
        for team, row in review.teams:
            assert row.percent == pytest.approx(stored[team.pk]), team.name
