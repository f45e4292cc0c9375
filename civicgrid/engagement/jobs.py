"""Engagement's share of the worker's pass, registered with core.periodic in apps.py: points for newly confirmed
volunteer hours, and published wishes nobody claimed by their deadline."""

from datetime import datetime, timedelta

from django.utils import timezone

from civicgrid.core.models import Watermark
from civicgrid.engagement.points_link import post_for_volunteer_records
from civicgrid.engagement.services import wish_expire_due

POINTS_MARK = "engagement.post_points"
# A record confirmed just before a pass may commit just after it; posting is idempotent, so overlap costs nothing.
OVERLAP = timedelta(minutes=10)


def post_points(now: datetime) -> int:
    mark = Watermark.objects.filter(name=POINTS_MARK).values_list("value", flat=True).first()
    since = min(mark, now) - OVERLAP if mark else None
    done = post_for_volunteer_records(since, now)
    if not Watermark.objects.filter(name=POINTS_MARK).update(value=now):
        Watermark.objects.update_or_create(name=POINTS_MARK, defaults={"value": now})  # the first pass ever
    return done


def expire_wishes(now: datetime) -> int:
    return wish_expire_due(today=timezone.localtime(now).date(), at=now)
