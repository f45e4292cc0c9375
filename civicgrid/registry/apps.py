from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "civicgrid.registry"
    verbose_name = _("基础登记")

    def ready(self):
        from civicgrid.registry import signals  # noqa: F401
