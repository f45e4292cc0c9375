"""What every party service shares: the day, the audit row, and the scope guard."""

from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.party.errors import PartyRefusal


def today_or(day: date | datetime | None) -> date:
    if day is None:
        return timezone.localdate()
    return timezone.localdate(day) if isinstance(day, datetime) else day


def now_or(at: datetime | None) -> datetime:
    return at or timezone.now()


def audit(actor, action: str, target, summary: str, **payload):
    return record_event(actor=actor, action=action, target=target, summary=summary, **payload)


def require_org(actor, org, *, action: str) -> None:
    """A person may change only organisations in their scope; the command line (SYSTEM) and None may all."""
    if actor is None or actor is SYSTEM or not getattr(actor, "is_authenticated", False):
        return
    from civicgrid.party.selectors import can_manage_org

    if not can_manage_org(actor, org):
        raise PartyRefusal(f"无权{action}：「{org.name}」不在您的管理范围内")


def changed(obj, fields: dict) -> list[str]:
    """Set `fields` on `obj`; the names whose value changed."""
    names = []
    for name, value in fields.items():
        try:
            current = getattr(obj, name)
        except ObjectDoesNotExist:  # an unset relation on a new row
            current = None
        if current != value:
            setattr(obj, name, value)
            names.append(name)
    return names
