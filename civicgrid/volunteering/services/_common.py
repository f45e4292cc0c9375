"""What every volunteering service shares: the time, the audit row and the scope guard."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.volunteering.errors import VolunteerRefusal


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def audit(actor, action: str, target, summary: str, **payload):
    return record_event(actor=actor, action=action, target=target, summary=summary, **payload)


def require_area(actor, area_id: int, *, action: str) -> None:
    """Staff may change only what lies in their areas; the command line (SYSTEM), the portal (None) may all."""
    if actor is None or actor is SYSTEM or not getattr(actor, "is_authenticated", False):
        return
    from civicgrid.volunteering.selectors import can_manage_area

    if not can_manage_area(actor, area_id):
        raise VolunteerRefusal(f"无权{action}：不在您的管理范围内")


def refusal_of(error: ValidationError) -> VolunteerRefusal:
    return VolunteerRefusal("；".join(error.messages))


def local(dt: datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")
