"""Plain-SQL reads for the hottest requests, still driven by the models.

Every request resolves the user's train and roles, and every board move its card: there the ORM's
cost of compiling a query was several times the query's own (see `make bench`). These helpers keep
such a statement tied to the models: its column list comes from the model's fields, and its rows go
through the same value converters as the ORM's (SQLite hands dates back as text) and become model
instances through `Model.from_db`, so a schema change cannot leave it behind.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, models


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
