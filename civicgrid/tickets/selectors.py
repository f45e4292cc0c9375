"""Reads of tickets: scoped to the user's role and units, personal data masked, reveals audited."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from civicgrid.core.audit import record_event
from civicgrid.core.masking import mask_phone  # noqa: F401 (re-exported)
from civicgrid.registry.models import Role
from civicgrid.tickets.models import (
    WARNED_LEVELS,
    Assignment,
    Decision,
    EventAction,
    ExtensionRequest,
    ReturnRequest,
    Status,
    Ticket,
    WarningLevel,
)
from civicgrid.tickets.permissions import CENTRE_ROLES, has_role, role_codes, staff_of, units_of

# Who sees the requester's contact details unmasked (PIPL "minimum necessary"; domain §11).
FULL_CONTACT_ROLES = {Role.OPERATOR, Role.CALLBACK_AGENT}
HANDLER_ROLES = {Role.UNIT_HANDLER, Role.GRID_WORKER, Role.GRID_LEADER}


def tickets_for(user):
    """The tickets a user may see: everything for the 12345 centre, their units' tickets for handlers."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if user.is_superuser or role_codes(user) & CENTRE_ROLES:
        return Ticket.objects.all()
    if staff_of(user) is None:
        raise PermissionDenied("您没有工作人员身份，无权查看工单")
    units = units_of(user)
    return Ticket.objects.filter(assignments__unit_id__in=units).distinct()


def ticket_for(user, pk) -> Ticket:
    try:
        return tickets_for(user).get(pk=pk)
    except Ticket.DoesNotExist:
        raise PermissionDenied("工单不存在或不在您的办理范围内") from None


def mask_name(name: str) -> str:
    name = name.strip()
    return (name[0] + "*" * (len(name) - 1)) if len(name) > 1 else ("*" if name else "")


@dataclass(frozen=True)
class RequesterView:
    name: str
    phone: str
    org: str
    masked: bool
    hidden: bool  # confidential ticket, or a unit no longer handling it: no personal data at all


# Past these statuses nobody's work needs the contact details: they are masked unless revealed with a purpose.
FINISHED_STATUSES = {Status.CLOSED, Status.ARCHIVED, Status.MERGED, Status.NOT_ACCEPTED, Status.TRANSFERRED}
CONFIDENTIAL = RequesterView("保密", "经 12345 三方通话联系", "", masked=True, hidden=True)
WITHDRAWN = RequesterView("（本单位已不再承办，不显示诉求人信息）", "", "", masked=True, hidden=True)


def _handles(user, ticket: Ticket) -> bool:
    return (
        ticket.assignments.filter(unit_id__in=units_of(user))
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .exists()
    )


def _full(ticket: Ticket) -> RequesterView:
    return RequesterView(ticket.requester_name, ticket.requester_phone, ticket.requester_org, False, False)


def _masked(ticket: Ticket) -> RequesterView:
    return RequesterView(
        mask_name(ticket.requester_name),
        mask_phone(ticket.requester_phone),
        ticket.requester_org,
        masked=True,
        hidden=False,
    )


def _finished(ticket: Ticket) -> bool:
    # A merged request is handled, and called back, with its master: finished when the master is.
    if ticket.status == Status.MERGED and ticket.merged_into_id:
        return ticket.merged_into.status in FINISHED_STATUSES
    return ticket.status in FINISHED_STATUSES


def _requester_view(user, ticket: Ticket) -> RequesterView:
    if ticket.is_anonymous:
        return RequesterView("匿名", "", "", masked=False, hidden=False)
    codes = role_codes(user)
    centre = user.is_superuser or bool(codes & CENTRE_ROLES)
    if not centre:
        # Handlers only: a confidential requester is never shown, whatever the assignment's state; a unit that
        # returned or was cancelled keeps read access without personal data.
        if ticket.is_confidential:
            return CONFIDENTIAL
        if codes & HANDLER_ROLES and _handles(user, ticket):
            if _finished(ticket):
                # The work is done: the name for reference, no phone (a masked one shows the tracker's digits).
                return RequesterView(mask_name(ticket.requester_name), "", ticket.requester_org, True, False)
            return _full(ticket)
        return WITHDRAWN
    if Role.CALLBACK_AGENT in codes:
        return _full(ticket)  # a callback (also of a merged request after its master closed) needs the number
    if (user.is_superuser or codes & FULL_CONTACT_ROLES) and not _finished(ticket):
        return _full(ticket)
    return _masked(ticket)


def requester_for(user, ticket: Ticket, *, screen: str = "工单页面") -> RequesterView:
    """The requester as this user may see them on a page; an unmasked display is audited (domain §11)."""
    view = _requester_view(user, ticket)
    if not view.masked and not ticket.is_anonymous and (view.name or view.phone):
        record_event(
            actor=user,
            action="pii.view",
            target=ticket,
            summary=f"{screen}显示工单 {ticket.number} 诉求人联系方式",
            screen=screen,
        )
    return view


@transaction.atomic
def reveal_requester(*, user, ticket: Ticket, purpose: str) -> RequesterView:
    """Show masked contact details for a stated purpose; every reveal leaves an audit row."""
    if not purpose.strip():
        raise PermissionDenied("查看完整联系方式须说明用途")
    ticket = ticket_for(user, ticket.pk)
    view = _requester_view(user, ticket)
    if view.hidden:
        raise PermissionDenied("保密工单不向承办单位显示诉求人信息")
    if not (user.is_superuser or has_role(user, *CENTRE_ROLES)):
        raise PermissionDenied("无权查看完整联系方式")
    if not view.masked:
        return view
    record_event(
        actor=user,
        action="pii.reveal",
        target=ticket,
        summary=f"查看工单 {ticket.number} 诉求人联系方式",
        purpose=purpose.strip(),
    )
    return _full(ticket)


def attachments_for(user, ticket: Ticket):
    """A ticket's files as this user may open them: none for a unit that returned or was cancelled."""
    if not (user.is_superuser or role_codes(user) & CENTRE_ROLES or _handles(user, ticket)):
        return ticket.attachments.none()
    return ticket.attachments.all()


def public_timeline(ticket: Ticket) -> list[dict]:
    """What a resident sees when tracking a ticket: public events only, no staff names or internal notes."""
    return [
        # An event whose note is for staff (a closure's reason) carries the words meant for the resident.
        {"at": e.at, "text": e.payload.get("public_note") or e.note}
        for e in ticket.events.filter(is_public=True).order_by("id")
    ]


# What the requester of a merged duplicate sees of the master's progress: the work on the shared matter,
# never what concerns the master's own requester (her registration, contact, reply wording, rating).
SHARED_PROGRESS = {
    EventAction.DISPATCHED: None,
    EventAction.REPLIED: None,
    EventAction.CLOSED: None,
    EventAction.REOPENED: "重新办理",
    EventAction.CLOCK_PAUSED: None,
    EventAction.CLOCK_RESUMED: None,
    EventAction.ESCALATED: None,
    EventAction.AUTO_ESCALATED: None,
}


def shared_timeline(master: Ticket) -> list[dict]:
    """The master's public progress as another requester of the same matter may read it."""
    return [
        {"at": e.at, "text": SHARED_PROGRESS[e.action] or e.payload.get("public_note") or e.note}
        for e in master.events.filter(is_public=True, action__in=SHARED_PROGRESS).order_by("id")
    ]


def assignments_for(user):
    """Assignments of the units this user acts for (their own units, the teams of their grids)."""
    if user.is_superuser:
        return Assignment.objects.all()
    return Assignment.objects.filter(unit_id__in=units_of(user))


def pending_returns_for(user):
    """Return requests awaiting the centre's review, on tickets the user may see."""
    return ReturnRequest.objects.filter(
        decision=Decision.PENDING, assignment__ticket__in=tickets_for(user)
    ).select_related("assignment__ticket", "assignment__unit", "suggested_unit", "requested_by__staff")


def pending_extensions_for(user):
    """Extension requests awaiting a decision, on tickets the user may see."""
    return ExtensionRequest.objects.filter(
        decision=Decision.PENDING, assignment__ticket__in=tickets_for(user)
    ).select_related("assignment__ticket", "assignment__unit", "requested_by__staff")


@dataclass(frozen=True)
class QueueCount:
    label: str
    count: int
    url: str  # a console URL name and query string, resolved by the view
    urgent: bool = False


def work_queues(user) -> list[QueueCount]:
    """What waits for this person, by role: the counts on their home page (historical tickets wait for no one)."""
    from django.utils import timezone

    queues: list[QueueCount] = []
    codes = role_codes(user) if not user.is_superuser else {code for code, _ in Role.SEED}
    if codes & {Role.OPERATOR}:
        received = Ticket.objects.filter(is_historical=False, status=Status.RECEIVED)
        queues.append(
            QueueCount("待受理（网上及网格上报）", received.count(), "console:tickets?status=RECEIVED")
        )
        today = Ticket.objects.filter(is_historical=False, received_at__date=timezone.localdate())
        queues.append(QueueCount("今日登记", today.count(), "console:tickets"))
    if codes & {Role.DISPATCHER}:
        queues += [
            QueueCount(
                "待派单",
                Ticket.objects.filter(is_historical=False, status=Status.PENDING_DISPATCH).count(),
                "console:dispatch",
            ),
            QueueCount(
                "退单待审核",
                pending_returns_for(user).count(),
                "console:dispatch?tab=returns",
                urgent=True,
            ),
            QueueCount(
                "延期待审核",
                pending_extensions_for(user).count(),
                "console:dispatch?tab=extensions",
            ),
            QueueCount(
                "答复待审核",
                Ticket.objects.filter(is_historical=False, status=Status.REPLIED).count(),
                "console:dispatch?tab=review",
            ),
        ]
    if codes & HANDLER_ROLES:
        mine = assignments_for(user)
        active = mine.filter(state__in=Assignment.ACTIVE_STATES)
        queues += [
            QueueCount(
                "待签收", mine.filter(state=Assignment.State.PENDING_SIGN).count(), "console:inbox?tab=sign"
            ),
            QueueCount(
                "办理中", mine.filter(state=Assignment.State.IN_PROGRESS).count(), "console:inbox?tab=doing"
            ),
            QueueCount(
                "已预警",
                active.filter(Assignment.at_warning_level(*WARNED_LEVELS)).count(),
                "console:inbox?tab=warned",
                urgent=True,
            ),
            QueueCount(
                WarningLevel.OVERDUE.label,
                active.filter(Assignment.at_warning_level(WarningLevel.OVERDUE)).count(),
                "console:inbox?tab=overdue",
                urgent=True,
            ),
        ]
    if codes & {Role.CALLBACK_AGENT}:
        queues.append(
            QueueCount(
                "待回访",
                Ticket.objects.filter(is_historical=False, status=Status.PENDING_CALLBACK).count(),
                "console:callbacks",
            )
        )
    if codes & {Role.SUPERVISOR, Role.LEADER}:
        open_tickets = Ticket.objects.filter(
            is_historical=False,
            status__in=[Status.DISPATCHED, Status.IN_PROGRESS, Status.REOPENED, Status.RETURN_REQUESTED],
        )
        queues += [
            QueueCount(
                "预警工单",
                open_tickets.filter(warning_level__in=WARNED_LEVELS).count(),
                "console:supervision",
            ),
            QueueCount(
                "超期工单",
                open_tickets.filter(warning_level=WarningLevel.OVERDUE).count(),
                "console:supervision",
                urgent=True,
            ),
            QueueCount(
                "重点督办清单",
                Ticket.objects.filter(is_historical=False, on_key_list=True).count(),
                "console:supervision?tab=key",
            ),
        ]
    return queues
