"""热点问题与预警 pages (未诉先办): the period's hotspots with their heat and counts per day, a hotspot explained with
example tickets, the alerts the worker raised, and the actions a supervisor or leader takes from a hotspot (key
supervision list, ledger item, deliberation topic), each confirmed on its own page before it is done.

Reads go through hotspots.selectors (scoped to the user); changes through hotspots.services, whose refusals the
RefusalMiddleware shows on the page the form came from.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from civicgrid.console.access import staff_view
from civicgrid.core.audit import record_event
from civicgrid.core.documents import xlsx_response
from civicgrid.core.inputs import parse_count, parse_day
from civicgrid.core.refusal import Refusal
from civicgrid.hotspots import selectors, services
from civicgrid.hotspots.exports import alerts_workbook, hotspots_workbook, sparkline
from civicgrid.hotspots.models import HotspotAction
from civicgrid.ledgers import scope as ledger_scope
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R

VIEW_ROLES = (R.SUPERVISOR, R.LEADER, R.DISPATCHER, R.ADMINISTRATOR)
ACT_ROLES = services.ACTION_ROLES
TOP = 20
PAGE_SIZE = 25
MAX_DAYS = 366


def _filters(request):
    """Period (default the last 30 days) and area from the query; a refusal for a bad or too long period."""
    today = timezone.localdate()
    date_to = parse_day(request.GET.get("to"), "截止日期", required=False) or today
    date_from = parse_day(request.GET.get("from"), "起始日期", required=False) or date_to - timedelta(days=29)
    if date_to < date_from:
        raise Refusal("截止日期不能早于起始日期")
    if (date_to - date_from).days >= MAX_DAYS:
        raise Refusal("查询期间最长一年，请缩短期间")
    code = request.GET.get("area", "").strip()[:12]
    area = AdminArea.objects.filter(code=code).first() if code else None
    return date_from, date_to, area


def _period_query(date_from, date_to, area, **more) -> str:
    query = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    if area is not None:
        query["area"] = area.code
    query.update(more)
    return urlencode(query)


def _areas():
    return AdminArea.objects.filter(
        level__in=[AdminArea.Level.CITY, AdminArea.Level.COUNTY, AdminArea.Level.TOWN]
    ).order_by("code")


def _scope_text(area) -> str:
    return area.name if area else "全部区域"


def _decorate(issues, date_from, date_to, area):
    for rank, issue in enumerate(issues, 1):
        issue.rank = rank
        issue.spark = sparkline(issue.daily)
        issue.query = _period_query(date_from, date_to, area, key=issue.key)
        issue.example_rows = [
            (pk, number, title)
            for pk, (number, title) in zip(issue.example_ids, issue.examples, strict=False)
        ]
    return issues


@staff_view(*VIEW_ROLES)
def hotspot_list(request):
    date_from, date_to, area = _filters(request)
    issues, as_of = selectors.hot_issues_as_of(
        user=request.user, date_from=date_from, date_to=date_to, area=area, top=TOP
    )
    issues = _decorate(issues, date_from, date_to, area)
    return render(
        request,
        "console/hotspots/list.html",
        {
            "issues": issues,
            "as_of": timezone.localtime(as_of) if as_of else None,
            "date_from": date_from,
            "date_to": date_to,
            "area": area,
            "areas": _areas(),
            "query": _period_query(date_from, date_to, area),
            "alerts": selectors.alerts_for(request.user, date_from=date_from, date_to=date_to, area=area)[:5],
        },
    )


@staff_view(*VIEW_ROLES)
def hotspot_export(request):
    date_from, date_to, area = _filters(request)
    issues = _decorate(
        selectors.hot_issues(user=request.user, date_from=date_from, date_to=date_to, area=area, top=100),
        date_from,
        date_to,
        area,
    )
    period = f"{date_from:%Y年%m月%d日}至{date_to:%Y年%m月%d日}"
    record_event(
        actor=request.user,
        action="export.hotspots",
        summary=f"{period}，{area.name if area else '全部区域'}，{len(issues)}个",
    )
    return xlsx_response("热点问题.xlsx", hotspots_workbook(issues, scope=_scope_text(area), period=period))


def _issue(request):
    date_from, date_to, area = _filters(request)
    key = request.GET.get("key", request.POST.get("key", "")).strip()[:64]
    issue = selectors.hot_issue(user=request.user, date_from=date_from, date_to=date_to, key=key, area=area)
    if issue is None:
        raise Http404("该热点在所选期间不存在，请返回列表重新选择")
    _decorate([issue], date_from, date_to, area)
    return issue, date_from, date_to, area


@staff_view(*VIEW_ROLES)
def hotspot_detail(request):
    issue, date_from, date_to, area = _issue(request)
    done = HotspotAction.objects.filter(tickets__in=issue.ticket_ids).distinct().order_by("-at")[:20]
    return render(
        request,
        "console/hotspots/detail.html",
        {
            "issue": issue,
            "date_from": date_from,
            "date_to": date_to,
            "query": _period_query(date_from, date_to, area),
            "may_act": services.may_act(request.user),
            "done": done,
        },
    )


@staff_view(*VIEW_ROLES)
def alert_list(request):
    date_from, date_to, area = _filters(request)
    alerts = selectors.alerts_for(request.user, date_from=date_from, date_to=date_to, area=area)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/hotspots/alerts.html",
        {
            "page": page,
            "date_from": date_from,
            "date_to": date_to,
            "area": area,
            "areas": _areas(),
            "query": _period_query(date_from, date_to, area),
            "may_act": services.may_act(request.user),
        },
    )


@staff_view(*VIEW_ROLES)
def alert_export(request):
    date_from, date_to, area = _filters(request)
    alerts = list(
        selectors.alerts_for(request.user, date_from=date_from, date_to=date_to, area=area)[:10_000]
    )
    period = f"{date_from:%Y年%m月%d日}至{date_to:%Y年%m月%d日}"
    record_event(actor=request.user, action="export.hotspot_alerts", summary=f"{period}，{len(alerts)}条")
    return xlsx_response("热点预警.xlsx", alerts_workbook(alerts, scope=_scope_text(area), period=period))


KINDS = dict(HotspotAction.Kind.choices)


def _target(request):
    """The hotspot or alert an action is about: (label, ticket ids, alert, back link)."""
    alert_pk = parse_count(request.GET.get("alert", request.POST.get("alert")))
    if alert_pk:
        alert = selectors.alerts_for(request.user).filter(pk=alert_pk).first()
        if alert is None:
            raise Http404("预警不存在或不在您的查看范围内")
        ids = list(alert.tickets.values_list("pk", flat=True))
        return alert.label, ids, alert, "console:hotspot_alerts", ""
    issue, date_from, date_to, area = _issue(request)
    return issue.label, issue.ticket_ids, None, "console:hotspot", issue.query


@staff_view(*ACT_ROLES)
def hotspot_act(request, kind):
    if kind not in KINDS:
        raise Http404("未知的处置方式")
    label, ids, alert, back, back_query = _target(request)
    if request.method == "POST":
        p = request.POST
        common = dict(actor=request.user, label=label, ticket_ids=ids, alert=alert)
        if kind == HotspotAction.Kind.KEY_LIST:
            services.hotspot_key_list(note=p.get("note", "")[:200], **common)
        elif kind == HotspotAction.Kind.LEDGER:
            campaign = (
                ledger_scope.viewed_campaigns(request.user)
                .filter(pk=parse_count(p.get("campaign")) or 0)
                .first()
            )
            if campaign is None:
                raise Refusal("请选择问题台账")
            services.hotspot_to_ledger(campaign=campaign, problem=p.get("problem", "")[:500], **common)
        else:
            services.hotspot_to_topic(title=p.get("title", "")[:100], **common)
        messages.success(request, f"已{KINDS[kind]}：{label}")
        url = redirect(back).url
        return redirect(f"{url}?{back_query}" if back_query else url)
    tickets = selectors.visible_tickets(request.user).filter(pk__in=ids).order_by("-received_at")[:50]
    return render(
        request,
        "console/hotspots/confirm.html",
        {
            "kind": kind,
            "kind_label": KINDS[kind],
            "label": label,
            "alert": alert,
            "key": request.GET.get("key", ""),
            "query": back_query,
            "back": back,
            "tickets": tickets,
            "count": len(ids),
            "campaigns": ledger_scope.viewed_campaigns(request.user).order_by("-year", "code")
            if kind == HotspotAction.Kind.LEDGER
            else [],
        },
    )


urlpatterns = [
    path("hotspots/", hotspot_list, name="hotspots"),
    path("hotspots/export/", hotspot_export, name="hotspots_export"),
    path("hotspots/detail/", hotspot_detail, name="hotspot"),
    path("hotspots/alerts/", alert_list, name="hotspot_alerts"),
    path("hotspots/alerts/export/", alert_export, name="hotspot_alerts_export"),
    path("hotspots/act/<str:kind>/", hotspot_act, name="hotspot_act"),
]
