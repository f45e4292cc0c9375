"""The full-text index over catalogue_catalogueitem.search_text, as the knowledge base builds its own.

SQLite: an FTS5 table (`unicode61`) with the item table as external content, kept in step by triggers.
PostgreSQL: to_tsvector('simple', search_text) as a stored generated column with a GIN index (not a model field).
"""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE catalogue_item_fts USING fts5(
        search_text, content='catalogue_catalogueitem', content_rowid='id', tokenize='unicode61'
    )""",
    """CREATE TRIGGER catalogue_item_fts_ai AFTER INSERT ON catalogue_catalogueitem BEGIN
        INSERT INTO catalogue_item_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER catalogue_item_fts_ad AFTER DELETE ON catalogue_catalogueitem BEGIN
        INSERT INTO catalogue_item_fts(catalogue_item_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER catalogue_item_fts_au AFTER UPDATE OF search_text ON catalogue_catalogueitem BEGIN
        INSERT INTO catalogue_item_fts(catalogue_item_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO catalogue_item_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO catalogue_item_fts(catalogue_item_fts) VALUES ('rebuild')",
    # How many items hold each token: searches everywhere leave out the commonest (申请, 办理).
    "CREATE VIRTUAL TABLE catalogue_item_fts_vocab USING fts5vocab(catalogue_item_fts, 'row')",
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS catalogue_item_fts_vocab",
    "DROP TRIGGER IF EXISTS catalogue_item_fts_ai",
    "DROP TRIGGER IF EXISTS catalogue_item_fts_ad",
    "DROP TRIGGER IF EXISTS catalogue_item_fts_au",
    "DROP TABLE IF EXISTS catalogue_item_fts",
]
POSTGRES_CREATE = [
    "ALTER TABLE catalogue_catalogueitem ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    # Kept in the row where it fits: ranking reads the vector of every match, and fetching it from
    # the TOAST table doubled the time of a suggestion.
    "ALTER TABLE catalogue_catalogueitem ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX catalogue_item_search_gin ON catalogue_catalogueitem USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS catalogue_item_search_gin",
    "ALTER TABLE catalogue_catalogueitem DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
