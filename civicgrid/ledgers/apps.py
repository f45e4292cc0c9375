from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "civicgrid.ledgers"
    verbose_name = _("问题台账")

    def ready(self):
        from civicgrid.core import periodic
        from civicgrid.ledgers import jobs

        periodic.register("ledgers.overdue_warnings", "问题台账超期提醒", jobs.warn_overdue)
