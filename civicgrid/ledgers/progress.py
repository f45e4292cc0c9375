"""The one place that says what an item's progress is, what overdue means and how a list's progress is averaged.

- An item's progress is the percent of its latest approved report (by decision time, then id); 0 without one.
- An item is overdue on a day when it is still open (not 销号) and its 时限 is before that day; suspension does
  not stop the clock, since the published deadline is what the list is judged against.
- A list's progress is the mean of its items' progress, as the averaging rule in force says (unweighted by default).
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from civicgrid.ledgers.models import AveragingRule, LedgerItem, ProgressReport

CLOSED = LedgerItem.State.CLOSED
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
PERCENT = DecimalField(max_digits=5, decimal_places=2)


def open_q() -> Q:
    return ~Q(state=CLOSED)


def overdue_q(today: date) -> Q:
    return open_q() & Q(deadline__isnull=False, deadline__lt=today)


def is_overdue(item: LedgerItem, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return item.state != CLOSED and item.deadline is not None and item.deadline < today


def _latest_approved():
    return (
        ProgressReport.objects.filter(item=OuterRef("pk"), status=ProgressReport.Status.APPROVED)
        .order_by("-decided_at", "-pk")
        .values("percent")[:1]
    )


def with_progress(items: QuerySet) -> QuerySet:
    """`items` annotated with `progress` (0-100)."""
    return items.annotate(
        progress=Coalesce(
            Subquery(_latest_approved(), output_field=PERCENT),
            Value(ZERO, output_field=PERCENT),
        )
    )


def item_progress(item: LedgerItem) -> int:
    found = getattr(item, "progress", None)
    if found is not None:
        return found
    return (
        with_progress(LedgerItem.objects.filter(pk=item.pk)).values_list("progress", flat=True).first() or 0
    )


def averaging_mode(day: date | None = None) -> str:
    rule = AveragingRule.objects.effective_at(day or timezone.localdate()).order_by("-effective_from", "-pk")
    return rule.values_list("mode", flat=True).first() or AveragingRule.Mode.MEAN


def two_places(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def mean_progress(items: QuerySet, *, mode: str | None = None, day: date | None = None) -> Decimal:
    """The list's progress over `items`, 0-100 with two decimals; 0 for no items."""
    mode = mode or averaging_mode(day)
    rows = with_progress(items).values_list("progress", "state")
    total, count = ZERO, 0
    for percent, state in rows.iterator(chunk_size=5000):
        total += HUNDRED if (mode == AveragingRule.Mode.CLOSED_FULL and state == CLOSED) else Decimal(percent)
        count += 1
    return two_places(total / count) if count else two_places(0)


def stats(items: QuerySet, today: date | None = None) -> dict:
    """The figures the `ledgers stats` command prints (keys fixed: a check outside the project reads them)."""
    today = today or timezone.localdate()
    mode = averaging_mode(today)
    total = items.count()
    listed = items.filter(on_list=True)
    return {
        "items": total,
        "avg_progress": float(mean_progress(items, mode=mode)),
        "listed_items": listed.count(),
        "listed_avg_progress": float(mean_progress(listed, mode=mode)),
        "closed": items.filter(state=CLOSED).count(),
        "overdue": items.filter(overdue_q(today)).count(),
    }


def percent_text(value) -> str:
    """88.00 → 「88」, 85.45 → 「85.45」 (no % sign)."""
    text = f"{Decimal(value or 0).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
