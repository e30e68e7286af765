"""The I&A review (risks) shows the flow figures metrics stores, through risks' review hook: risks
neither imports metrics nor reads its table."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.models import Snapshot
from planning.factories import ProgramIncrementFactory

pytestmark = pytest.mark.django_db


def test_the_ia_review_shows_the_arts_latest_stored_flow_figures(client, rte, train):
    pi = ProgramIncrementFactory(train=train, name="PI 8", state="executing")
    now = timezone.now()
    for day, value in ((dt.date(2025, 3, 1), 4.0), (dt.date(2025, 3, 2), 6.0)):
        Snapshot.objects.create(
            train=train, pi=pi, metric=Snapshot.Metric.FLOW_VELOCITY, day=day, value=value, computed_at=now
        )
    Snapshot.objects.create(
        train=train,
        pi=pi,
        metric=Snapshot.Metric.FLOW_TIME,
        day=dt.date(2025, 3, 2),
        value=None,
        computed_at=now,
    )
    client.force_login(rte)

    response = client.get(reverse("risks:inspect_adapt", args=[train.slug]) + f"?pi={pi.pk}")

    flow = response.context["review"].flow
    assert [(figure.label, figure.value, figure.day) for figure in flow] == [
        ("Flow velocity (items done)", "6", dt.date(2025, 3, 2))
    ]
    assert "Flow velocity (items done)" in response.content.decode()
