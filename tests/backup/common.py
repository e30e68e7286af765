"""What the backup tests share: every row of the registry's tables as plain values, the database's
row counts, deleting a train with its people, and editing a backup (re-signed or not)."""

import json

from django.apps import apps
from django.contrib.auth import get_user_model

from artops.backup.format import checksum_of
from artops.backup.registry import TABLES, is_user_field
from trains.models import Train

APPS = ("trains", "planning", "risks", "metrics", "artops")


def rows_of(train: Train) -> dict[str, dict]:
    """Every row of every table in a backup, by table and id, all fields (`values()`), a person as
    their username (ids of people differ after a restore that recreates them)."""
    usernames = dict(get_user_model()._base_manager.values_list("pk", "username"))
    found = {}
    for entry in TABLES:
        people = [f.attname for f in entry.fields if is_user_field(f)]
        rows = {}
        for row in entry.rows(train).values():
            for name in people:
                row[name] = usernames.get(row[name], row[name])
            rows[row["id"]] = row
        found[entry.label] = rows
    return found


def database_counts() -> dict[str, int]:
    """Rows in every table of the apps, people included: a refused restore changes none."""
    models = [m for app in APPS for m in apps.get_app_config(app).get_models(include_auto_created=True)]
    models.append(get_user_model())
    return {m._meta.label_lower: m._base_manager.count() for m in models}


def delete_train_and_people(train: Train, usernames) -> None:
    """The train and everything under it, then its people: what a restore must bring back."""
    Train.objects.filter(pk=train.pk).delete()
    get_user_model()._base_manager.filter(username__in=list(usernames)).delete()


def document(raw: bytes) -> dict:
    return json.loads(raw)


def encoded(doc: dict, *, resign: bool = True) -> bytes:
    if resign:
        doc["checksum"] = checksum_of(doc)
    return json.dumps(doc).encode()
