from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "civicgrid.catalogue"
    verbose_name = _("村级服务清单")
