"""The deliberation figures for an area and every area below it, over one calendar year.

topics       topics collected in the year
accepted     of those, accepted (whatever their state now, declined ones excepted)
resolved     of those, that reached a resolution (deliberated or later)
implemented  of those, implemented (done or fed back)
fed_back     of those, fed back
"""

from datetime import date, datetime, time

from django.db.models import Count, Q
from django.utils import timezone

from civicgrid.deliberation.models import Topic
from civicgrid.deliberation.scope import subtree
from civicgrid.registry.models import AdminArea

KEYS = ("topics", "accepted", "resolved", "implemented", "fed_back")
LABELS = {
    "topics": "收集议题",
    "accepted": "受理",
    "resolved": "形成决议",
    "implemented": "落实完成",
    "fed_back": "已反馈",
}
HELP = {
    "topics": "当年收集的议题数",
    "accepted": "其中已受理的（不含不予受理）",
    "resolved": "其中已形成协商决议的（已协商及以后各状态）",
    "implemented": "其中已落实完成的（已落实、已反馈）",
    "fed_back": "其中已反馈的",
}


def empty_stats() -> dict[str, int]:
    return dict.fromkeys(KEYS, 0)


def _bounds(year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(date(year, 1, 1), time.min), zone)
    end = timezone.make_aware(datetime.combine(date(year + 1, 1, 1), time.min), zone)
    return start, end


def deliberation_stats(area: AdminArea, year: int) -> dict[str, int]:
    start, end = _bounds(year)
    rows = Topic.objects.filter(area_id__in=subtree(area), collected_at__gte=start, collected_at__lt=end)
    S = Topic.State
    figures = rows.aggregate(
        topics=Count("pk"),
        accepted=Count("pk", filter=~Q(state__in=[S.COLLECTED, S.DECLINED])),
        resolved=Count("pk", filter=Q(state__in=Topic.RESOLVED)),
        implemented=Count("pk", filter=Q(state__in=Topic.IMPLEMENTED)),
        fed_back=Count("pk", filter=Q(state=S.FED_BACK)),
    )
    return {key: int(figures[key] or 0) for key in KEYS}
