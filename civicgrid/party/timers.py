"""The party register's timers, run by the worker every pass (`scan_party`), like the deadline scan.

Each reminder goes out exactly once for what it is about:
- a term due within N months (TermRule.reminder_months, 6): once per term and due date (CommitteeTerm.
  reminder_sent_at; an approved extension clears it, so the new date gets its own reminder);
- a term overdue: once per term and due date (CommitteeTerm.overdue_flagged_at, also cleared by an extension);
- probation ending (MemberRule.probation_notice_days before 1 year from joining, or the extension's date);
- lost contact past 6 months (停止党籍 due) and past 2 years (除名 due), to the 组织部;
- a relation transfer overdue; a temporary organisation past its end date.

Terms are claimed by a conditional UPDATE of their marker; the other reminders by an audit row written under
a row lock of the member, transfer or organisation (the marker is the audit row: action, target and the date it
is for), so repeated passes and concurrent workers send each reminder once. Each reminder writes one audit
row and one in-app notification per recipient: the secretaries (members holding a current 书记/副书记 post
who have an account) and the 组织部 staff of the organisation's area.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.core.models import AuditEvent
from civicgrid.notify.services import notify
from civicgrid.party.models import (
    CommitteeTerm,
    MemberRule,
    PartyMember,
    PartyOrg,
    Post,
    RelationTransfer,
    TermRule,
    add_months,
)
from civicgrid.registry.models import AdminArea, Role, Staff

KIND_TERM_DUE = "party_term_due"
KIND_TERM_OVERDUE = "party_term_overdue"
KIND_PROBATION_DUE = "party_probation_due"
KIND_LOST_CONTACT = "party_lost_contact"
KIND_TRANSFER_OVERDUE = "party_transfer_overdue"
KIND_TEMPORARY_EXPIRED = "party_temporary_expired"

ACTION_TERM_DUE = "party.timer_term_due"
ACTION_TERM_OVERDUE = "party.timer_term_overdue"
ACTION_PROBATION_DUE = "party.timer_probation_due"
ACTION_LOST_CONTACT = "party.timer_lost_contact"
ACTION_TRANSFER_OVERDUE = "party.timer_transfer_overdue"
ACTION_TEMPORARY_EXPIRED = "party.timer_temporary_expired"

# The longest reminder window a TermRule may configure that the scan looks ahead for (rules say 6 months).
TERM_LOOKAHEAD_MONTHS = 24


@dataclass
class PartyScanResult:
    term_reminders: int = 0
    term_overdue: int = 0
    probation: int = 0
    lost_contact: int = 0
    transfers: int = 0
    temporary: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @property
    def total(self) -> int:
        return sum(asdict(self).values())


class _Recipients:
    """Who hears about an organisation: its secretaries with an account, and the 组织部 staff of its area."""

    def __init__(self, day: date):
        self.day = day
        self._secretaries: dict[int, set[int]] | None = None
        self._staff_areas: list[tuple[int, set[int]]] | None = None
        self._area_parent = dict(AdminArea.objects.values_list("pk", "parent_id"))

    def _load_secretaries(self) -> dict[int, set[int]]:
        day = self.day
        posts = Post.objects.filter(
            post__in=Post.LEADING,
            term__is_current=True,
            member__status=PartyMember.Status.ACTIVE,
            member__user__isnull=False,
            member__user__is_active=True,
        ).filter(
            Q(from_date__isnull=True) | Q(from_date__lte=day), Q(to_date__isnull=True) | Q(to_date__gte=day)
        )
        found = defaultdict(set)
        for org_id, user_id in posts.values_list("term__org_id", "member__user_id"):
            found[org_id].add(user_id)
        return found

    def _load_staff(self) -> list[tuple[int, set[int]]]:
        """(user id, the area ids of the units the person belongs to) for every active 组织部 staff member."""
        rows = (
            Staff.objects.filter(roles__code=Role.ORGANISATION_STAFF, user__is_active=True)
            .values_list("user_id", "units__area_id")
            .distinct()
        )
        areas = defaultdict(set)
        for user_id, area_id in rows:
            if area_id is not None:
                areas[user_id].add(area_id)
        return sorted(areas.items())

    def secretaries(self, org_id: int) -> set[int]:
        if self._secretaries is None:
            self._secretaries = self._load_secretaries()
        return self._secretaries.get(org_id, set())

    def org_staff(self, area_id: int | None) -> set[int]:
        """Staff whose units sit in this area or any area above it (a city's 组织部 hears about its towns)."""
        if self._staff_areas is None:
            self._staff_areas = self._load_staff()
        chain, node = set(), area_id
        while node is not None and node not in chain:
            chain.add(node)
            node = self._area_parent.get(node)
        return {user_id for user_id, areas in self._staff_areas if areas & chain}

    def for_org(self, org: PartyOrg, *, secretaries: bool = True) -> set[int]:
        users = self.org_staff(org.area_id)
        if secretaries:
            users |= self.secretaries(org.pk)
            # A secretary of the organisation above manages this one too (scope is the subtree).
            for ancestor in org.ancestor_ids()[:-1][-1:]:
                users |= self.secretaries(ancestor)
        return users


def _send(users: set[int], kind: str, title: str, body: str, at: datetime) -> None:
    if users:
        active = get_user_model().objects.filter(pk__in=users, is_active=True).values_list("pk", flat=True)
        notify(recipients=sorted(active), kind=kind, title=title, body=body, at=at)


def _already(action: str, model, key: str) -> set[tuple[str, str]]:
    """(target id, key value) of the reminders of this action already written: the markers."""
    rows = AuditEvent.objects.filter(action=action, target_type=model._meta.label_lower).values_list(
        "target_id", "payload"
    )
    return {(target_id, str((payload or {}).get(key, ""))) for target_id, payload in rows}


def _claim(model, pk: int, action: str, key: str, value: str):
    """The row, locked, if this reminder (action, row, key value) has not been written yet; else None.

    Call inside transaction.atomic(): the lock holds until the audit row (the marker) is committed, so a
    concurrent worker waiting for the lock finds the marker when it gets it."""
    row = model.objects.select_for_update().filter(pk=pk).first()
    if row is None:
        return None
    written = AuditEvent.objects.filter(
        action=action, target_type=model._meta.label_lower, target_id=str(pk)
    ).values_list("payload", flat=True)
    if any(str((payload or {}).get(key, "")) == value for payload in written):
        return None
    return row


def _not_dissolved(prefix: str, day: date) -> Q:
    return Q(**{f"{prefix}dissolved_on__isnull": True}) | Q(**{f"{prefix}dissolved_on__gt": day})


# ------------------------------------------------------------------------------------------------------- terms


def _scan_terms(day: date, now: datetime, recipients: _Recipients, result: PartyScanResult) -> None:
    current = (
        CommitteeTerm.objects.filter(is_current=True)
        .filter(_not_dissolved("org__", day))
        .annotate(due=Coalesce(F("extended_to"), F("due_on")))
    )
    soon = current.filter(
        reminder_sent_at__isnull=True, due__gte=day, due__lte=add_months(day, TERM_LOOKAHEAD_MONTHS)
    )
    for term in soon.select_related("org").order_by("due", "pk"):
        months = TermRule.for_org(term.org, day).reminder_months
        if not term.is_due_within(day, months):
            continue
        with transaction.atomic():
            claimed = CommitteeTerm.objects.filter(pk=term.pk, reminder_sent_at__isnull=True).update(
                reminder_sent_at=now
            )
            if not claimed:
                continue
            due = term.effective_due_on
            extended = "（已延期）" if term.extended_to else ""
            title = f"「{term.org.name}」第{term.number}届委员会将于 {due:%Y-%m-%d} 到期换届"
            body = f"{title}{extended}，请提前 {months} 个月做好换届准备，按期召开党员大会进行选举。"
            record_event(
                actor=SYSTEM, action=ACTION_TERM_DUE, target=term, summary=title, due_on=due.isoformat()
            )
            _send(recipients.for_org(term.org), KIND_TERM_DUE, title, body, now)
            result.term_reminders += 1

    overdue = current.filter(overdue_flagged_at__isnull=True, due__lt=day)
    for term in overdue.select_related("org").order_by("due", "pk"):
        with transaction.atomic():
            claimed = CommitteeTerm.objects.filter(pk=term.pk, overdue_flagged_at__isnull=True).update(
                overdue_flagged_at=now
            )
            if not claimed:
                continue
            due = term.effective_due_on
            extended = "（已延期）" if term.extended_to else ""
            title = f"「{term.org.name}」第{term.number}届委员会逾期未换届"
            body = f"应于 {due:%Y-%m-%d} 换届{extended}，已逾期，请尽快组织换届选举或报上级党组织批准延期。"
            record_event(
                actor=SYSTEM, action=ACTION_TERM_OVERDUE, target=term, summary=title, due_on=due.isoformat()
            )
            _send(recipients.for_org(term.org), KIND_TERM_OVERDUE, title, body, now)
            result.term_overdue += 1


# ----------------------------------------------------------------------------------------------------- members


def _scan_probation(day, now, rule: MemberRule, recipients: _Recipients, result: PartyScanResult) -> None:
    """Probation ending within the notice days (or already past): once per member and due date."""
    # With slack for month-end clamping; probation_due_on decides.
    latest_join = add_months(day + timedelta(days=rule.probation_notice_days + 3), -rule.probation_months)
    candidates = (
        PartyMember.objects.filter(
            status=PartyMember.Status.ACTIVE, category=PartyMember.Category.PROBATIONARY
        )
        .filter(Q(probation_extended_to__isnull=False) | Q(joined_on__lte=latest_join))
        .filter(Q(org__isnull=True) | _not_dissolved("org__", day))
        .select_related("org")
    )
    done = _already(ACTION_PROBATION_DUE, PartyMember, "due_on")
    for member in candidates.order_by("pk"):
        due = member.probation_due_on()
        if due is None or due > day + timedelta(days=rule.probation_notice_days):
            continue
        if (str(member.pk), due.isoformat()) in done:
            continue
        with transaction.atomic():
            if _claim(PartyMember, member.pk, ACTION_PROBATION_DUE, "due_on", due.isoformat()) is None:
                continue
            past = due < day
            where = f"（{member.org.name}）" if member.org_id else ""
            title = (
                f"预备党员{member.masked_name}{where}的预备期{'已于' if past else '将于'} {due:%Y-%m-%d} 期满"
            )
            body = f"{title}，请及时讨论其转正（或延长预备期、取消预备党员资格）。"
            record_event(
                actor=SYSTEM,
                action=ACTION_PROBATION_DUE,
                target=member,
                summary=title,
                due_on=due.isoformat(),
            )
            users = recipients.for_org(member.org) if member.org_id else set()
            _send(users, KIND_PROBATION_DUE, title, body, now)
            result.probation += 1


def _scan_lost_contact(day, now, rule: MemberRule, recipients: _Recipients, result: PartyScanResult) -> None:
    """Lost contact past 6 months (停止党籍 due) and past 2 years (除名 due): once per member, stage and date."""
    candidates = (
        PartyMember.objects.filter(
            status=PartyMember.Status.ACTIVE,
            lost_contact=True,
            # A few days' slack for month-end clamping (2024-12-31 + 6 months is 2025-06-30); the stage decides.
            lost_since__lte=add_months(day, -rule.lost_contact_suspend_months) + timedelta(days=3),
        )
        .filter(Q(org__isnull=True) | _not_dissolved("org__", day))
        .select_related("org", "residence_grid")
    )
    done = _already(ACTION_LOST_CONTACT, PartyMember, "marker")
    stages = {
        PartyMember.LostStage.SUSPEND: f"失联已满 {rule.lost_contact_suspend_months} 个月，应停止党籍",
        PartyMember.LostStage.REMOVE: f"失联已满 {rule.lost_contact_remove_months // 12} 年，应予除名",
    }
    for member in candidates.order_by("pk"):
        stage = member.lost_contact_stage(day, rule)
        if stage not in stages:
            continue
        marker = f"{stage}:{member.lost_since.isoformat()}"
        if (str(member.pk), marker) in done:
            continue
        with transaction.atomic():
            if _claim(PartyMember, member.pk, ACTION_LOST_CONTACT, "marker", marker) is None:
                continue
            where = f"（{member.org.name}）" if member.org_id else ""
            title = f"党员{member.masked_name}{where}{stages[stage]}"
            body = f"自 {member.lost_since:%Y-%m-%d} 失去联系，{stages[stage]}，请核实并按规定处置。"
            record_event(
                actor=SYSTEM,
                action=ACTION_LOST_CONTACT,
                target=member,
                summary=title,
                marker=marker,
                stage=stage,
            )
            if member.org_id:
                users = recipients.for_org(member.org, secretaries=False)
            else:
                area = member.residence_grid.community_id if member.residence_grid_id else None
                users = recipients.org_staff(area)
            _send(users, KIND_LOST_CONTACT, title, body, now)
            result.lost_contact += 1


# ------------------------------------------------------------------------------------ transfers, temporary orgs


def _scan_transfers(day, now, recipients: _Recipients, result: PartyScanResult) -> None:
    candidates = RelationTransfer.objects.filter(
        state=RelationTransfer.State.SENT, due_on__lt=day
    ).select_related("member", "from_org", "to_org")
    done = _already(ACTION_TRANSFER_OVERDUE, RelationTransfer, "due_on")
    for transfer in candidates.order_by("due_on", "pk"):
        if (str(transfer.pk), transfer.due_on.isoformat()) in done:
            continue
        with transaction.atomic():
            locked = _claim(
                RelationTransfer, transfer.pk, ACTION_TRANSFER_OVERDUE, "due_on", transfer.due_on.isoformat()
            )
            if locked is None or locked.state != RelationTransfer.State.SENT:
                continue
            title = f"{transfer.member.masked_name}的组织关系介绍信逾期未接收"
            body = (
                f"{transfer.sent_on:%Y-%m-%d} 开具（{transfer.from_display or '—'} → {transfer.to_display or '—'}），"
                f"应于 {transfer.due_on:%Y-%m-%d} 前接收，已逾期，请联系接收方或党员本人。"
            )
            record_event(
                actor=SYSTEM,
                action=ACTION_TRANSFER_OVERDUE,
                target=transfer,
                summary=title,
                due_on=transfer.due_on.isoformat(),
            )
            users = set()
            for org in (transfer.from_org, transfer.to_org):
                if org is not None and org.is_active_at(day):
                    users |= recipients.for_org(org)
            _send(users, KIND_TRANSFER_OVERDUE, title, body, now)
            result.transfers += 1


def _scan_temporary(day, now, recipients: _Recipients, result: PartyScanResult) -> None:
    candidates = PartyOrg.objects.filter(is_temporary=True, end_date__lt=day, dissolved_on__isnull=True)
    done = _already(ACTION_TEMPORARY_EXPIRED, PartyOrg, "end_date")
    for org in candidates.order_by("end_date", "pk"):
        if (str(org.pk), org.end_date.isoformat()) in done:
            continue
        with transaction.atomic():
            locked = _claim(PartyOrg, org.pk, ACTION_TEMPORARY_EXPIRED, "end_date", org.end_date.isoformat())
            if locked is None or locked.dissolved_on is not None:
                continue
            title = f"临时党组织「{org.name}」已过结束日期"
            body = f"结束日期为 {org.end_date:%Y-%m-%d}，任务完成后应及时撤销，请批准组织核实处理。"
            record_event(
                actor=SYSTEM,
                action=ACTION_TEMPORARY_EXPIRED,
                target=org,
                summary=title,
                end_date=org.end_date.isoformat(),
            )
            users = recipients.for_org(org)
            if org.approved_by_id:
                users |= recipients.secretaries(org.approved_by_id)
            _send(users, KIND_TEMPORARY_EXPIRED, title, body, now)
            result.temporary += 1


def scan_party(now: datetime | None = None) -> PartyScanResult:
    """One pass of the party timers at `now` (default: the current time); returns how many reminders went out."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    result = PartyScanResult()
    recipients = _Recipients(day)
    rule = MemberRule.at(day)
    _scan_terms(day, now, recipients, result)
    _scan_probation(day, now, rule, recipients, result)
    _scan_lost_contact(day, now, rule, recipients, result)
    _scan_transfers(day, now, recipients, result)
    _scan_temporary(day, now, recipients, result)
    return result


__all__ = ["PartyScanResult", "scan_party"]
