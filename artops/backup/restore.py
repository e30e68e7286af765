"""Restore a train from its backup, whole or not at all.

The file is checked before anything is believed: JSON, the format's name, its version (only
VERSION is read: another version is refused, never guessed at), its checksum, every table known
and present. Then, in one transaction, table by table in the registry's order (parents first):
every row has exactly its fields, every value fits its field (the field's own `to_python`, choices
and validators), every reference names a row of the file (or a person of its `users`), no id is
taken in this database, and the train's address is free. Any refusal raises `BackupRefused` with
the reason, and the transaction leaves the database as it was.

Rows keep their ids, so everything that refers to one by number (the history, comments, inbox
items) stays exact; the database's id sequences are moved past them afterwards. People are matched
by username; someone the database does not have is created as a pending invitation (inactive, no
password) and listed in the report, so the RTE invites them or the operator passes on the link.

What a backup leaves out (registry.NOT_IN_A_BACKUP) is made again on the restored train: its
figures are recomputed (every PI is marked stale, so the metrics workers pick it up; the embedded
default's dashboard recomputes when opened).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, models, transaction
from django.utils import timezone

from planning import hooks
from trains.limits import DAY_OUT_OF_RANGE, day_in_range
from trains.models import Train

from .dump import USER_FIELDS
from .format import FORMAT, VERSION, checksum_of
from .registry import BY_LABEL, TABLES, Table, is_content_type_field, is_user_field

BATCH = 500
SHOWN = 5  # ids named in a refusal, at most


class BackupRefused(Exception):
    """The file cannot be restored; nothing was written. The message says why."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass
class RestoreReport:
    train: Train
    rows: dict[str, int] = field(default_factory=dict)  # per table, in the registry's order
    people_created: list = field(default_factory=list)  # users made as pending invitations
    people_matched: list[str] = field(default_factory=list)  # usernames found in this database
    people_differing: list[str] = field(default_factory=list)  # matched, with another e-mail address

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def pis_marked_stale(self) -> int:
        """Every restored PI's figures are recomputed (snapshots are not in a backup)."""
        return self.rows.get("planning.programincrement", 0)


# --- the envelope ------------------------------------------------------------------------------------


def read_backup(raw: bytes | str) -> dict:
    """The document, once its envelope holds: JSON, this format, this version, an intact checksum,
    exactly the tables of this version. Refuses otherwise."""
    try:
        document = json.loads(raw)
    except UnicodeDecodeError:
        raise BackupRefused("This file is not a train backup: it is not text (UTF-8).") from None
    except RecursionError:
        raise BackupRefused("This file is not a train backup: its JSON is nested too deeply.") from None
    except json.JSONDecodeError as error:
        raise BackupRefused(
            f"This file is not a train backup: it is not JSON ({error.msg} at line {error.lineno}, "
            f"column {error.colno}). A backup cut short or edited by hand reads like this."
        ) from None
    except ValueError:
        # Python's own limit on the digits of an integer (a JSONDecodeError is a ValueError too, caught above).
        raise BackupRefused("This file is not a train backup: it holds a number too long to read.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        said = f" (its format says {found!r})" if found is not None else ""
        raise BackupRefused(f"This file is not an ARTops train backup{said}: expected format {FORMAT!r}.")
    version = document.get("version")
    if version != VERSION or isinstance(version, bool):
        raise BackupRefused(
            f"This backup is format version {version!r}; this ARTops restores version {VERSION} only. "
            "Restore it with the ARTops version that wrote it."
        )
    for key, kind in (("tables", dict), ("train", str), ("users", list), ("checksum", str)):
        if not isinstance(document.get(key), kind):
            raise BackupRefused(
                f"The backup is damaged: its {key!r} is missing or not a JSON {kind.__name__}."
            )
    if checksum_of(document) != document["checksum"]:
        raise BackupRefused(
            "The backup is damaged: its checksum does not match its content, so it was changed or "
            "cut after it was written."
        )
    unknown = sorted(set(document["tables"]) - set(BY_LABEL))
    if unknown:
        raise BackupRefused(
            f"The backup holds tables that version {VERSION} does not know: {', '.join(unknown)}."
        )
    missing = [entry.label for entry in TABLES if entry.label not in document["tables"]]
    if missing:
        raise BackupRefused(
            f"The backup lacks tables every version-{VERSION} backup has: {', '.join(missing)}."
        )
    for label, rows in document["tables"].items():
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise BackupRefused(f"The backup is damaged: table {label} is not a list of rows.")
    return document


# --- the restore -------------------------------------------------------------------------------------


def restore_backup(raw: bytes | str, *, check_only: bool = False) -> RestoreReport:
    """Restore the train the backup holds into this database, in one transaction. With
    `check_only`, everything is checked and written, then rolled back."""
    document = read_backup(raw)
    with transaction.atomic():
        report = _Restore(document).run()
        if check_only:
            transaction.set_rollback(True)
        else:
            _reset_sequences()
    return report


class _Restore:
    def __init__(self, document: dict):
        self.document = document
        self.tables: dict[str, list[dict]] = document["tables"]
        self.ids: dict[str, set] = {}  # the ids of every table read so far, by label
        self.user_ids: dict[str, int] = {}  # username → id in this database
        self.people_differing: list[str] = []

    def run(self) -> RestoreReport:
        train_rows = self.tables["trains.train"]
        if len(train_rows) != 1:
            raise BackupRefused(f"The backup is damaged: it holds {len(train_rows)} trains, not one.")
        slug = self._scalar(Train._meta.get_field("slug"), self.document["train"], "The backup's train")
        if train_rows[0].get("slug") != slug:
            raise BackupRefused("The backup is damaged: its train row is not the train it names.")
        if Train.objects.filter(slug=slug).exists():
            raise BackupRefused(
                f"A train with the address {slug!r} already exists in this database. A backup is "
                "restored into a database without it (delete that train first, or restore elsewhere)."
            )
        created, matched = self._people(self.document["users"])
        rows = {}
        for entry in TABLES:
            rows[entry.label] = self._table(entry)
        train = Train.objects.get(slug=slug)
        for pi_id in self.ids["planning.programincrement"]:
            hooks.pi_changed(pi_id)
        return RestoreReport(
            train=train,
            rows=rows,
            people_created=created,
            people_matched=matched,
            people_differing=self.people_differing,
        )

    # --- people ---

    def _people(self, users: list) -> tuple[list, list[str]]:
        User = get_user_model()
        fields = {name: User._meta.get_field(name) for name in USER_FIELDS}
        people: dict[str, dict] = {}
        for index, person in enumerate(users, start=1):
            where = f"person {index} of the file's users"
            if not isinstance(person, dict):
                raise BackupRefused(f"The backup is damaged: {where} is not an object.")
            _exact_fields(person, set(fields), where)
            values = {}
            for name, user_field in fields.items():
                raw = person[name]
                if not isinstance(raw, str):
                    raise BackupRefused(f"In {where}, {name} is not text.")
                try:
                    values[name] = user_field.clean(raw, None)
                except ValidationError as error:
                    raise BackupRefused(f"In {where}, {name} {raw!r}: {' '.join(error.messages)}") from None
            if values["username"] in people:
                raise BackupRefused(f"The backup names the person {values['username']!r} twice in its users.")
            people[values["username"]] = values
        found = User._base_manager.filter(username__in=list(people)).values_list("username", "pk", "email")
        existing = {username: pk for username, pk, _ in found}
        # The same username with another e-mail address may be someone else: said in the report.
        self.people_differing = sorted(
            username for username, _, email in found if email.lower() != people[username]["email"].lower()
        )
        created = []
        for username, values in sorted(people.items()):
            if username in existing:
                continue
            # A pending invitation (trains.people.services.is_pending_invitation): no password, not
            # active, never signed in; the RTE invites them, and setting a password opens the account.
            user = User(**values, is_active=False)
            user.set_unusable_password()
            user.save()
            existing[username] = user.pk
            created.append(user)
        self.user_ids = existing
        return created, sorted(username for username, _, _ in found)

    # --- one table ---

    def _table(self, entry: Table) -> int:
        rows = self.tables[entry.label]
        model = entry.model
        pk_field = model._meta.pk
        ids: set = set()
        for index, row in enumerate(rows, start=1):
            pk = self._scalar(pk_field, row.get(pk_field.name), _where(entry, index, None))
            if pk in ids:
                raise BackupRefused(f"{entry.label} holds the id {pk} twice.")
            ids.add(pk)
        self.ids[entry.label] = ids
        self._ids_free(entry, ids)
        fields = entry.fields
        names = {f.name for f in fields}
        db = model._base_manager.db
        rows_iter = iter(enumerate(rows, start=1))
        while batch := list(islice(rows_iter, BATCH)):
            objs = [model(**self._values(entry, names, row, index)) for index, row in batch]
            size = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, objs)))
            for start in range(0, len(objs), size):
                try:
                    # raw: the values as the file has them (no auto_now, no defaults), as loaddata does.
                    model._base_manager._insert(objs[start : start + size], fields=fields, raw=True, using=db)
                except (IntegrityError, DataError) as error:
                    raise BackupRefused(
                        f"The database refused a row of {entry.label}: {str(error).strip().splitlines()[0]}"
                    ) from None
        return len(rows)

    def _ids_free(self, entry: Table, ids: set) -> None:
        taken: list = []
        ordered = sorted(ids)
        for start in range(0, len(ordered), 1000):
            chunk = ordered[start : start + 1000]
            taken.extend(entry.model._base_manager.filter(pk__in=chunk).values_list("pk", flat=True))
        if taken:
            shown = ", ".join(str(pk) for pk in sorted(taken)[:SHOWN])
            more = f" and {len(taken) - SHOWN} more" if len(taken) > SHOWN else ""
            raise BackupRefused(
                f"This database already has rows of {entry.label} with the ids the backup keeps "
                f"({shown}{more}). A backup keeps every id, so it is restored into a database that "
                "does not hold them (an empty one, or the one it came from after the train was deleted)."
            )

    def _values(self, entry: Table, names: set[str], row: dict, index: int) -> dict:
        where = _where(entry, index, row.get(entry.model._meta.pk.name))
        _exact_fields(row, names, where)
        values = {}
        for model_field in entry.fields:
            raw = row[model_field.name]
            field_where = f"{where}, field {model_field.name!r}"
            if is_user_field(model_field):
                value = self._person(model_field, raw, field_where)
            elif is_content_type_field(model_field):
                value = _content_type(model_field, raw, field_where)
            elif model_field.is_relation:
                value = self._reference(model_field, raw, field_where)
            else:
                value = self._scalar(model_field, raw, field_where)
            values[model_field.attname] = value
        return values

    def _person(self, model_field, raw, where: str):
        if raw is None:
            return _empty(model_field, where)
        if not isinstance(raw, str) or raw not in self.user_ids:
            raise BackupRefused(f"{where} names the person {raw!r}, who is not in the backup's users.")
        return self.user_ids[raw]

    def _reference(self, model_field, raw, where: str):
        if raw is None:
            return _empty(model_field, where)
        target = model_field.related_model._meta.label_lower
        value = self._scalar(model_field.target_field, raw, where)
        if value not in self.ids.get(target, ()):
            raise BackupRefused(f"{where} points at {target} {raw!r}, which is not in the backup.")
        return value

    def _scalar(self, model_field, raw, where: str):
        if raw is None:
            return _empty(model_field, where)
        if not isinstance(raw, _json_types(model_field)) or (
            isinstance(raw, bool) and bool not in _json_types(model_field)
        ):
            raise BackupRefused(
                f"{where}: {_shown(raw)} is not a value of this field ({model_field.get_internal_type()})."
            )
        try:
            if _holds_nul(raw):
                # PostgreSQL keeps no NUL character in text (nor in JSON): refused here, with the row.
                raise ValidationError("Text cannot hold a NUL character.")
            value = model_field.to_python(raw)
            if isinstance(model_field, models.DateTimeField) and timezone.is_naive(value):
                raise ValidationError("A date and time needs its offset from UTC.")
            if isinstance(model_field, models.DateField) and value is not None:
                # The product's one range of days (trains/limits.py): beyond it, date arithmetic fails.
                day = value.date() if isinstance(value, datetime) else value
                if not day_in_range(day):
                    raise ValidationError(DAY_OUT_OF_RANGE)
            if value not in model_field.empty_values:
                model_field.validate(value, None)
            model_field.run_validators(value)
        except ValidationError as error:
            raise BackupRefused(f"{where}: {_shown(raw)} does not fit: {' '.join(error.messages)}") from None
        return value


def _shown(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 80 else text[:77] + "…"


def _holds_nul(raw) -> bool:
    if isinstance(raw, str):
        return "\x00" in raw
    if isinstance(raw, dict):
        return any(_holds_nul(key) or _holds_nul(value) for key, value in raw.items())
    if isinstance(raw, list):
        return any(_holds_nul(value) for value in raw)
    return False


def _json_types(model_field) -> tuple[type, ...]:
    """What JSON type the dump writes for a field (artops/backup/dump.py `_value`)."""
    if isinstance(model_field, models.JSONField):
        return (object,)
    if isinstance(model_field, models.BooleanField):
        return (bool,)
    if isinstance(model_field, models.IntegerField | models.AutoField):
        return (int,)
    if isinstance(model_field, models.FloatField):
        return (int, float)
    return (str,)


def _empty(model_field, where: str):
    if not model_field.null:
        raise BackupRefused(f"{where} is empty, and it needs a value.")
    return None


def _content_type(model_field, raw, where: str):
    if raw is None:
        return _empty(model_field, where)
    if not isinstance(raw, str) or raw not in BY_LABEL:
        raise BackupRefused(f"{where} names {raw!r}, which is not a kind of item a backup holds.")
    return ContentType.objects.get_for_model(BY_LABEL[raw].model).pk


def _exact_fields(row: dict, names: set[str], where: str) -> None:
    missing = sorted(names - row.keys())
    if missing:
        raise BackupRefused(f"{where} lacks the field{'s' if len(missing) > 1 else ''} {', '.join(missing)}.")
    unknown = sorted(row.keys() - names)
    if unknown:
        raise BackupRefused(f"{where} has fields this version does not know: {', '.join(unknown)}.")


def _where(entry: Table, index: int, pk) -> str:
    return f"Row {index} of {entry.label}" + (f" (id {pk!r})" if pk is not None else "")


def _reset_sequences() -> None:
    """Move the id sequences past the restored ids, so the next feature gets a free one; never back.

    Raw SQL because the ORM has no word for a sequence, and not Django's `sequence_reset_sql`: that
    sets a sequence to the table's highest id even when the sequence is further on (rows deleted at
    the top), and a new row would then take a deleted row's id, and with it the history and comments
    that still name that id. SQLite needs nothing: it takes the highest id + 1 itself."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for entry in TABLES:
            table, column = entry.model._meta.db_table, entry.model._meta.pk.column
            if not isinstance(entry.model._meta.pk, models.AutoField):
                continue  # a random key (the surveys' answers) has no sequence
            sequence = "pg_get_serial_sequence(%s, %s)"
            cursor.execute(
                f"SELECT setval({sequence}, GREATEST(COALESCE(MAX({quote(column)}), 1), "
                f"COALESCE(pg_sequence_last_value({sequence}::regclass), 1))) FROM {quote(table)}",
                [quote(table), column, quote(table), column],
            )


__all__ = ["BackupRefused", "RestoreReport", "read_backup", "restore_backup"]
