"""Trigram indexes for the ticket search on PostgreSQL (nothing on SQLite).

The search matches a keyword anywhere in the number, title or address (`icontains`: UPPER(col) LIKE
UPPER('%q%')), which no B-tree can answer: with 10 million tickets every search and its count read the
whole table (bench/bench_province.py). pg_trgm GIN indexes on exactly those expressions answer any keyword
of three characters or more, a ticket number included. pg_trgm is a trusted extension: the database owner
may create it. Two-character keywords such as 「积水」 have no trigram and still read the table.

Built CONCURRENTLY (outside a transaction): on a large installation the upgrade takes minutes here, and
tickets must go on being written meanwhile.
"""

from django.db import migrations

POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_number_trgm ON tickets_ticket USING gin (UPPER("number"::text) gin_trgm_ops)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_title_trgm ON tickets_ticket USING gin (UPPER("title"::text) gin_trgm_ops)',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_address_trgm ON tickets_ticket USING gin (UPPER("address"::text) gin_trgm_ops)',
]
POSTGRES_DROP = [
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_number_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_title_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS ticket_address_trgm",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0010_province_scale_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_CREATE}), _run({"postgresql": POSTGRES_DROP}), atomic=False
        ),
    ]
