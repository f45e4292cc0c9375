"""问题台账 (揭榜挂帅 / 查堵点) pages.

组织部 and the centre: campaigns (list, create), a campaign's items (search, filters, pagination, Excel), an item's
page with its progress history, events, linked tickets and the actions its state allows, the progress approvals
queue and the ranking of lead units (Excel). Units: 我的台账 and progress reports with evidence. The ticket page
links here through the include of `templatetags/ledgers_links.py` (列入问题台账).

Reads go through ledgers.selectors and ledgers.scope; every change through ledgers.services, whose refusals the
RefusalMiddleware shows on the page the form came from.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import LIST_EXPORT_MAX, export_list, mine_scope, wants_xlsx, yes
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, DATETIME, INTEGER, Column, xlsx_response
from civicgrid.core.inputs import parse_count, parse_day
from civicgrid.core.refusal import Refusal
from civicgrid.ledgers import scope, selectors, services
from civicgrid.ledgers.exports import items_workbook, ranking_workbook
from civicgrid.ledgers.models import Campaign, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import is_overdue, percent_text
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.registry.models import Role as R
from civicgrid.registry.selectors import unit_by_code_or_name
from civicgrid.tickets.permissions import has_role
from civicgrid.tickets.selectors import tickets_for

PAGE_SIZE = 25
# Who manages campaigns (组织部, the centre's supervisors) and who sees them whole (leaders too).
MANAGER_ROLES = (R.ORGANISATION_STAFF, R.SUPERVISOR, R.DISPATCHER, R.ADMINISTRATOR)
VIEWER_ROLES = (R.ORGANISATION_STAFF, R.SUPERVISOR, R.DISPATCHER, R.LEADER, R.ADMINISTRATOR)
# Who may register a ticket (tickets' own rule): raising one from an item is offered to them only.
TICKET_ROLES = (R.OPERATOR, R.DISPATCHER, R.GRID_WORKER, R.GRID_LEADER, R.ADMINISTRATOR)
# Units that lead or co-lead items.
UNIT_ROLES = (R.UNIT_HANDLER, R.GRID_LEADER, R.GRID_WORKER, R.PARTY_SECRETARY)
ITEM_ROLES = VIEWER_ROLES + UNIT_ROLES
# 列入问题台账 from a ticket: the centre and the 组织部.
FROM_TICKET_ROLES = (R.ORGANISATION_STAFF, R.SUPERVISOR, R.DISPATCHER, R.ADMINISTRATOR)


def _campaign(request, pk) -> Campaign:
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None or not scope.views_campaign(request.user, campaign):
        raise PermissionDenied("您无权查看该台账")
    return campaign


def _item(request, pk) -> LedgerItem:
    item = selectors.items_for(request.user).filter(pk=pk).first()
    if item is None:
        raise PermissionDenied("您无权查看该台账事项")
    return item


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ------------------------------------------------------------------------------------------------- campaigns


@staff_view(*VIEWER_ROLES)
def campaigns(request):
    rows = scope.viewed_campaigns(request.user).select_related("owner_unit", "area").order_by("-year", "code")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        rows = rows.filter(name__icontains=q) | rows.filter(code__icontains=q)
    if wants_xlsx(request):
        campaigns_list = list(rows[:LIST_EXPORT_MAX])
        for campaign in campaigns_list:
            campaign.figures = selectors.campaign_summary(campaign.items.all())
        return export_list(
            request,
            title="问题台账",
            columns=CAMPAIGN_COLUMNS,
            rows=campaigns_list,
            scope="本人可查看的台账",
            filters=[f"关键词「{q}」" if q else ""],
            action="export.ledger_campaigns",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for campaign in page:
        campaign.figures = selectors.campaign_summary(campaign.items.all())
    areas = AdminArea.objects.filter(level__in=[AdminArea.Level.CITY, AdminArea.Level.COUNTY]).order_by(
        "code"
    )
    if not scope.sees_everything(request.user):
        areas = areas.filter(pk__in=scope.staff_area_ids(request.user))
    return render(
        request,
        "console/ledgers/campaigns.html",
        {
            "page": page,
            "q": q,
            "query": _query(request),
            "may_create": scope.sees_everything(request.user)
            or bool(scope.role_codes(request.user) & scope.MANAGER_ROLES),
            "areas": areas,
            "year": timezone.localdate().year,
        },
    )


CAMPAIGN_COLUMNS = [
    Column("年度", "year", number_format=INTEGER, width=8),
    Column("编号", "code", width=14),
    Column("台账", "name", width=32),
    Column("牵头单位", "owner_unit.name", width=20),
    Column("区域", "area.name", width=14),
    Column("事项", lambda c: c.figures["items"], number_format=INTEGER),
    Column("平均进度（%）", lambda c: c.figures["avg_progress"], number_format="0.00"),
    Column("揭榜挂帅事项", lambda c: c.figures["listed_items"], number_format=INTEGER),
    Column("揭榜挂帅平均进度（%）", lambda c: c.figures["listed_avg_progress"], number_format="0.00"),
    Column("已销号", lambda c: c.figures["closed"], number_format=INTEGER),
    Column("超期", lambda c: c.figures["overdue"], number_format=INTEGER),
]


def _submitter(report) -> str:
    user = report.submitted_by
    if user is None:
        return ""
    staff = getattr(user, "staff", None)
    return staff.name if staff else user.username


@staff_view(*MANAGER_ROLES)
@require_POST
def campaign_new(request):
    p = request.POST
    area = AdminArea.objects.filter(pk=parse_count(p.get("area")) or 0).first()
    campaign = services.campaign_create(
        actor=request.user,
        code=p.get("code", "")[:40],
        name=p.get("name", "")[:100],
        year=parse_count(p.get("year")) or 0,
        owner_unit=unit_by_code_or_name(p.get("owner_unit", "")[:100]),
        area=area,
        note=p.get("note", "")[:300],
    )
    messages.success(request, f"已创建台账「{campaign.name}」")
    return redirect("console:ldg_campaign", pk=campaign.pk)


def _campaign_items(request, campaign):
    filters = selectors.ItemFilters.from_query(request.GET)
    return filters, selectors.items_for(request.user, campaign, filters)


@staff_view(*VIEWER_ROLES)
def campaign_page(request, pk):
    campaign = _campaign(request, pk)
    filters, items = _campaign_items(request, campaign)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        item.overdue = is_overdue(item, today)
        item.progress_text = percent_text(item.progress)
    units = Unit.objects.filter(pk__in=campaign.items.values("lead_unit")).order_by("name")
    return render(
        request,
        "console/ledgers/campaign.html",
        {
            "campaign": campaign,
            "page": page,
            "f": filters,
            "query": _query(request),
            "figures": selectors.campaign_summary(campaign.items.all(), today),
            "states": LedgerItem.State.choices,
            "sources": LedgerItem.Source.choices,
            "units": units,
            "batches": sorted(set(campaign.items.values_list("batch", flat=True))),
            "may_propose": scope.may_propose(request.user, campaign),
            "manages": scope.manages(request.user, campaign),
        },
    )


@staff_view(*VIEWER_ROLES)
def campaign_export(request, pk):
    campaign = _campaign(request, pk)
    _, items = _campaign_items(request, campaign)
    rows = list(items.prefetch_related("co_units")[:50_000])
    record_event(
        actor=request.user,
        action="export.ledger_items",
        target=campaign,
        summary=f"{campaign.name}，{len(rows)}项",
    )
    return xlsx_response(
        f"{campaign.name}.xlsx", items_workbook(rows, campaign=campaign, scope="本人可查看的事项")
    )


@staff_view(*ITEM_ROLES)
def item_new(request, pk):
    campaign = _campaign_or_proposer(request, pk)
    if request.method != "POST":  # scope first: another unit's item is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    p = request.POST
    item = services.propose_item(
        actor=request.user,
        campaign=campaign,
        problem=p.get("problem", "")[:2000],
        source=p.get("source", ""),
        lead_unit=unit_by_code_or_name(p.get("lead_unit", "")[:100]),
        deadline=parse_day(p.get("deadline", ""), "时限", required=False),
        on_list=p.get("on_list") == "1",
        number=p.get("number", "")[:30],
        batch=parse_count(p.get("batch")) or 1,
        responsible_leader=p.get("responsible_leader", "")[:100],
        special_team=p.get("special_team", "")[:200],
        deliverables=p.get("deliverables", "")[:2000],
        is_public=p.get("is_public") == "1",
    )
    messages.success(request, f"已提出事项{item.number}，待管理单位张榜")
    return redirect("console:ldg_item", pk=item.pk)


def _campaign_or_proposer(request, pk) -> Campaign:
    campaign = Campaign.objects.filter(pk=pk).first()
    if campaign is None or not scope.may_propose(request.user, campaign):
        raise PermissionDenied("您不能向该台账提出问题")
    return campaign


# ------------------------------------------------------------------------------------------------------ items


@staff_view(*ITEM_ROLES)
def item_page(request, pk):
    item = _item(request, pk)
    user = request.user
    manages = scope.manages(user, item.campaign)
    leads = scope.leads(user, item)
    visible = set(
        tickets_for(user).filter(pk__in=item.ticket_links.values("ticket")).values_list("pk", flat=True)
    )
    links = [(link, link.ticket_id in visible) for link in item.ticket_links.select_related("ticket")]
    reports = item.reports.select_related("submitted_by__staff", "approver__staff")
    events = item.events.select_related("actor__staff")
    S = LedgerItem.State
    return render(
        request,
        "console/ledgers/item.html",
        {
            "item": item,
            "progress": percent_text(item.progress),
            "overdue": is_overdue(item),
            "co_units": item.co_units.order_by("name"),
            "reports": reports,
            "events": events,
            "links": links,
            "manages": manages,
            "leads": leads,
            "may_take": item.state == S.LISTED
            and not item.suspended
            and (leads or (item.lead_unit_id is None and scope.unit_ids(user))),
            "take_units": Unit.objects.filter(pk__in=scope.unit_ids(user)).order_by("name"),
            "may_report": leads and item.state in (S.TAKEN, S.IN_PROGRESS) and not item.suspended,
            "pending": item.reports.filter(status=ProgressReport.Status.SUBMITTED).first(),
            "may_link": (manages or leads) and item.state != S.CLOSED,
            "may_raise": (manages or leads) and item.state != S.CLOSED and has_role(user, *TICKET_ROLES),
            "S": S,
        },
    )


ACTIONS = {
    "list": lambda user, item, p: services.item_list(actor=user, item=item),
    "take": lambda user, item, p: services.item_take(
        actor=user,
        item=item,
        letter_date=parse_day(p.get("letter_date", ""), "目标责任书签订日期"),
        unit=Unit.objects.filter(pk=parse_count(p.get("unit")) or 0).first(),
        responsible_leader=p.get("responsible_leader", "")[:100],
    ),
    "start": lambda user, item, p: services.item_start(actor=user, item=item),
    "apply": lambda user, item, p: services.item_apply_closure(
        actor=user, item=item, note=p.get("note", "")[:300]
    ),
    "close": lambda user, item, p: services.item_close(actor=user, item=item, note=p.get("note", "")[:300]),
    "refuse": lambda user, item, p: services.item_refuse_closure(
        actor=user, item=item, reason=p.get("note", "")[:300]
    ),
    "suspend": lambda user, item, p: services.item_suspend(actor=user, item=item, reason=p.get("reason", "")),
    "resume": lambda user, item, p: services.item_resume(actor=user, item=item),
    "publish": lambda user, item, p: services.item_update(
        actor=user, item=item, is_public=p.get("public") == "1"
    ),
    "edit": lambda user, item, p: services.item_update(
        actor=user,
        item=item,
        deadline=parse_day(p.get("deadline", ""), "时限", required=False),
        on_list=p.get("on_list") == "1",
        responsible_leader=p.get("responsible_leader", "")[:100],
        special_team=p.get("special_team", "")[:200],
        deliverables=p.get("deliverables", "")[:2000],
        **(
            {"lead_unit": unit_by_code_or_name(p.get("lead_unit", "")[:100])}
            if p.get("lead_unit", "").strip()
            else {}
        ),
    ),
}
DONE = {
    "list": "已张榜",
    "take": "已揭榜",
    "start": "已开始推进",
    "apply": "已申请销号",
    "close": "已销号",
    "refuse": "已退回销号申请",
    "suspend": "已暂停",
    "resume": "已恢复",
    "publish": "已保存公示设置",
    "edit": "已保存",
}


@staff_view(*ITEM_ROLES)
def item_action(request, pk):
    item = _item(request, pk)
    if request.method != "POST":  # scope first: another unit's item is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Refusal("操作不正确")
    ACTIONS[action](request.user, item, request.POST)
    messages.success(request, DONE[action])
    return redirect("console:ldg_item", pk=item.pk)


@staff_view(*ITEM_ROLES)
def item_report(request, pk):
    item = _item(request, pk)
    if request.method != "POST":  # scope first: another unit's item is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    services.progress_submit(
        actor=request.user,
        item=item,
        percent=request.POST.get("percent", "")[:10],
        narrative=request.POST.get("narrative", "")[:2000],
        evidence=request.FILES.get("evidence"),
    )
    messages.success(request, "进度已填报，等待管理单位审核")
    return redirect("console:ldg_item", pk=item.pk)


@staff_view(*ITEM_ROLES)
def item_link_ticket(request, pk):
    item = _item(request, pk)
    if request.method != "POST":  # scope first: another unit's item is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    number = request.POST.get("ticket", "").strip()[:40]
    ticket = tickets_for(request.user).filter(number=number).first()
    if ticket is None:
        raise Refusal(f"没有找到您可查看的工单「{number}」")
    services.item_link_ticket(actor=request.user, item=item, ticket=ticket)
    messages.success(request, f"已关联工单{ticket.number}")
    return redirect("console:ldg_item", pk=item.pk)


@staff_view(*ITEM_ROLES)
def item_raise_ticket(request, pk):
    item = _item(request, pk)
    if request.method != "POST":  # scope first: another unit's item is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    ticket = services.item_raise_ticket(
        actor=request.user,
        item=item,
        phone=request.POST.get("phone", "")[:20],
        name=request.POST.get("name", "")[:50],
        title=request.POST.get("title", "")[:100],
        content=request.POST.get("content", "")[:2000],
    )
    messages.success(request, f"已转为工单{ticket.number}")
    return redirect("console:ldg_item", pk=item.pk)


@staff_view(*ITEM_ROLES)
def report_evidence(request, pk):
    report = selectors.report_for(request.user, pk)
    if report is None:
        raise PermissionDenied("您无权查看该佐证材料")
    if not report.evidence:
        raise Http404("该进度没有佐证材料")
    record_event(
        actor=request.user,
        action="ledgers.evidence_view",
        target=report.item,
        summary=f"查看事项{report.item.number}佐证材料{report.evidence_name}",
    )
    inline = report.evidence_type.startswith("image/") or report.evidence_type == "application/pdf"
    return FileResponse(
        report.evidence.open("rb"),
        content_type=report.evidence_type or "application/octet-stream",
        as_attachment=not inline,
        filename=report.evidence_name or "佐证材料",
    )


@staff_view(*MANAGER_ROLES)
@require_POST
def report_decide(request, pk):
    report = selectors.pending_reports(request.user).filter(pk=pk).first()
    if report is None:
        raise PermissionDenied("该进度不在您的审核范围内，或已审核")
    if request.POST.get("decision") == "approve":
        services.progress_approve(actor=request.user, report=report, note=request.POST.get("note", "")[:300])
        messages.success(request, f"事项{report.item.number}的进度已审核通过")
    else:
        services.progress_reject(actor=request.user, report=report, reason=request.POST.get("note", ""))
        messages.success(request, f"事项{report.item.number}的进度已退回")
    if request.POST.get("next") == "item":
        return redirect("console:ldg_item", pk=report.item_id)
    return redirect("console:ldg_approvals")


@staff_view(*MANAGER_ROLES)
def approvals(request):
    if wants_xlsx(request):
        return export_list(
            request,
            title="待审核进度",
            columns=[
                Column("事项编号", "item.number", width=14),
                Column("问题", "item.problem", width=40),
                Column("台账", "item.campaign.name", width=24),
                Column("牵头单位", "item.lead_unit.name", width=20),
                Column("填报进度（%）", lambda r: float(r.percent), number_format="0.00"),
                Column("进展情况", "narrative", width=50),
                Column("填报时间", "submitted_at", number_format=DATETIME),
                Column("填报人", lambda r: _submitter(r), width=12),
            ],
            rows=selectors.pending_reports(request.user),
            scope="本人管理的台账",
            action="export.ledger_approvals",
        )
    page = Paginator(selectors.pending_reports(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page:
        report.percent_text = percent_text(report.percent)
    return render(request, "console/ledgers/approvals.html", {"page": page, "query": _query(request)})


# ---------------------------------------------------------------------------------------------------- ranking


def _ranking(request):
    viewed = scope.viewed_campaigns(request.user).order_by("-year", "code")
    campaign = viewed.filter(pk=parse_count(request.GET.get("campaign")) or 0).first() or viewed.first()
    rows = selectors.unit_ranking(campaign.items.all()) if campaign else []
    return viewed, campaign, rows


@staff_view(*VIEWER_ROLES)
def ranking(request):
    viewed, campaign, rows = _ranking(request)
    return render(
        request,
        "console/ledgers/ranking.html",
        {"campaigns": viewed, "campaign": campaign, "rows": rows, "query": _query(request)},
    )


@staff_view(*VIEWER_ROLES)
def ranking_export(request):
    _, campaign, rows = _ranking(request)
    if campaign is None:
        raise Refusal("没有可导出的台账")
    record_event(actor=request.user, action="export.ledger_ranking", target=campaign, summary=campaign.name)
    return xlsx_response(f"{campaign.name}单位排名.xlsx", ranking_workbook(rows, campaign=campaign))


# ------------------------------------------------------------------------------------------------------ units


@staff_view(*ITEM_ROLES)
def mine(request):
    filters = selectors.ItemFilters.from_query(request.GET)
    items = selectors.my_items(request.user, filters)
    if wants_xlsx(request):
        units = scope.unit_ids(request.user)
        return export_list(
            request,
            title="我的台账",
            columns=[
                Column("台账", "campaign.name", width=24),
                Column("编号", "number", width=12),
                Column("问题", "problem", width=40),
                Column("本单位", lambda i: "牵头" if i.lead_unit_id in units else "配合", width=8),
                Column("牵头单位", "lead_unit.name", width=20),
                Column("时限", "deadline", number_format=DATE),
                Column("进度（%）", lambda i: float(i.progress), number_format="0.00"),
                Column("状态", lambda i: i.get_state_display()),
                Column("超期", lambda i: yes(is_overdue(i, timezone.localdate())), width=8),
            ],
            rows=items.select_related("campaign", "lead_unit"),
            scope=mine_scope(request.user),
            action="export.ledger_mine",
        )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    units = scope.unit_ids(request.user)
    for item in page:
        item.overdue = is_overdue(item, today)
        item.progress_text = percent_text(item.progress)
        item.is_lead = item.lead_unit_id in units
    return render(
        request,
        "console/ledgers/mine.html",
        {"page": page, "f": filters, "query": _query(request), "states": LedgerItem.State.choices},
    )


# ---------------------------------------------------------------------------------------------------- tickets


@staff_view(*FROM_TICKET_ROLES)
def from_ticket(request, pk):
    ticket = tickets_for(request.user).filter(pk=pk).first()
    if ticket is None:
        raise PermissionDenied("您无权查看该工单")
    choices = scope.proposable_campaigns(request.user)
    if request.method == "POST":
        campaign = next((c for c in choices if c.pk == parse_count(request.POST.get("campaign"))), None)
        if campaign is None:
            raise Refusal("请选择问题台账")
        item = services.item_from_ticket(
            actor=request.user,
            ticket=ticket,
            campaign=campaign,
            problem=request.POST.get("problem", "")[:2000],
            lead_unit=unit_by_code_or_name(request.POST.get("lead_unit", "")[:100]),
            deadline=parse_day(request.POST.get("deadline", ""), "时限", required=False),
            on_list=request.POST.get("on_list") == "1",
        )
        messages.success(request, f"工单{ticket.number}已列入「{campaign.name}」，事项编号{item.number}")
        if scope.may_view_item(request.user, item):
            return redirect("console:ldg_item", pk=item.pk)
        return redirect("console:ticket", pk=ticket.pk)
    return render(
        request,
        "console/ledgers/from_ticket.html",
        {"ticket": ticket, "campaigns": choices, "links": selectors.ticket_links(ticket)},
    )


urlpatterns = [
    path("ledgers/", campaigns, name="ldg_campaigns"),
    path("ledgers/new/", campaign_new, name="ldg_campaign_new"),
    path("ledgers/<int:pk>/", campaign_page, name="ldg_campaign"),
    path("ledgers/<int:pk>/export/", campaign_export, name="ldg_campaign_export"),
    path("ledgers/<int:pk>/items/new/", item_new, name="ldg_item_new"),
    path("ledgers/items/<int:pk>/", item_page, name="ldg_item"),
    path("ledgers/items/<int:pk>/action/", item_action, name="ldg_item_action"),
    path("ledgers/items/<int:pk>/report/", item_report, name="ldg_item_report"),
    path("ledgers/items/<int:pk>/link-ticket/", item_link_ticket, name="ldg_item_link_ticket"),
    path("ledgers/items/<int:pk>/raise-ticket/", item_raise_ticket, name="ldg_item_raise_ticket"),
    path("ledgers/reports/<int:pk>/evidence/", report_evidence, name="ldg_report_evidence"),
    path("ledgers/reports/<int:pk>/decide/", report_decide, name="ldg_report_decide"),
    path("ledgers/approvals/", approvals, name="ldg_approvals"),
    path("ledgers/ranking/", ranking, name="ldg_ranking"),
    path("ledgers/ranking/export/", ranking_export, name="ldg_ranking_export"),
    path("ledgers/mine/", mine, name="ldg_mine"),
    path("ledgers/from-ticket/<int:pk>/", from_ticket, name="ldg_from_ticket"),
]
