"""A backup whose rows do not hold together is refused whole, with the row, the field and the
reason; nothing of it is written. The demo train is deleted for this module (its people too), so
that only the damage stands between each file and its restore."""

import pytest
from django.db import transaction

from .common import delete_train_and_people, document, encoded
from .refusing import assert_refused

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def without_the_train(demo, backup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        delete_train_and_people(demo, [person["username"] for person in document(backup)["users"]])
        yield
        transaction.set_rollback(True)


def edited(backup: bytes, label: str, change) -> bytes:
    doc = document(backup)
    change(doc["tables"][label][0], doc)
    return encoded(doc)


def test_the_unchanged_file_restores_here(backup):
    from artops.backup.restore import restore_backup

    with transaction.atomic():
        assert restore_backup(backup).train.slug == "aurora"
        transaction.set_rollback(True)


def test_a_row_lacking_a_field_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.pop("title"))
    assert_refused(raw, "Row 1 of planning.feature", "lacks the field title")


def test_a_row_with_a_field_this_version_does_not_know_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.update(colour="red"))
    assert_refused(raw, "planning.feature", "does not know: colour")


def test_a_row_pointing_at_a_row_not_in_the_file_is_refused(backup):
    raw = edited(backup, "planning.story", lambda row, doc: row.update(feature=999_999_999))
    assert_refused(raw, "planning.story", "'feature'", "points at planning.feature 999999999")


def test_a_row_naming_a_person_not_in_the_file_is_refused(backup):
    raw = edited(backup, "risks.risk", lambda row, doc: row.update(owner="ghost"))
    assert_refused(raw, "risks.risk", "'ghost'", "not in the backup's users")


def test_a_value_that_is_not_one_of_the_fields_choices_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.update(state="teleported"))
    assert_refused(raw, "field 'state'", "'teleported'", "not a valid choice")


def test_a_date_that_does_not_exist_is_refused(backup):
    raw = edited(backup, "planning.milestone", lambda row, doc: row.update(date="2026-02-30"))
    assert_refused(raw, "planning.milestone", "field 'date'", "invalid date")


def test_text_longer_than_its_field_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.update(title="x" * 201))
    assert_refused(raw, "field 'title'", "at most 200 characters")


def test_a_value_of_the_wrong_type_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.update(version="7"))
    assert_refused(raw, "field 'version'", "not a value of this field")


def test_a_time_without_its_offset_is_refused(backup):
    raw = edited(backup, "trains.change", lambda row, doc: row.update(at="2026-03-02T10:00:00"))
    assert_refused(raw, "field 'at'", "offset from UTC")


def test_an_empty_value_where_one_is_required_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.update(title=None))
    assert_refused(raw, "field 'title'", "is empty, and it needs a value")


def test_an_id_twice_in_a_table_is_refused(backup):
    raw = edited(backup, "trains.team", lambda row, doc: doc["tables"]["trains.team"].append(dict(row)))
    assert_refused(raw, "trains.team holds the id", "twice")


def test_a_row_the_databases_rules_refuse_is_refused(backup):
    # A confidence vote of 9: the field takes it, the database's vote_score_1_to_5 does not.
    raw = edited(backup, "planning.confidencevote", lambda row, doc: row.update(score=9))
    assert_refused(raw, "The database refused a row of planning.confidencevote", "vote_score_1_to_5")


def test_a_person_with_an_impossible_username_is_refused(backup):
    def rename(row, doc):
        doc["users"][0]["username"] = "not a username!"

    assert_refused(edited(backup, "trains.train", rename), "person 1 of the file's users", "username")


def test_a_file_of_two_trains_is_refused(backup):
    def second_train(row, doc):
        doc["tables"]["trains.train"].append({**row, "id": row["id"] + 1, "slug": "other"})

    assert_refused(edited(backup, "trains.train", second_train), "holds 2 trains")


def test_text_holding_a_nul_character_is_refused(backup):
    raw = edited(backup, "planning.feature", lambda row, doc: row.update(description="before\x00after"))
    assert_refused(raw, "field 'description'", "NUL character")


def test_a_comment_on_a_kind_of_item_no_backup_holds_is_refused(backup):
    raw = edited(backup, "trains.comment", lambda row, doc: row.update(target_type="auth.user"))
    assert_refused(raw, "field 'target_type'", "'auth.user'", "not a kind of item a backup holds")


@pytest.mark.parametrize(
    "label, name, value",
    [
        ("planning.milestone", "date", "0001-01-01"),
        ("planning.deployment", "deployed_at", "9999-12-31T23:00:00-05:00"),
    ],
)
def test_a_day_outside_the_products_range_is_refused(backup, label, name, value):
    raw = edited(backup, label, lambda row, doc: row.update({name: value}))
    assert_refused(raw, f"Row 1 of {label}", "too far in the past or the future")
