"""The worker's share for ledgers (registered in apps.py): one warning per overdue item, to its lead unit."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from civicgrid.ledgers.models import ItemEvent, LedgerItem
from civicgrid.ledgers.progress import overdue_q
from civicgrid.notify.services import notify, recipients_for_unit

KIND = "ledger_overdue"


def warn_overdue(now: datetime) -> int:
    """Warn the lead unit of every item overdue today and not warned yet; each item is marked in the same
    transaction as its notice, and claimed with a conditional update so two workers never both warn."""
    today = timezone.localtime(now).date()
    due = (
        LedgerItem.objects.filter(overdue_q(today), overdue_warned_at__isnull=True, lead_unit__isnull=False)
        .select_related("lead_unit", "campaign")
        .order_by("pk")
    )
    done = 0
    for item in due.iterator(chunk_size=500):
        with transaction.atomic():
            if not LedgerItem.objects.filter(pk=item.pk, overdue_warned_at__isnull=True).update(
                overdue_warned_at=now
            ):
                continue
            notify(
                recipients=recipients_for_unit(item.lead_unit),
                kind=KIND,
                title=f"问题台账事项{item.number}已超过时限",
                body=f"「{item.campaign.name}」事项{item.number}：{item.problem[:60]}，时限{item.deadline:%Y年%m月%d日}，请抓紧推进并及时填报进度。",
                at=now,
            )
            ItemEvent.objects.create(
                item=item,
                action=ItemEvent.Action.OVERDUE_WARN,
                note=f"时限{item.deadline:%Y-%m-%d}，已提醒{item.lead_unit.name}",
                at=now,
            )
            done += 1
    return done
