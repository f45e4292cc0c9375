from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "civicgrid.routing"
    verbose_name = _("派单规则")
