"""`civicgrid points verify`: the whole ledger checked against its invariants; each problem a line in Chinese."""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from civicgrid.points import ledger
from civicgrid.points.models import PointsAccount, PointsEntry, Redemption, RewardItem

E = PointsEntry
POSTED = PointsEntry.State.POSTED
HELD = (Redemption.State.RESERVED, Redemption.State.FULFILLED)
MAX_LISTED = 200  # problems listed per check; the count is always complete


@dataclass
class Report:
    entries: int = 0
    accounts: int = 0
    items: int = 0
    problems: list[str] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, check: str, text: str) -> None:
        self.counts[check] += 1
        if self.counts[check] <= MAX_LISTED:
            self.problems.append(text)

    @property
    def ok(self) -> bool:
        return not self.counts


def verify() -> Report:
    report = Report(
        entries=PointsEntry.objects.count(),
        accounts=PointsAccount.objects.count(),
        items=RewardItem.objects.count(),
    )
    _balances(report)
    _keys(report)
    _reversals(report)
    _states(report)
    _stock(report)
    _replay(report)
    return report


def _balances(report: Report) -> None:
    sums = ledger.balances()
    for pk, cached in PointsAccount.objects.values_list("pk", "balance").iterator(chunk_size=5000):
        total = sums.get(pk) or 0
        if total != cached:
            report.add("balance", f"账户 #{pk} 的余额 {cached} 分与已入账记录合计 {total} 分不符")


def _keys(report: Report) -> None:
    dupes = PointsEntry.objects.values("key").annotate(n=Count("pk")).filter(n__gt=1)
    for row in dupes[:MAX_LISTED]:
        report.add("key", f"幂等键「{row['key']}」重复 {row['n']} 次")
    triples = (
        PointsEntry.objects.values("source_kind", "source_id", "account_id").annotate(n=Count("pk")).filter(n__gt=1)
    )
    for row in triples[:MAX_LISTED]:
        report.add(
            "key", f"来源 {row['source_kind']}:{row['source_id']} 在账户 #{row['account_id']} 有 {row['n']} 条记录"
        )
    for pk, key, kind, sid, account in PointsEntry.objects.values_list(
        "pk", "key", "source_kind", "source_id", "account_id"
    ).iterator(chunk_size=20000):
        if key != E.make_key(kind, sid, account):
            report.add("key", f"记录 #{pk} 的幂等键与来源不一致")


def _reversals(report: Report) -> None:
    bad = PointsEntry.objects.filter(kind=E.Kind.REVERSAL).filter(
        Q(reverses__isnull=True) | ~Q(reverses__state=POSTED) | ~Q(points=-F("reverses__points"))
    )
    for pk in bad.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("reversal", f"冲正记录 #{pk} 没有对应的已入账记录，或分数不是其相反数")
    other = PointsEntry.objects.exclude(kind=E.Kind.REVERSAL).filter(reverses__isnull=False)
    for pk in other.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("reversal", f"记录 #{pk} 不是冲正记录，却指向被冲正的记录")
    cross = PointsEntry.objects.filter(reverses__isnull=False).exclude(account_id=F("reverses__account_id"))
    for pk in cross.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("reversal", f"冲正记录 #{pk} 与被冲正记录不在同一账户")


def _states(report: Report) -> None:
    signs = PointsEntry.objects.filter(
        Q(kind=E.Kind.EARN, points__lte=0)
        | Q(kind__in=[E.Kind.DEDUCT, E.Kind.EXPIRY, E.Kind.REDEEM], points__gte=0)
        | Q(points=0)
    )
    for pk in signs.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("sign", f"记录 #{pk} 的分数正负与类型不符")
    unposted = PointsEntry.objects.filter(
        Q(state=POSTED, posted_at__isnull=True) | (~Q(state=POSTED) & Q(posted_at__isnull=False))
    )
    for pk in unposted.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("state", f"记录 #{pk} 的状态与入账时间不符")
    direct = PointsEntry.objects.filter(kind__in=[E.Kind.REVERSAL, E.Kind.EXPIRY, E.Kind.REDEEM]).exclude(
        state=POSTED
    )
    for pk in direct.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("state", f"冲正、到期或兑换记录 #{pk} 未入账")
    expiry = PointsEntry.objects.filter(kind=E.Kind.EXPIRY).filter(
        Q(lot__isnull=True) | ~Q(lot__account_id=F("account_id"))
    )
    for pk in expiry.values_list("pk", flat=True)[:MAX_LISTED]:
        report.add("expiry", f"到期记录 #{pk} 没有指向本账户的积分批次")


def _stock(report: Report) -> None:
    held = dict(
        Redemption.objects.filter(state__in=HELD)
        .values_list("item_id")
        .annotate(q=Sum("quantity"))
        .values_list("item_id", "q")
    )
    for pk, name, total, stock in RewardItem.objects.values_list("pk", "name", "stock_total", "stock"):
        if stock < 0:
            report.add("stock", f"「{name}」库存为负数（{stock}）")
        if total - (held.get(pk) or 0) != stock:
            report.add(
                "stock",
                f"「{name}」库存 {stock} 与入库 {total} 减去已预留和已领取 {held.get(pk) or 0} 不符",
            )
    held_bad = Redemption.objects.filter(state__in=HELD).filter(
        Q(entry__isnull=True)
        | ~Q(entry__state=POSTED)
        | Q(entry__reversal__isnull=False)
        | ~Q(entry__points=-F("points"))
    )
    for pk, code in held_bad.values_list("pk", "pickup_code")[:MAX_LISTED]:
        report.add("redemption", f"兑换（领取码 {code}）没有对应的有效扣分记录")
    cancelled_bad = Redemption.objects.filter(state=Redemption.State.CANCELLED, entry__isnull=False).filter(
        entry__reversal__isnull=True
    )
    for pk, code in cancelled_bad.values_list("pk", "pickup_code")[:MAX_LISTED]:
        report.add("redemption", f"已取消的兑换（领取码 {code}）积分未退回")


def _replay(report: Report) -> None:
    """Running balances and lots, account by account, in posting order (one pass over the posted entries)."""
    limits = _overdraft_limits()
    rows = (
        PointsEntry.objects.filter(state=POSTED)
        .order_by("account_id", "posted_at", "pk")
        .values_list("account_id", *ledger.REPLAY_FIELDS)
    )
    current, state = None, None

    def close(account_id, replayed):
        if replayed is None:
            return
        for problem in replayed.problems:
            report.add("expiry", f"账户 #{account_id}：{problem}")
        limit = limits.get(account_id, 0)
        if replayed.lowest < -limit:
            report.add(
                "negative",
                f"账户 #{account_id} 余额曾为 {replayed.lowest} 分，超过允许透支的 {limit} 分",
            )

    for account_id, *row in rows.iterator(chunk_size=20000):
        if account_id != current:
            close(current, state)
            current, state = account_id, ledger.Replay()
        state.apply(*row)
    close(current, state)


def _overdraft_limits() -> dict[int, int]:
    """The largest overdraft any scheme under which an account posted allows (0: none)."""
    found: dict[int, int] = {}
    rows = (
        PointsEntry.objects.filter(state=POSTED, scheme__overdraft__gt=0)
        .values_list("account_id", "scheme__overdraft")
        .distinct()
    )
    for account_id, limit in rows:
        found[account_id] = max(found.get(account_id, 0), limit)
    return found
