"""Plain-SQL reads for the hottest requests, still driven by the models.

Every request resolves the user's train and roles, and every board move its card: there the ORM's
cost of compiling a query was several times the query's own (see `make bench`). These helpers keep
such a statement tied to the models: its column list comes from the model's fields, and its rows go
through the same value converters as the ORM's (SQLite hands dates back as text) and become model
instances through `Model.from_db`, so a schema change cannot leave it behind.

`fetch_prepared` runs a fixed statement that PostgreSQL would otherwise plan on every call as a
prepared statement of the connection, planned once (psycopg2 does not prepare by itself).
"""

import re
import weakref
from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, models


def columns(model: type[models.Model]) -> str:
    """The model's columns, qualified by its table, in field order (what `instance` reads back)."""
    table = model._meta.db_table
    return ", ".join(f'"{table}"."{field.column}"' for field in model._meta.concrete_fields)


def instance(model: type[models.Model], row, start: int = 0):
    """The model instance in `row` from position `start` (a row selected with `columns(model)`), and
    the position after it."""
    connection = connections[DEFAULT_DB_ALIAS]
    names, convert = _reading(model, connection.vendor)
    end = start + len(names)
    values = [
        _converted(value, steps, connection) if steps else value
        for value, steps in zip(row[start:end], convert, strict=True)
    ]
    return model.from_db(DEFAULT_DB_ALIAS, names, values), end


@cache
def _reading(model: type[models.Model], vendor: str) -> tuple[list[str], list[list]]:
    """The attribute names and, per field, the converters the ORM would apply on this database."""
    connection = connections[DEFAULT_DB_ALIAS]
    names, convert = [], []
    for field in model._meta.concrete_fields:
        column = field.get_col(model._meta.db_table)
        steps = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        names.append(field.attname)
        convert.append([(step, column) for step in steps])
    return names, convert


def _converted(value, steps, connection):
    for step, column in steps:
        value = step(value, column, connection)
    return value


# Per database connection (the driver's object, so a reconnect starts afresh): the names prepared.
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def fetch_prepared(name: str, sql: str, params: list) -> list[tuple]:
    """The rows of `sql` (with `%s` parameters). On PostgreSQL it is prepared once per connection
    under `name` and executed from then on, which skips planning it again; elsewhere, or with
    DATABASE_PREPARED_STATEMENTS off (a pooler in transaction mode, such as PgBouncer, cannot keep
    a connection's prepared statements), it simply runs.

    A prepared statement can go stale: a migration changes a column it returns, or a pooler hands
    the next call another server connection. Outside a transaction the call then runs the plain
    statement and the name is prepared afresh next time; inside one the error stands (the
    transaction is lost anyway), and the next transaction prepares afresh.
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
            cursor.execute(sql, params)
            return cursor.fetchall()
        known = _prepared.setdefault(connection.connection, set())
        try:
            if name not in known:
                _prepare(cursor, name, sql, len(params))
                known.add(name)
            cursor.execute(f"EXECUTE {name} ({', '.join(['%s'] * len(params))})", params)
            return cursor.fetchall()
        except DatabaseError:
            known.discard(name)
            if connection.in_atomic_block:
                raise
            cursor.execute(sql, params)
            return cursor.fetchall()


def _prepare(cursor, name: str, sql: str, count: int) -> None:
    # A statement of that name may be left from before (a stale one): replace it.
    cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [name])
    if cursor.fetchone():
        cursor.execute(f"DEALLOCATE {name}")
    numbers = iter(range(1, count + 1))
    cursor.execute(f"PREPARE {name} AS " + re.sub("%s", lambda _: f"${next(numbers)}", sql))
