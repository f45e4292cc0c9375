"""巡查上报 from a phone, the patrol photos, and the service worker that keeps the grid worker's pages offline.

The form works without JavaScript (a POST and a redirect). With JavaScript (static console/patrol.js) the
page keeps each report in an IndexedDB queue and posts it, asking for JSON, whenever the phone is online;
the report's client id makes a repeated post harmless.
"""

import json
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import path, reverse

from civicgrid.console.access import staff_view
from civicgrid.console.forms.patrol import PatrolForm
from civicgrid.core.audit import record_event
from civicgrid.core.refusal import REFUSAL_TYPES, refusal_message
from civicgrid.tickets.grids import patrol_reports_for
from civicgrid.tickets.models import PatrolPhoto, PatrolReport
from civicgrid.tickets.services.patrol import PATROL_ROLES, patrol_report

RECENT = 10
# What the service worker caches on install, so the patrol page opens without signal.
SHELL_FILES = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "console/console.css",
    "console/console.js",
    "console/patrol.js",
    "vendor/leaflet/leaflet.css",
    "vendor/leaflet/leaflet.js",
)


def _done(result) -> str:
    report = result.report
    again = "（此前已上报，未重复记录）" if not result.created else ""
    if report.outcome == PatrolReport.Outcome.SOLVED:
        return f"已记录就地办结{again}"
    return f"已上报，生成工单 {report.ticket.number}，等待 12345 受理派单{again}"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@staff_view(*PATROL_ROLES)
def patrol(request):
    if request.method == "POST":
        form = PatrolForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = patrol_report(actor=request.user, **form.service_arguments())
            except REFUSAL_TYPES as exc:
                if isinstance(exc, ValidationError):
                    form.add_service_error(exc)
                else:
                    form.add_error(None, refusal_message(exc))
            else:
                if _wants_json(request):
                    return JsonResponse(
                        {
                            "ok": True,
                            "created": result.created,
                            "id": result.report.pk,
                            "message": _done(result),
                        }
                    )
                messages.success(request, _done(result))
                return redirect("console:patrol")
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": form.error_text()}, status=400)
    else:
        form = PatrolForm(initial={"client_id": uuid.uuid4()})
    recent = (
        patrol_reports_for(request.user)
        .filter(reporter=request.user)
        .select_related("ticket", "category", "grid")
        .prefetch_related("photos")[:RECENT]
    )
    return render(request, "console/patrol/report.html", {"form": form, "recent": recent})


@staff_view()
def patrol_photo(request, pk):
    """A patrol photo, for those who may see its report; each opening is audited (photos are personal data)."""
    photo = (
        PatrolPhoto.objects.select_related("report")
        .filter(pk=pk, report__in=patrol_reports_for(request.user))
        .first()
    )
    if photo is None:
        raise PermissionDenied("照片不存在或不在您的查看范围内")
    record_event(
        actor=request.user,
        action="patrol.photo_view",
        target=photo.report,
        summary=f"查看巡查照片 {photo.original_name}",
    )
    return FileResponse(photo.file.open("rb"), content_type=photo.content_type, filename=photo.original_name)


@staff_view()
def service_worker(request):
    """The service worker, served under /console/ so that its scope covers the console."""
    shell = [reverse("console:patrol"), *(static(name) for name in SHELL_FILES)]
    body = f"const SHELL = {json.dumps(shell)};\n" + Path(finders.find("console/sw.js")).read_text(
        encoding="utf-8"
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/console/"
    return response


urlpatterns = [
    path("patrol/", patrol, name="patrol"),
    path("patrol/photos/<int:pk>/", patrol_photo, name="patrol_photo"),
    path("sw.js", service_worker, name="service_worker"),
]
