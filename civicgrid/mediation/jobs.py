"""Mediation's share of the worker's pass (registered with core.periodic in apps.py), each reminder sent once:
a case past its time limit, an agreement whose 30-day window for judicial confirmation is about to close, an agreement
due for its follow-up visit; and the retention sweep that marks case files kept past the configured period.

Retention: `mark_expired` only marks (the worker runs it); `anonymise` (the command `civicgrid mediation retention
--apply --yes`) replaces the parties' names with 「当事人一」..., empties their phones, ID numbers and addresses,
replaces session notes and the facts with a note, and stamps the case. The case row, its number, committee, type,
source, dates and states stay, so the yearly figures do not change.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.mediation import rules
from civicgrid.mediation.models import Agreement, Case, MediationRule, Session
from civicgrid.mediation.selectors import alert_recipients
from civicgrid.notify.services import notify

S = Case.State
PURGED = "（已过卷宗保存期限，内容已删除）"


def _today(now: datetime):
    return timezone.localtime(now).date()


def alert_overdue(now: datetime) -> int:
    today = _today(now)
    done = 0
    due = Case.objects.filter(
        state__in=(S.ACCEPTED, S.MEDIATING), deadline__lt=today, overdue_alerted_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            case = Case.objects.select_for_update().select_related("committee__area").get(pk=pk)
            if case.overdue_alerted_at is not None or not case.is_overdue(today):
                continue  # another worker got there first, or the case moved on
            case.overdue_alerted_at = now
            case.save(update_fields=["overdue_alerted_at"])
            notify(
                recipients=alert_recipients(case.committee),
                kind="mediation_overdue",
                title=f"调解超期：{case.number}（{case.committee.name}）",
                body=f"{case.title}，调解期限{case.deadline:%Y年%m月%d日}已过。请尽快调结，或经当事人同意延长期限。",
                at=now,
            )
            record_event(
                actor=SYSTEM, action="mediation.overdue", target=case, summary=f"{case.number} 调解超期"
            )
            done += 1
    return done


def remind_judicial(now: datetime) -> int:
    """Before the window closes (reminder_lead_days ahead, by the rule in force when signed): once per agreement."""
    today = _today(now)
    done = 0
    candidates = Agreement.objects.filter(
        is_void=False,
        judicial_applied_on__isnull=True,
        judicial_reminded_at__isnull=True,
        judicial_due_on__gte=today,
        case__state__in=(S.AGREEMENT, S.PERFORMING, S.FOLLOWED_UP, S.CLOSED),
    ).values_list("pk", flat=True)
    for pk in list(candidates):
        with transaction.atomic():
            agreement = (
                Agreement.objects.select_for_update().select_related("case__committee__area").get(pk=pk)
            )
            lead = rules.rule_on(agreement.signed_on).reminder_lead_days
            if agreement.judicial_reminded_at is not None or today < agreement.judicial_due_on - timedelta(
                days=lead
            ):
                continue
            agreement.judicial_reminded_at = now
            agreement.save(update_fields=["judicial_reminded_at"])
            case = agreement.case
            notify(
                recipients=alert_recipients(case.committee),
                kind="mediation_judicial",
                title=f"司法确认申请即将到期：{case.number}",
                body=(
                    f"调解协议于{agreement.signed_on:%Y年%m月%d日}签订，双方当事人可于{agreement.judicial_due_on:%Y年%m月%d日}"
                    "前共同向人民法院申请司法确认，请提醒当事人。"
                ),
                at=now,
            )
            record_event(
                actor=SYSTEM,
                action="mediation.judicial_remind",
                target=case,
                summary=f"{case.number} 司法确认提醒",
            )
            done += 1
    return done


def remind_follow_up(now: datetime) -> int:
    """An agreement whose performance deadline has passed and that nobody has visited yet: once per case."""
    today = _today(now)
    done = 0
    due = Case.objects.filter(
        state__in=(S.AGREEMENT, S.PERFORMING),
        followup_alerted_at__isnull=True,
        agreements__is_void=False,
        agreements__performance_deadline__lt=today,
    ).values_list("pk", flat=True)
    for pk in list(set(due)):
        with transaction.atomic():
            case = Case.objects.select_for_update().select_related("committee__area").get(pk=pk)
            if case.followup_alerted_at is not None or case.state not in (S.AGREEMENT, S.PERFORMING):
                continue
            case.followup_alerted_at = now
            case.save(update_fields=["followup_alerted_at"])
            notify(
                recipients=alert_recipients(case.committee),
                kind="mediation_followup",
                title=f"调解协议待回访：{case.number}",
                body=f"{case.title}，协议履行期限已过，请上门或电话回访履行情况。",
                at=now,
            )
            record_event(
                actor=SYSTEM, action="mediation.followup_remind", target=case, summary=f"{case.number} 待回访"
            )
            done += 1
    return done


def expired_cases(today, *, unmarked_only: bool = False):
    """Finished cases (closed, or declined) whose files are past the retention period of the rule in force when
    they finished, not yet anonymised. Only cases older than the shortest configured period are looked at, so a
    worker pass reads few rows whatever the number of cases."""
    periods = list(MediationRule.objects.filter(is_active=True).values_list("retention_years", flat=True))
    cutoff = rules.add_months(today, -12 * min(periods or [rules.DEFAULT.retention_years]))
    finished = Case.objects.filter(anonymised_at__isnull=True).filter(
        Q(state=S.CLOSED, closed_on__lt=cutoff) | Q(state=S.DECLINED, concluded_on__lt=cutoff)
    )
    if unmarked_only:
        finished = finished.filter(retention_marked_at__isnull=True)
    out, until = [], {}
    for case in finished.only("pk", "number", "state", "closed_on", "concluded_on", "retention_marked_at"):
        end = case.closed_on or case.concluded_on
        if end not in until:
            until[end] = rules.retention_until(end)
        if until[end] < today:
            out.append(case)
    return out


def mark_expired(now: datetime) -> int:
    """The worker's pass: stamp cases that have just passed their retention period (listed on the console)."""
    done = 0
    for case in expired_cases(_today(now), unmarked_only=True):
        with transaction.atomic():
            # Claimed by a conditional update: another worker marking the same case makes this one skip it.
            if not Case.objects.filter(pk=case.pk, retention_marked_at__isnull=True).update(
                retention_marked_at=now
            ):
                continue
            record_event(
                actor=SYSTEM,
                action="mediation.retention_mark",
                target=case,
                summary=f"{case.number} 卷宗保存期满",
            )
            done += 1
    return done


@transaction.atomic
def anonymise(cases, *, actor, now: datetime) -> int:
    done = 0
    for case in cases:
        case = Case.objects.select_for_update().get(pk=case.pk)
        if case.anonymised_at is not None:
            continue
        for i, party in enumerate(case.parties.order_by("pk"), 1):
            party.name, party.phone, party.id_encrypted, party.id_masked, party.address = (
                f"当事人{_ordinal(i)}",
                "",
                "",
                "",
                "",
            )
            party.save(update_fields=["name", "phone", "id_encrypted", "id_masked", "address"])
        Session.objects.filter(case=case).update(notes=PURGED, attendees="")
        case.facts, case.matters, case.applicant_phone = PURGED, "", ""
        case.anonymised_at = now
        case.retention_marked_at = case.retention_marked_at or now
        case.save(
            update_fields=["facts", "matters", "applicant_phone", "anonymised_at", "retention_marked_at"]
        )
        record_event(
            actor=actor, action="mediation.anonymise", target=case, summary=f"{case.number} 卷宗匿名化"
        )
        done += 1
    return done


def _ordinal(i: int) -> str:
    digits = "零一二三四五六七八九十"
    return digits[i] if i <= 10 else str(i)
