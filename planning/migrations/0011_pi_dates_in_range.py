"""A PI's dates lie between 2000 and 2100 (trains.limits), in the database too; its iterations lie
inside it (0002), so theirs do as well.

On SQLite, adding a CHECK rebuilds the table, and 0002's triggers (on both tables, naming this
one) do not survive that: they are dropped before and made again after.
"""

import datetime
from importlib import import_module

from django.db import migrations, models

TRIGGERS = import_module("planning.migrations.0002_iteration_within_pi")


def _on_sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0010_import_runs"),
    ]

    operations = [
        migrations.RunPython(_on_sqlite(TRIGGERS.SQLITE_DOWN), _on_sqlite(TRIGGERS.SQLITE_UP)),
        migrations.AddConstraint(
            model_name="programincrement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("end_date__lte", datetime.date(2100, 12, 31)),
                    ("start_date__gte", datetime.date(2000, 1, 1)),
                ),
                name="pi_dates_in_range",
                violation_error_message="Give a date between 1 Jan 2000 and 31 Dec 2100: this one is too far in the past or the future.",
            ),
        ),
        migrations.RunPython(_on_sqlite(TRIGGERS.SQLITE_UP), _on_sqlite(TRIGGERS.SQLITE_DOWN)),
    ]
