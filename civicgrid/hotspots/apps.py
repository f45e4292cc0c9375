from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    name = "civicgrid.hotspots"
    verbose_name = _("热点与预警")
