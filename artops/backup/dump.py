"""Write a train's backup: every row of every table of the registry, streamed out table by table.

Rows are read with `.iterator()` and written as they come, so a large train never sits in memory
(only the usernames of the people its rows name do). Everything is read in one transaction, on
PostgreSQL a REPEATABLE READ one, so the file is one consistent moment of the train even while
people keep planning: no story in it names a feature created after the features were read.

Values are Django's own field serialisation (`Field.value_to_string`): dates and times in ISO 8601
with their offset and every microsecond, decimals as their digits; numbers and booleans as JSON's
own; JSON fields as JSON; a person as their username; a content type as `app_label.model`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from functools import cache
from typing import BinaryIO

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.utils import timezone

from trains.models import Train

from .format import CHECKSUM_PREFIX, FORMAT, VERSION, canonical
from .registry import TABLES, Table, is_content_type_field, is_user_field

CHUNK = 2000
USER_FIELDS = ("username", "first_name", "last_name", "email")


def write_backup(train: Train, out: BinaryIO) -> dict[str, int]:
    """Write the train's backup to `out` (a binary stream); return the rows written per table."""
    # SET TRANSACTION must be the transaction's first statement: inside a caller's transaction (a
    # test's), that transaction already is the one moment read.
    isolate = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if isolate:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _write(train, out)


class _Writer:
    """Writes the file, and feeds the checksum the canonical JSON of the parts it covers."""

    def __init__(self, out: BinaryIO):
        self.out = out
        self.digest = hashlib.sha256()

    def write(self, text: str, *, covered: bool = True, lead: str = "") -> None:
        # `lead` (a new line) makes the file readable; it is not part of the canonical form.
        data = text.encode("utf-8")
        self.out.write(lead.encode() + data)
        if covered:
            self.digest.update(data)

    def cover(self, text: str) -> None:
        """Feed the checksum what the canonical form has and the file does not (its braces)."""
        self.digest.update(text.encode("utf-8"))

    def items(self, texts: Iterator[str]) -> int:
        """A JSON array's items, one a line; returns how many."""
        count = 0
        for text in texts:
            if count:
                self.write(",")
            self.write(text, lead="\n")
            count += 1
        return count


def _write(train: Train, out: BinaryIO) -> dict[str, int]:
    people = _people(train)
    writer = _Writer(out)
    # The header first (not covered: the checksum is of the content), in the order a reader expects.
    header = json.dumps({"format": FORMAT, "version": VERSION, "created_at": timezone.now().isoformat()})
    writer.write(header[:-1] + ",", covered=False)
    writer.cover("{")
    writer.write('"tables":{', lead="\n")
    counts: dict[str, int] = {}
    # Canonical JSON sorts keys: the tables go out in the order of their labels. A restore writes
    # them in the registry's order, whatever the file's.
    ordered = sorted(TABLES, key=lambda entry: entry.label)
    for entry in ordered:
        writer.write(canonical(entry.label) + ":[", lead="\n")
        rows = entry.rows(train).iterator(chunk_size=CHUNK)
        counts[entry.label] = writer.items(canonical(_row(entry, obj, people)) for obj in rows)
        writer.write("]," if entry is not ordered[-1] else "]")
    writer.write("},")
    writer.write('"train":' + canonical(train.slug) + ",", lead="\n")
    writer.write('"users":[', lead="\n")
    writer.items(canonical(person) for person in sorted(people.values(), key=lambda p: p["username"]))
    writer.write("]")
    writer.cover("}")
    checksum = f"{CHECKSUM_PREFIX}{writer.digest.hexdigest()}"
    writer.write(",", covered=False)
    writer.write(f'"checksum":"{checksum}"}}\n', covered=False, lead="\n")
    return counts


def _people(train: Train) -> dict[int, dict]:
    """Everyone the train's rows name, by user id: one query per field that names a person."""
    ids: set[int] = set()
    for entry in TABLES:
        for field in entry.fields:
            if is_user_field(field):
                named = entry.rows(train).order_by().exclude(**{f"{field.attname}__isnull": True})
                ids.update(named.values_list(field.attname, flat=True).distinct())
    users = get_user_model()._base_manager.filter(pk__in=ids).values("pk", *USER_FIELDS)
    return {user.pop("pk"): user for user in users}


PERSON, CONTENT_TYPE, JSON, EMPTIED, VALUE = range(5)


@cache
def _kinds(entry: Table) -> list[tuple[models.Field, int]]:
    """How each field of the table is written, worked out once per table rather than per value."""
    emptied = entry.emptied_fields

    def kind(field) -> int:
        if field.name in emptied:
            return EMPTIED
        if is_user_field(field):
            return PERSON
        if is_content_type_field(field):
            return CONTENT_TYPE
        return JSON if isinstance(field, models.JSONField) else VALUE

    return [(field, kind(field)) for field in entry.fields]


def _row(entry: Table, obj: models.Model, people: dict[int, dict]) -> dict:
    return {field.name: _value(field, kind, obj, people) for field, kind in _kinds(entry)}


def _value(field: models.Field, kind: int, obj: models.Model, people: dict[int, dict]):
    if kind == EMPTIED:
        return field.get_default()
    if kind == PERSON:
        # A history entry keeps the id of an account deleted since (no database constraint): its
        # copied actor_name still says who it was, and nobody else may be taken for them.
        person = people.get(getattr(obj, field.attname))
        return None if person is None else person["username"]
    if kind == CONTENT_TYPE:
        content_type_id = getattr(obj, field.attname)
        if content_type_id is None:
            return None
        content_type = ContentType.objects.get_for_id(content_type_id)
        return f"{content_type.app_label}.{content_type.model}"
    value = field.value_from_object(obj)
    if value is None or kind == JSON or isinstance(value, bool | int | float):
        return value
    return field.value_to_string(obj)
