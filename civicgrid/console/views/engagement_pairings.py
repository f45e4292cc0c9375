"""双联双帮 and other pairings for the 组织部 and community workers: the year's pairings with filters and Excel
export, a new pairing, a pairing's page with its visits and the visit form, and a visit's page where each
finding becomes a ticket, a need or a micro-wish in one click (engagement.finding_convert).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.console.views.engagement import PAGE_SIZE, WORKER_ROLES, _communities, _community, _year
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, INTEGER, Column, xlsx_response
from civicgrid.core.inputs import parse_count, parse_day
from civicgrid.core.refusal import Refusal
from civicgrid.engagement import selectors, services
from civicgrid.engagement.exports import pairings_workbook
from civicgrid.engagement.models import Pairing

WEEKDAYS = "一二三四五六日"


def _filtered(request):
    year = _year(request)
    scheme = request.GET.get("scheme", "")
    rows = selectors.pairings_for(
        request.user,
        year,
        scheme=scheme if scheme in Pairing.Scheme.values else "",
        unit=request.GET.get("unit", "")[:100],
        area_id=parse_count(request.GET.get("village")) or None,
    )
    return year, rows


@staff_view(*WORKER_ROLES)
def pairings(request):
    year, rows = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query["year"] = str(year)
    return render(
        request,
        "console/engagement/pairings.html",
        {
            "page": page,
            "query": query.urlencode(),
            "year": year,
            "schemes": Pairing.Scheme.choices,
            "scheme": request.GET.get("scheme", ""),
            "unit": request.GET.get("unit", "")[:100],
            "village": request.GET.get("village", ""),
            "communities": _communities(request.user),
        },
    )


@staff_view(*WORKER_ROLES)
def pairings_export(request):
    year, rows = _filtered(request)
    rows = list(rows[:50_000])
    record_event(
        actor=request.user, action="export.engagement_pairings", summary=f"{year}年度，{len(rows)}条"
    )
    data = pairings_workbook(rows, scope="本人负责的村（社区）", year=year)
    return xlsx_response(f"结对联系-{year}.xlsx", data)


@staff_view(*WORKER_ROLES)
@require_POST
def pairing_new(request):
    p = request.POST
    unit_text = p.get("unit", "").strip()
    unit = selectors.unit_named(unit_text)
    if unit_text and unit is None:
        raise Refusal(f"没有找到单位「{unit_text[:30]}」，请填写单位编码或完整名称")
    year = parse_count(p.get("year"))
    if not 2000 <= year <= 2099:
        raise Refusal("请填写 2000 年至 2099 年之间的年度")
    pairing = services.pairing_create(
        actor=request.user,
        year=year,
        scheme=p.get("scheme", ""),
        area=_community(request.user, p.get("village")),
        unit=unit,
        leader_name=p.get("leader_name", "")[:50],
        note=p.get("note", "")[:200],
    )
    messages.success(request, f"已登记结对：{pairing}")
    return redirect("console:eng_pairing", pk=pairing.pk)


@staff_view(*WORKER_ROLES)
def pairing_page(request, pk):
    pairing = get_object_or_404(selectors.pairings_in_scope(request.user), pk=pk)
    visits = pairing.visits.prefetch_related("finding_items").order_by("-visited_on", "-pk")
    if wants_xlsx(request):
        return export_list(
            request,
            title=f"{pairing.side}结对{pairing.area.name}走访记录",
            sheet_name="走访记录",
            columns=[
                Column("走访日期", "visited_on", number_format=DATE),
                Column("星期", lambda v: f"星期{WEEKDAYS[v.visited_on.weekday()]}", width=8),
                Column("周三/周六", lambda v: "是" if v.on_wed_or_sat else "", width=10),
                Column("参加人员", "participants", width=30),
                Column("参加人数", "participant_count", number_format=INTEGER),
                Column("发现问题", lambda v: "；".join(f.text for f in v.finding_items.all()), width=48),
            ],
            rows=visits,
            scope=f"{pairing.get_scheme_display()}；{pairing.year} 年",
            action="export.engagement_visits",
            target=pairing,
        )
    return render(
        request,
        "console/engagement/pairing.html",
        {"pairing": pairing, "visits": visits, "weekdays": WEEKDAYS},
    )


@staff_view(*WORKER_ROLES)
@require_POST
def visit_new(request, pk):
    pairing = get_object_or_404(selectors.pairings_in_scope(request.user), pk=pk)
    p = request.POST
    day = parse_day(p.get("visited_on", ""), "走访日期")
    visit = services.visit_record(
        actor=request.user,
        pairing=pairing,
        visited_on=day,
        participants=p.get("participants", "")[:300],
        participant_count=parse_count(p.get("participant_count"), 0),
        findings=[line for line in p.get("findings", "")[:5000].splitlines() if line.strip()][:50],
    )
    flag = "（周三无会日或周六）" if visit.on_wed_or_sat else ""
    messages.success(request, f"已登记{day:%Y年%m月%d日}星期{WEEKDAYS[day.weekday()]}的走访{flag}")
    return redirect("console:eng_visit", pk=visit.pk)


@staff_view(*WORKER_ROLES)
def visit_page(request, pk):
    visit = get_object_or_404(selectors.visits_in_scope(request.user), pk=pk)
    return render(
        request,
        "console/engagement/visit.html",
        {
            "visit": visit,
            "weekday": WEEKDAYS[visit.visited_on.weekday()],
            "findings": visit.finding_items.select_related("ticket", "need", "wish"),
        },
    )


urlpatterns = [
    path("engagement/pairings/", pairings, name="eng_pairings"),
    path("engagement/pairings/export/", pairings_export, name="eng_pairings_export"),
    path("engagement/pairings/new/", pairing_new, name="eng_pairing_new"),
    path("engagement/pairings/<int:pk>/", pairing_page, name="eng_pairing"),
    path("engagement/pairings/<int:pk>/visits/new/", visit_new, name="eng_visit_new"),
    path("engagement/visits/<int:pk>/", visit_page, name="eng_visit"),
]
