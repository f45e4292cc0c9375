"""A multi-row INSERT for hot paths, such as the deadline scan writing tens of thousands of rows.

bulk_create spends tens of microseconds per object building models and preparing each field; here
rows are plain tuples, adapted only where the database needs it (datetimes, JSON). No signals, no
returned ids, no Python-side defaults: every NOT NULL column without a database default must be given.
"""

import json
from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connections, models, router, transaction


def _adapter(field, connection, copy: bool):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        if copy:
            # COPY takes JSON as text; a Jsonb wrapper would be serialised again on every row.
            return lambda value: json.dumps(value, cls=field.encoder)
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def insert_rows(model, columns: Sequence[str], rows: Iterable[Sequence], *, batch_size: int = 5000) -> int:
    """Insert `rows` (tuples in the order of `columns`, field names or attnames); returns the count."""
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [model._meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(field.column) for field in fields)
    # psycopg sends executemany row by row (client-side binding); COPY is one stream.
    copy_sql = f"COPY {table} ({names}) FROM STDIN" if connection.vendor == "postgresql" else None
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
    adapters = [
        (i, adapt) for i, field in enumerate(fields) if (adapt := _adapter(field, connection, bool(copy_sql)))
    ]
    count, rows = 0, iter(rows)
    # One transaction: outside one, each row of executemany would commit on its own.
    with transaction.atomic(using=using), connection.cursor() as cursor:
        while chunk := list(islice(rows, batch_size)):
            if adapters:
                chunk = [list(row) for row in chunk]
                for i, adapt in adapters:
                    memo = {}  # the same instant or channel list recurs on most rows
                    for row in chunk:
                        value = row[i]
                        if value is None:
                            continue
                        key = id(value)
                        if key not in memo:
                            memo[key] = (value, adapt(value))  # holding value keeps its id unique
                        row[i] = memo[key][1]
            if copy_sql:
                with cursor.cursor.copy(copy_sql) as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                cursor.executemany(sql, chunk)
            count += len(chunk)
    return count
