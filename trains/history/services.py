"""Writing the history: the one way every service records a change (`record`), and a guarded UPDATE
that records itself (`update_recorded`).

A service calls these inside its own transaction, after its checks: a refused or rolled-back change
leaves no history, and a change that commits always has its entry. Values are made readable and
JSON-safe when recorded (a related row as its label, a choice as its display text, a date as
2026-03-02), so the history reads the same after the rows it names are renamed or deleted.

Nothing here updates or deletes a Change: history is only ever added to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import CharField, Model, QuerySet, Value
from django.db.models.functions import JSONArray, JSONObject
from django.utils import timezone
from django.utils.functional import Promise

from .door import current_door
from .models import Action, Change

LABEL_MAX = Change._meta.get_field("object_label").max_length


# --- readable values -----------------------------------------------------------------------------------


def person(user) -> str:
    """How the history names a person: their full name, else their username."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def label(row: Model | None) -> str | None:
    """How the history names a related row: a person by name, anything else as it prints."""
    if row is None:
        return None
    if isinstance(row, AbstractBaseUser):
        return person(row)
    return str(row)


def labels(rows: Iterable[Model]) -> list[str]:
    """A many-to-many value: its rows' labels, sorted so the same set always reads the same."""
    return sorted(label(row) for row in rows)


def readable(value: Any) -> Any:
    """A value as the history keeps it: JSON-safe, and as a person would read it."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else str(value)
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Model):
        return label(value)
    if isinstance(value, QuerySet | list | tuple | set | frozenset):
        return sorted(str(readable(item)) for item in value)
    if isinstance(value, Promise):
        return str(value)
    return str(value)


def snapshot(instance: Model, *names: str) -> dict[str, Any]:
    """The named fields of a row as the history keeps them: a foreign key as its row's label (read
    if not already loaded), a many-to-many as its rows' labels, a choice as its display text."""
    values: dict[str, Any] = {}
    for name in names:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = labels(getattr(instance, name).all())
        elif field.is_relation:
            values[name] = label(getattr(instance, name))
        elif field.choices:
            # A choice as the screens show it ("Implementing"); a number on a scale stays a number.
            raw = getattr(instance, field.attname)
            shown = dict(field.flatchoices).get(raw, raw)
            values[name] = readable(raw) if raw in (None, "") or str(shown) == str(raw) else str(shown)
        else:
            values[name] = readable(getattr(instance, field.attname))
    return values


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _fields(action: str, before: dict | None, after: dict | None) -> dict[str, list]:
    before, after = before or {}, after or {}
    if action == Action.CREATED:
        return {name: [None, value] for name, value in after.items() if not _empty(value)}
    if action == Action.DELETED:
        return {name: [value, None] for name, value in before.items() if not _empty(value)}
    return {
        name: [before.get(name), after.get(name)]
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    }


def _row(*, train_id, kind, object_id, label, action, actor, fields, note, at) -> dict[str, Any]:
    return {
        "train_id": train_id,
        "at": at or timezone.now(),
        "actor_id": getattr(actor, "pk", None),
        "actor_name": person(actor)[:150],
        "door": current_door(),
        "kind": kind,
        "object_id": object_id,
        "object_label": (label or "")[:LABEL_MAX] or f"#{object_id}",
        "action": action,
        "fields": fields,
        "note": (note or "").strip(),
    }


# --- recording -------------------------------------------------------------------------------------------


def _change(
    *,
    train_id: int,
    kind: str,
    target: Model | None = None,
    action: str = Action.CHANGED,
    actor=None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    label: str | None = None,
    object_id: int | None = None,
    at=None,
) -> Change | None:
    """The entry `record` writes (unsaved), or None for a change that says nothing."""
    fields = _fields(action, before, after)
    if action == Action.CHANGED and not fields and not note:
        return None
    return Change(
        **_row(
            train_id=train_id,
            kind=kind,
            object_id=target.pk if object_id is None else object_id,
            label=str(target) if label is None else label,
            action=action,
            actor=actor,
            fields=fields,
            note=note,
            at=at,
        )
    )


def record(
    *,
    train_id: int,
    kind: str,
    target: Model | None = None,
    action: str = Action.CHANGED,
    actor=None,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    label: str | None = None,
    object_id: int | None = None,
    at=None,
) -> Change | None:
    """Record a change to `target` (or to the item `object_id`, named `label`) of a train.

    `before` and `after` are `snapshot`s (or dicts of readable values): a creation keeps the
    values it started with, a deletion those it had, any other action the fields that differ. A
    change that changed no field and says nothing (`note`) is not recorded. `door` is the one the
    request or job came in through (trains/history/door.py).
    """
    entry = _change(
        train_id=train_id,
        kind=kind,
        target=target,
        action=action,
        actor=actor,
        before=before,
        after=after,
        note=note,
        label=label,
        object_id=object_id,
        at=at,
    )
    if entry is not None:
        entry.save(force_insert=True)
    return entry


def record_many(entries: Iterable[dict[str, Any]]) -> list[Change]:
    """`record` for many changes at once (an import of thousands of rows): each entry takes
    `record`'s keyword arguments and becomes the same history entry, written in batched INSERTs
    rather than one statement each."""
    rows = [row for row in (_change(**entry) for entry in entries) if row is not None]
    return Change.objects.bulk_create(rows, batch_size=1000)


def update_recorded(
    queryset: QuerySet,
    values: dict[str, Any],
    *,
    train_id: int,
    kind: str,
    object_id: int,
    label: str,
    fields: dict[str, tuple[Any, Any]],
    action: str = Action.CHANGED,
    actor=None,
    at=None,
) -> int:
    """`queryset.update(**values)` and, when it changed a row, its history entry.

    For a change made by a guarded UPDATE rather than a save (the board's move): the entry is written
    only if the UPDATE applied, and `fields` ({name: (before, after)}) may hold expressions, such as
    a subquery for the label of a row the caller knows only by id, so that recording costs no
    SELECT: one INSERT after the UPDATE, through the ORM like every other write. Returns the number
    of rows updated.
    """
    row = _row(
        train_id=train_id,
        kind=kind,
        object_id=object_id,
        label=label,
        action=action,
        actor=actor,
        fields=None,
        note="",
        at=at,
    )
    row["fields"] = JSONObject(
        **{
            name: JSONArray(_expression(before), _expression(after))
            for name, (before, after) in fields.items()
        }
    )
    updated = queryset.update(**values)
    if updated:
        Change.objects.create(**row)
    return updated


def _expression(value: Any):
    if hasattr(value, "resolve_expression"):  # a Subquery is no Expression subclass
        return value
    value = readable(value)
    # Typed, for PostgreSQL's JSONB_BUILD_ARRAY (a NULL has no type of its own).
    return Value(value, output_field=CharField()) if value is None or isinstance(value, str) else Value(value)
