"""Warnings over the register (the rules say "warn", not "block"), as data for pages, the worker and stats.

One module computes them all: per organisation (`warnings_for_orgs`, a few queries for any number of
organisations; `org_warnings` for one) and per member (`member_warnings`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q

from civicgrid.party.models import (
    CommitteeTerm,
    MemberRule,
    PartyMember,
    PartyOrg,
    RelationTransfer,
    TermRule,
)

INFO, WARNING, DANGER = "info", "warning", "danger"


@dataclass(frozen=True)
class PartyWarning:
    code: str
    text: str
    level: str  # INFO, WARNING (amber) or DANGER (red)
    org_id: int | None = None
    member_id: int | None = None
    term_id: int | None = None
    transfer_id: int | None = None


# Codes (stable: pages, stats and the worker filter on them).
BRANCH_TOO_BIG = "branch_too_big"
NO_COMMITTEE = "no_committee"
TEMPORARY_EXPIRED = "temporary_expired"
TEMPORARY_INCOMPLETE = "temporary_incomplete"
MEMBER_IN_TEMPORARY = "member_in_temporary"
TERM_DUE_SOON = "term_due_soon"
TERM_OVERDUE = "term_overdue"
PROBATION_DUE = "probation_due"
LOST_SUSPEND = "lost_contact_suspend"
LOST_REMOVE = "lost_contact_remove"
TRANSFER_OVERDUE = "transfer_overdue"

LABELS = {
    BRANCH_TOO_BIG: "党支部党员超过上限",
    NO_COMMITTEE: "应设支部委员会而未设",
    TEMPORARY_EXPIRED: "临时党组织已过结束日期",
    TEMPORARY_INCOMPLETE: "临时党组织信息不全",
    MEMBER_IN_TEMPORARY: "党员组织关系在临时党组织",
    TERM_DUE_SOON: "即将到期换届",
    TERM_OVERDUE: "逾期未换届",
    PROBATION_DUE: "预备期即将期满",
    LOST_SUSPEND: "失联满6个月，应停止党籍",
    LOST_REMOVE: "失联满2年，应予除名",
    TRANSFER_OVERDUE: "组织关系转接逾期",
}


def _term_warnings(term: CommitteeTerm, org: PartyOrg, day: date) -> list[PartyWarning]:
    due = term.effective_due_on
    if term.is_overdue(day):
        extended = "（已延期）" if term.extended_to else ""
        return [
            PartyWarning(
                TERM_OVERDUE,
                f"第{term.number}届委员会应于 {due:%Y-%m-%d} 换届{extended}，已逾期",
                DANGER,
                org_id=org.pk,
                term_id=term.pk,
            )
        ]
    months = TermRule.for_org(org, day).reminder_months
    if term.is_due_within(day, months):
        return [
            PartyWarning(
                TERM_DUE_SOON,
                f"第{term.number}届委员会将于 {due:%Y-%m-%d} 到期，请做好换届准备",
                WARNING,
                org_id=org.pk,
                term_id=term.pk,
            )
        ]
    return []


def member_warnings(member: PartyMember, day: date, rule: MemberRule | None = None) -> list[PartyWarning]:
    """Probation ending (or past due), lost-contact stages, and being placed in a temporary organisation."""
    rule = rule or MemberRule.at(day)
    found = []
    if member.status != PartyMember.Status.ACTIVE:
        return found
    due = member.probation_due_on(rule)
    if due is not None and due <= day + timedelta(days=rule.probation_notice_days):
        text = f"预备期{'已于' if due < day else '将于'} {due:%Y-%m-%d} 期满，请及时讨论转正"
        found.append(PartyWarning(PROBATION_DUE, text, DANGER if due < day else WARNING, member_id=member.pk))
    stage = member.lost_contact_stage(day, rule)
    if stage == PartyMember.LostStage.REMOVE:
        found.append(
            PartyWarning(
                LOST_REMOVE, f"自 {member.lost_since:%Y-%m-%d} 失联已满 2 年", DANGER, member_id=member.pk
            )
        )
    elif stage == PartyMember.LostStage.SUSPEND:
        found.append(
            PartyWarning(
                LOST_SUSPEND, f"自 {member.lost_since:%Y-%m-%d} 失联已满 6 个月", WARNING, member_id=member.pk
            )
        )
    if member.org_id and member.org.is_temporary:
        found.append(
            PartyWarning(
                MEMBER_IN_TEMPORARY,
                f"组织关系登记在临时党组织「{member.org.name}」，应留在原党组织",
                WARNING,
                org_id=member.org_id,
                member_id=member.pk,
            )
        )
    return found


def warnings_for_orgs(orgs, day: date, *, with_members: bool = True) -> dict[int, list[PartyWarning]]:
    """Each organisation's warnings on `day` (organisations given as a queryset, rows or ids).

    Organisation warnings: branch over the member limit, ≥ 7 full members without a current committee,
    temporary past its end date or without task / approver / end date, members in a temporary organisation,
    term due soon or overdue, relation transfers overdue (sent from or into it). With `with_members`, each
    member's own warnings (probation, lost contact) are listed under the organisation too.
    """
    rule = MemberRule.at(day)
    if hasattr(orgs, "values_list"):
        orgs = list(orgs)
    org_list = [o if isinstance(o, PartyOrg) else None for o in orgs]
    if any(o is None for o in org_list):
        org_list = list(PartyOrg.objects.filter(pk__in=[getattr(o, "pk", o) for o in orgs]))
    by_pk = {o.pk: o for o in org_list}
    result: dict[int, list[PartyWarning]] = {pk: [] for pk in by_pk}
    if not by_pk:
        return result
    active = PartyMember.Status.ACTIVE
    counts = {
        row["org_id"]: row
        for row in PartyMember.objects.filter(org_id__in=by_pk, status=active)
        .values("org_id")
        .annotate(total=Count("pk"), full=Count("pk", filter=Q(category=PartyMember.Category.FULL)))
    }
    terms = {t.org_id: t for t in CommitteeTerm.objects.filter(org_id__in=by_pk, is_current=True)}
    for pk, org in by_pk.items():
        found = result[pk]
        total = counts.get(pk, {}).get("total", 0)
        full = counts.get(pk, {}).get("full", 0)
        if org.kind == PartyOrg.Kind.BRANCH and total > rule.branch_max_members:
            found.append(
                PartyWarning(
                    BRANCH_TOO_BIG,
                    f"党支部有 {total} 名党员，超过 {rule.branch_max_members} 名，可考虑设立党总支或分设党支部",
                    WARNING,
                    org_id=pk,
                )
            )
        if not org.is_temporary and full >= rule.committee_threshold and pk not in terms:
            found.append(
                PartyWarning(
                    NO_COMMITTEE,
                    f"有 {full} 名正式党员（{rule.committee_threshold} 名以上），应设立委员会",
                    WARNING,
                    org_id=pk,
                )
            )
        if org.is_temporary:
            if org.end_date and org.end_date < day and not org.dissolved_on:
                found.append(
                    PartyWarning(
                        TEMPORARY_EXPIRED,
                        f"临时党组织的结束日期 {org.end_date:%Y-%m-%d} 已过，请及时撤销",
                        DANGER,
                        org_id=pk,
                    )
                )
            missing = [
                label
                for value, label in (
                    (org.temp_task, "临时任务"),
                    (org.approved_by_id, "批准组织"),
                    (org.end_date, "结束日期"),
                )
                if not value
            ]
            if missing:
                found.append(
                    PartyWarning(
                        TEMPORARY_INCOMPLETE, f"临时党组织未登记{'、'.join(missing)}", INFO, org_id=pk
                    )
                )
            if total:
                found.append(
                    PartyWarning(
                        MEMBER_IN_TEMPORARY,
                        f"有 {total} 名党员的组织关系登记在本临时党组织，应留在原党组织",
                        WARNING,
                        org_id=pk,
                    )
                )
        if pk in terms:
            found += _term_warnings(terms[pk], org, day)
    overdue = RelationTransfer.objects.filter(state=RelationTransfer.State.SENT, due_on__lt=day).filter(
        Q(from_org_id__in=by_pk) | Q(to_org_id__in=by_pk)
    )
    for transfer in overdue.select_related("member"):
        text = f"{transfer.member.masked_name}的组织关系介绍信（{transfer.sent_on:%Y-%m-%d} 开具）逾期未接收"
        for pk in {transfer.from_org_id, transfer.to_org_id} & set(by_pk):
            result[pk].append(
                PartyWarning(TRANSFER_OVERDUE, text, WARNING, org_id=pk, transfer_id=transfer.pk)
            )
    if with_members:
        suspect = PartyMember.objects.filter(org_id__in=by_pk, status=active).filter(
            Q(category=PartyMember.Category.PROBATIONARY) | Q(lost_contact=True)
        )
        per_org = defaultdict(list)
        for member in suspect.select_related("org"):
            for warning in member_warnings(member, day, rule):
                if warning.code != MEMBER_IN_TEMPORARY:  # counted once for the organisation above
                    per_org[member.org_id].append(warning)
        for pk, items in per_org.items():
            result[pk] += items
    return result


def org_warnings(org: PartyOrg, day: date, *, with_members: bool = True) -> list[PartyWarning]:
    return warnings_for_orgs([org], day, with_members=with_members)[org.pk]
