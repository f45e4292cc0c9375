from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "civicgrid.deliberation"
    verbose_name = _("协商议事")
