"""A backup restored into a database without the train reproduces it exactly: every row of every
table of the registry, with the same ids and the same values (people matched by username)."""

import io

import pytest
from django.contrib.auth import get_user_model

from artops.backup.dump import write_backup
from artops.backup.restore import restore_backup
from metrics.models import PIRecompute, Snapshot
from planning.factories import FeatureFactory
from planning.models import Feature
from trains.models import Train

from .common import delete_train_and_people, document, rows_of

pytestmark = pytest.mark.django_db

# Every table of a backup holds rows of the demo (with the conftest's additions), so that the round
# trip tests each of them for real: a table added to the registry needs a row in the conftest.


def test_restoring_into_a_database_without_the_train_reproduces_every_row(demo, backup):
    before = rows_of(demo)
    assert not [label for label, rows in before.items() if not rows], "tables without a row to test"
    usernames = {person["username"] for person in document(backup)["users"]}
    delete_train_and_people(demo, usernames)
    assert not Train.objects.filter(slug="aurora").exists()

    report = restore_backup(backup)

    train = Train.objects.get(slug="aurora")
    assert train.pk == demo.pk
    after = rows_of(train)
    for label, rows in before.items():
        assert after[label] == rows, f"{label} differs after the round trip"
    assert report.rows == {label: len(rows) for label, rows in before.items()}
    # Everyone the train names was deleted above: each comes back as a pending invitation.
    assert sorted(user.username for user in report.people_created) == sorted(usernames)
    created = get_user_model().objects.filter(username__in=usernames)
    assert not any(user.is_active or user.has_usable_password() for user in created)
    assert report.pis_marked_stale == train.pis.count()


def test_people_already_in_the_database_are_matched_by_username_not_created(demo, backup):
    usernames = {person["username"] for person in document(backup)["users"]}
    before = rows_of(demo)
    Train.objects.filter(pk=demo.pk).delete()

    someone = get_user_model().objects.get(username="viewer")
    someone.email = "another.victor@example.com"
    someone.save()

    report = restore_backup(backup)

    assert report.people_created == []
    assert sorted(report.people_matched) == sorted(usernames)
    assert report.people_differing == ["viewer"]  # said, so the operator checks it is the same person
    assert rows_of(Train.objects.get(slug="aurora")) == before


def test_after_a_restore_new_rows_get_ids_past_the_restored_ones(demo, backup):
    Train.objects.filter(pk=demo.pk).delete()
    restore_backup(backup)
    highest = max(row["id"] for row in document(backup)["tables"]["planning.feature"])

    feature = FeatureFactory(train=Train.objects.get(slug="aurora"))

    assert feature.pk > highest
    assert (
        Feature.objects.filter(train__slug="aurora").count()
        == len(document(backup)["tables"]["planning.feature"]) + 1
    )


def test_a_restore_never_moves_an_id_sequence_back_onto_ids_already_handed_out(demo, backup):
    # A feature made after the backup and deleted with its train: its id was handed out, and the
    # history may still name it. The next feature after the restore must not take it again.
    handed_out = FeatureFactory(train=demo).pk
    Train.objects.filter(pk=demo.pk).delete()
    restore_backup(backup)

    feature = FeatureFactory(train=Train.objects.get(slug="aurora"))

    assert feature.pk > handed_out


def test_a_restore_marks_every_pi_for_a_recompute_of_its_figures(demo, backup):
    Train.objects.filter(pk=demo.pk).delete()
    restore_backup(backup)

    train = Train.objects.get(slug="aurora")
    assert not Snapshot.objects.filter(train=train).exists()  # derived: not in a backup
    stale = PIRecompute.objects.filter(pi__train=train)
    assert stale.count() == train.pis.count()
    assert all(state.is_stale for state in stale)


def test_a_backup_of_the_restored_train_holds_the_same_rows(demo, backup):
    Train.objects.filter(pk=demo.pk).delete()
    restore_backup(backup)
    again = io.BytesIO()
    write_backup(Train.objects.get(slug="aurora"), again)

    first, second = document(backup), document(again.getvalue())
    assert second["tables"] == first["tables"]
    assert second["users"] == first["users"]
    assert second["checksum"] == first["checksum"]
