"""Intake and dispatch: the operator's registration form, the dispatcher's queues, one ticket's dispatch page.

Every POST calls one service or use case (registration: intake's ticket_intake, which registers, triages
and attaches in one transaction, so that a refused later step leaves nothing behind). A refusal escapes
to core.middleware, which shows its message on the page the form was sent from.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, ticket_scope, wants_xlsx
from civicgrid.console.forms.dispatching import (
    AcceptForm,
    CorrectionForm,
    DecisionForm,
    DuplicateQueryForm,
    IntakeForm,
    ManualDispatchForm,
    MergeForm,
    MergeUndoForm,
)
from civicgrid.console.views.common import PAGE_SIZE
from civicgrid.core.documents import DATETIME, INTEGER, ONE_DECIMAL, Column
from civicgrid.core.redirects import on_this_site
from civicgrid.core.refusal import Refusal
from civicgrid.intake import services as intake_services
from civicgrid.intake.selectors import suggestion_for
from civicgrid.registry import locate
from civicgrid.registry.models import Role
from civicgrid.routing.models import Category
from civicgrid.routing.route import route_many
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.tickets import services
from civicgrid.tickets.callers import caller_history
from civicgrid.tickets.duplicates import duplicate_candidates, probable_grid
from civicgrid.tickets.models import Assignment, ExtensionRequest, ReturnRequest, Status
from civicgrid.tickets.permissions import has_role
from civicgrid.tickets.selectors import (
    pending_extensions_for,
    pending_returns_for,
    requester_for,
    ticket_for,
    tickets_for,
)
from civicgrid.tickets.services.corrections import BEFORE_SIGN_OFF, CENTRE_ROLES, merge_undo_deadline
from civicgrid.tickets.services.intake import EMERGENCY_LINES, INTAKE_ROLES

DISPATCH_ROLES = (Role.DISPATCHER, Role.ADMINISTRATOR)
TICKET_ROLES = (Role.DISPATCHER, Role.OPERATOR, Role.ADMINISTRATOR)
TABS = {"pending": "待派单", "returns": "退单审核", "extensions": "延期审核", "review": "答复审核"}
REGISTERED = {
    "accept": "已登记，转入待派单",
    "answer": "已登记并直接答复",
    "decline": "已登记，不予受理",
    "transfer": "已登记并转{line}",
    "merge": "已登记并并入工单 {master}",
}


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    if on_this_site(request, target):
        return HttpResponseRedirect(target)  # a path, never a view name for redirect() to reverse
    return redirect(fallback)


def _accepted_text(ticket) -> str:
    """What accepting led to: waiting for a dispatcher, or already dispatched by the rules (smart intake)."""
    if ticket.status == Status.DISPATCHED and ticket.lead_unit_id:
        return f"已自动派至 {ticket.lead_unit.name}"
    return "转入待派单"


def _with_routes(tickets) -> list[tuple]:
    """Each ticket, what the rules propose for it, and the proposal's mode in words (the rules read once for the
    page)."""
    return [
        (ticket, decision, str(DispatchMode(decision.mode).label) if decision.mode else "需人工派单")
        for ticket, decision in zip(tickets, route_many(tickets), strict=True)
    ]


# --- intake ---------------------------------------------------------------------------------------


def _located(*, address: str = "", lat=None, lon=None) -> dict:
    """What the location panel shows: the grid of a point, or the gazetteer's best matches for an address.

    A match the register service would trust on its own fills the point, so that what the operator
    sees is where the ticket goes.
    """
    if lat is not None and lon is not None:
        try:
            found = locate.locate_point(lat, lon)
        except ValueError as exc:
            return {"error": str(exc)}
        return {"point": found, "lat": found.lat, "lon": found.lon}
    if not address.strip():
        return {}
    placed = locate.place_address(address)
    # "海湾大道" names a road through several grids (ambiguous): the operator must say which part.
    panel = {"matches": placed.matches, "address": address, "ambiguous": placed.ambiguous}
    trusted = placed.trusted
    if trusted is not None:
        panel["trusted"] = trusted
        if trusted.place is not None and trusted.place.lat is not None:
            panel.update(lat=trusted.place.lat, lon=trusted.place.lon)
    return panel


def _duplicates(request, query: DuplicateQueryForm) -> dict:
    if not query.is_valid():
        return {"duplicates": [], "searched": False}
    data = query.cleaned_data
    text = f"{data['title']} {data['content']}".strip()
    category = Category.objects.filter(pk=data["category"]).first() if data["category"] else None
    grid = probable_grid(lat=data["lat"], lon=data["lon"], address=data["address"])
    return {
        "duplicates": duplicate_candidates(
            text=text, grid=grid, category=category, user=request.user, address=data["address"] or ""
        ),
        "searched": bool(text),
        "dup_grid": grid,
    }


def _register(request, form: IntakeForm, action: str):
    """Register, classify, triage, dispatch automatically and attach in one use case; on refusal the
    errors go on the form."""
    data, user = form.cleaned_data, request.user
    uploads = data["attachments"]
    try:
        master = ticket_for(user, form.merge_master_id) if action == "merge" else None
        triage_args = {
            "accept": {"category": data["category"]},
            "answer": {"answer": data["answer"], "kb_refs": data["kb_refs"]},
            "decline": {"outcome": data["outcome"], "reason": data["reason"]},
            "transfer": {
                "line": data["line"],
                "note": data["emergency_note"],
                "three_way": data["three_way"],
            },
            "merge": {"master": master, "reason": data["merge_reason"]},
        }[action]
        ticket = intake_services.ticket_intake(
            actor=user, triage=action, triage_args=triage_args, uploads=uploads, **form.register_kwargs()
        )
    except ValidationError as exc:
        form.add_service_error(exc, form.ERROR_ALIASES)
    except Refusal as exc:
        form.add_error(None, exc.message)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    else:
        line, number = EMERGENCY_LINES.get(data["line"], ""), getattr(master, "number", "")
        done = REGISTERED[action].format(line=line, master=number)
        if action == "accept":
            done = f"已登记，{_accepted_text(ticket)}"
        return ticket, f"工单 {ticket.number} {done}"
    if uploads:
        form.add_error("attachments", "工单未登记，请重新选择附件")
    return None, ""


@staff_view(*INTAKE_ROLES)
def intake(request):
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.cleaned_data["action"] != "check":
        ticket, done = _register(request, form, form.cleaned_data["action"])
        if ticket is not None:
            messages.success(request, done)
            return redirect("console:ticket", pk=ticket.pk)
    context = {"form": form}
    if form.is_bound:
        context.update(_duplicates(request, DuplicateQueryForm(request.POST)))
        parsed = getattr(form, "cleaned_data", {})
        context["located"] = _located(
            address=parsed.get("address", ""), lat=parsed.get("lat"), lon=parsed.get("lon")
        )
        context["caller"] = caller_history(request.user, parsed.get("requester_phone") or "")
    return render(request, "console/dispatching/intake.html", context)


DUPLICATE_COLUMNS = [
    Column("工单编号", lambda row: row[0].number, width=18),
    Column("事件概述", lambda row: row[0].title, width=36),
    Column("事发地址", lambda row: row[0].address, width=30),
    Column("网格", lambda row: row[0].grid.name if row[0].grid else "", width=20),
    Column("状态", lambda row: row[0].get_status_display()),
    Column("受理时间", lambda row: row[0].received_at, number_format=DATETIME),
    Column("相似度", 1, number_format=ONE_DECIMAL),
    Column("理由", 2, width=40),
]


@require_GET
@staff_view(*INTAKE_ROLES)
def intake_duplicates(request):
    context = _duplicates(request, DuplicateQueryForm(request.GET))
    if wants_xlsx(request):
        return export_list(
            request,
            title="疑似重复工单",
            columns=DUPLICATE_COLUMNS,
            rows=context["duplicates"],
            scope=ticket_scope(request.user),
            filters=[f"网格：{context['dup_grid'].name}" if context.get("dup_grid") else ""],
            action="export.duplicates",
        )
    return render(request, "console/dispatching/_duplicates.html", context)


@require_GET
@staff_view(*INTAKE_ROLES)
def intake_locate(request):
    query = DuplicateQueryForm(request.GET)
    data = query.cleaned_data if query.is_valid() else {"address": "", "lat": None, "lon": None}
    located = _located(address=data["address"], lat=data["lat"], lon=data["lon"])
    response = render(request, "console/dispatching/_locate.html", {"located": located})
    # The duplicate panel listens for this: a new place may mean other nearby tickets.
    response["HX-Trigger-After-Swap"] = "located"
    return response


# --- the dispatcher's queues ----------------------------------------------------------------------


_NUMBER, _TITLE = (
    Column("工单编号", "assignment.ticket.number", width=18),
    Column("事件概述", "assignment.ticket.title", width=36),
)
DISPATCH_EXPORTS = {
    "pending": (
        "待派单工单",
        [
            Column("工单编号", "number", width=18),
            Column("事件概述", "title", width=40),
            Column("紧急程度", lambda t: t.get_urgency_display()),
            Column("诉求分类", lambda t: t.category.name if t.category else "未分类", width=16),
            Column("网格", lambda t: t.grid.name if t.grid else "未定位", width=20),
            Column("受理时间", "received_at", number_format=DATETIME),
        ],
    ),
    "returns": (
        "待审核退单",
        [
            _NUMBER,
            _TITLE,
            Column("申请单位", "assignment.unit.name", width=20),
            Column("角色", lambda r: r.assignment.get_role_display()),
            Column("退单理由", "reason", width=36),
            Column("职责依据", "legal_basis", width=24),
            Column("建议承办单位", "suggested_unit.name", width=20),
            Column("申请时间", "requested_at", number_format=DATETIME),
        ],
    ),
    "extensions": (
        "待审核延期",
        [
            _NUMBER,
            _TITLE,
            Column("申请单位", "assignment.unit.name", width=20),
            Column("延期（工作日）", "days", number_format=INTEGER),
            Column("理由", "reason", width=36),
            Column("依据", "legal_basis", width=24),
            Column("当前时限", "assignment.due_at", number_format=DATETIME),
        ],
    ),
    "review": (
        "待审核答复",
        [
            Column("工单编号", "number", width=18),
            Column("事件概述", "title", width=36),
            Column("主办单位", "lead_unit.name", width=20),
            Column("办理结果", lambda t: t.get_result_code_display()),
            Column("答复内容", "reply_text", width=50),
            Column("答复时间", "replied_at", number_format=DATETIME),
        ],
    ),
}


@require_GET
@staff_view(*DISPATCH_ROLES)
def dispatch(request):
    user = request.user
    tab = request.GET.get("tab", "pending")
    tab = tab if tab in TABS else "pending"
    visible = tickets_for(user).filter(is_historical=False)  # imported history waits in no queue
    pending = visible.filter(status=Status.PENDING_DISPATCH)
    replied = visible.filter(status=Status.REPLIED)
    returns, extensions = pending_returns_for(user), pending_extensions_for(user)
    counts = {
        "pending": pending.count(),
        "returns": returns.count(),
        "extensions": extensions.count(),
        "review": replied.count(),
    }
    q = request.GET.get("q", "").strip()
    if tab == "pending":
        rows = pending.select_related("category", "grid")
        if q:
            rows = rows.filter(Q(number__icontains=q) | Q(title__icontains=q))
        rows = rows.order_by("received_at")
    elif tab == "returns":
        rows = returns.order_by("requested_at")
    elif tab == "extensions":
        rows = extensions.order_by("requested_at")
    else:
        rows = replied.select_related("lead_unit").order_by("replied_at")
    if wants_xlsx(request):
        title, columns = DISPATCH_EXPORTS[tab]
        return export_list(
            request,
            title=title,
            columns=columns,
            rows=rows,
            scope=ticket_scope(user),
            filters=[f"关键词「{q}」" if q and tab == "pending" else ""],
            action="export.dispatch",
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    if tab == "pending":
        items = _with_routes(items)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/dispatching/dispatch.html",
        {
            "tab": tab,
            "tabs": [(key, label, counts[key]) for key, label in TABS.items()],
            "page": page,
            "items": items,
            "q": q,
            "query": query.urlencode(),
            "decision_form": DecisionForm(auto_id=False),
        },
    )


# --- one ticket -----------------------------------------------------------------------------------


@require_GET
@staff_view(*TICKET_ROLES)
def dispatch_ticket(request, pk):
    user = request.user
    ticket = ticket_for(user, pk)
    can_dispatch = has_role(user, *DISPATCH_ROLES)
    open_for_merge = ticket.status in (Status.RECEIVED, Status.PENDING_DISPATCH)
    [(_, decision, mode_label)] = _with_routes([ticket])
    returns = pending_returns_for(user).filter(assignment__ticket=ticket)
    extensions = pending_extensions_for(user).filter(assignment__ticket=ticket)
    suggestion = suggestion_for(ticket)
    can_correct = ticket.status not in (Status.MERGED, Status.ARCHIVED) and (
        ticket.status in BEFORE_SIGN_OFF or has_role(user, *CENTRE_ROLES)
    )
    undo_until = merge_undo_deadline(ticket) if has_role(user, *CENTRE_ROLES) else None
    if undo_until is not None and undo_until < timezone.now():
        undo_until = None
    duplicates = (
        duplicate_candidates(
            text=f"{ticket.title} {ticket.content}",
            grid=ticket.grid,
            category=ticket.category,
            user=user,
            exclude=ticket,
            address=ticket.address,
        )
        if open_for_merge
        else []
    )
    return render(
        request,
        "console/dispatching/ticket.html",
        {
            "ticket": ticket,
            "requester": requester_for(user, ticket, screen="派单页面"),
            "decision": decision,
            "mode_label": mode_label,
            "can_dispatch": can_dispatch,
            "can_accept": ticket.status == Status.RECEIVED,
            "can_route": can_dispatch and ticket.status == Status.PENDING_DISPATCH,
            "can_merge": open_for_merge,
            "can_review": can_dispatch and ticket.status == Status.REPLIED,
            "accept_form": AcceptForm(
                initial={"category": ticket.category_id or intake_services.preselected_category(suggestion)}
            ),
            "correct_form": CorrectionForm.for_ticket(ticket) if can_correct else None,
            "undo_until": undo_until,
            "undo_form": MergeUndoForm(auto_id="undo_%s") if undo_until else None,
            "suggestion": suggestion,
            "manual_form": ManualDispatchForm(),
            "merge_form": MergeForm(),
            "decision_form": DecisionForm(auto_id=False),
            "returns": returns if can_dispatch else [],
            "extensions": extensions if can_dispatch else [],
            "duplicates": duplicates,
            "assignments": ticket.assignments.select_related("unit").order_by("-round", "role", "id"),
        },
    )


def _form(request, form_class):
    """A bound form, or None (with its errors as a message) when the input does not parse."""
    form = form_class(request.POST)
    if form.is_valid():
        return form
    messages.error(request, form.error_text())
    return None


@require_POST
@staff_view(*INTAKE_ROLES)
def dispatch_accept(request, pk):
    ticket = ticket_for(request.user, pk)
    form = _form(request, AcceptForm)
    if form:
        intake_services.ticket_accept(
            ticket=ticket, actor=request.user, category=form.cleaned_data["category"]
        )
        ticket.refresh_from_db()
        messages.success(request, f"工单 {ticket.number} 已受理，{_accepted_text(ticket)}")
    return _back(request, reverse("console:dispatch_ticket", args=[pk]))


def _dispatched_text(ticket, how: str) -> str:
    ticket.refresh_from_db()
    co = [
        a.unit.name for a in ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.CO)
    ]
    return f"工单 {ticket.number} 已{how}派至{ticket.lead_unit.name}" + (
        f"，协办：{'、'.join(co)}" if co else ""
    )


@require_POST
@staff_view(*DISPATCH_ROLES)
def dispatch_auto(request, pk):
    ticket = ticket_for(request.user, pk)
    intake_services.ticket_dispatch(ticket=ticket, actor=request.user)
    messages.success(request, _dispatched_text(ticket, "按规则"))
    return _back(request, reverse("console:dispatch_ticket", args=[pk]))


@require_POST
@staff_view(*DISPATCH_ROLES)
def dispatch_manual(request, pk):
    ticket = ticket_for(request.user, pk)
    form = _form(request, ManualDispatchForm)
    if form:
        intake_services.ticket_dispatch(
            ticket=ticket,
            actor=request.user,
            lead=form.cleaned_data["lead"],
            co_units=form.cleaned_data["co_units"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _dispatched_text(ticket, "人工"))
    return _back(request, reverse("console:dispatch_ticket", args=[pk]))


@require_POST
@staff_view(*INTAKE_ROLES)
def merge(request, pk):
    ticket = ticket_for(request.user, pk)
    form = _form(request, MergeForm)
    if form:
        number = form.cleaned_data["master"].strip()
        master = tickets_for(request.user).filter(number=number).first()
        if master is None:
            messages.error(request, f"未找到工单 {number}，请核对编号")
        else:
            services.ticket_merge(
                ticket=ticket, master=master, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"工单 {ticket.number} 已并入工单 {master.number}")
    return _back(request, reverse("console:dispatch_ticket", args=[pk]))


@require_POST
@staff_view(*CENTRE_ROLES)
def merge_undo(request, pk):
    ticket = ticket_for(request.user, pk)
    form = _form(request, MergeUndoForm)
    if form:
        master = ticket.merged_into
        services.ticket_merge_undo(ticket=ticket, actor=request.user, reason=form.cleaned_data["reason"])
        ticket.refresh_from_db()
        messages.success(
            request,
            f"已撤销工单 {ticket.number} 并入 {master.number}，恢复为「{ticket.get_status_display()}」",
        )
    return _back(request, reverse("console:dispatch_ticket", args=[pk]))


def _correction_text(ticket, done) -> str:
    parts = [f"{name}「{old or '未填'}」→「{new or '未填'}」" for name, (old, new) in done.changed.items()]
    text = f"工单 {ticket.number} 已更正：" + "；".join(parts)
    if done.decision is not None:
        text += f"。新的派单建议：{done.proposal_text}"
    return text


@require_POST
@staff_view(*INTAKE_ROLES)
def correct(request, pk):
    """更正登记信息 from the dispatch page; the services say who may correct what, and when."""
    ticket = ticket_for(request.user, pk)
    form = _form(request, CorrectionForm)
    if form:
        data = form.cleaned_data
        done = services.ticket_correct(
            ticket=ticket,
            actor=request.user,
            reason=data["reason"],
            address=data["address"],
            relocate=data["relocate"],
            lat=data["lat"],
            lon=data["lon"],
            occurred_at=data["occurred_at"],
            request_type=data["request_type"] or None,
            category=data["category"],
        )
        messages.success(request, _correction_text(ticket, done))
    return _back(request, reverse("console:dispatch_ticket", args=[pk]))


@require_POST
@staff_view(*DISPATCH_ROLES)
def return_decide(request, pk):
    return_request = get_object_or_404(ReturnRequest, pk=pk)
    ticket_for(request.user, return_request.assignment.ticket_id)  # refuses a ticket out of the user's scope
    form = _form(request, DecisionForm)
    if form:
        target = form.cleaned_data["redispatch_to"] if form.approve else None
        services.return_decide(
            request=return_request,
            actor=request.user,
            approve=form.approve,
            note=form.cleaned_data["note"],
            redispatch_to=target,
        )
        unit = return_request.assignment.unit.name
        if not form.approve:
            text = f"已驳回{unit}的退单申请，由其继续办理"
        elif target is not None:
            text = f"已同意{unit}退单，并改派至{target.name}"
        else:
            text = f"已同意{unit}退单"
        messages.success(request, text)
    return _back(request, reverse("console:dispatch") + "?tab=returns")


@require_POST
@staff_view(*DISPATCH_ROLES)
def extension_decide(request, pk):
    extension = get_object_or_404(ExtensionRequest, pk=pk)
    ticket_for(request.user, extension.assignment.ticket_id)  # refuses a ticket out of the user's scope
    form = _form(request, DecisionForm)
    if form:
        decided = services.extension_decide(
            request=extension, actor=request.user, approve=form.approve, note=form.cleaned_data["note"]
        )
        if form.approve:
            provisional = "（暂定）" if decided.assignment.deadlines_provisional else ""
            messages.success(
                request, f"已同意延期，新的办理时限：{decided.new_due_at:%Y-%m-%d %H:%M}{provisional}"
            )
        else:
            messages.success(request, "已不同意延期，承办单位按原时限办理")
    return _back(request, reverse("console:dispatch") + "?tab=extensions")


@require_POST
@staff_view(*DISPATCH_ROLES)
def review(request, pk):
    ticket = ticket_for(request.user, pk)
    form = _form(request, DecisionForm)
    if form:
        services.reply_review(
            ticket=ticket, actor=request.user, passed=form.approve, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            f"工单 {ticket.number} 答复审核通过，转入待回访"
            if form.approve
            else f"工单 {ticket.number} 已退回承办单位补充",
        )
    return _back(request, reverse("console:dispatch") + "?tab=review")


urlpatterns = [
    path("intake/", intake, name="intake"),
    path("intake/duplicates/", intake_duplicates, name="intake_duplicates"),
    path("intake/locate/", intake_locate, name="intake_locate"),
    path("dispatch/", dispatch, name="dispatch"),
    path("dispatch/<int:pk>/", dispatch_ticket, name="dispatch_ticket"),
    path("dispatch/<int:pk>/accept/", dispatch_accept, name="dispatch_accept"),
    path("dispatch/<int:pk>/auto/", dispatch_auto, name="dispatch_auto"),
    path("dispatch/<int:pk>/manual/", dispatch_manual, name="dispatch_manual"),
    path("dispatch/<int:pk>/merge/", merge, name="merge"),
    path("dispatch/<int:pk>/unmerge/", merge_undo, name="merge_undo"),
    path("dispatch/<int:pk>/correct/", correct, name="correct"),
    path("dispatch/<int:pk>/review/", review, name="review"),
    path("dispatch/returns/<int:pk>/", return_decide, name="return_decide"),
    path("dispatch/extensions/<int:pk>/", extension_decide, name="extension_decide"),
]
