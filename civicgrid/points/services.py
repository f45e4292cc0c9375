"""State changes of the points ledger, catalogue and redemptions: one function per change, each guarded, atomic
and audited. Every change to an account's entries first locks the account row, so two changes to one account
never interleave; the only code that posts (and so moves a balance) is `_book`.

Schemes: adopt_scheme · accounts: open_account · ledger: claim, review, publicise, post, post_due, reject,
reverse, expire_due, earn · catalogue: add_item, restock · redemptions: redeem, fulfil, cancel_redemption.
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.core.phones import clean_phone
from civicgrid.points import ledger
from civicgrid.points.errors import PointsRefusal
from civicgrid.points.models import (
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsScheme,
    Redemption,
    RewardItem,
)
from civicgrid.registry.models import AdminArea

E = PointsEntry
S = PointsEntry.State
POST_BATCH = 5000


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _day(now: datetime) -> date:
    return timezone.localdate(now)


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _lock(account_id: int) -> PointsAccount:
    return PointsAccount.objects.select_for_update().select_related("area").get(pk=account_id)


def _locked_entry(entry: PointsEntry | int) -> tuple[PointsAccount, PointsEntry]:
    pk = getattr(entry, "pk", entry)
    account_id = PointsEntry.objects.values_list("account_id", flat=True).get(pk=pk)
    account = _lock(account_id)
    return account, PointsEntry.objects.select_related("scheme", "rule").get(pk=pk)


# ----------------------------------------------------------------------------------------------------- schemes


def current_scheme(area: AdminArea | int, day: date) -> PointsScheme:
    """The scheme in force in this village or community on `day`; a refusal when there is none."""
    area_id = getattr(area, "pk", area)
    scheme = (
        PointsScheme.objects.effective_at(day)
        .filter(area_id=area_id)
        .order_by("-effective_from", "-pk")
        .first()
    )
    if scheme is None:
        raise PointsRefusal("本村（社区）尚未通过积分方案，不能记分")
    return scheme


@transaction.atomic
def adopt_scheme(
    *,
    area: AdminArea,
    template: PointsScheme,
    decision_date: date,
    decision_body: str,
    decision_document: str = "",
    effective_from: date,
    version: str = "",
    actor=SYSTEM,
) -> PointsScheme:
    """A village's or community's own scheme, copied with its rules from a template (or an earlier version)."""
    if area.level != AdminArea.Level.VILLAGE:
        raise PointsRefusal("积分方案只能设在村（社区）")
    if not decision_body.strip():
        raise PointsRefusal("请填写通过方案的会议或机构（例如：村民代表会议）")
    rules = list(template.rules.all())
    scheme = PointsScheme.objects.create(
        area=area,
        name=template.name.replace("（模板）", ""),
        version=version or f"{effective_from:%Y}版",
        effective_from=effective_from,
        decision_date=decision_date,
        decision_body=decision_body.strip(),
        decision_document=decision_document.strip(),
        holder_kind=template.holder_kind,
        value_note=template.value_note,
        validity=template.validity,
        validity_days=template.validity_days,
        overdraft=template.overdraft,
        publicity_days=template.publicity_days,
        public_ranking=template.public_ranking,
        note=f"依据「{template.name}」",
    )
    for rule in rules:
        rule.pk = None
        rule.scheme = scheme
        rule.save()
    record_event(actor=actor, action="points.scheme_adopt", target=scheme, summary=str(scheme))
    return scheme


# ---------------------------------------------------------------------------------------------------- accounts


@transaction.atomic
def open_account(
    *,
    area: AdminArea,
    holder_name: str,
    phone: str = "",
    household_code: str = "",
    party_member_id: int | None = None,
    volunteer_id: int | None = None,
    actor=SYSTEM,
    now: datetime | None = None,
) -> PointsAccount:
    """The account of this person or household in the area: the existing one (same household code, or same
    phone) or a new one with the holder kind of the scheme in force."""
    now = _now(now)
    phone = clean_phone(phone) if phone else ""
    scheme = current_scheme(area, _day(now))
    existing = PointsAccount.objects.filter(area=area)
    if household_code:
        found = existing.filter(household_code=household_code).first()
    elif phone:
        found = existing.filter(phone=phone, household_code="").first()
    else:
        found = None
    if found is not None:
        return found
    if not holder_name.strip():
        raise PointsRefusal("请填写姓名（户主姓名）")
    if scheme.holder_kind == PointsScheme.Holder.HOUSEHOLD and not household_code:
        raise PointsRefusal("本方案按户计分，请填写户编号")
    account = PointsAccount.objects.create(
        area=area,
        holder_kind=scheme.holder_kind,
        holder_name=holder_name.strip(),
        phone=phone,
        household_code=household_code,
        party_member_id=party_member_id,
        volunteer_id=volunteer_id,
        opened_on=_day(now),
    )
    record_event(actor=actor, action="points.account_open", target=account, summary=str(account))
    return account


# ------------------------------------------------------------------------------------------------------ ledger


def _book(
    account: PointsAccount, entries: list[PointsEntry], now: datetime, *, create: bool
) -> list[PointsEntry]:
    """Post `entries` of one locked account: the only place a balance moves. Refuses an entry that would take the
    balance below the overdraft the scheme allows; returns the entries posted (others are left as they were)."""
    posted, balance, day = [], account.balance, _day(now)
    refusals = []
    for entry in entries:
        floor = -entry.scheme.overdraft
        if entry.points < 0 and balance + entry.points < floor:
            refusals.append(entry)
            continue
        balance += entry.points
        entry.state = S.POSTED
        entry.posted_at = now
        if entry.points > 0:
            entry.expires_on = entry.scheme.expires_on(day)
        posted.append(entry)
    if create:
        for entry in posted:
            entry.save()
    else:
        for entry in posted:
            PointsEntry.objects.filter(pk=entry.pk).update(
                state=S.POSTED, posted_at=now, expires_on=entry.expires_on
            )
    if balance != account.balance:
        PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + (balance - account.balance))
        account.balance = balance
    if refusals and len(entries) == 1:
        overdraft = entries[0].scheme.overdraft
        limit = f"（本方案最多可透支 {overdraft} 分）" if overdraft else "（本方案不允许透支）"
        raise PointsRefusal(
            f"积分余额不足：当前余额 {account.balance} 分，需要 {-entries[0].points} 分{limit}"
        )
    return posted


def _cap_left(account: PointsAccount, rule: PointsRule, day: date) -> int | None:
    start = rule.period_start(day)
    if not rule.cap_points or start is None:
        return None
    used = (
        PointsEntry.objects.filter(account=account, rule=rule, occurred_on__gte=start, occurred_on__lte=day)
        .exclude(state=S.REJECTED)
        .filter(reversal__isnull=True)
        .aggregate(total=Sum("points"))["total"]
        or 0
    )
    return rule.cap_points - abs(used)


@transaction.atomic
def claim(
    *,
    account: PointsAccount,
    rule: PointsRule,
    quantity: Decimal | int | float = 1,
    source_kind: str = "claim",
    source_id: str | int | None = None,
    actor=SYSTEM,
    now: datetime | None = None,
    occurred_on: date | None = None,
    evidence: str = "",
    note: str = "",
) -> PointsEntry:
    """申报: a claimed entry for `quantity` units of `rule`. Idempotent: the same (source kind, source id, account)
    returns the entry already there. Without a source id the claim is its own source (a new one each time).
    Points are capped by the rule's cap per period (the excess is not claimed; nothing left → a refusal)."""
    now = _now(now)
    account = _lock(account.pk)
    day = occurred_on or _day(now)
    if source_id is not None:
        existing = PointsEntry.objects.filter(key=E.make_key(source_kind, source_id, account.pk)).first()
        if existing is not None:
            return existing
    scheme = current_scheme(account.area_id, day)
    if rule.scheme_id != scheme.pk or not rule.is_active:
        raise PointsRefusal("该积分项目不属于本村（社区）现行的积分方案")
    if not account.is_active:
        raise PointsRefusal("该积分账户已停用")
    quantity = Decimal(str(quantity))
    if quantity <= 0:
        raise PointsRefusal("数量应大于 0")
    points = int((quantity * rule.points).to_integral_value(rounding=ROUND_HALF_UP))
    if points == 0:
        raise PointsRefusal("按该数量计算的积分为 0，不予记分")
    left = _cap_left(account, rule, day)
    if left is not None:
        if left <= 0:
            raise PointsRefusal(
                f"「{rule.name}」{rule.get_cap_period_display()}最多 {rule.cap_points} 分，本期已达上限"
            )
        points = max(-left, min(left, points))
    kind = E.Kind.EARN if points > 0 else E.Kind.DEDUCT
    entry = PointsEntry(
        account=account,
        scheme=scheme,
        rule=rule,
        kind=kind,
        points=points,
        quantity=quantity,
        state=S.CLAIMED,
        source_kind=source_kind,
        source_id="",
        key="",
        occurred_on=day,
        evidence=evidence,
        note=note,
        claimed_at=now,
        claimed_by=_user(actor),
    )
    if source_id is None:
        entry.source_id = f"{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}"
    else:
        entry.source_id = str(source_id)
    entry.key = E.make_key(source_kind, entry.source_id, account.pk)
    entry.save()
    entry.newly_claimed = True  # not stored: tells a caller running again (a second worker) it wrote nothing
    record_event(
        actor=actor, action="points.claim", target=entry, summary=f"{account} {rule.name} {points:+d} 分"
    )
    return entry


def _move(entry, actor, now, *, expect, action: str, summary: str, **fields) -> PointsEntry:
    account, entry = _locked_entry(entry)
    if entry.state not in expect:
        raise PointsRefusal(f"该积分记录当前为「{entry.get_state_display()}」，不能{summary}")
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save(update_fields=list(fields))
    record_event(actor=actor, action=action, target=entry, summary=f"{account} {entry.points:+d} 分")
    return entry


@transaction.atomic
def review(*, entry: PointsEntry, actor=SYSTEM, now: datetime | None = None) -> PointsEntry:
    """审核 a claim (the rule's approver has checked the evidence)."""
    now = _now(now)
    return _move(
        entry,
        actor,
        now,
        expect=(S.CLAIMED,),
        action="points.review",
        summary="审核",
        state=S.REVIEWED,
        reviewed_at=now,
        reviewed_by=_user(actor),
    )


@transaction.atomic
def publicise(*, entry: PointsEntry, actor=SYSTEM, now: datetime | None = None) -> PointsEntry:
    """公示 a reviewed entry for the scheme's window; it may be posted once the window has passed."""
    now = _now(now)
    account, locked = _locked_entry(entry)
    return _move(
        locked,
        actor,
        now,
        expect=(S.REVIEWED,),
        action="points.publicise",
        summary="公示",
        state=S.PUBLICISED,
        publicity_until=now + timedelta(days=locked.scheme.publicity_days),
    )


@transaction.atomic
def post(*, entry: PointsEntry, actor=SYSTEM, now: datetime | None = None) -> PointsEntry:
    """入账 a publicised entry whose window has passed."""
    now = _now(now)
    account, entry = _locked_entry(entry)
    if entry.state != S.PUBLICISED:
        raise PointsRefusal(f"该积分记录当前为「{entry.get_state_display()}」，公示期满后才能入账")
    if entry.publicity_until and entry.publicity_until > now:
        until = timezone.localtime(entry.publicity_until)
        raise PointsRefusal(f"公示期至 {until:%Y-%m-%d %H:%M}，期满后才能入账")
    _book(account, [entry], now, create=False)
    record_event(actor=actor, action="points.post", target=entry, summary=f"{account} {entry.points:+d} 分")
    return entry


@dataclass
class PostResult:
    posted: int = 0
    refused: list[int] = field(
        default_factory=list
    )  # entry ids left publicised (a deduction beyond the balance)


def post_due(now: datetime | None = None, *, actor=SYSTEM, batch: int = POST_BATCH) -> PostResult:
    """Post every publicised entry whose window has passed, in batches (one transaction each, accounts locked in
    id order); for the worker. A deduction that would overdraw an account stays publicised and is reported."""
    now = _now(now)
    result = PostResult()
    after = 0
    while True:
        ids = list(
            PointsEntry.objects.filter(state=S.PUBLICISED, publicity_until__lte=now, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return result
        after = ids[-1]
        with transaction.atomic():
            posted, refused = _post_batch(ids, now)
            result.posted += len(posted)
            result.refused += refused
            # Nothing posted (another worker took the batch, or only deductions still refused): nothing to record.
            if posted:
                record_event(
                    actor=actor,
                    action="points.post_due",
                    summary=f"公示期满入账 {len(posted)} 条",
                    first=ids[0],
                    last=ids[-1],
                    posted=len(posted),
                )


def _post_batch(ids: list[int], now: datetime) -> tuple[set[int], list[int]]:
    """(posted, refused) of the entries `ids` still publicised once their accounts are locked: entries another
    worker posted meanwhile are in neither."""
    account_ids = sorted(set(PointsEntry.objects.filter(pk__in=ids).values_list("account_id", flat=True)))
    accounts = {
        a.pk: a for a in PointsAccount.objects.select_for_update().filter(pk__in=account_ids).order_by("pk")
    }
    entries = list(
        PointsEntry.objects.filter(pk__in=ids, state=S.PUBLICISED, publicity_until__lte=now)
        .select_related("scheme")
        .only("pk", "account_id", "points", "scheme")
        .order_by("pk")
    )
    by_account: dict[int, list[PointsEntry]] = {}
    for entry in entries:
        by_account.setdefault(entry.account_id, []).append(entry)
    posted: set[int] = set()
    day = _day(now)
    groups: dict[tuple, list[int]] = {}
    changed = []
    for account_id, rows in by_account.items():
        account = accounts[account_id]
        balance = account.balance
        for entry in rows:
            if entry.points < 0 and balance + entry.points < -entry.scheme.overdraft:
                continue
            balance += entry.points
            expires = entry.scheme.expires_on(day) if entry.points > 0 else None
            groups.setdefault((expires,), []).append(entry.pk)
            posted.add(entry.pk)
        if balance != account.balance:
            account.balance = balance
            changed.append(account)
    for (expires,), pks in groups.items():
        for start in range(0, len(pks), 900):
            PointsEntry.objects.filter(pk__in=pks[start : start + 900]).update(
                state=S.POSTED, posted_at=now, expires_on=expires
            )
    PointsAccount.objects.bulk_update(changed, ["balance"], batch_size=500)
    return posted, sorted(entry.pk for entry in entries if entry.pk not in posted)


@transaction.atomic
def reject(*, entry: PointsEntry, reason: str, actor=SYSTEM, now: datetime | None = None) -> PointsEntry:
    """驳回 a claim that is not yet posted, with a reason."""
    if not reason.strip():
        raise PointsRefusal("请填写驳回理由")
    now = _now(now)
    return _move(
        entry,
        actor,
        now,
        expect=E.OPEN,
        action="points.reject",
        summary="驳回",
        state=S.REJECTED,
        rejected_at=now,
        reject_reason=reason.strip()[:200],
    )


def _append(account, *, scheme, kind, points, source_kind, source_id, now, actor, **fields) -> PointsEntry:
    entry = PointsEntry(
        account=account,
        scheme=scheme,
        kind=kind,
        points=points,
        state=S.PUBLICISED,
        source_kind=source_kind,
        source_id=str(source_id),
        key=E.make_key(source_kind, source_id, account.pk),
        occurred_on=_day(now),
        claimed_at=now,
        claimed_by=_user(actor),
        **fields,
    )
    _book(account, [entry], now, create=True)
    return entry


@transaction.atomic
def reverse(*, entry: PointsEntry, reason: str, actor=SYSTEM, now: datetime | None = None) -> PointsEntry:
    """冲正 a posted entry: a new posted entry of the opposite amount (the original is never changed)."""
    if not reason.strip():
        raise PointsRefusal("请填写冲正原因")
    now = _now(now)
    account, entry = _locked_entry(entry)
    if entry.state != S.POSTED:
        raise PointsRefusal("只能冲正已入账的积分记录")
    if entry.kind in (E.Kind.REVERSAL, E.Kind.EXPIRY):
        raise PointsRefusal("冲正记录和到期清零记录不能再冲正")
    if entry.kind == E.Kind.REDEEM:
        raise PointsRefusal("兑换扣分请通过取消兑换退回")
    if PointsEntry.objects.filter(reverses=entry).exists():
        raise PointsRefusal("该积分记录已冲正")
    if entry.points > 0 and PointsEntry.objects.filter(lot=entry).exists():
        raise PointsRefusal("该笔积分已到期清零，不能再冲正")
    reversal = _append(
        account,
        scheme=entry.scheme,
        kind=E.Kind.REVERSAL,
        points=-entry.points,
        source_kind="reversal",
        source_id=entry.pk,
        now=now,
        actor=actor,
        reverses=entry,
        note=reason.strip()[:200],
    )
    record_event(
        actor=actor,
        action="points.reverse",
        target=reversal,
        summary=f"{account} 冲正 {reversal.points:+d} 分",
    )
    return reversal


def _expire_account(account: PointsAccount, day: date, now: datetime, actor) -> int:
    replayed = ledger.replay(account.pk)
    count = 0
    for lot in sorted(replayed.lots.values(), key=lambda lot: lot.order):
        if lot.expires_on is None or lot.expires_on >= day or lot.remaining <= 0:
            continue
        scheme_id = PointsEntry.objects.values_list("scheme_id", flat=True).get(pk=lot.entry_id)
        _append(
            account,
            scheme=PointsScheme.objects.get(pk=scheme_id),
            kind=E.Kind.EXPIRY,
            points=-lot.remaining,
            source_kind="expiry",
            source_id=lot.entry_id,
            now=now,
            actor=actor,
            lot_id=lot.entry_id,
            note=f"{lot.expires_on:%Y-%m-%d} 到期",
        )
        count += 1
    if count:
        record_event(
            actor=actor, action="points.expire", target=account, summary=f"{account} 积分到期 {count} 笔"
        )
    return count


def expire_due(now: datetime | None = None, *, account_ids=None, actor=SYSTEM) -> int:
    """到期清零: for every lot whose last day is before today and has points left, a posted expiry entry of what is
    left (first in, first out). One transaction per account. Returns the number of expiry entries."""
    now = _now(now)
    day = _day(now)
    lots = PointsEntry.objects.filter(state=S.POSTED, points__gt=0, expires_on__lt=day, expiries__isnull=True)
    if account_ids is not None:
        lots = lots.filter(account_id__in=list(account_ids))
    count = 0
    for account_id in sorted(set(lots.values_list("account_id", flat=True))):
        with transaction.atomic():
            count += _expire_account(_lock(account_id), day, now, actor)
    return count


@transaction.atomic
def earn(
    *,
    account: PointsAccount,
    rule: PointsRule,
    quantity: Decimal | int | float = 1,
    source_kind: str,
    source_id: str | int,
    actor=SYSTEM,
    now: datetime | None = None,
    occurred_on: date | None = None,
    note: str = "",
) -> PointsEntry:
    """Points by rule from a record already confirmed elsewhere (confirmed volunteer hours, a fulfilled
    micro-wish): claimed, reviewed and publicised at once; posted by `post_due` when the window has passed (at
    once when the scheme has no window). Idempotent on (source_kind, source_id, account)."""
    now = _now(now)
    entry = claim(
        account=account,
        rule=rule,
        quantity=quantity,
        source_kind=source_kind,
        source_id=source_id,
        actor=actor,
        now=now,
        occurred_on=occurred_on,
        note=note,
    )
    created = getattr(entry, "newly_claimed", False)
    if entry.state == S.CLAIMED:
        entry = review(entry=entry, actor=actor, now=now)
    if entry.state == S.REVIEWED:
        entry = publicise(entry=entry, actor=actor, now=now)
    if entry.state == S.PUBLICISED and entry.publicity_until <= now:
        entry = post(entry=entry, actor=actor, now=now)
    entry.newly_claimed = created
    return entry


post_entry = earn  # the name the integration notes use


# --------------------------------------------------------------------------------------------------- catalogue


@transaction.atomic
def add_item(
    *,
    area: AdminArea,
    name: str,
    cost: int,
    stock: int,
    kind: str = RewardItem.Kind.GOODS,
    merchant_unit=None,
    merchant_name: str = "",
    actor=SYSTEM,
) -> RewardItem:
    if cost <= 0:
        raise PointsRefusal("所需积分应大于 0")
    item = RewardItem.objects.create(
        area=area,
        name=name,
        cost=cost,
        kind=kind,
        merchant_unit=merchant_unit,
        merchant_name=merchant_name,
        stock_total=max(stock, 0),
        stock=max(stock, 0),
    )
    record_event(actor=actor, action="points.item_add", target=item, summary=str(item))
    return item


@transaction.atomic
def restock(*, item: RewardItem, quantity: int, actor=SYSTEM) -> RewardItem:
    """入库: both the running total and the stock rise together (verify checks they agree)."""
    if quantity <= 0:
        raise PointsRefusal("入库数量应大于 0")
    RewardItem.objects.filter(pk=item.pk).update(
        stock=F("stock") + quantity, stock_total=F("stock_total") + quantity
    )
    item.refresh_from_db()
    record_event(actor=actor, action="points.restock", target=item, summary=f"{item.name} 入库 {quantity}")
    return item


def _pickup_code() -> str:
    return f"{secrets.randbelow(10**8):08d}"


@transaction.atomic
def redeem(
    *, account: PointsAccount, item: RewardItem, quantity: int = 1, actor=SYSTEM, now: datetime | None = None
) -> Redemption:
    """兑换: requested, then at once reserved: expired points are cleared first, the points are held by a posted
    redeem entry, and the stock is taken by a conditional UPDATE (never below zero, whoever comes at once)."""
    now = _now(now)
    if quantity <= 0:
        raise PointsRefusal("兑换数量应大于 0")
    account = _lock(account.pk)
    item = RewardItem.objects.get(pk=item.pk)
    if not item.is_active or item.area_id != account.area_id:
        raise PointsRefusal("该物品不在本村（社区）积分超市上架")
    scheme = current_scheme(account.area_id, _day(now))
    _expire_account(account, _day(now), now, actor)
    cost = item.cost * quantity
    if account.balance - cost < -scheme.overdraft:
        raise PointsRefusal(f"积分不足：兑换需要 {cost} 分，当前余额 {account.balance} 分")
    taken = RewardItem.objects.filter(pk=item.pk, stock__gte=quantity).update(stock=F("stock") - quantity)
    if not taken:
        raise PointsRefusal(f"「{item.name}」库存不足，已兑完")
    for _attempt in range(5):
        code = _pickup_code()
        if not Redemption.objects.filter(pickup_code=code).exists():
            break
    redemption = Redemption.objects.create(
        account=account,
        item=item,
        quantity=quantity,
        points=cost,
        state=Redemption.State.REQUESTED,
        pickup_code=code,
        requested_at=now,
    )
    entry = _append(
        account,
        scheme=scheme,
        kind=E.Kind.REDEEM,
        points=-cost,
        source_kind="redemption",
        source_id=redemption.pk,
        now=now,
        actor=actor,
        note=f"兑换「{item.name}」× {quantity}",
    )
    redemption.entry = entry
    redemption.state = Redemption.State.RESERVED
    redemption.reserved_at = now
    redemption.save(update_fields=["entry", "state", "reserved_at"])
    record_event(actor=actor, action="points.redeem", target=redemption, summary=f"{account} {redemption}")
    return redemption


def _locked_redemption(redemption) -> Redemption:
    pk = getattr(redemption, "pk", redemption)
    account_id = Redemption.objects.values_list("account_id", flat=True).get(pk=pk)
    _lock(account_id)
    return Redemption.objects.select_related("item", "account", "account__area").get(pk=pk)


@transaction.atomic
def fulfil(*, redemption: Redemption, actor=SYSTEM, now: datetime | None = None) -> Redemption:
    """领取: the reserved item is handed over."""
    now = _now(now)
    redemption = _locked_redemption(redemption)
    if redemption.state != Redemption.State.RESERVED:
        raise PointsRefusal(f"该兑换当前为「{redemption.get_state_display()}」，不能领取")
    redemption.state = Redemption.State.FULFILLED
    redemption.fulfilled_at = now
    redemption.fulfilled_by = _user(actor)
    redemption.save(update_fields=["state", "fulfilled_at", "fulfilled_by"])
    record_event(actor=actor, action="points.fulfil", target=redemption, summary=str(redemption))
    return redemption


@transaction.atomic
def cancel_redemption(
    *, redemption: Redemption, reason: str, actor=SYSTEM, now: datetime | None = None
) -> Redemption:
    """取消 a reserved redemption: the points come back by a reversal entry, the stock by an UPDATE."""
    if not reason.strip():
        raise PointsRefusal("请填写取消原因")
    now = _now(now)
    redemption = _locked_redemption(redemption)
    if redemption.state != Redemption.State.RESERVED:
        raise PointsRefusal(f"该兑换当前为「{redemption.get_state_display()}」，不能取消")
    entry = PointsEntry.objects.select_related("scheme").get(pk=redemption.entry_id)
    account = PointsAccount.objects.get(pk=redemption.account_id)
    _append(
        account,
        scheme=entry.scheme,
        kind=E.Kind.REVERSAL,
        points=-entry.points,
        source_kind="reversal",
        source_id=entry.pk,
        now=now,
        actor=actor,
        reverses=entry,
        note=f"取消兑换：{reason.strip()}"[:200],
    )
    RewardItem.objects.filter(pk=redemption.item_id).update(stock=F("stock") + redemption.quantity)
    redemption.state = Redemption.State.CANCELLED
    redemption.cancelled_at = now
    redemption.cancel_reason = reason.strip()[:200]
    redemption.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    record_event(actor=actor, action="points.redemption_cancel", target=redemption, summary=str(redemption))
    return redemption
