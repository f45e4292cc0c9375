from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "civicgrid.sla"
    verbose_name = _("办理时限")
