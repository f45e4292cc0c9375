from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeakorgsConfig(AppConfig):
    name = "civicgrid.weakorgs"
    verbose_name = _("软弱涣散整顿")
