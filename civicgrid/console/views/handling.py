"""Handling screens: the unit inbox and work page, the callback desk, the supervision board.

Each POST endpoint parses one form and calls one service. A refusal of an action on the work page gives the
page back with what was typed and the refusal's message; any other refusal escapes to core.middleware, which
shows its message on the page the form was sent from.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, mine_scope, ticket_scope, wants_xlsx, yes
from civicgrid.console.forms.handling import (
    CallbackForm,
    CloseForm,
    ContactForm,
    CoReplyForm,
    EscalateForm,
    ExtensionForm,
    KeyListForm,
    MergedCallbackForm,
    ReplyForm,
    ReturnForm,
    SuperviseForm,
    SupervisionEscalateForm,
)
from civicgrid.console.views.common import PAGE_SIZE, _countdown
from civicgrid.core.documents import DATETIME, INTEGER, Column, Sheet
from civicgrid.core.inputs import parse_id
from civicgrid.core.redirects import safe_next
from civicgrid.core.refusal import REFUSAL_TYPES, refusal_message
from civicgrid.registry.models import Role
from civicgrid.tickets import queues, services
from civicgrid.tickets.models import HANDLING_STATUSES, Assignment, Attachment, Satisfaction, WarningLevel
from civicgrid.tickets.permissions import has_role
from civicgrid.tickets.selectors import assignments_for, requester_for, ticket_for
from civicgrid.tickets.services.handling import CONTACT_METHODS

HANDLERS = (Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER, Role.ADMINISTRATOR)
CALLBACK_DESK = (Role.CALLBACK_AGENT, Role.ADMINISTRATOR)
CLOSERS = (Role.DISPATCHER, Role.CALLBACK_AGENT, Role.ADMINISTRATOR)
SUPERVISORS = (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR)

CALLBACK_OUTCOMES = {
    "closed": "工单 {number} 回访已记录，工单已办结",
    "reopened": "工单 {number} 回访不满意/未解决，已发回承办单位重办",
    "retry": "工单 {number} 回访未接通，已记录，请稍后再次回访",
}


def _valid(request, form) -> bool:
    if form.is_valid():
        return True
    messages.error(request, form.error_text())
    return False


def _next_or(request, fallback: str) -> str:
    return safe_next(request, fallback)


def _page(request, rows):
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()


# ---- the unit inbox and the work page of one assignment ----

INBOX_COLUMNS = [
    Column("工单编号", "ticket.number", width=18),
    Column("事件概述", "ticket.title", width=40),
    Column("承办单位", "unit.name", width=24),
    Column("角色", lambda a: a.get_role_display()),
    Column("状态", lambda a: a.get_state_display()),
    Column(
        "签收时限", lambda a: a.sign_due_at if a.state == "pending_sign" else None, number_format=DATETIME
    ),
    Column("办理时限", "due_at", number_format=DATETIME),
    Column("倒计时", lambda a: _countdown(a, timezone.now())[0] if a.is_active else "", width=14),
    Column("督办", lambda a: yes(a.ticket.is_supervised), width=8),
    Column("重办", lambda a: yes(a.ticket.redo_count), width=8),
]


@staff_view(*HANDLERS)
def inbox(request):
    tab = request.GET.get("tab", "sign")
    if tab not in queues.INBOX_TABS:
        tab = "sign"
    q = request.GET.get("q", "").strip()
    rows = queues.inbox(request.user, tab, q)
    if wants_xlsx(request):
        return export_list(
            request,
            title="承办任务",
            columns=INBOX_COLUMNS,
            rows=rows,
            scope=mine_scope(request.user),
            filters=[f"栏目：{queues.INBOX_TABS[tab][0]}", f"关键词「{q}」" if q else ""],
            action="export.inbox",
        )
    page, query = _page(request, rows)
    now = timezone.now()
    return render(
        request,
        "console/handling/inbox.html",
        {
            "tab": tab,
            "tabs": queues.inbox_tabs(request.user),
            "q": q,
            "page": page,
            "rows": [(a, *_countdown(a, now)) for a in page.object_list],
            "query": query,
        },
    )


def _my_assignment(user, pk) -> Assignment:
    assignment = (
        assignments_for(user)
        .select_related("ticket__category", "ticket__grid", "ticket__lead_unit", "unit", "policy")
        .filter(pk=pk)
        .first()
    )
    if assignment is None:
        raise PermissionDenied("承办任务不存在或不属于您的单位")
    return assignment


def _for_assignment(view):
    """Resolve the assignment in the user's scope before anything else: someone else's is a 403."""

    @wraps(view)
    def wrapper(request, pk):
        return view(request, _my_assignment(request.user, pk))

    return wrapper


def _back(request, assignment):
    # A path, never a view name for redirect() to reverse.
    return HttpResponseRedirect(_next_or(request, reverse("console:assignment", args=[assignment.pk])))


@staff_view(*HANDLERS)
def assignment_detail(request, pk):
    return _work_page(request, _my_assignment(request.user, pk))


def _work_page(request, assignment, **bound):
    """The work page; `bound` holds a form a failed action gives back, so what was typed is not lost."""
    ticket = assignment.ticket
    countdown, level = _countdown(assignment, timezone.now())
    is_lead = assignment.role == Assignment.Role.LEAD
    contact_initial = {"method": "three_way"} if ticket.is_confidential else {"method": "phone"}
    # Several forms share field names on this page; distinct ids keep the labels right.
    forms = {
        "contact_form": ContactForm(initial=contact_initial, auto_id=AUTO_IDS["contact_form"]),
        "reply_form": ReplyForm(auto_id=AUTO_IDS["reply_form"]),
        "co_reply_form": CoReplyForm(auto_id=AUTO_IDS["co_reply_form"]),
        "extension_form": ExtensionForm(auto_id=AUTO_IDS["extension_form"]),
        "return_form": ReturnForm(exclude_unit=assignment.unit, auto_id=AUTO_IDS["return_form"]),
        "escalate_form": EscalateForm(auto_id=AUTO_IDS["escalate_form"]),
        **bound,
    }
    return render(
        request,
        "console/handling/assignment.html",
        {
            "assignment": assignment,
            "ticket": ticket,
            "requester": requester_for(request.user, ticket, screen="承办页面"),
            "countdown": countdown,
            "level": level,
            "is_lead": is_lead,
            "actions": queues.assignment_actions(assignment),
            "co_reports": queues.co_reports(assignment) if is_lead else [],
            "intake_files": ticket.attachments.filter(kind=Attachment.Kind.INTAKE),
            "evidence": assignment.attachments.all(),
            "extensions": assignment.extensions.all(),
            "returns": assignment.returns.select_related("suggested_unit"),
            "events": ticket.events.filter(assignment=assignment).select_related("actor").order_by("id"),
            "contact_method": CONTACT_METHODS.get(assignment.first_contact_method, ""),
            "open_form": next(iter(bound), ""),
            **forms,
        },
    )


AUTO_IDS = {
    "contact_form": "contact_%s",
    "reply_form": "reply_%s",
    "co_reply_form": "co_%s",
    "extension_form": "ext_%s",
    "return_form": "ret_%s",
    "escalate_form": "esc_%s",
}


def _act(request, assignment, name: str, form, act, success):
    """Run `act(data)` (one service call) when the form parses. On success back to the page with
    `success` (a text, or a function of what the service returned); on refusal the page again with the
    form as typed, so nothing typed is lost, and the refusal's message."""
    if _valid(request, form):
        try:
            done = act(form.cleaned_data)
        except REFUSAL_TYPES as exc:
            messages.error(request, refusal_message(exc))
        else:
            messages.success(request, success(done) if callable(success) else success)
            return _back(request, assignment)
    assignment.refresh_from_db()
    return _work_page(request, assignment, **{name: form})


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_sign(request, assignment):
    services.assignment_sign(assignment=assignment, actor=request.user)
    messages.success(request, f"已签收工单 {assignment.ticket.number}")
    return _back(request, assignment)


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_contact(request, assignment):
    form = ContactForm(request.POST, auto_id=AUTO_IDS["contact_form"])
    return _act(
        request,
        assignment,
        "contact_form",
        form,
        lambda data: services.assignment_first_contact(assignment=assignment, actor=request.user, **data),
        "已记录联系诉求人情况",
    )


def _reply_with_evidence(request, assignment, data, reply=None):
    stored = []
    try:
        # Evidence and reply stand or fall together: a refused file or reply leaves no rows behind.
        with transaction.atomic():
            for upload in data["evidence"]:
                stored.append(
                    services.attachment_add(
                        ticket=assignment.ticket,
                        actor=request.user,
                        upload=upload,
                        name=upload.name,
                        kind=Attachment.Kind.EVIDENCE,
                        is_internal=data.get("evidence_internal", False),
                    )
                )
            if reply is not None:
                return reply(stored)
            return services.lead_reply(
                assignment=assignment,
                actor=request.user,
                result_code=data["result_code"],
                text=data["text"],
                evidence=stored,
            )
    except BaseException:
        for attachment in stored:  # the rows were rolled back; the files on disk were not
            attachment.file.delete(save=False)
        raise


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_reply(request, assignment):
    form = ReplyForm(request.POST, request.FILES, auto_id=AUTO_IDS["reply_form"])
    return _act(
        request,
        assignment,
        "reply_form",
        form,
        lambda data: _reply_with_evidence(request, assignment, data),
        "已答复，等待 12345 审核后回访",
    )


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_co_reply(request, assignment):
    form = CoReplyForm(request.POST, request.FILES, auto_id=AUTO_IDS["co_reply_form"])
    return _act(
        request,
        assignment,
        "co_reply_form",
        form,
        lambda data: _reply_with_evidence(
            request,
            assignment,
            data,
            lambda stored: services.co_reply(
                assignment=assignment, actor=request.user, text=data["text"], evidence=stored
            ),
        ),
        "已向主办单位反馈协办情况",
    )


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_extension(request, assignment):
    form = ExtensionForm(request.POST, auto_id=AUTO_IDS["extension_form"])
    return _act(
        request,
        assignment,
        "extension_form",
        form,
        lambda data: services.extension_request(assignment=assignment, actor=request.user, **data),
        "延期申请已提交，等待审核",
    )


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_return(request, assignment):
    form = ReturnForm(request.POST, exclude_unit=assignment.unit, auto_id=AUTO_IDS["return_form"])
    return _act(
        request,
        assignment,
        "return_form",
        form,
        lambda data: services.return_request(assignment=assignment, actor=request.user, **data),
        "退单申请已提交，等待 12345 审核",
    )


@staff_view(*HANDLERS)
@_for_assignment
@require_POST
def assignment_escalate(request, assignment):
    form = EscalateForm(request.POST, auto_id=AUTO_IDS["escalate_form"])
    return _act(
        request,
        assignment,
        "escalate_form",
        form,
        lambda data: services.ticket_escalate(
            ticket=assignment.ticket, actor=request.user, note=data["note"]
        ),
        lambda ticket: f"已提级至{ticket.lead_unit.name}办理，本单位转为协办",
    )


# ---- the callback desk ----


CALLBACK_COLUMNS = [
    Column("工单编号", "number", width=18),
    Column("事件概述", "title", width=40),
    Column("主办单位", "lead_unit.name", width=24),
    Column("办理结果", lambda t: t.get_result_code_display()),
    Column("答复时间", "replied_at", number_format=DATETIME),
    Column("回访时限", "callback_due_at", number_format=DATETIME),
    Column("已回访次数", "attempts", number_format=INTEGER),
    Column("并单诉求人", "merged_requesters", number_format=INTEGER),
    Column("网上评价", lambda t: _online_rating(t), width=20),
]


def _online_rating(ticket) -> str:
    rating = getattr(ticket, "resident_rating", None)
    if rating is None:
        return ""
    return f"{rating.get_satisfaction_display()}，{rating.get_solved_display()}"


@staff_view(*CALLBACK_DESK)
def callbacks(request):
    q = request.GET.get("q", "").strip()
    rows = queues.callback_queue(request.user, q)
    if wants_xlsx(request):
        return export_list(
            request,
            title="待回访工单",
            columns=CALLBACK_COLUMNS,
            rows=rows,
            scope=ticket_scope(request.user),
            filters=[f"关键词「{q}」" if q else ""],
            action="export.callbacks",
        )
    page, query = _page(request, rows)
    return render(
        request,
        "console/handling/callbacks.html",
        {"page": page, "q": q, "query": query, "now": timezone.now()},
    )


@staff_view(*CALLBACK_DESK)
def callback_ticket(request, pk):
    ticket = ticket_for(request.user, pk)
    form = CallbackForm(request.POST or None)
    if request.method == "POST" and _valid(request, form):
        try:
            outcome = services.callback_record(ticket=ticket, actor=request.user, **form.cleaned_data)
        except REFUSAL_TYPES as exc:  # the page again, with the notes as typed
            messages.error(request, refusal_message(exc))
        else:
            messages.success(request, CALLBACK_OUTCOMES[outcome.result].format(number=ticket.number))
            return redirect("console:callbacks")
    return render(
        request,
        "console/handling/callback.html",
        {
            "ticket": ticket,
            "requester": requester_for(request.user, ticket, screen="回访页面"),
            "evidence": ticket.attachments.filter(kind=Attachment.Kind.EVIDENCE),
            "attempts": ticket.callbacks.select_related("by").order_by("at"),
            # Everyone whose request was merged into this one is called too 「并单的诉求人」, each with
            # a small form while she is owed the call (CIVICGRID_MERGED_CALLBACK).
            "merged": _merged_rows(request.user, ticket),
            "form": form,
            "close_form": CloseForm(),
            "satisfaction_levels": Satisfaction.choices,
            "now": timezone.now(),
        },
    )


def _merged_rows(user, ticket) -> list[tuple]:
    owed = {t.pk for t in services.merged_requesters_owed(ticket)}
    return [
        (
            t,
            requester_for(user, t),
            MergedCallbackForm(prefix=f"m{t.pk}") if t.pk in owed else None,
            t.callbacks.select_related("by").order_by("at"),
        )
        for t in queues.merged_requests(ticket)
    ]


@staff_view(*CALLBACK_DESK)
@require_POST
def callback_merged(request, pk):
    """回访 of one merged requester (the form's `child`), from the master's callback page."""
    ticket = ticket_for(request.user, pk)
    back = redirect("console:callback_ticket", ticket.pk)
    child = parse_id(request.POST.get("child"))
    duplicate = queues.merged_requests(ticket).filter(pk=child).first() if child else None
    if duplicate is None:
        messages.error(request, f"未找到并入工单 {ticket.number} 的该诉求，请刷新页面后重试")
        return back
    form = MergedCallbackForm(request.POST, prefix=f"m{duplicate.pk}")
    if _valid(request, form):
        try:
            callback = services.callback_record_merged(
                ticket=duplicate, actor=request.user, **form.cleaned_data
            )
        except REFUSAL_TYPES as exc:
            messages.error(request, refusal_message(exc))
        else:
            done = "已记录" if callback.reached else "未接通，已记录，请稍后再次回访"
            messages.success(request, f"工单 {duplicate.number} 的诉求人回访{done}")
    return back


@staff_view(*CLOSERS)
@require_POST
def callback_close(request, pk):
    ticket = ticket_for(request.user, pk)
    desk = has_role(request.user, *CALLBACK_DESK)
    form = CloseForm(request.POST)
    if _valid(request, form):
        services.ticket_close(ticket=ticket, actor=request.user, **form.cleaned_data)
        messages.success(request, f"工单 {ticket.number} 已办结（免回访）")
        return redirect("console:callbacks") if desk else redirect("console:ticket", pk)
    return redirect("console:callback_ticket" if desk else "console:ticket", pk)


# ---- supervision ----


@staff_view(*SUPERVISORS)
def supervision(request):
    tab = "key" if request.GET.get("tab") == "key" else "warned"
    q = request.GET.get("q", "").strip()
    unit, level = parse_id(request.GET.get("unit")), request.GET.get("level", "")
    if tab == "key":
        rows = queues.key_list(request.user, q)
    else:
        rows = queues.supervision_list(request.user, unit=unit, level=level, q=q)
    by_unit = queues.warnings_by_unit(request.user)
    if wants_xlsx(request):
        return _supervision_export(request, tab, rows, by_unit, unit=unit, level=level, q=q)
    page, query = _page(request, rows)
    unstaffed = queues.unstaffed_units_with_work(request.user)
    idle = {row["unit"] for row in unstaffed}
    for row in by_unit:
        row["unstaffed"] = row["lead_unit"] in idle
    return render(
        request,
        "console/handling/supervision.html",
        {
            "tab": tab,
            "q": q,
            "unit": unit,
            "level": level,
            "levels": WarningLevel.choices,
            "by_unit": by_unit,
            "unstaffed": unstaffed,
            "totals": {k: sum(r[k] for r in by_unit) for k in WarningLevel.values},
            "key_count": queues.key_list(request.user).count(),
            "page": page,
            "query": query,
        },
    )


SUPERVISION_COLUMNS = [
    Column("工单编号", "number", width=18),
    Column("事件概述", "title", width=40),
    Column("主办单位", "lead_unit.name", width=24),
    Column("状态", lambda t: t.get_status_display()),
    Column("预警", lambda t: t.get_warning_level_display() if t.warning_level else ""),
    Column("办理时限", "lead_due_at", number_format=DATETIME),
    Column("督办中", lambda t: yes(t.is_supervised), width=8),
    Column("重点督办", lambda t: yes(t.on_key_list), width=10),
    Column("暂停计时", lambda t: yes(t.paused_at), width=10),
]


def _supervision_export(request, tab, rows, by_unit, *, unit, level, q):
    """Either tab as on the page; the warnings tab adds its table by lead unit as a second sheet."""
    scope = ticket_scope(request.user)
    filters = [f"关键词「{q}」" if q else ""]
    more = []
    if tab == "key":
        title, action = "重点督办清单", "export.key_list"
    else:
        title, action = "预警与超期工单", "export.supervision"
        named = next((r["lead_unit__name"] for r in by_unit if r["lead_unit"] == unit), None)
        filters += [
            f"主办单位：{named}" if named else "",
            f"预警：{WarningLevel(level).label}" if level in WarningLevel.values else "",
        ]
        more.append(
            Sheet(
                "按主办单位",
                [
                    Column("主办单位", lambda r: r["lead_unit__name"] or "未定主办单位", width=28),
                    Column("黄色预警", "yellow", number_format=INTEGER),
                    Column("红色预警", "red", number_format=INTEGER),
                    Column("超期", "overdue", number_format=INTEGER),
                    Column("合计", "total", number_format=INTEGER),
                ],
                by_unit,
                scope=scope,
            )
        )
    return export_list(
        request,
        title=title,
        columns=SUPERVISION_COLUMNS,
        rows=rows,
        scope=scope,
        filters=filters,
        action=action,
        more_sheets=more,
    )


@staff_view(*SUPERVISORS)
def supervise_ticket(request, pk):
    ticket = ticket_for(request.user, pk)
    form = SuperviseForm(request.POST or None, ticket=ticket)
    if request.method == "POST" and _valid(request, form):
        try:
            services.ticket_supervise(ticket=ticket, actor=request.user, **form.cleaned_data)
        except REFUSAL_TYPES as exc:  # the page again, with the note as typed
            messages.error(request, refusal_message(exc))
        else:
            messages.success(request, f"已督办工单 {ticket.number}")
            return redirect("console:supervise_ticket", pk)
    now = timezone.now()
    current = (
        ticket.assignments.filter(round=ticket.dispatch_round).select_related("unit").order_by("role", "id")
    )
    return render(
        request,
        "console/handling/supervise.html",
        {
            "ticket": ticket,
            "assignments": [(a, *_countdown(a, now)) for a in current],
            "supervisions": ticket.supervisions.select_related("unit", "by"),
            "form": form,
            "in_handling": ticket.status in HANDLING_STATUSES,
            "key_form": KeyListForm(auto_id="key_%s"),
            "escalate_form": SupervisionEscalateForm(auto_id="esc_%s"),
        },
    )


@staff_view(*SUPERVISORS)
@require_POST
def supervision_key_list(request, pk):
    ticket = ticket_for(request.user, pk)
    form = KeyListForm(request.POST)
    if _valid(request, form):
        services.key_list_set(ticket=ticket, actor=request.user, **form.cleaned_data)
        on = form.cleaned_data["on"]
        messages.success(request, f"工单 {ticket.number} 已{'列入' if on else '移出'}重点督办清单")
    return redirect("console:supervise_ticket", pk)


@staff_view(*SUPERVISORS)
@require_POST
def supervision_escalate(request, pk):
    ticket = ticket_for(request.user, pk)
    form = SupervisionEscalateForm(request.POST)
    if _valid(request, form):
        units = list(form.cleaned_data["whistle_units"])
        done = services.ticket_escalate(
            ticket=ticket, actor=request.user, note=form.cleaned_data["note"], whistle_units=units
        )
        names = "、".join(u.name for u in units)
        messages.success(
            request, f"已吹哨：{names}报到协办" if units else f"已提级至{done.lead_unit.name}办理"
        )
    return redirect("console:supervise_ticket", pk)


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("assignment/<int:pk>/", assignment_detail, name="assignment"),
    path("assignment/<int:pk>/sign/", assignment_sign, name="assignment_sign"),
    path("assignment/<int:pk>/contact/", assignment_contact, name="assignment_contact"),
    path("assignment/<int:pk>/reply/", assignment_reply, name="assignment_reply"),
    path("assignment/<int:pk>/co-reply/", assignment_co_reply, name="assignment_co_reply"),
    path("assignment/<int:pk>/extension/", assignment_extension, name="assignment_extension"),
    path("assignment/<int:pk>/return/", assignment_return, name="assignment_return"),
    path("assignment/<int:pk>/escalate/", assignment_escalate, name="assignment_escalate"),
    path("callbacks/", callbacks, name="callbacks"),
    path("callbacks/<int:pk>/", callback_ticket, name="callback_ticket"),
    path("callbacks/<int:pk>/close/", callback_close, name="callback_close"),
    path("callbacks/<int:pk>/merged/", callback_merged, name="callback_merged"),
    path("supervision/", supervision, name="supervision"),
    path("supervision/<int:pk>/", supervise_ticket, name="supervise_ticket"),
    path("supervision/<int:pk>/key-list/", supervision_key_list, name="supervision_key_list"),
    path("supervision/<int:pk>/escalate/", supervision_escalate, name="supervision_escalate"),
]
