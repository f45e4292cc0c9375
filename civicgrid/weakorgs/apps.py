from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeakorgsConfig(AppConfig):
    name = "civicgrid.weakorgs"
    verbose_name = _("软弱涣散整顿")

    def ready(self):
        from civicgrid.core import periodic
        from civicgrid.weakorgs import jobs

        periodic.register("weakorgs.monthly_scan", "软弱涣散按月排查", jobs.monthly_scan)
