from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkcalConfig(AppConfig):
    name = "civicgrid.workcal"
    verbose_name = _("工作日历")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from civicgrid.workcal.calendar import on_calendar_saved
        from civicgrid.workcal.models import CalendarYear, OfficeHours, WorkDay

        for model in (WorkDay, CalendarYear, OfficeHours):
            post_save.connect(on_calendar_saved, sender=model, dispatch_uid=f"workcal-saved-{model.__name__}")
            post_delete.connect(
                on_calendar_saved, sender=model, dispatch_uid=f"workcal-deleted-{model.__name__}"
            )
