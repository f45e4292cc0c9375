from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "civicgrid.mediation"
    verbose_name = _("人民调解")

    def ready(self):
        from civicgrid.core import periodic
        from civicgrid.mediation import jobs

        periodic.register("mediation.overdue", "调解超期提醒", jobs.alert_overdue)
        periodic.register("mediation.judicial", "司法确认提醒", jobs.remind_judicial)
        periodic.register("mediation.follow_up", "调解回访提醒", jobs.remind_follow_up)
        periodic.register("mediation.retention", "调解卷宗保存期满标记", jobs.mark_expired)
