from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "civicgrid.engagement"
    verbose_name = _("社区共建")
