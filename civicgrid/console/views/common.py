"""Pages every staff member uses: home, the ticket list, the ticket page, notifications."""

import re
from dataclasses import dataclass, field
from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from civicgrid.assessment.selectors import period_bounds
from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATETIME, INTEGER, THOUSANDS, Column, Sheet
from civicgrid.core.inputs import parse_id
from civicgrid.notify.models import Notification, kind_label
from civicgrid.notify.services import mark_all_read, mark_read
from civicgrid.registry.models import AdminArea, Grid, Role, Unit
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets import services
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import Attachment, Channel, Status, WarningLevel
from civicgrid.tickets.permissions import CENTRE_ROLES, has_role, role_codes, units_of
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
# A keyword search counts at most this many matches: counting every ticket that mentions 积水 among ten
# million reads them all (seconds), and no one pages that far (bench/bench_province.py).
SEARCH_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows; `capped` says the count stopped there.

    Below the cap the page is read by the keys found while counting. PostgreSQL cannot tell a rare keyword
    from a common one (it assumes at least 0.01 % of the rows match), so for "newest first" it walks the
    whole table by date looking for a ticket number's one match (16 s with 10 million tickets) instead of
    reading it from the trigram index."""

    def __init__(self, object_list, per_page, *, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _keys(self) -> list:
        return list(self.object_list.order_by().values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def count(self) -> int:
        return len(self._keys)

    def page(self, number):
        if not self.capped:
            self.object_list = self.object_list.filter(pk__in=self._keys)
        return super().page(number)

    @property
    def capped(self) -> bool:
        return self.count > self.cap


# The centre: operators and callback agents too, for finished tickets, whose details are masked for them.
REVEAL_ROLES = tuple(sorted(CENTRE_ROLES))


def _resolve(url_spec: str) -> str:
    name, _, query = url_spec.partition("?")
    return reverse(name) + (f"?{query}" if query else "")


@staff_view()
def home(request):
    queues = [(q, _resolve(q.url)) for q in work_queues(request.user)]
    return render(request, "console/home.html", {"queues": queues})


ON_CHOICES = {"received": "受理时间", "rated": "参评时间", "closed": "办结时间"}
# Which date the period applies to, and which unit `unit` means, for each `on` (the league table's
# 受理 / 参评 / 办结 cells): with the same period and row, the list's count equals the cell.
_ON_FIELDS = {
    "received": ("received_at", "lead_unit"),
    "rated": ("rated_at", "rated_unit"),
    "closed": ("closed_at", "lead_unit"),
}
_CATEGORY_CODE = re.compile(r"^[0-9A-Za-z]{1,10}$")


@dataclass
class TicketFilters:
    """The ticket search's filters as read from the query (the contract the dashboard links to): each
    value valid or left out, with a note in words for anything ignored."""

    q: str = ""
    status: str = ""
    type: str = ""
    on: str = "received"
    date_from: date | None = None
    date_to: date | None = None
    unit: Unit | None = None
    grid: Grid | None = None
    town: AdminArea | None = None
    category: str = ""
    category_name: str = ""
    channel: str = ""
    warning: str = ""
    notes: list[str] = field(default_factory=list)

    def words(self) -> list[str]:
        """The active filters in words, for the page and the export's title row."""
        shown = []
        if self.date_from or self.date_to:
            start = f"{self.date_from:%Y-%m-%d}" if self.date_from else "不限"
            end = f"{self.date_to:%Y-%m-%d}" if self.date_to else "不限"
            shown.append(f"{ON_CHOICES[self.on]}：{start} 至 {end}")
        elif self.on != "received":
            shown.append("参评工单" if self.on == "rated" else "已办结工单")
        if self.unit:
            shown.append(f"{'参评单位' if self.on == 'rated' else '主办单位'}：{self.unit.name}")
        if self.grid:
            shown.append(f"网格：{self.grid.name}")
        if self.town:
            shown.append(f"乡镇/街道：{self.town.name}")
        if self.category:
            shown.append(f"诉求分类：{self.category_name or self.category}")
        if self.channel:
            shown.append(f"来源渠道：{Channel(self.channel).label}")
        if self.status:
            shown.append(f"状态：{Status(self.status).label}")
        if self.type:
            shown.append(f"类型：{RequestType(self.type).label}")
        if self.warning:
            shown.append(f"预警：{WarningLevel(self.warning).label}")
        if self.q:
            shown.append(f"关键词「{self.q}」")
        return shown


def _pk_of(model, raw: str, label: str, notes: list[str], **lookup):
    if not raw:
        return None
    pk = parse_id(raw)
    found = model.objects.filter(pk=pk, **lookup).first() if pk is not None else None
    if found is None:
        notes.append(f"{label}条件无效，已忽略")
    return found


def _date_of(raw: str, label: str, notes: list[str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        notes.append(f"{label}「{raw[:20]}」不是有效日期（应为 年-月-日），已忽略")
        return None


def _choice(raw: str, choices, label: str, notes: list[str]) -> str:
    if not raw:
        return ""
    if raw in choices.values:
        return raw
    # The old list took lower-case codes in its links (status=pending_dispatch).
    if raw.upper() in choices.values:
        return raw.upper()
    notes.append(f"{label}条件无效，已忽略")
    return ""


def ticket_filters(params) -> TicketFilters:
    """Read the filters from a QueryDict; never raises on a bad value."""
    notes: list[str] = []
    get = lambda name: str(params.get(name, "") or "").strip()  # noqa: E731
    on = get("on") or "received"
    if on not in ON_CHOICES:
        notes.append("统计口径条件无效，已按受理时间查询")
        on = "received"
    date_from = _date_of(get("from"), "起始日期", notes)
    date_to = _date_of(get("to"), "截止日期", notes)
    if date_from and date_to and date_from > date_to:
        notes.append("起始日期晚于截止日期，已忽略日期条件")
        date_from = date_to = None
    category = get("category")
    category_name = ""
    if category:
        if _CATEGORY_CODE.match(category):
            named = Category.objects.filter(code=category).order_by("-is_active", "-pk").first()
            category_name = f"{named.name}（{category}）" if named else category
        else:
            notes.append("诉求分类条件无效，已忽略")
            category = ""
    return TicketFilters(
        q=get("q")[:100],
        status=_choice(get("status"), Status, "状态", notes),
        type=_choice(get("type"), RequestType, "类型", notes),
        on=on,
        date_from=date_from,
        date_to=date_to,
        unit=_pk_of(Unit, get("unit"), "单位", notes),
        grid=_pk_of(Grid, get("grid"), "网格", notes),
        town=_pk_of(AdminArea, get("town"), "乡镇/街道", notes, level=AdminArea.Level.TOWN),
        category=category,
        category_name=category_name,
        channel=_choice(get("channel"), Channel, "来源渠道", notes),
        warning=_choice(get("warning"), WarningLevel, "预警", notes),
        notes=notes,
    )


# A ticket number as `TicketSequence` issues it: YYYYMMDD-NNNNNN.
WHOLE_NUMBER = re.compile(r"\d{8}-\d{6}")


def apply_ticket_filters(tickets, filters: TicketFilters):
    """`tickets` narrowed by `filters`, newest first by the date `on` names."""
    date_field, unit_field = _ON_FIELDS[filters.on]
    if filters.on == "rated":
        tickets = tickets.filter(rated_at__isnull=False, excluded_from_rating=False)
    elif filters.on == "closed":
        tickets = tickets.filter(closed_at__isnull=False)
    if filters.date_from:
        start, _ = period_bounds(filters.date_from, filters.date_from)
        tickets = tickets.filter(**{f"{date_field}__gte": start})
    if filters.date_to:
        _, end = period_bounds(filters.date_to, filters.date_to)
        tickets = tickets.filter(**{f"{date_field}__lt": end})
    if filters.unit:
        tickets = tickets.filter(**{unit_field: filters.unit})
    if filters.grid:
        tickets = tickets.filter(grid=filters.grid)
    if filters.town:
        tickets = tickets.filter(town=filters.town)
    if filters.category:
        tickets = tickets.filter(category_code__startswith=filters.category)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.type:
        tickets = tickets.filter(request_type=filters.type)
    if filters.warning:
        tickets = tickets.filter(warning_level=filters.warning)
    if filters.q:
        q = filters.q
        # A whole ticket number can only be that ticket's: its unique index, not the number's trigrams (digits
        # are unselective: 0.4 s at 10 M). The external number (an imported or upstream ticket's own) is
        # matched whole, on its index.
        number = Q(number=q) if WHOLE_NUMBER.fullmatch(q) else Q(number__icontains=q)
        tickets = tickets.filter(number | Q(title__icontains=q) | Q(address__icontains=q) | Q(external_id=q))
    return tickets.order_by(f"-{date_field}", "-pk")


def filtered_tickets(request):
    """The ticket list's rows for this user and query (the page and its Excel export share it): the
    queryset within the user's scope, newest first, and the filters as read."""
    filters = ticket_filters(request.GET)
    tickets = tickets_for(request.user).select_related("lead_unit", "category", "grid", "town")
    return apply_ticket_filters(tickets, filters), filters


def filter_choices(user) -> dict:
    """The unit, grid and town choices of the filter form: what `user` may see. Units grouped by kind."""
    if user.is_superuser or role_codes(user) & CENTRE_ROLES:
        units = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.HOTLINE_CENTRE)
        grids = Grid.objects.filter(is_active=True)
        towns = AdminArea.objects.filter(level=AdminArea.Level.TOWN)
    else:
        visible = tickets_for(user).order_by()
        units = Unit.objects.filter(pk__in=units_of(user))
        grids = Grid.objects.filter(pk__in=visible.values("grid"))
        towns = AdminArea.objects.filter(pk__in=visible.values("town"))
    # Plain rows and each kind's label translated once: a province has 1,300 units.
    kinds = {value: str(label) for value, label in Unit.Kind.choices}
    grouped: dict[str, list] = {}
    for pk, name, kind in units.order_by("kind", "code").values_list("pk", "name", "kind"):
        grouped.setdefault(kinds.get(kind, kind), []).append((pk, name))
    return {
        "unit_groups": list(grouped.items()),
        "grids": list(grids.order_by("code").values_list("pk", "name")),
        "towns": list(towns.order_by("code").values_list("pk", "name")),
    }


@staff_view()
def ticket_list(request):
    tickets, filters = filtered_tickets(request)
    paginator = (
        CappedPaginator(tickets, PAGE_SIZE, cap=SEARCH_COUNT_CAP)
        if filters.q
        else Paginator(tickets, PAGE_SIZE)
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/tickets.html",
        {
            "page": page,
            "filters": filters,
            "active": filters.words(),
            "statuses": Status.choices,
            "types": RequestType.choices,
            "channels": Channel.choices,
            "warnings": WarningLevel.choices,
            "ons": list(ON_CHOICES.items()),
            **filter_choices(request.user),
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


def _actor_name(event) -> str:
    if not event.actor_id:
        return ""
    staff = getattr(event.actor, "staff", None)
    return (staff.name if staff else "") or event.actor.username


def _ticket_export(request, ticket):
    """The ticket page's lists as sheets: its timeline (the first), the units and deadlines, the attachments
    this user may see. The requester is not in the file (the page masks them; a file would outlive the mask)."""
    now = timezone.now()
    scope = f"{ticket.number}　{ticket.title}"
    assignments = Sheet(
        "承办单位与时限",
        [
            Column("轮次", lambda r: r[0].round, number_format=INTEGER, width=8),
            Column("单位", lambda r: r[0].unit.name, width=24),
            Column("角色", lambda r: r[0].get_role_display(), width=10),
            Column("状态", lambda r: r[0].get_state_display(), width=10),
            Column("办理时限", lambda r: r[0].due_at, number_format=DATETIME),
            Column("倒计时", lambda r: r[1] if r[0].is_active else "", width=16),
        ],
        [
            (a, _countdown(a, now)[0])
            for a in ticket.assignments.select_related("unit").order_by("-round", "role", "id")
        ],
        scope=scope,
    )
    files = Sheet(
        "附件",
        [
            Column("类别", lambda f: f.get_kind_display(), width=12),
            Column("文件名", "original_name", width=36),
            Column("大小（字节）", "size", number_format=THOUSANDS),
            Column("仅内部可见", lambda f: "是" if f.is_internal else "", width=10),
        ],
        attachments_for(request.user, ticket),
        scope=scope,
    )
    return export_list(
        request,
        title=f"工单{ticket.number}办理情况",
        sheet_name="办理过程",
        columns=[
            Column("时间", "at", number_format=DATETIME),
            Column("操作", lambda e: e.label, width=16),
            Column("说明", "note", width=48),
            Column("操作人", _actor_name, width=14),
            Column("状态", lambda e: e.to_status_label if e.from_status != e.to_status else "", width=12),
        ],
        rows=ticket.events.select_related("actor__staff").order_by("id"),
        scope=scope,
        action="export.ticket",
        target=ticket,
        more_sheets=[assignments, files],
    )


@staff_view()
def ticket_detail(request, pk):
    ticket = ticket_for(request.user, pk)
    if wants_xlsx(request):
        return _ticket_export(request, ticket)
    return _ticket_page(request, ticket)


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


NOTIFICATION_COLUMNS = [
    Column("类别", lambda n: n.kind_label, width=16),
    Column("时间", "created_at", number_format=DATETIME),
    Column("标题", "title", width=48),
    Column("已读", lambda n: "已读" if n.read_at else "未读", width=8),
    Column("工单编号", "ticket.number", width=18),
]


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
    if wants_xlsx(request):
        return export_list(
            request,
            title="消息",
            columns=NOTIFICATION_COLUMNS,
            rows=rows,
            scope="本人收到的消息",
            filters=[
                f"类别：{kind_label(kind)}" if kind else "",
                "全部消息" if show == "all" else "只看未读",
            ],
            action="export.notifications",
        )
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
