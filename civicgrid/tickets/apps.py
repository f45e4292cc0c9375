from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "civicgrid.tickets"
    verbose_name = _("工单")

    def ready(self):
        from civicgrid.tickets.receivers import recompute_provisional_deadlines
        from civicgrid.workcal.signals import year_confirmed

        year_confirmed.connect(recompute_provisional_deadlines, dispatch_uid="tickets-provisional-deadlines")
