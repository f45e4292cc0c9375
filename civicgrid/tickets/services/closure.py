"""After the reply: review, callback 「回访」, close or reopen for rework 「重办」, archive."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction

from civicgrid.registry.models import Role
from civicgrid.sla.clocks import reopen_deadlines
from civicgrid.sla.deadlines import callback_due
from civicgrid.tickets import resident_sms
from civicgrid.tickets.errors import TicketError
from civicgrid.tickets.models import (
    Assignment,
    Callback,
    CallbackChannel,
    EventAction,
    Satisfaction,
    Solved,
    Status,
    Supervision,
    Ticket,
)
from civicgrid.tickets.permissions import require_role
from civicgrid.tickets.services._core import lock_ticket, notify_unit, now_or, record, require_status
from civicgrid.tickets.services.dispatch import open_round

UNSATISFIED = (Satisfaction.UNSATISFIED, Satisfaction.VERY_UNSATISFIED)
CLOSABLE_WITHOUT_CALLBACK = {
    Status.DIRECT_ANSWERED: "即时办结，无需回访",
    Status.TRANSFERRED: "已转紧急热线，无需回访",
    Status.NOT_ACCEPTED: "不予受理，已告知诉求人",
}
# What the resident's timeline says of a closure; the reason (exemption, 不参评) stays internal.
PUBLIC_CLOSED = "已办结"


def is_unhappy(*, solved: str, satisfaction: str) -> bool:
    """An answer that calls for a callback agent's judgement: unsatisfied or unsolved."""
    return satisfaction in UNSATISFIED or solved == Solved.UNSOLVED


def _lead(ticket: Ticket) -> Assignment | None:
    return (
        ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.LEAD)
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .first()
    )


def _rating_of_this_reply(ticket: Ticket):
    """The requester's online rating of the reply now under review, if she gave one before it passed.

    Read through the reverse relation (the rating lives in the portal app, above this one)."""
    try:
        rating = ticket.resident_rating
    except ObjectDoesNotExist:
        return None
    if ticket.replied_at is not None and rating.at < ticket.replied_at:
        return None  # she rated an earlier reply that the review sent back
    return rating


@transaction.atomic
def reply_review(
    *, ticket: Ticket, actor, passed: bool, note: str = "", at: datetime | None = None
) -> Ticket:
    """办结审核: a passed reply waits for the callback; a failed one goes back to the lead unit."""
    require_role(actor, Role.DISPATCHER, Role.CALLBACK_AGENT, Role.ADMINISTRATOR, action="审核答复")
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.REPLIED, action="审核答复")
    lead = _lead(ticket)
    if passed:
        ticket.callback_due_at, ticket.callback_due_provisional = callback_due(
            lead.policy, at, provisional=True
        )
        record(
            ticket,
            actor=actor,
            action=EventAction.REVIEW_PASSED,
            at=at,
            to_status=Status.PENDING_CALLBACK,
            note=note.strip() or "答复审核通过",
            update_fields=("callback_due_at", "callback_due_provisional"),
        )
        rating = _rating_of_this_reply(ticket)
        if rating is not None:
            callback = callback_from_online_rating(
                ticket=ticket,
                solved=rating.solved,
                satisfaction=rating.satisfaction,
                comment=rating.comment,
                at=at,
            )
            if callback is not None:
                return callback.ticket  # she has rated: the closure message, not "please rate"
        resident_sms.tell(ticket, "replied", at=at)
        return ticket
    if not note.strip():
        raise ValidationError({"note": "退回补充时请说明需要补充的内容"})
    lead.state, lead.replied_at = Assignment.State.IN_PROGRESS, None
    lead.save(update_fields=["state", "replied_at"])
    ticket.replied_at = None
    record(
        ticket,
        actor=actor,
        action=EventAction.REVIEW_FAILED,
        at=at,
        to_status=Status.IN_PROGRESS,
        assignment=lead,
        note=note.strip(),
        update_fields=("replied_at",),
    )
    notify_unit(
        lead.unit,
        ticket=ticket,
        kind="review_failed",
        at=at,
        title=f"答复被退回补充：{ticket.number}",
        body=note.strip(),
    )
    return ticket


def _finish_round(ticket: Ticket) -> None:
    ticket.assignments.filter(round=ticket.dispatch_round, state__in=Assignment.OPEN_STATES).update(
        state=Assignment.State.DONE
    )


def _close(
    ticket: Ticket,
    *,
    actor,
    at: datetime,
    note: str,
    exemption: str = "",
    callback: Callback | None = None,
    excluded: bool = False,
    public_note: str = PUBLIC_CLOSED,
):
    lead = _lead(ticket)
    ticket.closed_at, ticket.callback_exemption = at, exemption
    ticket.is_supervised, ticket.warning_level = False, ""
    ticket.paused_at, ticket.pause_reason = None, None
    ticket.excluded_from_rating = excluded
    if lead is not None:
        # An escalation after the deadline gives the new lead a short limit, not a clean record.
        ticket.closed_on_time = (
            lead.replied_at is not None and lead.replied_at <= lead.due_at and ticket.overdue_at is None
        )
    if callback is not None and callback.valid and not excluded:
        ticket.rated_at, ticket.rated_unit = at, lead.unit if lead else ticket.lead_unit
        ticket.rated_contacted_in_time = bool(
            callback.contacted
            and lead
            and lead.first_contacted_at
            and lead.first_contacted_at <= lead.first_contact_due_at
        )
        ticket.rated_solved, ticket.rated_satisfaction = callback.solved, callback.satisfaction
    _finish_round(ticket)
    Supervision.objects.filter(ticket=ticket, resolved_at__isnull=True).update(resolved_at=at)
    record(
        ticket,
        actor=actor,
        action=EventAction.CLOSED,
        at=at,
        to_status=Status.CLOSED,
        public=True,
        note=note,
        update_fields=(
            "closed_at",
            "callback_exemption",
            "is_supervised",
            "warning_level",
            "paused_at",
            "pause_reason",
            "excluded_from_rating",
            "closed_on_time",
            "rated_at",
            "rated_unit",
            "rated_contacted_in_time",
            "rated_solved",
            "rated_satisfaction",
        ),
        exemption=exemption,
        callback=callback.pk if callback else None,
        public_note=public_note,
    )
    resident_sms.tell(ticket, "closed", at=at)


def _reopen(ticket: Ticket, *, actor, at: datetime, callback: Callback) -> None:
    """重办： a new round for the same units with the policy's reopen limit, shorter than the first."""
    lead = _lead(ticket)
    co_units = [
        a.unit
        for a in ticket.assignments.filter(round=ticket.dispatch_round, role=Assignment.Role.CO)
        .exclude(state__in=[Assignment.State.RETURNED, Assignment.State.CANCELLED])
        .select_related("unit")
    ]
    _finish_round(ticket)
    ticket.redo_count += 1
    ticket.reply_text, ticket.result_code, ticket.replied_at, ticket.callback_due_at = "", "", None, None
    assignments = open_round(
        ticket,
        lead=lead.unit,
        co_units=co_units,
        mode=ticket.dispatch_mode,
        at=at,
        actor=actor,
        deadlines_for=reopen_deadlines,
    )
    record(
        ticket,
        actor=actor,
        action=EventAction.REOPENED,
        at=at,
        to_status=Status.REOPENED,
        public=True,
        note=f"回访不满意或未解决，发回{lead.unit.name}重办（第 {ticket.redo_count} 次）",
        update_fields=(
            "redo_count",
            "reply_text",
            "result_code",
            "replied_at",
            "callback_due_at",
            "dispatch_round",
            "lead_unit",
            "dispatch_mode",
            "dispatched_at",
            "warning_level",
        ),
        callback=callback.pk,
        due_at=assignments[0].due_at.isoformat(),
    )
    resident_sms.tell(ticket, "reopened", at=at)
    for assignment in assignments:
        notify_unit(
            assignment.unit,
            ticket=ticket,
            kind="reopened",
            at=at,
            sms=True,
            title=f"工单重办：{ticket.number} {ticket.title}",
            body=callback.notes,
        )


@dataclass
class CallbackOutcome:
    callback: Callback
    ticket: Ticket
    result: str  # "closed", "reopened", "retry"


@transaction.atomic
def callback_record(
    *,
    ticket: Ticket,
    actor,
    reached: bool,
    contacted: bool | None = None,
    solved: str = "",
    satisfaction: str = "",
    valid: bool = True,
    attributable: bool = False,
    invalid_reason: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> CallbackOutcome:
    """回访. A valid, unsatisfied or unsolved answer attributable to the handler reopens the ticket;
    otherwise the ticket closes. Unreached: retried until the policy's maximum attempts, then closed unrated."""
    require_role(actor, Role.CALLBACK_AGENT, Role.ADMINISTRATOR, action="回访")
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.PENDING_CALLBACK, action="回访")
    lead = _lead(ticket)
    if reached and valid:
        errors = {}
        if contacted is None:
            errors["contacted"] = "请记录承办单位是否联系过诉求人"
        if solved not in Solved.values:
            errors["solved"] = "请记录是否解决"
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = "请记录满意度"
        if errors:
            raise ValidationError(errors)
    if reached and not valid and not invalid_reason.strip():
        raise ValidationError({"invalid_reason": "请说明回访无效的原因（如拒绝评价）"})
    callback = Callback.objects.create(
        ticket=ticket,
        at=at,
        by=actor,
        reached=reached,
        contacted=contacted if reached else None,
        solved=solved if reached else "",
        satisfaction=satisfaction if reached else "",
        valid=reached and valid,
        attributable=attributable,
        invalid_reason="未接通" if not reached else invalid_reason.strip(),
        notes=notes.strip(),
    )
    if not reached:
        attempts = ticket.callbacks.filter(reached=False).count()
        limit = lead.policy.max_callback_attempts if lead else 3
        if attempts < limit:
            record(
                ticket,
                actor=actor,
                action=EventAction.CALLBACK_UNREACHED,
                at=at,
                note=f"回访未接通（第 {attempts} 次）",
                callback=callback.pk,
            )
            return CallbackOutcome(callback, ticket, "retry")
        _close(
            ticket,
            actor=actor,
            at=at,
            note=f"回访 {attempts} 次未接通，办结（不参评）",
            exemption=f"{attempts} 次回访未接通",
            callback=callback,
        )
        return CallbackOutcome(callback, ticket, "closed")
    record(
        ticket,
        actor=actor,
        action=EventAction.CALLBACK_RECORDED,
        at=at,
        note=notes.strip() or "已回访",
        callback=callback.pk,
        valid=callback.valid,
        solved=solved,
        satisfaction=satisfaction,
    )
    if not callback.valid:
        _close(
            ticket,
            actor=actor,
            at=at,
            note=f"回访无效（{callback.invalid_reason}），办结（不参评）",
            exemption=f"回访无效：{callback.invalid_reason}",
            callback=callback,
        )
        return CallbackOutcome(callback, ticket, "closed")
    bad = is_unhappy(solved=solved, satisfaction=satisfaction)
    if bad and attributable and lead is not None:
        _reopen(ticket, actor=actor, at=at, callback=callback)
        return CallbackOutcome(callback, ticket, "reopened")
    _close(ticket, actor=actor, at=at, note="回访完成，办结", callback=callback)
    return CallbackOutcome(callback, ticket, "closed")


def online_rating_counts() -> bool:
    """The centre's policy: a resident's own rating within the callback window stands as the callback."""
    return getattr(settings, "CIVICGRID_ONLINE_RATING_COUNTS", True)


@transaction.atomic
def callback_from_online_rating(
    *, ticket: Ticket, solved: str, satisfaction: str, comment: str = "", at: datetime | None = None
) -> Callback | None:
    """网上评价 as the callback: a satisfied, not unsolved rating given while the ticket waits for its
    callback closes it as a valid callback, so nobody calls her again. An unhappy one is left to the
    callback desk, which sees it at the top of its queue (callback_queue); None then, or outside policy."""
    at = now_or(at)
    ticket = lock_ticket(ticket)
    if (
        not online_rating_counts()
        or ticket.status != Status.PENDING_CALLBACK
        or (ticket.callback_due_at is not None and at > ticket.callback_due_at)
        or is_unhappy(solved=solved, satisfaction=satisfaction)
    ):
        return None
    lead = _lead(ticket)
    callback = Callback.objects.create(
        ticket=ticket,
        at=at,
        by=None,
        channel=CallbackChannel.WEB,
        reached=True,
        # She is not asked whether the unit called her; the unit's own contact record answers it.
        contacted=bool(lead and lead.first_contacted_at),
        solved=solved,
        satisfaction=satisfaction,
        valid=True,
        notes=comment.strip()[:500],
    )
    record(
        ticket,
        actor=None,
        action=EventAction.CALLBACK_RECORDED,
        at=at,
        note=f"诉求人网上评价记为回访：{Solved(solved).label}，{Satisfaction(satisfaction).label}",
        callback=callback.pk,
        valid=True,
        solved=solved,
        satisfaction=satisfaction,
        channel=CallbackChannel.WEB,
    )
    _close(
        ticket,
        actor=None,
        at=at,
        note="网上评价完成回访，办结",
        callback=callback,
        public_note="已根据您的评价办结",
    )
    return callback


@transaction.atomic
def ticket_close(
    *, ticket: Ticket, actor, exemption: str = "", unreasonable: bool = False, at: datetime | None = None
) -> Ticket:
    """办结 without a callback: for tickets closed at intake, or with a recorded exemption (e.g. 不合理诉求)."""
    require_role(
        actor, Role.DISPATCHER, Role.CALLBACK_AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR, action="办结工单"
    )
    at = now_or(at)
    ticket = lock_ticket(ticket)
    if ticket.status in CLOSABLE_WITHOUT_CALLBACK:
        _close(
            ticket,
            actor=actor,
            at=at,
            note="办结",
            exemption=exemption.strip() or CLOSABLE_WITHOUT_CALLBACK[ticket.status],
        )
        return ticket
    require_status(ticket, Status.PENDING_CALLBACK, *CLOSABLE_WITHOUT_CALLBACK, action="办结")
    if not exemption.strip():
        raise ValidationError(
            {"exemption": "未经有效回访办结，须填写免回访原因（如：不合理诉求、诉求人明确拒绝回访）"}
        )
    _close(
        ticket,
        actor=actor,
        at=at,
        note=f"办结：{exemption.strip()}",
        exemption=exemption.strip(),
        excluded=unreasonable,
    )
    return ticket


@transaction.atomic
def ticket_archive(*, ticket: Ticket, actor=None, at: datetime | None = None) -> Ticket:
    at = now_or(at)
    ticket = lock_ticket(ticket)
    require_status(ticket, Status.CLOSED, action="归档")
    ticket.archived_at = at
    record(
        ticket,
        actor=actor,
        action=EventAction.ARCHIVED,
        at=at,
        to_status=Status.ARCHIVED,
        update_fields=("archived_at",),
    )
    return ticket


def closed_has_callback_or_exemption(ticket: Ticket) -> bool:
    """The invariant a closed ticket keeps; used by tests and the consistency check."""
    if ticket.status not in (Status.CLOSED, Status.ARCHIVED):
        return True
    return bool(ticket.callback_exemption) or ticket.callbacks.filter(valid=True).exists()


# --- 并单的诉求人: the callback reaches each requester of merged duplicates -------------------------

MERGED_CALLBACK_EACH, MERGED_CALLBACK_MASTER = "each", "master"
# How long after the master closes its queue entry waits for the duplicates' requesters: the desk
# works the queue daily, and older masters (e.g. imported history) must not flood it.
MERGED_CALLBACK_DAYS = 3


def merged_callback_policy() -> str:
    """Who is called after a merged ticket is answered: each requester (default) or the master's only."""
    value = getattr(settings, "CIVICGRID_MERGED_CALLBACK", MERGED_CALLBACK_EACH)
    return MERGED_CALLBACK_MASTER if value == MERGED_CALLBACK_MASTER else MERGED_CALLBACK_EACH


def _attempt_limit(master: Ticket) -> int:
    lead = _lead(master) or master.assignments.filter(role=Assignment.Role.LEAD).order_by("-round").first()
    return lead.policy.max_callback_attempts if lead is not None and lead.policy_id else 3


def merged_requester_done(duplicate: Ticket, *, limit: int) -> bool:
    """A duplicate's requester needs no (further) call: she answered a call, her own online rating
    counts (given in the window, not unhappy), or the attempts allowed were all unreached."""
    if duplicate.callbacks.filter(reached=True).exists():
        return True
    if duplicate.callbacks.filter(reached=False).count() >= limit:
        return True
    rating = duplicate.resident_rating if _has_rating(duplicate) else None
    master = duplicate.merged_into
    return bool(
        rating is not None
        and online_rating_counts()
        and not is_unhappy(solved=rating.solved, satisfaction=rating.satisfaction)
        and (master.callback_due_at is None or rating.at <= master.callback_due_at)
    )


def _has_rating(ticket: Ticket) -> bool:
    try:
        ticket.resident_rating  # noqa: B018 - the reverse relation raises when there is none
    except ObjectDoesNotExist:
        return False
    return True


def merged_requesters_owed(master: Ticket) -> list[Ticket]:
    """The merged duplicates whose requesters still wait for the callback (empty under "master")."""
    if merged_callback_policy() != MERGED_CALLBACK_EACH:
        return []
    limit = _attempt_limit(master)
    duplicates = Ticket.objects.filter(merged_into=master, status=Status.MERGED).select_related("merged_into")
    return [d for d in duplicates.order_by("received_at", "id") if not merged_requester_done(d, limit=limit)]


def closed_masters_owing_callbacks(*, now: datetime) -> list[int]:
    """Closed tickets that stay in the callback queue: some merged requester is still owed a call."""
    if merged_callback_policy() != MERGED_CALLBACK_EACH:
        return []
    candidates = Ticket.objects.filter(
        status=Status.CLOSED,
        closed_at__gte=now - timedelta(days=MERGED_CALLBACK_DAYS),
        callback_due_at__isnull=False,
        merged_children__status=Status.MERGED,
        is_historical=False,
    ).distinct()
    return [m.pk for m in candidates if merged_requesters_owed(m)]


@transaction.atomic
def callback_record_merged(
    *,
    ticket: Ticket,
    actor,
    reached: bool,
    contacted: bool | None = None,
    solved: str = "",
    satisfaction: str = "",
    valid: bool = True,
    invalid_reason: str = "",
    notes: str = "",
    at: datetime | None = None,
) -> Callback:
    """回访 of a merged duplicate's requester, made from the master's callback page and recorded on the
    duplicate. The master's outcome (close or 重办) and the three rates stay with the master's callback:
    the duplicate is never rated, so she is not counted twice; the agent reads an unhappy answer on the
    master's page, where every requester's callback is listed."""
    require_role(actor, Role.CALLBACK_AGENT, Role.ADMINISTRATOR, action="回访")
    at = now_or(at)
    ticket = lock_ticket(ticket)
    if ticket.status != Status.MERGED or ticket.merged_into_id is None:
        raise TicketError(f"工单 {ticket.number} 不是并入其他工单的诉求，请在本单回访")
    if merged_callback_policy() != MERGED_CALLBACK_EACH:
        raise TicketError("按本中心规定，并单只回访主单诉求人")
    master = ticket.merged_into
    if master.status not in (Status.PENDING_CALLBACK, Status.CLOSED) or master.callback_due_at is None:
        raise TicketError(f"主单 {master.number} 尚未答复审核通过，暂不能回访")
    if merged_requester_done(ticket, limit=_attempt_limit(master)):
        raise TicketError(f"工单 {ticket.number} 的诉求人已回访（或已网上评价），无需再次回访")
    if reached and valid:
        errors = {}
        if contacted is None:
            errors["contacted"] = "请记录承办单位是否联系过诉求人"
        if solved not in Solved.values:
            errors["solved"] = "请记录是否解决"
        if satisfaction not in Satisfaction.values:
            errors["satisfaction"] = "请记录满意度"
        if errors:
            raise ValidationError(errors)
    if reached and not valid and not invalid_reason.strip():
        raise ValidationError({"invalid_reason": "请说明回访无效的原因（如拒绝评价）"})
    callback = Callback.objects.create(
        ticket=ticket,
        at=at,
        by=actor,
        reached=reached,
        contacted=contacted if reached else None,
        solved=solved if reached else "",
        satisfaction=satisfaction if reached else "",
        valid=reached and valid,
        invalid_reason="未接通" if not reached else invalid_reason.strip(),
        notes=notes.strip(),
    )
    if not reached:
        note = f"并单诉求人回访未接通（第 {ticket.callbacks.filter(reached=False).count()} 次）"
    elif not callback.valid:
        note = f"并单诉求人回访无效：{callback.invalid_reason}"
    else:
        note = f"并单诉求人已回访：{Solved(solved).label}，{Satisfaction(satisfaction).label}"
    record(
        ticket,
        actor=actor,
        action=EventAction.CALLBACK_RECORDED if reached else EventAction.CALLBACK_UNREACHED,
        at=at,
        note=(f"{note}（{notes.strip()}）" if notes.strip() else note),
        callback=callback.pk,
        master=master.number,
        valid=callback.valid,
        solved=callback.solved,
        satisfaction=callback.satisfaction,
    )
    return callback
