from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _restore_search_triggers(sender, using, **kwargs):
    # A later migration that alters the item table on SQLite rebuilds it, dropping its triggers.
    from django.db import connections

    from civicgrid.catalogue.search import ensure_sqlite_triggers

    ensure_sqlite_triggers(connections[using])


class CatalogueConfig(AppConfig):
    name = "civicgrid.catalogue"
    verbose_name = _("村级服务清单")

    def ready(self):
        post_migrate.connect(_restore_search_triggers, sender=self)
