"""The words routing, time limits and tickets share: what a request is, how urgent, how it is dispatched.

They live here, below tickets, so that the routing tables and the time-limit policies can name them
without importing the tickets they describe.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestType(models.TextChoices):
    CONSULT = "ZX", _("咨询")
    HELP = "QZ", _("求助")
    COMPLAINT = "TS", _("投诉")
    REPORT = "JB", _("举报")
    SUGGESTION = "JY", _("建议")
    PRAISE = "BY", _("表扬")


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("特急")
    URGENT = "urgent", _("紧急")
    NORMAL = "normal", _("一般")


class DispatchMode(models.TextChoices):
    DIRECT_TO_GRID = "direct_to_grid", _("直派网格")
    TO_DEPARTMENT = "to_department", _("派职能部门")
    JOINT = "joint", _("联合办")
    ESCALATED = "escalated", _("提级办理")
