"""Which time-limit policy applies to a dispatch."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.core.refusal import Refusal
from civicgrid.sla.models import TimeLimitPolicy

__all__ = ["SlaError", "policy_for"]


class SlaError(Refusal, ValueError):
    """A time limit that cannot be worked out; the message is for people, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _local_date(at: date | datetime) -> date:
    if isinstance(at, datetime):
        return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return at


def policy_for(
    *, request_type: str, urgency: str, dispatch_mode: str, at: date | datetime
) -> TimeLimitPolicy:
    """The most specific policy in force at `at`: most non-blank matching keys, then priority, then newest."""
    keys = {
        "request_type": request_type or "",
        "urgency": urgency or "",
        "dispatch_mode": dispatch_mode or "",
    }
    # Blank in the policy matches any value: each key is blank or the dispatch's own.
    matching = {f"{field}__in": tuple(dict.fromkeys(("", value))) for field, value in keys.items()}
    candidates = list(TimeLimitPolicy.objects.effective_at(_local_date(at)).filter(**matching))
    if not candidates:
        raise SlaError(
            gettext(
                "没有适用的办理时限策略（诉求类型 %(type)s，紧急程度 %(urgency)s，派单方式 %(mode)s，"
                "日期 %(day)s）：请管理员在后台添加或启用一条时限策略"
            )
            % {
                "type": request_type or "-",
                "urgency": urgency or "-",
                "mode": dispatch_mode or "-",
                "day": _local_date(at).isoformat(),
            }
        )
    return max(candidates, key=lambda p: (p.specificity, p.priority, p.effective_from, p.pk))
