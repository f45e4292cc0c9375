from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "civicgrid.console"
    verbose_name = _("工作人员控制台")
