"""Is this installation alive: the database answers, and the worker has passed recently.

The worker records each pass as a `Watermark` row (shared by every process and machine, unlike memory or a
file); `/healthz` reads it for a monitor or a load balancer."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicgrid.core.models import Watermark

HEARTBEAT = "worker.heartbeat"


def beat(now: datetime) -> None:
    """The worker's pass at `now` (one UPDATE; the first pass ever creates the row)."""
    if not Watermark.objects.filter(name=HEARTBEAT).update(value=now):
        Watermark.objects.update_or_create(name=HEARTBEAT, defaults={"value": now})


def last_beat() -> datetime | None:
    return Watermark.objects.filter(name=HEARTBEAT).values_list("value", flat=True).first()


def worker_stale(now: datetime, last: datetime | None) -> bool:
    limit = timedelta(seconds=settings.CIVICGRID_WORKER_STALE_SECONDS)
    return last is None or now - last > limit


@never_cache
@require_GET
def healthz(request):
    """200 with {"status": "ok", ...} while the database answers; 503 otherwise. With `?worker=1`, also 503 when
    the worker's last pass is older than CIVICGRID_WORKER_STALE_SECONDS. No personal data, no sign-in."""
    body: dict = {"status": "ok", "database": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    if request.GET.get("worker"):
        now = timezone.now()
        last = last_beat()
        stale = worker_stale(now, last)
        body["worker"] = "stale" if stale else "ok"
        body["worker_last_pass"] = last.isoformat() if last else None
        body["worker_age_seconds"] = round((now - last).total_seconds()) if last else None
        if stale:
            body["status"] = "error"
            return JsonResponse(body, status=503)
    return JsonResponse(body)
