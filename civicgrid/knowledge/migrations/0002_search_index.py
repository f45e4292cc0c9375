"""The full-text index over knowledge_entry.search_text.

SQLite: an FTS5 table (`unicode61`) with the entry table as external content, kept in step by
triggers (so that admin edits, QuerySet.update() and deletes cannot leave it stale), and a view of its
vocabulary. PostgreSQL: to_tsvector('simple', search_text) as a stored generated column with a GIN
index, rather than an expression index: ts_rank needs the vector of every match, and re-parsing the
text for each took 2.7 s for a common word over 40,000 entries (2.5 ms stored). The column is not a
model field; the database fills it. The SQL is frozen here on purpose; civicgrid.knowledge.fts puts
back triggers that a later SQLite table rebuild drops.
"""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE VIRTUAL TABLE knowledge_entry_fts USING fts5(
        search_text, content='knowledge_entry', content_rowid='id', tokenize='unicode61'
    )""",
    """CREATE TRIGGER knowledge_entry_fts_ai AFTER INSERT ON knowledge_entry BEGIN
        INSERT INTO knowledge_entry_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    """CREATE TRIGGER knowledge_entry_fts_ad AFTER DELETE ON knowledge_entry BEGIN
        INSERT INTO knowledge_entry_fts(knowledge_entry_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
    END""",
    """CREATE TRIGGER knowledge_entry_fts_au AFTER UPDATE OF search_text ON knowledge_entry BEGIN
        INSERT INTO knowledge_entry_fts(knowledge_entry_fts, rowid, search_text)
        VALUES ('delete', old.id, old.search_text);
        INSERT INTO knowledge_entry_fts(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    "INSERT INTO knowledge_entry_fts(knowledge_entry_fts) VALUES ('rebuild')",
    # How many entries hold each token: queries leave out the commonest.
    "CREATE VIRTUAL TABLE knowledge_entry_fts_vocab USING fts5vocab(knowledge_entry_fts, 'row')",
]
SQLITE_DROP = [
    "DROP TABLE IF EXISTS knowledge_entry_fts_vocab",
    "DROP TRIGGER IF EXISTS knowledge_entry_fts_ai",
    "DROP TRIGGER IF EXISTS knowledge_entry_fts_ad",
    "DROP TRIGGER IF EXISTS knowledge_entry_fts_au",
    "DROP TABLE IF EXISTS knowledge_entry_fts",
]
POSTGRES_CREATE = [
    "ALTER TABLE knowledge_entry ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_text)) STORED",
    # Kept in the row where it fits: ranking reads the vector of every match, and fetching it from
    # the TOAST table doubled the time of a suggestion.
    "ALTER TABLE knowledge_entry ALTER COLUMN search_vector SET STORAGE MAIN",
    "CREATE INDEX knowledge_entry_search_gin ON knowledge_entry USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS knowledge_entry_search_gin",
    "ALTER TABLE knowledge_entry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
