"""Reads of the ledgers, scoped to the reader (see `ledgers.scope`), and the public board.

Ledger items hold no resident's personal data: the responsible leader is an official named with his post, which
the board publishes (张榜公示). Linked tickets are shown by number and title only, and open only to those the
tickets' own scope lets in.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from civicgrid.ledgers import scope
from civicgrid.ledgers.models import Campaign, ItemTicket, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import averaging_mode, mean_progress, overdue_q, with_progress

S = LedgerItem.State


@dataclass
class ItemFilters:
    q: str = ""
    state: str = ""
    source: str = ""
    on_list: str = ""  # "1" on the 揭榜挂帅 list, "0" not
    overdue: bool = False
    suspended: bool = False
    unit: int | None = None
    batch: int | None = None

    @classmethod
    def from_query(cls, get) -> "ItemFilters":
        def number(name):
            text = (get.get(name) or "").strip()
            return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None

        return cls(
            q=(get.get("q") or "").strip()[:100],
            state=get.get("state", "") if get.get("state", "") in S.values else "",
            source=get.get("source", "") if get.get("source", "") in LedgerItem.Source.values else "",
            on_list=get.get("on_list", "") if get.get("on_list", "") in ("0", "1") else "",
            overdue=get.get("overdue") == "1",
            suspended=get.get("suspended") == "1",
            unit=number("unit"),
            batch=number("batch"),
        )


def apply_filters(items: QuerySet, f: ItemFilters, today: date | None = None) -> QuerySet:
    today = today or timezone.localdate()
    if f.q:
        items = items.filter(
            Q(number__icontains=f.q)
            | Q(problem__icontains=f.q)
            | Q(responsible_leader__icontains=f.q)
            | Q(lead_unit__name__icontains=f.q)
        )
    if f.state:
        items = items.filter(state=f.state)
    if f.source:
        items = items.filter(source=f.source)
    if f.on_list:
        items = items.filter(on_list=f.on_list == "1")
    if f.overdue:
        items = items.filter(overdue_q(today))
    if f.suspended:
        items = items.filter(suspended=True)
    if f.unit:
        items = items.filter(scope.unit_items_q({f.unit}))
    if f.batch:
        items = items.filter(batch=f.batch)
    return items


def items_for(user, campaign: Campaign | None = None, filters: ItemFilters | None = None) -> QuerySet:
    """The items `user` may read, with progress, newest batch first."""
    items = scope.visible_items(user)
    if campaign is not None:
        items = items.filter(campaign=campaign)
    if filters is not None:
        items = apply_filters(items, filters)
    return with_progress(items.select_related("campaign", "lead_unit")).order_by(
        "campaign", "batch", "number"
    )


def my_items(user, filters: ItemFilters | None = None) -> QuerySet:
    """我的台账: items the units `user` acts for lead or co-lead."""
    units = scope.unit_ids(user)
    items = LedgerItem.objects.filter(scope.unit_items_q(units)) if units else LedgerItem.objects.none()
    if filters is not None:
        items = apply_filters(items, filters)
    return with_progress(items.select_related("campaign", "lead_unit")).order_by("-campaign__year", "number")


def pending_reports(user) -> QuerySet:
    """Progress reports waiting for `user`'s decision (the campaigns he manages)."""
    return (
        ProgressReport.objects.filter(
            status=ProgressReport.Status.SUBMITTED,
            item__campaign__in=scope.managed_campaigns(user).values("pk"),
        )
        .select_related("item__campaign", "item__lead_unit", "submitted_by__staff")
        .order_by("submitted_at", "pk")
    )


def report_for(user, pk: int) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(pk=pk, item__in=scope.visible_items(user).values("pk"))
        .select_related("item__campaign")
        .first()
    )


def ticket_links(ticket) -> QuerySet:
    return ItemTicket.objects.filter(ticket=ticket).select_related("item__campaign", "item__lead_unit")


@dataclass
class RankRow:
    unit_id: int
    unit_name: str
    items: int = 0
    closed: int = 0
    overdue: int = 0
    progress: Decimal = Decimal("0.00")
    rank: int = 0
    percents: list = field(default_factory=list, repr=False)


def unit_ranking(items: QuerySet, today: date | None = None) -> list[RankRow]:
    """Lead units ranked by the mean progress of the items they lead (the averaging rule in force), then by items
    closed, then fewer overdue; equal figures share a rank."""
    today = today or timezone.localdate()
    mode = averaging_mode(today)
    rows: dict[int, RankRow] = {}
    overdue_ids = set(items.filter(overdue_q(today)).values_list("pk", flat=True))
    for pk, unit_id, unit_name, state, percent in (
        with_progress(items.filter(lead_unit__isnull=False))
        .values_list("pk", "lead_unit_id", "lead_unit__name", "state", "progress")
        .iterator(chunk_size=5000)
    ):
        row = rows.setdefault(unit_id, RankRow(unit_id, unit_name))
        row.items += 1
        row.closed += state == S.CLOSED
        row.overdue += pk in overdue_ids
        row.percents.append((state, Decimal(percent)))
    for row in rows.values():
        total = sum(
            (Decimal(100) if mode == "closed_full" and state == S.CLOSED else p) for state, p in row.percents
        )
        row.progress = (total / row.items).quantize(Decimal("0.01"))
    ranked = sorted(rows.values(), key=lambda r: (-r.progress, -r.closed, r.overdue, r.unit_name))
    previous, rank = None, 0
    for index, row in enumerate(ranked, start=1):
        key = (row.progress, row.closed, row.overdue)
        rank = rank if key == previous else index
        row.rank, previous = rank, key
    return ranked


def campaign_summary(items: QuerySet, today: date | None = None) -> dict:
    from civicgrid.ledgers.progress import stats

    return stats(items, today)


# ------------------------------------------------------------------------------------------------ public board


def public_campaigns() -> QuerySet:
    shown = LedgerItem.objects.filter(is_public=True).exclude(state=S.PROPOSED).values("campaign")
    return Campaign.objects.filter(pk__in=shown).order_by("-year", "code")


def public_item_rows(campaign: Campaign) -> QuerySet:
    """The campaign's items on the public board: marked public and past the proposal."""
    return campaign.items.filter(is_public=True).exclude(state=S.PROPOSED)


def public_items(campaign: Campaign) -> QuerySet:
    return with_progress(public_item_rows(campaign).select_related("lead_unit")).order_by("batch", "number")


def public_progress(campaign: Campaign) -> Decimal:
    return mean_progress(public_item_rows(campaign))
