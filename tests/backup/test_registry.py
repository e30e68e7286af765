"""The registry names every model of the apps, in or out of a backup, and orders its tables so that
a restore writes each after what it points at."""

from django.apps import apps
from django.contrib.auth import get_user_model

from artops.backup.registry import NOT_IN_A_BACKUP, TABLES, is_content_type_field, is_user_field

from .common import APPS


def test_every_model_of_the_apps_is_in_a_backup_or_left_out_with_a_reason():
    models = {
        model._meta.label_lower
        for app in APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    }
    in_a_backup = {entry.label for entry in TABLES}
    assert not in_a_backup & set(NOT_IN_A_BACKUP), "a model both in and out of a backup"
    forgotten = sorted(models - in_a_backup - set(NOT_IN_A_BACKUP))
    assert not forgotten, f"Add these to artops/backup/registry.py (TABLES or NOT_IN_A_BACKUP): {forgotten}"
    gone = sorted((in_a_backup | set(NOT_IN_A_BACKUP)) - models)
    assert not gone, f"The registry names models that do not exist: {gone}"
    assert all(reason.strip() for reason in NOT_IN_A_BACKUP.values())


def test_every_table_comes_after_the_tables_it_points_at():
    seen: set[str] = set()
    wrong = []
    for entry in TABLES:
        for field in entry.fields:
            if not field.is_relation or is_user_field(field) or is_content_type_field(field):
                continue
            target = field.related_model._meta.label_lower
            if target != entry.label and target not in seen:
                wrong.append(f"{entry.label}.{field.name} → {target}")
        seen.add(entry.label)
    assert not wrong, f"Reorder TABLES: these point at a table written later or not at all: {wrong}"


def test_people_are_the_only_rows_a_backup_names_outside_itself():
    user_model = get_user_model()._meta.label_lower
    outside = {
        f"{entry.label}.{field.name}"
        for entry in TABLES
        for field in entry.fields
        if field.is_relation
        and field.related_model._meta.label_lower not in {e.label for e in TABLES}
        and field.related_model._meta.label_lower not in (user_model, "contenttypes.contenttype")
    }
    assert not outside


def test_every_table_is_found_from_its_train():
    from trains.models import Train

    for entry in TABLES:
        # A wrong path raises FieldError here rather than in an RTE's download.
        str(entry.rows(Train(pk=1)).query)
