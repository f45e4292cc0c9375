"""The worker's share for weakorgs (registered in apps.py): the monthly 软弱涣散 scan.

On or after the day of the month of the schedule in force (`ScanSchedule`, the 1st by default), the first pass of
the worker scans every organisation and stores the candidates (a scan never decides: a person confirms or
dismisses each). The month is claimed by a unique `MonthlyScan` row in the scan's transaction, so it runs once a
month even with two workers, and again if it failed. 组织部 staff hear of the new candidates in their scope.
"""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.notify.services import notify
from civicgrid.registry.models import Role
from civicgrid.weakorgs import scope, services
from civicgrid.weakorgs.models import MonthlyScan, ScanSchedule


def schedule_at(day: date) -> ScanSchedule:
    """The schedule in force on `day`; without one the default (the 1st, enabled)."""
    return ScanSchedule.objects.effective_at(day).order_by("-effective_from", "-pk").first() or ScanSchedule()


def monthly_scan(now: datetime) -> int:
    """Run this month's scan if it is due and not yet done; returns the number of new candidates."""
    today = timezone.localtime(now).date()
    schedule = schedule_at(today)
    if not schedule.enabled or today.day < schedule.day_of_month:
        return 0
    month = today.replace(day=1)
    if MonthlyScan.objects.filter(month=month).exists():
        return 0
    try:
        with transaction.atomic():
            claim = MonthlyScan.objects.create(month=month, ran_at=now)
            result = services.scan(actor=SYSTEM, as_of=today, at=now)
            claim.found, claim.created = len(result.candidates), result.created
            claim.save(update_fields=["found", "created"])
            new = [c.org_id for c in result.candidates if c.first_found_at == now]
            if new:
                _tell_staff(new, today, now)
    except IntegrityError:  # another worker claimed the month first
        return 0
    return result.created


def _tell_staff(org_ids: list[int], today: date, now: datetime) -> None:
    staff = (
        get_user_model()
        .objects.filter(is_active=True, staff__roles__code=Role.ORGANISATION_STAFF)
        .distinct()
        .order_by("pk")
    )
    for user in staff:
        mine = scope.decided_orgs(user).filter(pk__in=org_ids).count()
        if not mine:
            continue
        notify(
            recipients=[user],
            kind="weakorgs_candidates",
            title=f"软弱涣散排查：新增候选组织{mine}个",
            body=f"{today:%Y年%m月%d日}按月自动排查，新增候选组织{mine}个，请研判（认定或不予认定）。",
            at=now,
        )
