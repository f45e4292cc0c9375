from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _restore_search_triggers(sender, using, **kwargs):
    # A later migration that alters knowledge_entry on SQLite rebuilds the table, dropping its triggers.
    from django.db import connections

    from civicgrid.knowledge.fts import ensure_sqlite_triggers

    ensure_sqlite_triggers(connections[using])


class KnowledgeConfig(AppConfig):
    name = "civicgrid.knowledge"
    verbose_name = "知识库"

    def ready(self):
        post_migrate.connect(_restore_search_triggers, sender=self)
