"""The train's audit history (trains/history/): one row per change, never edited.

Nothing in the product updates a history row; the database refuses it too, with a trigger on
PostgreSQL and on SQLite. Deleting rows is left to the train's own deletion (they go with it).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


POSTGRES_UP = """
CREATE OR REPLACE FUNCTION trains_change_never_edited() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history_never_edited: a history entry is never changed'
        USING ERRCODE = 'integrity_constraint_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER change_never_edited BEFORE UPDATE ON trains_change
    FOR EACH ROW EXECUTE FUNCTION trains_change_never_edited();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS change_never_edited ON trains_change;
DROP FUNCTION IF EXISTS trains_change_never_edited();
"""

SQLITE_UP = """
CREATE TRIGGER change_never_edited BEFORE UPDATE ON trains_change
BEGIN
    SELECT RAISE(ABORT, 'history_never_edited: a history entry is never changed');
END;
"""

SQLITE_DOWN = "DROP TRIGGER IF EXISTS change_never_edited;"


def _run(statement_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statement_by_vendor:
            raise NotImplementedError(f"No read-only history trigger for {vendor}")
        schema_editor.execute(statement_by_vendor[vendor])

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('trains', '0004_conversation'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Change',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('actor_name', models.CharField(blank=True, max_length=150)),
                ('door', models.CharField(choices=[('page', 'Page'), ('api', 'API'), ('import', 'Import'), ('admin', 'Admin'), ('task', 'Task')], max_length=8)),
                ('kind', models.CharField(choices=[('pi', 'PI'), ('feature', 'Feature'), ('dependency', 'Dependency'), ('milestone', 'Milestone'), ('story', 'Story'), ('capacity', 'Capacity'), ('objective', 'Objective'), ('vote_round', 'Vote round'), ('vote', 'Confidence vote'), ('risk', 'Risk'), ('impediment', 'Impediment'), ('action_item', 'Action item'), ('improvement_item', 'Improvement item'), ('membership', 'Role')], max_length=20)),
                ('object_id', models.PositiveBigIntegerField()),
                ('object_label', models.CharField(max_length=300)),
                ('action', models.CharField(choices=[('created', 'created'), ('changed', 'changed'), ('moved', 'moved'), ('deleted', 'deleted')], max_length=10)),
                ('fields', models.JSONField(blank=True, default=dict)),
                ('note', models.TextField(blank=True)),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, db_index=False, help_text='Empty: the system (a task, a command, the demo seed).', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('train', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='history', to='trains.train')),
            ],
            options={
                'verbose_name': 'history entry',
                'verbose_name_plural': 'history',
                'ordering': ['-at', '-pk'],
                'indexes': [models.Index(fields=['train', '-at', '-id'], name='history_feed'), models.Index(fields=['train', 'actor', '-at'], name='history_feed_by_person'), models.Index(fields=['train', 'kind', '-at'], name='history_feed_by_kind'), models.Index(fields=['train', 'kind', 'object_id', '-at'], name='history_of_item')],
                'constraints': [models.CheckConstraint(condition=models.Q(('door__in', ['page', 'api', 'import', 'admin', 'task'])), name='history_door_valid'), models.CheckConstraint(condition=models.Q(('kind__in', ['pi', 'feature', 'dependency', 'milestone', 'story', 'capacity', 'objective', 'vote_round', 'vote', 'risk', 'impediment', 'action_item', 'improvement_item', 'membership'])), name='history_kind_valid'), models.CheckConstraint(condition=models.Q(('action__in', ['created', 'changed', 'moved', 'deleted'])), name='history_action_valid')],
            },
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
