from datetime import date, datetime

from django.utils import timezone

from civicgrid.engagement.errors import EngagementError
from civicgrid.registry.models import AdminArea


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def today_or(day: date | None) -> date:
    return day or timezone.localdate()


def require_community(area: AdminArea) -> None:
    if area.level != AdminArea.Level.VILLAGE:
        raise EngagementError(f"「{area.name}」不是村（社区），请选择村（社区）")


def require_text(value: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise EngagementError(f"请填写{label}")
    return value
