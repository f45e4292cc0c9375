"""The ledger's arithmetic, in one place each: the balance (sum of posted entries), the earning lots with what is
left of them (first in, first out), and the posting of entries (which alone moves the cached balance).

Lots: every posted positive entry is a lot that lasts until its `expires_on`. A negative entry takes from lots in
order of expiry (soonest first; never-expiring last), then posting order; an expiry entry takes from its own lot;
the reversal of an earning takes from its own lot first. A positive entry first pays back any overdraft.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Q, Sum

from civicgrid.points.models import PointsAccount, PointsEntry

POSTED = PointsEntry.State.POSTED


def posted_q(at: datetime | None = None, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}state": POSTED})
    if at is not None:
        q &= Q(**{f"{prefix}posted_at__lte": at})
    return q


def balances(account_ids: Iterable[int] | None = None, at: datetime | None = None) -> dict[int, int]:
    """THE balance: the sum of posted entries (at `at`, or now), per account id. Accounts without entries: 0."""
    entries = PointsEntry.objects.filter(posted_q(at))
    ids = None if account_ids is None else list(account_ids)
    if ids is not None:
        entries = entries.filter(account_id__in=ids)
    found = dict(entries.values_list("account_id").annotate(total=Sum("points")).values_list("account_id", "total"))
    if ids is None:
        return found
    return {pk: found.get(pk) or 0 for pk in ids}


def balance_of(account: PointsAccount | int, at: datetime | None = None) -> int:
    pk = getattr(account, "pk", account)
    return balances([pk], at)[pk]


def total_balance(account_filter: Q, at: datetime | None = None) -> int:
    """The sum of balances of the accounts matching `account_filter` (a Q over PointsAccount fields)."""
    entries = PointsEntry.objects.filter(posted_q(at)).filter(
        **{"account__in": PointsAccount.objects.filter(account_filter).values("pk")}
    )
    return entries.aggregate(total=Sum("points"))["total"] or 0


# ------------------------------------------------------------------------------------------------------- lots


@dataclass
class Lot:
    entry_id: int
    expires_on: date | None
    points: int
    remaining: int
    order: int


@dataclass
class Replay:
    """An account's posted entries replayed in posting order: its lots and any inconsistency found."""

    lots: dict[int, Lot] = field(default_factory=dict)
    debt: int = 0  # points drawn beyond the lots (an overdraft)
    lowest: int = 0  # the lowest running balance
    balance: int = 0
    problems: list[str] = field(default_factory=list)

    def _take_fifo(self, amount: int) -> None:
        live = sorted(
            (lot for lot in self.lots.values() if lot.remaining > 0),
            key=lambda lot: (lot.expires_on is None, lot.expires_on or date.max, lot.order),
        )
        for lot in live:
            if amount <= 0:
                break
            taken = min(lot.remaining, amount)
            lot.remaining -= taken
            amount -= taken
        self.debt += amount

    def apply(self, entry_id: int, kind: str, points: int, expires_on, lot_id, reverses_id) -> None:
        self.balance += points
        self.lowest = min(self.lowest, self.balance)
        if points > 0:
            paid = min(self.debt, points)
            self.debt -= paid
            self.lots[entry_id] = Lot(entry_id, expires_on, points, points - paid, len(self.lots))
            return
        amount = -points
        if kind == PointsEntry.Kind.EXPIRY:
            lot = self.lots.get(lot_id)
            if lot is None:
                self.problems.append(f"到期记录 #{entry_id} 指向的积分批次 #{lot_id} 不存在或未入账")
                self.debt += amount
                return
            if amount > lot.remaining:
                self.problems.append(
                    f"到期记录 #{entry_id} 清零 {amount} 分，超过批次 #{lot_id} 的剩余 {lot.remaining} 分"
                )
            lot.remaining -= min(amount, lot.remaining)
            return
        own = self.lots.get(reverses_id) if kind == PointsEntry.Kind.REVERSAL else None
        if own is not None:
            taken = min(own.remaining, amount)
            own.remaining -= taken
            amount -= taken
        self._take_fifo(amount)


REPLAY_FIELDS = ("pk", "kind", "points", "expires_on", "lot_id", "reverses_id")


def replay(account_id: int) -> Replay:
    rows = (
        PointsEntry.objects.filter(account_id=account_id, state=POSTED)
        .order_by("posted_at", "pk")
        .values_list(*REPLAY_FIELDS)
    )
    result = Replay()
    for row in rows:
        result.apply(*row)
    return result
