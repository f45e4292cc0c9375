"""Pages every staff member uses: home, the ticket list, the ticket page, notifications."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.console.access import staff_view
from civicgrid.core.audit import record_event
from civicgrid.core.inputs import parse_id
from civicgrid.notify.models import Notification, kind_label
from civicgrid.notify.services import mark_all_read, mark_read
from civicgrid.registry.models import Role
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Attachment, Status
from civicgrid.tickets.permissions import CENTRE_ROLES, has_role, units_of
from civicgrid.tickets.selectors import (
    attachments_for,
    public_timeline,
    requester_for,
    reveal_requester,
    ticket_for,
    tickets_for,
    work_queues,
)

PAGE_SIZE = 25
# The centre: operators and callback agents too, for finished tickets, whose details are masked for them.
REVEAL_ROLES = tuple(sorted(CENTRE_ROLES))


def _resolve(url_spec: str) -> str:
    name, _, query = url_spec.partition("?")
    return reverse(name) + (f"?{query}" if query else "")


@staff_view()
def home(request):
    queues = [(q, _resolve(q.url)) for q in work_queues(request.user)]
    return render(request, "console/home.html", {"queues": queues})


def filtered_tickets(request):
    """The ticket list's rows for this user and query (the page and its Excel export share it):
    the queryset, newest first, and the filters as given (q, status, type)."""
    tickets = tickets_for(request.user).select_related("lead_unit", "category")
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    request_type = request.GET.get("type", "")
    if q:
        tickets = tickets.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(address__icontains=q))
    if status in Status.values:
        tickets = tickets.filter(status=status)
    if request_type in RequestType.values:
        tickets = tickets.filter(request_type=request_type)
    return tickets.order_by("-received_at"), q, status, request_type


@staff_view()
def ticket_list(request):
    tickets, q, status, request_type = filtered_tickets(request)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/tickets.html",
        {
            "page": page,
            "q": q,
            "status": status,
            "type": request_type,
            "statuses": Status.choices,
            "types": RequestType.choices,
            "query": query.urlencode(),
        },
    )


def _countdown(assignment, now):
    """The time left on the assignment's deadline in words, and its warning level (or "ok") for the colour."""
    hours = (assignment.due_at - now).total_seconds() / 3600
    if hours < 0:
        text = f"已超期 {abs(hours):.0f} 小时" if abs(hours) < 48 else f"已超期 {abs(hours) / 24:.0f} 天"
    else:
        text = f"剩余 {hours:.0f} 小时" if hours < 48 else f"剩余 {hours / 24:.0f} 天"
    return text, assignment.warning_level_at(now) or "ok"


def ticket_links(user, ticket) -> list[tuple[str, str]]:
    """Where this user can act on the ticket: links to the pages that own each action."""
    links = []
    candidates = [
        (
            "console:dispatch_ticket",
            "派单/审核",
            (Role.DISPATCHER, Role.OPERATOR, Role.ADMINISTRATOR),
            ticket.pk,
        ),
        ("console:callback_ticket", "回访", (Role.CALLBACK_AGENT, Role.ADMINISTRATOR), ticket.pk),
        ("console:supervise_ticket", "督办", (Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR), ticket.pk),
    ]
    for name, label, roles, arg in candidates:
        if has_role(user, *roles):
            links.append((label, reverse(name, args=[arg])))
    mine = units_of(user)
    for assignment in ticket.assignments.filter(unit_id__in=mine, state__in=["pending_sign", "in_progress"]):
        links.append((f"办理（{assignment.unit.name}）", reverse("console:assignment", args=[assignment.pk])))
    return links


def _ticket_page(request, ticket, *, revealed=None):
    now = timezone.now()
    assignments = [
        (a, *_countdown(a, now))
        for a in ticket.assignments.select_related("unit").order_by("-round", "role", "id")
    ]
    return render(
        request,
        "console/ticket.html",
        {
            "ticket": ticket,
            "requester": requester_for(request.user, ticket),
            "revealed": revealed,
            "assignments": assignments,
            "events": ticket.events.select_related("actor", "assignment__unit").order_by("id"),
            "callbacks": ticket.callbacks.order_by("at"),
            "attachments": attachments_for(request.user, ticket),
            "links": ticket_links(request.user, ticket),
            "public": public_timeline(ticket),
            "can_reveal": has_role(request.user, *REVEAL_ROLES),
        },
    )


@staff_view()
def ticket_detail(request, pk):
    return _ticket_page(request, ticket_for(request.user, pk))


@require_POST
@staff_view(*REVEAL_ROLES)
def ticket_reveal(request, pk):
    ticket = ticket_for(request.user, pk)
    try:
        shown = reveal_requester(user=request.user, ticket=ticket, purpose=request.POST.get("purpose", ""))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("console:ticket", pk=pk)
    # Shown in this response only: a message would carry the name and phone in the (unencrypted) cookie.
    response = _ticket_page(request, ticket, revealed=shown)
    response["Cache-Control"] = "no-store"
    return response


@staff_view()
def attachment_internal(request, pk):
    """仅内部可见 or shown to the requester again: an evidence file on the ticket page."""
    attachment = get_object_or_404(Attachment, pk=pk)
    ticket_for(request.user, attachment.ticket_id)  # scope first: another unit learns nothing
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    internal = request.POST.get("internal") == "1"
    try:
        services.attachment_set_internal(attachment=attachment, actor=request.user, internal=internal)
    except TicketError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"{attachment.original_name}已设为{'仅内部可见' if internal else '诉求人可见'}"
        )
    return redirect("console:ticket", pk=attachment.ticket_id)


@staff_view()
def attachment_file(request, pk):
    """An attachment, for staff who may see its ticket; each opening is audited (photos are personal data)."""
    attachment = get_object_or_404(Attachment, pk=pk)
    if (
        not attachments_for(request.user, ticket_for(request.user, attachment.ticket_id))
        .filter(pk=pk)
        .exists()
    ):
        raise PermissionDenied("本单位已不再承办此工单，无权查看附件")
    record_event(
        actor=request.user,
        action="attachment.view",
        target=attachment.ticket,
        summary=f"查看工单 {attachment.ticket.number} 附件 {attachment.original_name}",
    )
    inline = attachment.content_type.startswith("image/") or attachment.content_type == "application/pdf"
    return FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not inline,
        filename=attachment.original_name,
    )


@staff_view()
def notifications(request):
    """The notification centre: unread first, filtered by kind; mark some, all, or all of a kind read."""
    kind = request.GET.get("kind", "") or request.POST.get("kind", "")
    if request.method == "POST":
        if request.POST.get("all"):
            done = mark_all_read(user=request.user, kind=kind)
        else:
            ids = [pk for pk in map(parse_id, request.POST.getlist("ids")) if pk is not None]
            done = mark_read(user=request.user, notification_ids=ids)
        messages.success(request, f"已将 {done} 条消息标为已读")
        return redirect(
            reverse("console:notifications") + (f"?{request.GET.urlencode()}" if request.GET else "")
        )
    mine = Notification.objects.filter(recipient=request.user)
    unread_by_kind = dict(
        mine.filter(read_at__isnull=True)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    kinds = sorted(
        (
            (k, kind_label(k), unread_by_kind.get(k, 0))
            for k in mine.order_by().values_list("kind", flat=True).distinct()
        ),
        key=lambda row: (-row[2], str(row[1])),
    )
    show = request.GET.get("show", "unread")
    rows = mine.select_related("ticket")
    if kind:
        rows = rows.filter(kind=kind)
    if show != "all":
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/notifications.html",
        {
            "page": page,
            "kinds": kinds,
            "kind": kind,
            "show": show,
            "unread_total": sum(unread_by_kind.values()),
            "query": query.urlencode(),
        },
    )
