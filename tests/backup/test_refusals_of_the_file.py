"""A file that is not this version's intact backup, or that would collide with what the database
holds, is refused whole with the reason."""

import pytest

from .common import document, encoded
from .refusing import assert_refused

pytestmark = pytest.mark.django_db


def test_a_file_that_is_not_json_is_refused(backup):
    assert_refused(backup[: len(backup) // 2], "not JSON", "line")


def test_a_file_that_is_not_text_is_refused(backup):
    assert_refused(b"\xff\xfe\x00garbage" + backup[:100], "not a train backup")


def test_json_nested_too_deeply_is_refused():
    assert_refused(b"[" * 100_000 + b"]" * 100_000, "nested too deeply")


def test_json_that_is_no_backup_is_refused():
    assert_refused(b"[1, 2, 3]", "not an ARTops train backup")


def test_a_file_of_another_format_is_refused(backup):
    doc = document(backup)
    doc["format"] = "jira-export"
    assert_refused(encoded(doc), "'jira-export'", "artops-train-backup")


@pytest.mark.parametrize("version", [2, 0, "1", None, True])
def test_a_file_of_another_version_is_refused(backup, version):
    doc = document(backup)
    doc["version"] = version
    assert_refused(encoded(doc), f"version {version!r}", "restores version 1 only")


def test_a_file_changed_after_it_was_written_is_refused_by_its_checksum(backup):
    doc = document(backup)
    doc["tables"]["planning.feature"][0]["title"] = "Quietly changed"
    assert_refused(encoded(doc, resign=False), "checksum does not match")


def test_a_file_without_its_checksum_is_refused(backup):
    doc = document(backup)
    del doc["checksum"]
    assert_refused(encoded(doc, resign=False), "'checksum' is missing")


def test_a_table_this_version_does_not_know_is_refused(backup):
    doc = document(backup)
    doc["tables"]["planning.teleporter"] = []
    assert_refused(encoded(doc), "does not know", "planning.teleporter")


def test_a_file_lacking_a_table_of_this_version_is_refused(backup):
    doc = document(backup)
    del doc["tables"]["risks.problem"]
    assert_refused(encoded(doc), "lacks tables", "risks.problem")


def test_a_train_whose_address_is_taken_is_refused(backup):
    assert_refused(backup, "'aurora' already exists")


def test_a_train_whose_ids_are_taken_is_refused(backup):
    doc = document(backup)
    doc["train"] = doc["tables"]["trains.train"][0]["slug"] = "aurora-copy"
    assert_refused(encoded(doc), "already has rows of trains.train with the ids")


def test_a_number_too_long_to_read_is_refused():
    assert_refused(b'{"format": ' + b"9" * 5000 + b"}", "a number too long to read")


def test_a_train_address_that_is_no_slug_is_refused_before_the_database_reads_it(backup):
    doc = document(backup)
    doc["train"] = doc["tables"]["trains.train"][0]["slug"] = "auro\x00ra"
    assert_refused(encoded(doc), "The backup's train", "NUL")
