"""软弱涣散 pages.

组织部 staff (and administrators): the board (open candidates with their reasons, the confirmed organisations and
their plans with progress; filters by year, area, state and sector; search, pagination, Excel), a scan of their
scope, the decision page of a candidate (confirm or dismiss, one confirmation step), naming an organisation
without criteria, and the plan page (items, progress notes, extension, acceptance) with its Word download.
A party organisation's 书记: his own organisation's plan (整顿方案), where he writes progress, marks items done and
applies for acceptance.

Reads go through weakorgs.selectors and weakorgs.scope; every change through weakorgs.services, whose refusals the
RefusalMiddleware shows on the page the form came from.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, DATETIME, Column, Sheet, docx_response, xlsx_response
from civicgrid.core.inputs import parse_count, parse_day
from civicgrid.core.refusal import Refusal
from civicgrid.party.models import PartyOrg
from civicgrid.party.selectors import staff_area_ids
from civicgrid.registry.models import AdminArea
from civicgrid.registry.models import Role as R
from civicgrid.weakorgs import scope, selectors, services
from civicgrid.weakorgs.exports import board_workbook, plan_document
from civicgrid.weakorgs.models import Candidate, PlanItem, RectificationPlan
from civicgrid.weakorgs.progress import is_overdue

PAGE_SIZE = 20
EXPORT_LIMIT = 20_000
STAFF_ROLES = (R.ORGANISATION_STAFF, R.ADMINISTRATOR)
PLAN_ROLES = (R.ORGANISATION_STAFF, R.ADMINISTRATOR, R.PARTY_SECRETARY)
S = RectificationPlan.State


def _query(request, drop=("page",)) -> str:
    query = request.GET.copy()
    for name in drop:
        query.pop(name, None)
    return query.urlencode()


def _require_staff(request) -> None:
    if not scope.is_staff(request.user):
        raise PermissionDenied("此页面仅限组织部工作人员使用")


def _areas(user):
    areas = AdminArea.objects.filter(
        level__in=[AdminArea.Level.CITY, AdminArea.Level.COUNTY, AdminArea.Level.TOWN]
    ).order_by("code")
    if scope.staff_q(user) is not None:
        areas = areas.filter(pk__in=staff_area_ids(user))
    return areas


def _decorate(plans, today):
    for plan in plans:
        plan.overdue = is_overdue(plan, today)
        total = getattr(plan, "items_total", 0)
        plan.percent = round(100 * getattr(plan, "items_done", 0) / total) if total else 0


# ------------------------------------------------------------------------------------------------------ board


@staff_view(*STAFF_ROLES)
def board(request):
    _require_staff(request)
    user, today = request.user, timezone.localdate()
    f = selectors.BoardFilters.from_query(request.GET)
    plans = Paginator(selectors.plans(user, f, today), PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(plans, today)
    candidates = Paginator(selectors.candidates(user, f), PAGE_SIZE).get_page(request.GET.get("cpage"))
    area = AdminArea.objects.filter(pk=f.area).first() if f.area else None
    figures = selectors.stats(user, year=f.year, area=area, today=today)
    years = sorted(set(scope.plans_for(user).values_list("year", flat=True)) | {today.year}, reverse=True)
    return render(
        request,
        "console/weakorgs/board.html",
        {
            "f": f,
            "plans": plans,
            "page": plans,
            "candidates": candidates,
            "figures": figures,
            "query": _query(request),
            "cquery": _query(request, ("cpage",)),
            "export_query": _query(request, ("page", "cpage")),
            "areas": _areas(user),
            "years": years,
            "states": S.choices,
            "kinds": PartyOrg.Setup.choices,
            "year": today.year,
        },
    )


@staff_view(*STAFF_ROLES)
def board_export(request):
    _require_staff(request)
    user, today = request.user, timezone.localdate()
    f = selectors.BoardFilters.from_query(request.GET)
    plans = list(selectors.plans(user, f, today)[:EXPORT_LIMIT])
    candidates = list(selectors.candidates(user, f)[:EXPORT_LIMIT])
    area = AdminArea.objects.filter(pk=f.area).first() if f.area else None
    scope_text = area.name if area else ("全部区划" if scope.staff_q(user) is None else "本人负责的区划")
    period = f"{f.year}年度" if f.year else "全部年度"
    record_event(
        actor=user,
        action="export.weakorgs_board",
        summary=f"{scope_text}，{period}，整顿方案{len(plans)}个，候选{len(candidates)}个",
    )
    data = board_workbook(plans, candidates, scope=scope_text, period=period, today=today)
    return xlsx_response("软弱涣散党组织整顿.xlsx", data)


@staff_view(*STAFF_ROLES)
@require_POST
def scan(request):
    _require_staff(request)
    area = AdminArea.objects.filter(pk=parse_count(request.POST.get("area")) or 0).first()
    result = services.scan(actor=request.user, area=area)
    messages.success(
        request,
        f"排查完成：符合条件 {len(result.candidates)} 个（新增 {result.created} 个），"
        f"已在整顿或本年已不予认定而略过 {result.skipped} 个。候选须逐一研判认定。",
    )
    return redirect("console:wo_board")


@staff_view(*STAFF_ROLES)
def candidate(request, pk):
    _require_staff(request)
    row = scope.candidates_for(request.user).filter(pk=pk).first()
    if row is None:
        raise PermissionDenied("您无权查看该候选党组织")
    if request.method == "POST":
        p = request.POST
        if p.get("decision") == "confirm":
            plan = services.candidate_confirm(
                actor=request.user,
                candidate=row,
                year=parse_count(p.get("year")) or 0,
                batch=p.get("batch", "")[:40],
                note=p.get("note", "")[:300],
            )
            messages.success(request, f"已认定「{row.org.name}」为软弱涣散党组织，请制定整顿方案")
            return redirect("console:wo_plan", pk=plan.pk)
        if p.get("decision") == "dismiss":
            services.candidate_dismiss(actor=request.user, candidate=row, reason=p.get("note", "")[:300])
            messages.success(request, f"「{row.org.name}」不予认定")
            return redirect("console:wo_board")
        raise Refusal("请选择认定或不予认定")
    return render(
        request,
        "console/weakorgs/candidate.html",
        {"c": row, "year": timezone.localdate().year, "open": row.state == Candidate.State.OPEN},
    )


@staff_view(*STAFF_ROLES)
@require_POST
def designate(request):
    _require_staff(request)
    code = request.POST.get("org", "").strip()[:40]
    org = scope.decided_orgs(request.user).filter(code=code).first()
    if org is None:
        raise Refusal(f"没有找到您负责的党组织「{code}」（请填写组织代码）")
    plan = services.org_designate(
        actor=request.user,
        org=org,
        reason=request.POST.get("reason", "")[:300],
        year=parse_count(request.POST.get("year")) or 0,
        batch=request.POST.get("batch", "")[:40],
    )
    messages.success(request, f"已认定「{org.name}」为软弱涣散党组织，请制定整顿方案")
    return redirect("console:wo_plan", pk=plan.pk)


# ------------------------------------------------------------------------------------------------------ plans


def _plan(request, pk) -> RectificationPlan:
    plan = selectors.plan_for(request.user, pk)
    if plan is None:
        raise PermissionDenied("您无权查看该整顿方案")
    return plan


@staff_view(*PLAN_ROLES)
def plan_page(request, pk):
    plan = _plan(request, pk)
    user = request.user
    decides = scope.decides(user, plan.org)
    works = decides or scope.leads(user, plan.org_id)
    going = plan.state in (S.RECTIFYING, S.EXTENDED)
    if wants_xlsx(request):
        return _plan_xlsx(request, plan)
    return render(
        request,
        "console/weakorgs/plan.html",
        {
            "plan": plan,
            "items": plan.items.all(),
            "notes": plan.notes.select_related("author__staff")[:100],
            "events": plan.events.select_related("actor__staff"),
            "overdue": is_overdue(plan),
            "decides": decides,
            "works": works,
            "may_edit": decides and plan.state in (S.IDENTIFIED, S.APPROVED),
            "may_add_item": decides and plan.state not in (S.APPLIED, S.ACCEPTED),
            "may_approve": decides and plan.state == S.IDENTIFIED,
            "may_start": works and plan.state == S.APPROVED,
            "may_note": works and plan.state in (S.APPROVED, S.RECTIFYING, S.EXTENDED, S.APPLIED),
            "may_done": works and going,
            "may_apply": works and going,
            "may_accept": decides and plan.state == S.APPLIED,
            "may_extend": decides and plan.state in (S.APPROVED, S.RECTIFYING, S.EXTENDED, S.APPLIED),
            "S": S,
            "open_item": PlanItem.State.OPEN,
        },
    )


def _item(plan, p) -> PlanItem:
    item = plan.items.filter(pk=parse_count(p.get("item")) or 0).first()
    if item is None:
        raise Refusal("请选择整顿事项")
    return item


ACTIONS = {
    "edit": lambda user, plan, p: services.plan_update(
        actor=user,
        plan=plan,
        problems=p.get("problems", "")[:4000],
        measures=p.get("measures", "")[:4000],
        leader_name=p.get("leader_name", "")[:50],
        leader_title=p.get("leader_title", "")[:100],
        first_secretary=p.get("first_secretary", "")[:50],
        due_on=parse_day(p.get("due_on", ""), "整顿时限", required=False),
    ),
    "item_add": lambda user, plan, p: services.item_add(
        actor=user,
        plan=plan,
        problem=p.get("problem", "")[:300],
        measure=p.get("measure", "")[:500],
        responsible=p.get("responsible", "")[:100],
        due_on=parse_day(p.get("item_due_on", ""), "事项时限", required=False),
    ),
    "item_done": lambda user, plan, p: services.item_done(
        actor=user, item=_item(plan, p), note=p.get("done_note", "")[:300]
    ),
    "approve": lambda user, plan, p: services.plan_approve(actor=user, plan=plan),
    "start": lambda user, plan, p: services.plan_start(actor=user, plan=plan),
    "note": lambda user, plan, p: services.note_add(actor=user, plan=plan, text=p.get("text", "")[:2000]),
    "apply": lambda user, plan, p: services.plan_apply(actor=user, plan=plan, note=p.get("note", "")[:300]),
    "accept": lambda user, plan, p: services.plan_accept(actor=user, plan=plan, note=p.get("note", "")[:300]),
    "refuse": lambda user, plan, p: services.plan_refuse(
        actor=user, plan=plan, reason=p.get("note", "")[:300]
    ),
    "extend": lambda user, plan, p: services.plan_extend(
        actor=user,
        plan=plan,
        extended_to=parse_day(p.get("extended_to", ""), "延期后的时限"),
        reason=p.get("reason", "")[:300],
    ),
}
DONE = {
    "edit": "方案已保存",
    "item_add": "已新增整顿事项",
    "item_done": "事项已销号",
    "approve": "方案已审定",
    "start": "已开始整顿",
    "note": "进展已填写",
    "apply": "已申请验收",
    "accept": "已验收摘牌",
    "refuse": "验收未通过，已退回整顿",
    "extend": "已延期",
}


@staff_view(*PLAN_ROLES)
def plan_action(request, pk):
    plan = _plan(request, pk)
    if request.method != "POST":  # scope first: another organisation's plan is refused, whatever the method
        return HttpResponseNotAllowed(["POST"])
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        raise Refusal("操作不正确")
    ACTIONS[action](request.user, plan, request.POST)
    messages.success(request, DONE[action])
    return redirect("console:wo_plan", pk=plan.pk)


def _plan_xlsx(request, plan):
    """The plan page's tables: its items, progress notes and history."""
    scope_text = f"{plan.org.name}（{plan.year}年）"
    more = [
        Sheet(
            "整顿进展",
            [
                Column("日期", "at", number_format=DATETIME),
                Column(
                    "记录人",
                    lambda n: getattr(getattr(n.author, "staff", None), "name", "") if n.author else "",
                ),
                Column("进展", "text", width=50),
            ],
            list(plan.notes.select_related("author__staff")),
            scope=scope_text,
        ),
        Sheet(
            "办理记录",
            [
                Column("时间", "at", number_format=DATETIME),
                Column("事项", lambda e: e.get_action_display()),
                Column("状态", lambda e: e.get_to_state_display() if e.to_state else ""),
                Column("说明", "note", width=40),
                Column(
                    "办理人",
                    lambda e: getattr(getattr(e.actor, "staff", None), "name", "") if e.actor else "",
                ),
            ],
            list(plan.events.select_related("actor__staff")),
            scope=scope_text,
        ),
    ]
    return export_list(
        request,
        title="整顿事项",
        columns=[
            Column("问题", "problem", width=30),
            Column("措施", "measure", width=36),
            Column("责任人", "responsible"),
            Column("时限", "due_on", number_format=DATE),
            Column("状态", lambda i: i.get_state_display()),
            Column("销号日期", "done_on", number_format=DATE),
            Column("销号说明", "done_note", width=24),
        ],
        rows=plan.items.all(),
        scope=scope_text,
        action="export.weakorgs_plan",
        more_sheets=more,
    )


@staff_view(*PLAN_ROLES)
def plan_docx(request, pk):
    plan = _plan(request, pk)
    record_event(actor=request.user, action="export.weakorgs_plan", target=plan, summary=str(plan))
    data = plan_document(plan, today=timezone.localdate())
    return docx_response(f"{plan.org.name}{plan.year}年整顿方案.docx", data)


@staff_view(*PLAN_ROLES)
def mine(request):
    plans = list(selectors.my_plans(request.user).order_by("-year"))
    if len(plans) == 1:
        return redirect("console:wo_plan", pk=plans[0].pk)
    today = timezone.localdate()
    for plan in plans:
        plan.overdue = is_overdue(plan, today)
    return render(request, "console/weakorgs/mine.html", {"plans": plans})


urlpatterns = [
    path("weakorgs/", board, name="wo_board"),
    path("weakorgs/export/", board_export, name="wo_board_export"),
    path("weakorgs/scan/", scan, name="wo_scan"),
    path("weakorgs/designate/", designate, name="wo_designate"),
    path("weakorgs/candidates/<int:pk>/", candidate, name="wo_candidate"),
    path("weakorgs/plans/<int:pk>/", plan_page, name="wo_plan"),
    path("weakorgs/plans/<int:pk>/action/", plan_action, name="wo_plan_action"),
    path("weakorgs/plans/<int:pk>/docx/", plan_docx, name="wo_plan_docx"),
    path("weakorgs/mine/", mine, name="wo_mine"),
]
