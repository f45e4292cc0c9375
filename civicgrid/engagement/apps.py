from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "civicgrid.engagement"
    verbose_name = _("社区共建")

    def ready(self):
        from civicgrid.core import periodic
        from civicgrid.engagement import jobs

        periodic.register("engagement.post_points", "志愿服务积分", jobs.post_points)
        periodic.register("engagement.expire_wishes", "过期微心愿", jobs.expire_wishes)
