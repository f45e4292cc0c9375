"""Reads for assessment 「考评」: the three rates 「三率」 and the league tables built on them.

Every figure is counted in the database, one aggregate query per figure group, so a year of a
whole city's tickets takes one pass per group rather than one query per unit.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from math import lcm

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.assessment.models import AssessmentScheme, MonthlyCount, MonthStamp, RecentCount
from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import AdminArea, Grid, Role, Unit
from civicgrid.registry.selectors import role_codes, staff_of, units_acted_for
from civicgrid.routing.models import Category
from civicgrid.tickets.models import (
    Assignment,
    Decision,
    Event,
    ReturnRequest,
    Satisfaction,
    Solved,
    Supervision,
    Ticket,
)

GROUPINGS = ("unit", "grid", "town", "category")

# Roles that assess or run the whole hotline and so see every unit's figures.
UNRESTRICTED_ROLES = frozenset(
    {Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.CALLBACK_AGENT, Role.ADMINISTRATOR}
)


@dataclass
class RateRow:
    """One line of a league table: a unit, grid, town or first-level category over a period."""

    key: int | str | None
    label: str
    rated: int = 0  # 参评工单数
    contacted_in_time: int = 0
    solved: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0  # 不满意 + 非常不满意
    response_rate: float | None = None
    resolution_rate: float | None = None
    satisfaction_rate: float | None = None
    composite: float | None = None
    received: int = 0
    closed: int = 0
    closed_on_time: int = 0
    on_time_rate: float | None = None
    returns: int = 0
    returns_approved: int = 0
    overdue: int = 0
    supervised: int = 0
    redo: int = 0  # tickets closed in the period that had been reopened 「重办」 at least once
    rank: int | None = None
    # The unit's kind (Unit.Kind value) for a unit row; the grouping ("grid", "town", "category") otherwise.
    kind: str = ""
    # Filled by assessment.fair (all composites on the 0-1 scale, like `composite`; see fair.py).
    composite_shrunk: float | None = None
    composite_lower: float | None = None
    composite_upper: float | None = None
    composite_adjusted: float | None = None
    rankable: bool = False
    verdict: str = ""  # one Chinese sentence explaining the row's placement
    # Filled by assessment.leagues.compare: the same row in the previous period 「环比」 and a year earlier 「同比」.
    composite_prev: float | None = None
    response_prev: float | None = None
    resolution_prev: float | None = None
    satisfaction_prev: float | None = None
    rank_prev: int | None = None
    composite_last_year: float | None = None
    response_last_year: float | None = None
    resolution_last_year: float | None = None
    satisfaction_last_year: float | None = None
    rank_last_year: int | None = None
    rank_move: str = ""  # ↑2 / ↓1 / 持平 / 新, against rank_prev


def scheme_for(day: date) -> AssessmentScheme | None:
    """The active scheme in force on `day`: the one with the latest effective_from not after it."""
    return AssessmentScheme.objects.effective_at(day).order_by("-effective_from", "-pk").first()


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start, end) in local time: inclusive dates, so a ticket rated at 23:30 on the last day counts."""
    tz = timezone.get_default_timezone()
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def unit_scope(user) -> set[int] | None:
    """The unit ids whose figures `user` may see, or None for everything: the units they act for."""
    if user is SYSTEM:
        return None
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        raise PermissionDenied(_("请先登录后再查看考评数据"))
    if user.is_superuser:
        return None
    if staff_of(user) is None:
        raise PermissionDenied(_("您的账号未登记为工作人员，不能查看考评数据"))
    if UNRESTRICTED_ROLES.intersection(role_codes(user)):
        return None
    return units_acted_for(user)


def area_filter(area, path: str = "") -> Q:
    """Tickets (through `path`) located in `area` or any area under it, on one column so the covering
    indexes on (date, ..., town, ...) answer alone: a village/community by its community, a town by its
    town, anything above by the towns under it (a located ticket has both its town and its community)."""
    from civicgrid.party.selectors import area_subtree_ids

    if area.level == AdminArea.Level.VILLAGE:
        return Q(**{f"{path}community_id": area.pk})
    if area.level == AdminArea.Level.TOWN:
        return Q(**{f"{path}town_id": area.pk})
    towns = AdminArea.objects.filter(pk__in=area_subtree_ids([area]), level=AdminArea.Level.TOWN)
    return Q(**{f"{path}town_id__in": list(towns.values_list("pk", flat=True))})


def three_rates(
    *, user, date_from: date, date_to: date, by: str = "unit", scheme=None, area=None, recent: bool = False
) -> list[RateRow]:
    """The three rates and the league-table counts per `by` group over [date_from, date_to] (local dates).

    Rated figures count 参评工单 rated in the period, less those excluded from rating 「不参评」;
    `received` and `closed` count every ticket received or closed in the period. Groups without a
    key (no unit, grid, town or category yet) are left out. Rows come best first, ranked by composite
    (the weighted three rates less the scheme's overdue and supervision deductions, 0 by default).
    With `area` (an AdminArea) only tickets located in it or below count. The counts are those of
    `period_counts` (stored whole months where they are still exact, the rest counted live; with `recent`,
    the dashboard's few-minutes-old windows).
    """
    counts = period_counts(user=user, date_from=date_from, date_to=date_to, by=by, area=area, recent=recent)
    return rate_rows(counts, scheme or scheme_for(date_to) or AssessmentScheme())


# The counts a league-table row adds up; every one is a number of tickets (or returns, notices, supervisions).
COUNT_FIELDS = (
    "rated",
    "contacted_in_time",
    "solved",
    "very_satisfied",
    "satisfied",
    "basic",
    "unsatisfied",
    "received",
    "closed",
    "closed_on_time",
    "redo",
    "returns",
    "returns_approved",
    "overdue",
    "supervised",
)

# Whether `period_counts` may use the stored monthly counts (benchmarks and tests switch it off to compare).
USE_STORED = True
# How often the worker counts the dashboard's recent windows (`aggregates.refresh_recent`), and how old
# such a count may be before a read counts the window live instead (the worker has stopped).
RECENT_EVERY = timedelta(minutes=5)
RECENT_MAX_AGE = timedelta(minutes=15)
# The groupings the leaders' dashboard shows: the ones whose recent windows the worker counts.
RECENT_GROUPINGS = ("unit", "grid", "town")


@dataclass
class PeriodCounts:
    """The counts of one period and grouping, by (group key, first-level category code): rated figures under
    their category, the others under "" (under their key when grouping by category). Keys are None for
    tickets without a group (received but not dispatched, …): no row, but in `all_received`."""

    by: str
    cells: dict
    stored_months: list = field(default_factory=list)  # first days of the months read from MonthlyCount
    counted_at: datetime | None = None  # when the oldest of those months was counted
    # With `recent`: the windows read from RecentCount ((date_from, date_to)), and when the oldest was counted.
    recent_windows: list = field(default_factory=list)
    recent_at: datetime | None = None

    def sum(self, name: str, *, keyed: bool = False) -> int:
        return sum(c[name] for (key, _), c in self.cells.items() if not keyed or key not in (None, ""))


def rate_rows(counts: PeriodCounts, scheme: AssessmentScheme) -> list[RateRow]:
    """The ranked rows of `three_rates` from a period's counts."""
    sums: dict = {}
    for (key, _code), figures in counts.cells.items():
        if key is None or key == "":
            continue
        mine = sums.get(key)
        if mine is None:
            sums[key] = dict(figures)
        else:
            for name, value in figures.items():
                mine[name] += value
    by = counts.by
    names = _names(by, sums.keys())
    w = _scaled(scheme)
    rows = []
    for key, figures in sums.items():
        label, kind = names.get(key, (str(key), ""))
        row = RateRow(key=key, label=label, kind=kind if by == "unit" else by, **figures)
        _fill_rates(row, w)
        rows.append(row)
    return _ranked(rows, w)


def mix_of(counts: PeriodCounts, scheme: AssessmentScheme) -> dict:
    """`rated_by_category` from a period's counts."""
    k = float(scheme.basic_satisfied_weight)
    mix: dict = {}
    # In one order whatever order the database grouped in: the city's category rates add floats up.
    for (key, code), c in sorted(counts.cells.items(), key=lambda item: (str(item[0][0]), item[0][1])):
        if key is None or key == "" or not c["rated"]:
            continue
        mix.setdefault(key, {})[code or ""] = MixCounts(
            rated=c["rated"],
            contacted_in_time=c["contacted_in_time"],
            solved=c["solved"],
            satisfied=c["very_satisfied"] + c["satisfied"] + k * c["basic"],
        )
    return mix


def period_counts(
    *, user, date_from: date, date_to: date, by: str = "unit", area=None, recent: bool = False
) -> PeriodCounts:
    """The counts behind `three_rates` for the period, scoped by `user` and `area` exactly as it says.

    Whole calendar months come from `MonthlyCount` when the worker has counted them and no ticket received
    in or before the month has had an event（工单日志） since (`fresh_months`); the partial months at the
    edges, months not counted yet and stale months are counted live. The stored rows keep each group's town,
    so a scope the rows can honour uses them: no `user` restriction or the grouping by unit (a unit sees its
    own rows), and no area or an area at town level or above. Any other scope is counted live.

    With `recent` (the leaders' dashboard only), a part left over (`uncovered`) that the worker has counted as
    a recent window (`RecentCount`, at most `RECENT_MAX_AGE` old) comes from that count as the tickets stood
    then, plus a live count of the times after it: figures up to a few minutes behind on changes to tickets
    already counted (a re-dispatch, a rating excluded) and on rows written after the count with a time before
    it (an entry backdated), not exact. Its scope rule is the months' one, without an area (the windows keep
    no town)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    if date_from > date_to:
        raise ValueError("date_from is after date_to")
    units = unit_scope(user)
    result = PeriodCounts(by=by, cells={})
    towns = None
    storable = USE_STORED and (units is None or by == "unit")
    if storable and area is not None:
        towns = _towns_of(area)
        storable = towns is not None
    stamps = fresh_months(whole_months(date_from, date_to)) if storable else {}
    if stamps:
        result.stored_months = sorted(stamps)
        result.counted_at = min(stamp.computed_at for stamp in stamps.values())
        _add_stored(result.cells, by, result.stored_months, units, towns)
    gaps = uncovered(date_from, date_to, result.stored_months)
    windows = _recent_cells(by, gaps, units) if recent and storable and area is None else {}
    for gap in gaps:
        start, end = period_bounds(*gap)
        counted = windows.get(gap)
        if counted is not None:
            counted_at, cells = counted
            _add(result.cells, cells)
            result.recent_windows.append(gap)
            result.recent_at = min(result.recent_at or counted_at, counted_at)
            start = max(start, counted_at)
        if start < end:
            _add(result.cells, live_cells(by, start, end, units, area))
    return result


def uncovered(date_from: date, date_to: date, months: list[date]) -> list[tuple[date, date]]:
    """The parts of [date_from, date_to] (inclusive dates) outside the whole `months` (first days, sorted):
    what a read counts live, and what the worker counts as the dashboard's recent windows."""
    gaps, cursor = [], date_from
    for month in months:
        if cursor < month:
            gaps.append((cursor, month - timedelta(days=1)))
        cursor = month_end_day(month) + timedelta(days=1)
    if cursor <= date_to:
        gaps.append((cursor, date_to))
    return gaps


def _recent_cells(by: str, gaps: list[tuple[date, date]], units) -> dict:
    """{(date_from, date_to): (counted_at, cells)} for the gaps with a recent count young enough. A window
    with no cells is left out: counted live, which costs little for a window that empty."""
    if not gaps:
        return {}
    now = timezone.now()
    which = Q()
    for first, last in gaps:
        which |= Q(date_from=first, date_to=last)
    rows = RecentCount.objects.filter(
        which, by=by, counted_at__gte=now - RECENT_MAX_AGE, counted_at__lte=now
    ).values_list("date_from", "date_to", "counted_at", "cells")
    keep = None if units is None else {str(unit) for unit in units}
    found: dict = {}
    for first, last, counted_at, stored in rows:
        cells = {
            (_stored_key(by, key), code): dict(zip(COUNT_FIELDS, figures, strict=True))
            for key, code, *figures in stored
            if keep is None or key in keep
        }
        if cells:
            found[(first, last)] = (counted_at, cells)
    return found


def whole_months(date_from: date, date_to: date) -> list[date]:
    """The first days of the calendar months lying wholly in [date_from, date_to]."""
    months = []
    month = date_from.replace(day=1)
    if month < date_from:
        month = month_end_day(month) + timedelta(days=1)
    while month_end_day(month) <= date_to:
        months.append(month)
        month = month_end_day(month) + timedelta(days=1)
    return months


def month_end_day(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def fresh_months(months: list[date]) -> dict:
    """{month: MonthStamp} for the months whose stored counts are still exact: counted, and no event（工单日志）
    after the last one the count included either is dated before the month's end or may restate a finished
    month (`Event.restates`, `tickets.restating`) on a ticket received before the month's end. Every change to
    a ticket writes an event; one that only adds facts dated at its own time adds to that time's month; and a
    ticket's dates never precede its receipt, so a restating event on a ticket received after the month cannot
    have changed the month's figures either."""
    if not months:
        return {}
    stamps = {stamp.month: stamp for stamp in MonthStamp.objects.filter(month__in=months)}
    for mark in {stamp.last_event for stamp in stamps.values()}:
        newer = Event.objects.filter(pk__gt=mark)
        times = [
            newer.filter(restates=True).aggregate(first=Min("ticket__received_at"))["first"],
            newer.aggregate(first=Min("at"))["first"],
        ]
        times = [time for time in times if time is not None]
        if not times:
            continue
        first = min(times)
        for month, stamp in list(stamps.items()):
            if stamp.last_event == mark and period_bounds(month, month_end_day(month))[1] > first:
                del stamps[month]
    return stamps


def _towns_of(area) -> list[int] | None:
    """The towns `area_filter` keeps tickets of, or None for a village/community (filtered on its own column,
    which the stored counts do not keep)."""
    if area.level == AdminArea.Level.VILLAGE:
        return None
    if area.level == AdminArea.Level.TOWN:
        return [area.pk]
    return list(area_filter(area).children[0][1])


def _add(cells: dict, more: dict) -> None:
    for cell, figures in more.items():
        mine = cells.get(cell)
        if mine is None:
            cells[cell] = dict(figures)
        else:
            for name, value in figures.items():
                mine[name] += value


def _add_stored(cells: dict, by: str, months: list[date], units, towns) -> None:
    rows = MonthlyCount.objects.filter(by=by, month__in=months)
    if units is not None:
        rows = rows.filter(key__in=[str(unit) for unit in units])
    if towns is not None:
        rows = rows.filter(town__in=towns)
    figures = (
        rows.values("key", "code")
        .annotate(**{name: Sum(name) for name in COUNT_FIELDS})
        .order_by()
        .values_list("key", "code", *COUNT_FIELDS)
    )
    # Fetched raw: the ORM's per-value converters cost more than the query over a province's ten thousand cells.
    sql, params = figures.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        stored = cursor.fetchall()
    _add(
        cells,
        {
            # A group's sums are never NULL: every row has every figure, 0 by default.
            (_stored_key(by, key), code): dict(zip(COUNT_FIELDS, values, strict=True))
            for key, code, *values in stored
        },
    )


def _stored_key(by: str, key: str):
    if by == "category" or key == "":
        return key or None
    return int(key)


def live_cells(by: str, start: datetime, end: datetime, units, area, *, with_town: bool = False) -> dict:
    """The counts of [start, end) counted from the tickets: {(key, code): {figure: count}}, or with `with_town`
    {(key, code, town): …} (what `MonthlyCount` keeps). Every figure is zero-filled."""
    cells: dict = {}

    def merge(queryset, key, scope: Q, path: str, code: bool):
        if units is not None:
            queryset = queryset.filter(scope)
        if area is not None:
            queryset = queryset.filter(area_filter(area, path))
        dims = {"key": key, **({"code": Substr(path + "category_code", 1, 2)} if code else {})}
        if with_town:
            dims["town_id_"] = F(path + "town")
        for figures in queryset.values(**dims).annotate(**figures_of[queryset.model]).order_by():
            cell = (figures.pop("key"), (figures.pop("code", "") or "") if code else "")
            if with_town:
                cell += (figures.pop("town_id_"),)
            row = cells.setdefault(cell, dict.fromkeys(COUNT_FIELDS, 0))
            for name, value in figures.items():
                row[name] += value

    figures_of = {}
    tickets = Ticket.objects.filter(rated_at__gte=start, rated_at__lt=end, excluded_from_rating=False)
    figures_of[Ticket] = dict(
        rated=Count("pk"),
        contacted_in_time=Count("pk", filter=Q(rated_contacted_in_time=True)),
        solved=Count("pk", filter=Q(rated_solved=Solved.SOLVED)),
        very_satisfied=Count("pk", filter=Q(rated_satisfaction=Satisfaction.VERY_SATISFIED)),
        satisfied=Count("pk", filter=Q(rated_satisfaction=Satisfaction.SATISFIED)),
        basic=Count("pk", filter=Q(rated_satisfaction=Satisfaction.BASIC)),
        unsatisfied=Count(
            "pk",
            filter=Q(rated_satisfaction__in=[Satisfaction.UNSATISFIED, Satisfaction.VERY_UNSATISFIED]),
        ),
    )
    # The rated pass keeps the category for the category-mix adjustment (`rated_by_category`).
    merge(tickets, _ticket_key(by, rated=True), Q(rated_unit__in=units or ()), "", True)
    figures_of[Ticket] = dict(received=Count("pk"))
    merge(
        Ticket.objects.filter(received_at__gte=start, received_at__lt=end),
        _ticket_key(by),
        Q(lead_unit__in=units or ()),
        "",
        False,
    )
    figures_of[Ticket] = dict(
        closed=Count("pk"),
        closed_on_time=Count("pk", filter=Q(closed_on_time=True)),
        redo=Count("pk", filter=Q(redo_count__gt=0)),
    )
    merge(
        Ticket.objects.filter(closed_at__gte=start, closed_at__lt=end),
        _ticket_key(by),
        Q(lead_unit__in=units or ()),
        "",
        False,
    )
    figures_of[ReturnRequest] = dict(
        returns=Count("pk"), returns_approved=Count("pk", filter=Q(decision=Decision.APPROVED))
    )
    merge(
        ReturnRequest.objects.filter(requested_at__gte=start, requested_at__lt=end),
        F("assignment__unit") if by == "unit" else _ticket_key(by, "assignment__ticket__"),
        Q(assignment__unit__in=units or ()),
        "assignment__ticket__",
        False,
    )
    figures_of[Assignment] = dict(overdue=Count("pk"))
    merge(
        Assignment.objects.filter(overdue_issued_at__gte=start, overdue_issued_at__lt=end),
        F("unit") if by == "unit" else _ticket_key(by, "ticket__"),
        Q(unit__in=units or ()),
        "ticket__",
        False,
    )
    figures_of[Supervision] = dict(supervised=Count("pk"))
    merge(
        # A supervision of the whole ticket (no unit named) presses its lead unit.
        Supervision.objects.filter(at__gte=start, at__lt=end),
        Coalesce("unit", "ticket__lead_unit") if by == "unit" else _ticket_key(by, "ticket__"),
        Q(unit__in=units or ()) | Q(unit__isnull=True, ticket__lead_unit__in=units or ()),
        "ticket__",
        False,
    )
    return cells


def totals(rows: list[RateRow]) -> RateRow:
    """The whole scope as one row: counts summed, rates recomputed over the summed denominators."""
    total = RateRow(key=None, label=_("合计"))
    for name in COUNT_FIELDS:
        setattr(total, name, sum(getattr(row, name) for row in rows))
    if total.rated:
        total.response_rate = total.contacted_in_time / total.rated
        total.resolution_rate = total.solved / total.rated
        # Satisfaction and composite are linear in the counts with the rows' own k and weights,
        # so their rated-weighted mean is the figure over the whole scope.
        rated_rows = [row for row in rows if row.rated]
        total.satisfaction_rate = sum(r.satisfaction_rate * r.rated for r in rated_rows) / total.rated
        total.composite = sum(r.composite * r.rated for r in rated_rows) / total.rated
    if total.closed:
        total.on_time_rate = total.closed_on_time / total.closed
    return total


def _ticket_key(by: str, path: str = "", *, rated: bool = False):
    if by == "unit":
        return F(path + ("rated_unit" if rated else "lead_unit"))
    if by == "category":
        return Substr(path + "category_code", 1, 2)
    return F(path + by)


def _names(by: str, keys) -> dict:
    """{key: (label, unit kind or "")} in one query."""
    keys = list(keys)
    if not keys:
        return {}
    # A province's thousand keys as query parameters cost more than reading the whole table of units or grids.
    many = len(keys) > 200
    if by == "unit":
        units = Unit.objects.all() if many else Unit.objects.filter(pk__in=keys)
        return {pk: (name, kind) for pk, name, kind in units.values_list("pk", "name", "kind")}
    if by == "grid":
        grids = Grid.objects.all() if many else Grid.objects.filter(pk__in=keys)
        return {pk: (name, "") for pk, name in grids.values_list("pk", "name")}
    if by == "town":
        return {
            pk: (name, "") for pk, name in AdminArea.objects.filter(pk__in=keys).values_list("pk", "name")
        }
    # Codes repeat across category versions; the most recently added active row names the code.
    rows = Category.objects.filter(code__in=keys).order_by("is_active", "pk").values_list("code", "name")
    return {code: (name, "") for code, name in rows}


def _weights(scheme: AssessmentScheme) -> tuple[Fraction, ...]:
    """(k, w_r, w_s, w_m, d_overdue, d_supervision) as exact fractions, so equal scores compare equal
    when ranking; the deductions turned from points of the 0-100 score into the 0-1 scale."""
    return tuple(
        Fraction(str(value))
        for value in (
            scheme.basic_satisfied_weight,
            scheme.weight_response,
            scheme.weight_resolution,
            scheme.weight_satisfaction,
        )
    ) + (
        Fraction(str(scheme.overdue_deduction or 0)) / 100,
        Fraction(str(scheme.supervision_deduction or 0)) / 100,
    )


def deduction(row: RateRow, scheme: AssessmentScheme) -> float:
    """What the scheme takes off the composite (0-1 scale) for the row's overdue notices and supervisions."""
    if not row.rated:
        return 0.0
    d_o, d_s = _weights(scheme)[4:]
    return float((d_o * row.overdue + d_s * row.supervised) / row.rated)


@dataclass(frozen=True)
class _Scaled:
    """A scheme's weights as integers over one denominator `scale` (k as k_num / k_den): a row's rates then come
    from integer sums, exact like fractions and far quicker over a province's thousand rows a table."""

    scale: int
    k_num: int
    k_den: int
    w_r: int
    w_s: int
    w_m: int
    w_mk: int  # w_m × k
    d_o: int
    d_s: int


def _scaled(scheme: AssessmentScheme) -> _Scaled:
    k, w_r, w_s, w_m, d_o, d_s = _weights(scheme)
    parts = (w_r, w_s, w_m, w_m * k, d_o, d_s)
    scale = lcm(*(part.denominator for part in parts))
    return _Scaled(scale, k.numerator, k.denominator, *(int(part * scale) for part in parts))


def _numerator(row: RateRow, w: _Scaled) -> int:
    """The composite × rated × scale, an integer."""
    return (
        w.w_r * row.contacted_in_time
        + w.w_s * row.solved
        + w.w_m * (row.very_satisfied + row.satisfied)
        + w.w_mk * row.basic
        - w.d_o * row.overdue
        - w.d_s * row.supervised
    )


def fill_rates(row: RateRow, scheme: AssessmentScheme) -> None:
    """Fill a row's rates and composite from its counts by `scheme`: the one definition of each figure."""
    _fill_rates(row, _scaled(scheme))


def _fill_rates(row: RateRow, w: _Scaled) -> None:
    # int / int is correctly rounded, so each figure is the float nearest its exact value.
    if row.rated:
        row.response_rate = row.contacted_in_time / row.rated
        row.resolution_rate = row.solved / row.rated
        satisfied = w.k_den * (row.very_satisfied + row.satisfied) + w.k_num * row.basic
        row.satisfaction_rate = satisfied / (w.k_den * row.rated)
        row.composite = _numerator(row, w) / (w.scale * row.rated)
    if row.closed:
        row.on_time_rate = row.closed_on_time / row.closed


def _ranked(rows: list[RateRow], w: _Scaled) -> list[RateRow]:
    # Ordered on the float composite, then within any run of equal floats on the exact score (the common scale
    # left out), so equal composites share a rank and unequal ones never do: exact, without a thousand fractions.
    exact = {id(row): (_numerator(row, w), row.rated) for row in rows if row.rated}
    rows.sort(
        key=lambda row: (row.composite is None, -(row.composite or 0), -row.rated, row.label, str(row.key))
    )
    start = 0
    while start < len(rows):
        end = start + 1
        while (
            end < len(rows)
            and rows[end].composite is not None
            and rows[end].composite == rows[start].composite
        ):
            end += 1
        if end - start > 1 and rows[start].composite is not None:
            rows[start:end] = sorted(
                rows[start:end],
                key=lambda row: (-Fraction(*exact[id(row)]), -row.rated, row.label, str(row.key)),
            )
        start = end
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        score = exact.get(id(row))
        if score is None:
            break
        if previous is None or score[0] * previous[1] != previous[0] * score[1]:
            rank = position
        previous = score
        row.rank = rank
    return rows


@dataclass
class MixCounts:
    """Rated tickets of one group in one first-level category: the numerators of the three rates."""

    rated: int = 0
    contacted_in_time: int = 0
    solved: int = 0
    satisfied: float = 0.0  # 非常满意 + 满意 + k × 基本满意


def rated_by_category(
    *, user, date_from: date, date_to: date, by: str = "unit", scheme=None, area=None
) -> dict:
    """{group key: {first-level category code ("" when none): MixCounts}} over the period's rated tickets,
    counted and scoped exactly like the rated figures of `three_rates` (the same `period_counts`)."""
    counts = period_counts(user=user, date_from=date_from, date_to=date_to, by=by, area=area)
    return mix_of(counts, scheme or scheme_for(date_to) or AssessmentScheme())
