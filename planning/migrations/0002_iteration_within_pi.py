"""Iteration dates must lie inside their PI's dates (domain.md §3).

The rule spans two tables, which a CHECK constraint cannot see, so triggers on both tables
enforce it: inserting or moving an iteration outside its PI, or shrinking a PI so that an
iteration falls outside it, is refused by the database with an integrity error.
"""

from django.db import migrations

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION planning_iteration_within_pi() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM planning_programincrement pi
        WHERE pi.id = NEW.pi_id AND (NEW.start_date < pi.start_date OR NEW.end_date > pi.end_date)
    ) THEN
        RAISE EXCEPTION 'iteration_within_pi: iteration dates must lie inside the PI'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER iteration_within_pi BEFORE INSERT OR UPDATE ON planning_iteration
    FOR EACH ROW EXECUTE FUNCTION planning_iteration_within_pi();

CREATE OR REPLACE FUNCTION planning_pi_contains_iterations() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM planning_iteration it
        WHERE it.pi_id = NEW.id AND (it.start_date < NEW.start_date OR it.end_date > NEW.end_date)
    ) THEN
        RAISE EXCEPTION 'iteration_within_pi: the PI dates must contain all its iterations'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;

CREATE TRIGGER pi_contains_iterations BEFORE UPDATE ON planning_programincrement
    FOR EACH ROW EXECUTE FUNCTION planning_pi_contains_iterations();
"""

POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS iteration_within_pi ON planning_iteration;
DROP TRIGGER IF EXISTS pi_contains_iterations ON planning_programincrement;
DROP FUNCTION IF EXISTS planning_iteration_within_pi();
DROP FUNCTION IF EXISTS planning_pi_contains_iterations();
"""

SQLITE_CHECK_ITERATION = """
CREATE TRIGGER iteration_within_pi_{event} BEFORE {event} ON planning_iteration
WHEN EXISTS (
    SELECT 1 FROM planning_programincrement pi
    WHERE pi.id = NEW.pi_id AND (NEW.start_date < pi.start_date OR NEW.end_date > pi.end_date)
)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: iteration_within_pi');
END;
"""

SQLITE_UP = [
    SQLITE_CHECK_ITERATION.format(event="INSERT"),
    SQLITE_CHECK_ITERATION.format(event="UPDATE"),
    """
CREATE TRIGGER pi_contains_iterations BEFORE UPDATE ON planning_programincrement
WHEN EXISTS (
    SELECT 1 FROM planning_iteration it
    WHERE it.pi_id = NEW.id AND (it.start_date < NEW.start_date OR it.end_date > NEW.end_date)
)
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: iteration_within_pi');
END;
""",
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS iteration_within_pi_INSERT;",
    "DROP TRIGGER IF EXISTS iteration_within_pi_UPDATE;",
    "DROP TRIGGER IF EXISTS pi_contains_iterations;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in statements_by_vendor:
            raise NotImplementedError(f"No iteration-within-PI trigger for {vendor}")
        statements = statements_by_vendor[vendor]
        for statement in [statements] if isinstance(statements, str) else statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
