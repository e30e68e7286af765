"""The demo train, built once for every test of tests/backup, with a row in each table the demo
leaves empty (a conversation, delivery events, a PI reopening, a risk's links to a dependency and
an objective, a release checklist's teams), and its backup written once.

As tests/demo does: built inside a transaction rolled back at the end; each test runs in its own
savepoint inside it, so a test that deletes the train and restores it leaves the shared one as it was.
"""

import io
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from artops.backup.dump import write_backup
from artops.demo import build_demo
from metrics.models import ReleaseChecklist
from planning.models import Defect, Dependency, Deployment, Feature, Incident, PIObjective, PIReopening
from risks.models import Risk
from tests.demo.common import TODAY
from trains.conversation.services import comment_add
from trains.models import Membership, Role


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        train, created = build_demo(today=TODAY)
        assert created
        rte = Membership.objects.select_related("user").filter(train=train, role=Role.RTE).first().user
        feature = Feature.objects.filter(train=train).order_by("pk").first()
        comment_add(target=feature, body="@pm can we ship this before the audit?", actor=rte)
        _fill_what_the_demo_leaves_empty(train, rte, feature)
        yield train
        transaction.set_rollback(True)


def _fill_what_the_demo_leaves_empty(train, rte, feature) -> None:
    """Rows written directly: this is test data for the round trip, not a change of the plan."""
    now = timezone.now()
    team = train.teams.order_by("position").first()
    deployment = Deployment.objects.create(
        train=train, team=team, service="checkout", deployed_at=now, committed_at=now - timedelta(hours=5)
    )
    Incident.objects.create(
        train=train,
        team=team,
        service="checkout",
        title="Checkout down",
        started_at=now,
        deployment=deployment,
    )
    Defect.objects.create(train=train, team=team, feature=feature, title="Wrong total", found_at=now)
    closed = train.pis.filter(state="closed").order_by("start_date").first()
    PIReopening.objects.create(pi=closed, reopened_by=rte, reopened_at=now, reason="Late scoring.")
    risk = Risk.objects.filter(train=train).order_by("pk").first()
    risk.dependencies.add(Dependency.objects.filter(pi__train=train).order_by("pk").first())
    risk.objectives.add(PIObjective.objects.filter(pi__train=train).order_by("pk").first())
    ReleaseChecklist.objects.filter(milestone__pi__train=train).order_by("pk").first().teams.add(team)


@pytest.fixture(scope="package")
def backup(demo, django_db_blocker) -> bytes:
    """The demo train's backup, as the RTE downloads it."""
    with django_db_blocker.unblock():
        out = io.BytesIO()
        write_backup(demo, out)
        return out.getvalue()
