"""Reads of the points ledger, scoped and masked.

Who works on points (the console): a 承办联络员 (unit_handler) of a 村/社区 unit, for that unit's area; 组织部
staff (organisation_staff), for the areas of their units and below; administrators, everything. Residents see their
own account (signed in with its phone) and, where the scheme says so, a monthly ranking with masked names.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.points import ledger
from civicgrid.points.models import (
    PointsAccount,
    PointsEntry,
    PointsRule,
    PointsScheme,
    Redemption,
    RewardItem,
    mask_name,
    month_bounds,
)
from civicgrid.points.services import current_scheme
from civicgrid.registry.models import AdminArea, Role, Unit
from civicgrid.registry.selectors import role_codes, units_acted_for

E = PointsEntry
WORKER_ROLES = (Role.UNIT_HANDLER, Role.ORGANISATION_STAFF, Role.ADMINISTRATOR)

__all__ = [
    "WORKER_ROLES",
    "account_entries",
    "accounts_in_scope",
    "accounts_of_phone",
    "balance_of",
    "balances",
    "catalogue",
    "current_scheme",
    "find_account",
    "monthly_ranking",
    "review_queue",
    "rule_for_source",
    "rules_in_force",
    "totals",
    "worker_area_ids",
]

balance_of = ledger.balance_of
balances = ledger.balances


def _subtree(ids) -> set[int]:
    found = set(ids)
    frontier = set(found)
    while frontier:
        frontier = set(AdminArea.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - found
        found |= frontier
    return found


def worker_area_ids(user) -> set[int] | None:
    """The areas whose points `user` works on; None for all of them."""
    if user is SYSTEM or getattr(user, "is_superuser", False):
        return None
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    roles = role_codes(user)
    if Role.ADMINISTRATOR in roles:
        return None
    units = Unit.objects.filter(pk__in=units_acted_for(user), area__isnull=False)
    areas: set[int] = set()
    if Role.ORGANISATION_STAFF in roles:
        areas |= set(units.values_list("area_id", flat=True))
    if Role.UNIT_HANDLER in roles:
        areas |= set(units.filter(kind=Unit.Kind.COMMUNITY).values_list("area_id", flat=True))
    return _subtree(areas) if areas else set()


def _in_scope(user, field: str = "area_id") -> Q:
    areas = worker_area_ids(user)
    return Q() if areas is None else Q(**{f"{field}__in": areas})


def accounts_in_scope(user, search: str = "") -> QuerySet[PointsAccount]:
    accounts = PointsAccount.objects.filter(_in_scope(user)).select_related("area")
    search = (search or "").strip()
    if search:
        q = Q(holder_name__contains=search) | Q(household_code=search)
        if search.isdigit() and len(search) >= 4:
            q |= Q(phone__endswith=search)
        accounts = accounts.filter(q)
    return accounts.order_by("area__code", "pk")


def review_queue(user) -> QuerySet[PointsEntry]:
    """Entries waiting for a worker: claimed, reviewed, or publicised (posted by the worker or after the window)."""
    return (
        PointsEntry.objects.filter(state__in=E.OPEN)
        .filter(_in_scope(user, "account__area_id"))
        .select_related("account", "account__area", "rule")
        .order_by("claimed_at", "pk")
    )


def redemption_by_code(user, code: str) -> Redemption | None:
    code = "".join((code or "").split())
    if not code:
        return None
    return (
        Redemption.objects.filter(pickup_code=code)
        .filter(_in_scope(user, "account__area_id"))
        .select_related("item", "account", "account__area")
        .first()
    )


def accounts_of_phone(digits: str) -> list[PointsAccount]:
    """Active accounts registered with this phone (its digits, however typed)."""
    if len(digits) < 7:
        return []
    candidates = PointsAccount.objects.filter(is_active=True, phone__endswith=digits[-4:]).select_related(
        "area"
    )
    return [a for a in candidates if "".join(ch for ch in a.phone if ch.isdigit()).endswith(digits)]


def household_account(area_code: str, household_code: str, holder_name: str) -> PointsAccount | None:
    """The household's account named on its points card (户编号) when the 户主's name matches too; None otherwise,
    without saying which of the three was wrong."""
    household_code, holder_name = household_code.strip(), holder_name.strip()
    if not household_code or not holder_name:
        return None
    return (
        PointsAccount.objects.filter(
            area__code=area_code.strip(),
            household_code=household_code,
            holder_name=holder_name,
            holder_kind=PointsScheme.Holder.HOUSEHOLD,
            is_active=True,
        )
        .select_related("area")
        .first()
    )


def entry_exists(source_kind: str, source_id, account_id: int) -> bool:
    """Whether this source has already earned on this account (its idempotency key is taken)."""
    return PointsEntry.objects.filter(key=PointsEntry.make_key(source_kind, source_id, account_id)).exists()


def find_account(
    area_id: int,
    *,
    phone: str = "",
    household_code: str = "",
    party_member_id: int | None = None,
    volunteer_id: int | None = None,
) -> PointsAccount | None:
    """The account in an area by the first key given: household code, party member id, volunteer id, phone."""
    accounts = PointsAccount.objects.filter(area_id=area_id, is_active=True)
    if household_code:
        return accounts.filter(household_code=household_code).first()
    if party_member_id is not None:
        return accounts.filter(party_member_id=party_member_id).first()
    if volunteer_id is not None:
        return accounts.filter(volunteer_id=volunteer_id).first()
    if phone:
        return accounts.filter(phone=phone).first()
    return None


def rule_for_source(area_id: int, source_kind: str, day: date) -> PointsRule | None:
    """The active rule of the scheme in force that scores records of `source_kind` automatically (or None)."""
    scheme = (
        PointsScheme.objects.effective_at(day).filter(area_id=area_id).order_by("-effective_from").first()
    )
    if scheme is None:
        return None
    return scheme.rules.filter(is_active=True, source_kind=source_kind).order_by("order", "pk").first()


def rules_in_force(area_id: int, day: date) -> tuple[PointsScheme | None, list[PointsRule]]:
    scheme = (
        PointsScheme.objects.effective_at(day).filter(area_id=area_id).order_by("-effective_from").first()
    )
    if scheme is None:
        return None, []
    return scheme, list(scheme.rules.filter(is_active=True).order_by("category", "order", "pk"))


def catalogue(area_id: int) -> list[RewardItem]:
    return list(RewardItem.objects.filter(area_id=area_id, is_active=True).select_related("merchant_unit"))


def account_entries(account: PointsAccount, limit: int = 100) -> list[PointsEntry]:
    return list(
        PointsEntry.objects.filter(account=account)
        .exclude(state=E.State.REJECTED, claimed_by__isnull=True)
        .select_related("rule")
        .order_by("-claimed_at", "-pk")[:limit]
    )


@dataclass
class RankRow:
    rank: int
    name: str
    points: int


def monthly_ranking(area_id: int, year: int, month: int, limit: int = 50) -> list[RankRow] | None:
    """积分月度排行 (points earned and posted in the month, net of reversals), masked names; None when the scheme
    in force on the month's last day does not publish a ranking."""
    first, last = month_bounds(year, month)
    scheme = (
        PointsScheme.objects.effective_at(last).filter(area_id=area_id).order_by("-effective_from").first()
    )
    if scheme is None or not scheme.public_ranking:
        return None
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(last, time.max))
    rows = (
        PointsEntry.objects.filter(
            state=E.State.POSTED,
            posted_at__range=(start, end),
            account__area_id=area_id,
            account__is_active=True,
        )
        .filter(
            Q(kind__in=[E.Kind.EARN, E.Kind.DEDUCT])
            | Q(kind=E.Kind.REVERSAL, reverses__kind__in=["earn", "deduct"])
        )
        .values("account_id", "account__holder_name")
        .annotate(total=Sum("points"))
        .filter(total__gt=0)
        .order_by("-total", "account_id")[:limit]
    )
    return [RankRow(i, mask_name(r["account__holder_name"]), r["total"]) for i, r in enumerate(rows, 1)]


# ------------------------------------------------------------------------------------------------------ figures


def _year_bounds(year: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime(year, 1, 1))
    end = timezone.make_aware(datetime(year + 1, 1, 1))
    now = now or timezone.now()
    return start, min(end, now) if start <= now < end else end


def totals(area_ids, year: int, *, now: datetime | None = None) -> dict[str, int]:
    """The points figures of `engagement stats` over accounts in `area_ids` (as given; pass the subtree):

    points_posted = earning entries (kind earn) posted in the year; points_redeemed = points of redemptions posted
    in the year less those given back by cancellations posted in the year; points_expired = expiry entries posted
    in the year (both positive numbers); points_balance = the sum of balances at the end of the year (now, for
    the current year)."""
    ids = list(area_ids)
    start, end = _year_bounds(year, now)
    balance_at = end - timedelta(microseconds=1)
    # One pass over the posted entries up to the year's end (the balance, ledger.posted_q) that sums the year's
    # kinds on the way, instead of one scan per figure.
    in_year = Q(posted_at__gte=start)
    sums = PointsEntry.objects.filter(
        ledger.posted_q(balance_at), account__in=PointsAccount.objects.filter(area_id__in=ids).values("pk")
    ).aggregate(
        balance=Sum("points"),
        earned=Sum("points", filter=in_year & Q(kind=E.Kind.EARN)),
        redeemed=Sum("points", filter=in_year & Q(kind=E.Kind.REDEEM)),
        given_back=Sum("points", filter=in_year & Q(kind=E.Kind.REVERSAL, reverses__kind=E.Kind.REDEEM)),
        expired=Sum("points", filter=in_year & Q(kind=E.Kind.EXPIRY)),
    )
    value = {key: total or 0 for key, total in sums.items()}
    return {
        "points_posted": value["earned"],
        "points_redeemed": -value["redeemed"] - value["given_back"],
        "points_expired": -value["expired"],
        "points_balance": value["balance"],
    }
