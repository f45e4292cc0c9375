"""工作简报 pages: the period and area form (生成简报, 预览), the register of past issues with re-download and its
Excel export. Leaders, supervisors and administrators only (they see the whole city).

Every change and download goes through briefings.services, whose refusals the RefusalMiddleware shows.
"""

from datetime import date, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.briefings import selectors, services
from civicgrid.console.access import staff_view
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, DATETIME, INTEGER, Column, docx_response, workbook, xlsx_response
from civicgrid.core.inputs import parse_count, parse_day, parse_id
from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R

ROLES = (R.LEADER, R.SUPERVISOR, R.ADMINISTRATOR)
PAGE_SIZE = 25
# Briefings are issued for the whole city or for a county, town or street.
AREA_LEVELS = (AdminArea.Level.CITY, AdminArea.Level.COUNTY, AdminArea.Level.TOWN)


def _last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _register(request):
    rows = selectors.register_for(request.user)
    year = parse_count(request.GET.get("year"))
    area = parse_id(request.GET.get("area"))
    if year:
        rows = rows.filter(year=year)
    if request.GET.get("area") == "city":
        rows = rows.filter(area__isnull=True)
    elif area:
        rows = rows.filter(area_id=area)
    return rows, {"year": year, "area": request.GET.get("area", "")}


def generator_name(briefing) -> str:
    """Who generated an issue: the staff member's name, or 系统 for the command line."""
    user = briefing.generated_by
    if user is None:
        return "系统"
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@staff_view(*ROLES)
def briefings(request):
    rows, filters = _register(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for briefing in page:
        briefing.generator = generator_name(briefing)
    date_from, date_to = _last_month(timezone.localdate())
    try:  # the dashboard's period, when it sends one
        asked = parse_day(request.GET.get("from"), "起始日期"), parse_day(request.GET.get("to"), "结束日期")
        if asked[0] <= asked[1]:
            date_from, date_to = asked
    except Refusal:
        pass
    years = selectors.register_for(request.user).order_by("-year").values_list("year", flat=True).distinct()
    return render(
        request,
        "console/briefings/list.html",
        {
            "page": page,
            "f": filters,
            "query": _query(request),
            "years": sorted(set(years), reverse=True),
            "areas": AdminArea.objects.filter(level__in=AREA_LEVELS).order_by("code"),
            "date_from": date_from,
            "date_to": date_to,
        },
    )


@staff_view(*ROLES)
@require_POST
def briefing_generate(request):
    date_from = parse_day(request.POST.get("from"), "起始日期")
    date_to = parse_day(request.POST.get("to"), "结束日期")
    area_id = parse_id(request.POST.get("area"))
    area = AdminArea.objects.filter(pk=area_id).first() if area_id else None
    if area_id and area is None:
        raise services.BriefingRefused("所选区划不存在，请重新选择")
    if request.POST.get("preview"):
        preview = services.briefing_preview(
            actor=request.user, date_from=date_from, date_to=date_to, area=area
        )
        return docx_response(f"工作简报预览稿（{preview.data.scope_name}）.docx", preview.content)
    briefing = services.briefing_generate(actor=request.user, date_from=date_from, date_to=date_to, area=area)
    messages.success(request, f"已生成{briefing}，可在下方登记表中下载。")
    return redirect("console:briefings")


@staff_view(*ROLES)
def briefing_file(request, pk):
    briefing = selectors.register_for(request.user).filter(pk=pk).first()
    if briefing is None:
        raise Http404("没有这期简报")
    return docx_response(briefing.filename, services.briefing_download(actor=request.user, briefing=briefing))


@staff_view(*ROLES)
def briefings_export(request):
    rows, _ = _register(request)
    record_event(actor=request.user, action="export.briefings", summary="工作简报登记表")
    columns = [
        Column("年度", "year", number_format=INTEGER),
        Column("期号", "number", number_format=INTEGER),
        Column("范围", "scope_name", width=16),
        Column("统计起始日期", "date_from", number_format=DATE),
        Column("统计截止日期", "date_to", number_format=DATE),
        Column("生成人", generator_name, width=12),
        Column("生成时间", "generated_at", number_format=DATETIME),
        Column("校验值（SHA-256）", "sha256", width=66),
    ]
    data = workbook("工作简报登记表", "全市", "", columns, rows.iterator(chunk_size=500))
    return xlsx_response("工作简报登记表.xlsx", data)


urlpatterns = [
    path("briefings/", briefings, name="briefings"),
    path("briefings/generate/", briefing_generate, name="briefing_generate"),
    path("briefings/<int:pk>/file/", briefing_file, name="briefing_file"),
    path("briefings/export/", briefings_export, name="briefings_export"),
]
