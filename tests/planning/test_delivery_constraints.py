"""The delivery events' invariants are refused by the database itself, not only by the service: rows
written with the ORM's raw create/update, which run no validation (on PostgreSQL under make test)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from planning.models import Defect, Deployment, Incident
from trains.factories import TrainFactory

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 1, 20, 10, 0, tzinfo=UTC)
EARLIER = WHEN - timedelta(hours=1)


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def deployment(train, **values):
    return Deployment.objects.create(**{"train": train, "service": "a", "deployed_at": WHEN, **values})


def incident(train, **values):
    return Incident.objects.create(
        **{"train": train, "service": "a", "title": "t", "started_at": WHEN, **values}
    )


def defect(train, **values):
    return Defect.objects.create(**{"train": train, "title": "t", "found_at": WHEN, **values})


def test_a_deployment_carries_no_commit_or_merge_after_it(train):
    refused(lambda: deployment(train, committed_at=WHEN + timedelta(seconds=1)))
    refused(lambda: deployment(train, merged_at=WHEN + timedelta(seconds=1)))
    deployment(train, committed_at=EARLIER, merged_at=WHEN)  # the bounds themselves are fine


def test_a_deployment_names_its_service_and_environment(train):
    refused(lambda: deployment(train, service=""))
    refused(lambda: deployment(train, environment=""))


def test_an_incident_is_not_restored_before_it_started(train):
    refused(lambda: incident(train, restored_at=EARLIER))
    incident(train, restored_at=WHEN)


def test_a_defect_is_not_resolved_before_it_was_found(train):
    refused(lambda: defect(train, resolved_at=EARLIER))
    defect(train, resolved_at=WHEN)


@pytest.mark.parametrize(
    "make, values",
    [
        (incident, {"severity": "urgent"}),
        (defect, {"severity": "urgent"}),
        (defect, {"found_in": "staging"}),
        (incident, {"title": ""}),
        (defect, {"title": ""}),
        (incident, {"version": 0}),
    ],
)
def test_unknown_choices_and_empty_titles_are_refused(train, make, values):
    refused(lambda: make(train, **values))


@pytest.mark.parametrize("make", [deployment, incident, defect])
def test_a_reference_is_unique_per_train_when_given(train, make):
    make(train, reference="r-1")
    refused(lambda: make(train, reference="r-1"))
    make(train)
    make(train)  # several without a reference
    make(TrainFactory(slug="elsewhere"), reference="r-1")  # another train's


def test_a_raw_update_cannot_break_the_order_either(train):
    row = incident(train, restored_at=WHEN + timedelta(hours=1))

    refused(lambda: Incident.objects.filter(pk=row.pk).update(restored_at=EARLIER))
