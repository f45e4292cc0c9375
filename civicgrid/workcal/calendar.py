"""Working-day arithmetic for deadlines: the public API the rest of civicgrid uses.

All answers come from an in-process snapshot of the calendar tables (sorted working-day ordinals,
prefix sums of office time, confirmed years), so a call costs a few bisects and no query. The
snapshot is dropped when this process saves a calendar row and re-validated against the database
every few seconds, because other processes (workers, a second web server) may change the calendar.

Dates are local dates in settings.TIME_ZONE (Asia/Shanghai); naive datetimes are read as local
wall-clock time; datetimes returned are aware and local.

Every computation refuses (CalendarNotConfirmed) to use a year no one has confirmed, unless called with
provisional=True: then such a year counts Monday to Friday as working days less the statutory holidays
the `holidays` package computes for it (no make-up days), and the answer is a Reckoned(value,
provisional) saying whether any such year was used. A confirmed year is always used as confirmed.
"""

import threading
import time as _time
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import groupby
from typing import Any, NamedTuple

import holidays
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext

from civicgrid.core.refusal import Refusal
from civicgrid.workcal.models import CalendarYear, OfficeHours, WorkDay, parse_periods

__all__ = [
    "CalendarError",
    "CalendarNotConfirmed",
    "Reckoned",
    "add_working_days",
    "add_working_hours",
    "invalidate",
    "is_workday",
    "provisional_reason",
    "reposition",
    "unconfirmed_years",
    "working_days_between",
    "working_time_between",
]

_US_PER_MINUTE = 60_000_000
# How far past the last confirmed year (or this year) provisional computations may reach.
PROVISIONAL_YEARS_AHEAD = 2


class CalendarError(Refusal):
    """A calendar computation or change that cannot be done; the message is for people, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CalendarNotConfirmed(CalendarError):
    """The computation needs a year whose calendar no one has confirmed (or that is incomplete)."""

    def __init__(self, year: int, message: str | None = None):
        super().__init__(
            message
            or gettext(
                "%(year)d 年的工作日历尚未确认：请管理员在后台确认该年份，"
                "或执行 civicgrid workdays import %(year)d.json"
            )
            % {"year": year}
        )
        self.year = year


class Reckoned(NamedTuple):
    """A result computed with provisional=True: `provisional` when it used a year not yet confirmed."""

    value: Any
    provisional: bool


def provisional_reason(year: int) -> str:
    """Why a deadline reaching `year` is provisional, as shown beside it."""
    return gettext("%(year)d 年节假日安排尚未确认，暂按周末和法定节日计算") % {"year": year}


@lru_cache(maxsize=16)
def _rule_workdays(year: int) -> tuple[int, ...]:
    """The provisional rule for a year: Monday to Friday less the statutory holidays, no make-up days."""
    rest = set(holidays.CN(years=year))
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    return tuple(
        o for o in range(first, last + 1) if (day := date.fromordinal(o)).weekday() < 5 and day not in rest
    )


@dataclass(frozen=True, slots=True)
class _Snapshot:
    signature: tuple
    workdays: list[int]  # ordinals of working days, ascending
    workday_set: frozenset[int]
    # prefix[i] = office time (µs) on workdays[0..i-1], under the office hours in force on each day
    prefix: list[int]
    # usable = confirmed and complete years, merged into inclusive ordinal spans
    span_starts: list[int]
    span_ends: list[int]
    year_problems: dict[int, str]  # confirmed but incomplete years → message
    version_starts: list[int]  # OfficeHours.effective_from ordinals, ascending
    version_periods: list[tuple[tuple[int, int], ...]]  # (start µs, end µs) of day
    tz: object
    provisional_years: frozenset[int] = frozenset()  # years this snapshot fills in by the provisional rule
    views: dict = field(default_factory=dict)  # (first year, last year) → provisional view of this snapshot


_snapshot: _Snapshot | None = None
_checked_at = float("-inf")
_lock = threading.Lock()
_clock = _time.monotonic


def invalidate() -> None:
    """Forget the snapshot; the next call reloads the calendar from the database."""
    global _snapshot
    _snapshot = None


def invalidate_on_commit(using: str | None = None) -> None:
    """For writers: drop the snapshot now (own transaction sees the change) and again after commit."""
    invalidate()
    transaction.on_commit(invalidate, using=using)


def on_calendar_saved(sender, using=None, **kwargs) -> None:
    """post_save/post_delete receiver for the calendar tables (bulk writers call invalidate_on_commit)."""
    invalidate_on_commit(using)


def _check_seconds() -> float:
    return float(settings.CIVICGRID_WORKCAL_CHECK_SECONDS)


def _signature() -> tuple:
    return tuple(
        tuple(model.objects.aggregate(n=Count("pk"), at=Max("updated_at")).values())
        for model in (WorkDay, CalendarYear, OfficeHours)
    )


def _load(signature: tuple) -> _Snapshot:
    rows = list(WorkDay.objects.order_by("date").values_list("date", "is_workday"))
    workdays = [d.toordinal() for d, is_work in rows if is_work]

    days_per_year = {y: len(list(g)) for y, g in groupby(d.year for d, _ in rows)}
    usable, problems = [], {}
    for year in CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True):
        expected = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        found = days_per_year.get(year, 0)
        if found == expected:
            usable.append(year)
        else:
            problems[year] = gettext(
                "%(year)d 年的工作日历已标记为确认，但日期不全（应有 %(expected)d 天，实有 %(found)d 天）："
                "请补齐后重新确认，或执行 civicgrid workdays import %(year)d.json"
            ) % {"year": year, "expected": expected, "found": found}
    span_starts, span_ends = [], []
    for year in sorted(usable):
        if span_ends and span_ends[-1] == date(year, 1, 1).toordinal() - 1:
            span_ends[-1] = date(year, 12, 31).toordinal()
        else:
            span_starts.append(date(year, 1, 1).toordinal())
            span_ends.append(date(year, 12, 31).toordinal())

    version_starts, version_periods = [], []
    for effective_from, text in OfficeHours.objects.order_by("effective_from").values_list(
        "effective_from", "periods"
    ):
        version_starts.append(effective_from.toordinal())
        version_periods.append(
            tuple((s * _US_PER_MINUTE, e * _US_PER_MINUTE) for s, e in parse_periods(text))
        )

    return _build(
        signature=signature,
        workdays=workdays,
        span_starts=span_starts,
        span_ends=span_ends,
        year_problems=problems,
        version_starts=version_starts,
        version_periods=version_periods,
        tz=timezone.get_default_timezone(),
    )


def _build(*, workdays: list[int], version_starts, version_periods, **fields) -> _Snapshot:
    prefix, total, v = [0], 0, -1
    for ordinal in workdays:
        while v + 1 < len(version_starts) and version_starts[v + 1] <= ordinal:
            v += 1
        if v >= 0:
            total += sum(e - s for s, e in version_periods[v])
        prefix.append(total)
    return _Snapshot(
        workdays=workdays,
        workday_set=frozenset(workdays),
        prefix=prefix,
        version_starts=version_starts,
        version_periods=version_periods,
        **fields,
    )


def _year_usable(snap: _Snapshot, year: int) -> bool:
    first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    i = bisect_right(snap.span_starts, first) - 1
    return i >= 0 and last <= snap.span_ends[i]


def _view(snap: _Snapshot) -> _Snapshot:
    """`snap` with every unusable year from the first confirmed one (or this year) to a few years past the
    last (or this year) filled in by the provisional rule; cached on the snapshot."""
    this_year = timezone.localdate().year
    first_year = min(date.fromordinal(snap.span_starts[0]).year if snap.span_starts else this_year, this_year)
    last_year = max(date.fromordinal(snap.span_ends[-1]).year if snap.span_ends else this_year, this_year)
    key = (first_year, last_year + PROVISIONAL_YEARS_AHEAD)
    view = snap.views.get(key)
    if view is not None:
        return view
    first_year, last_year = key
    workdays, provisional = [], []
    for year in range(first_year, last_year + 1):
        if _year_usable(snap, year):
            low = bisect_left(snap.workdays, date(year, 1, 1).toordinal())
            high = bisect_right(snap.workdays, date(year, 12, 31).toordinal())
            workdays.extend(snap.workdays[low:high])
        else:
            provisional.append(year)
            workdays.extend(_rule_workdays(year))
    view = _build(
        signature=snap.signature,
        workdays=workdays,
        span_starts=[date(first_year, 1, 1).toordinal()],
        span_ends=[date(last_year, 12, 31).toordinal()],
        year_problems={},
        version_starts=snap.version_starts,
        version_periods=snap.version_periods,
        tz=snap.tz,
        provisional_years=frozenset(provisional),
    )
    snap.views[key] = view
    return view


def _reckoned(view: _Snapshot, value, first: int, last: int) -> Reckoned:
    """`value` computed on `view`, using the days between the ordinals `first` and `last`."""
    low, high = date.fromordinal(first).year, date.fromordinal(last).year
    return Reckoned(value, any(low <= year <= high for year in view.provisional_years))


def _current() -> _Snapshot:
    snap = _snapshot
    if snap is not None and _clock() < _checked_at:
        return snap
    return _refresh()


def _refresh() -> _Snapshot:
    global _snapshot, _checked_at
    with _lock:
        # The signature is read before the rows: a change in between makes the next check reload.
        signature = _signature()
        snap = _snapshot
        if snap is None or snap.signature != signature:
            snap = _load(signature)
            _snapshot = snap
        _checked_at = _clock() + _check_seconds()
        return snap


def _not_confirmed(snap: _Snapshot, year: int) -> CalendarNotConfirmed:
    return CalendarNotConfirmed(year, snap.year_problems.get(year))


def _first_unusable_year(snap: _Snapshot, ordinal: int) -> int:
    """The first year, from the one containing `ordinal` on, that may not be used."""
    i = bisect_right(snap.span_starts, ordinal) - 1
    if i >= 0 and ordinal <= snap.span_ends[i]:
        return date.fromordinal(snap.span_ends[i]).year + 1
    return date.fromordinal(ordinal).year


def _require(snap: _Snapshot, first: int, last: int) -> None:
    """Every day in [first, last] (ordinals) must lie in a confirmed, complete year."""
    i = bisect_right(snap.span_starts, first) - 1
    if i < 0 or last > snap.span_ends[i]:
        raise _not_confirmed(snap, _first_unusable_year(snap, first))


def _local(value: datetime, tz) -> datetime:
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def _ordinal(value: date | datetime, tz) -> int:
    if isinstance(value, datetime):
        return _local(value, tz).toordinal()
    return value.toordinal()


def is_workday(d: date | datetime) -> bool:
    """Whether `d` (its local date, for a datetime) is a working day."""
    snap = _current()
    ordinal = _ordinal(d, snap.tz)
    _require(snap, ordinal, ordinal)
    return ordinal in snap.workday_set


def add_working_days(start: date | datetime, n: int, *, provisional: bool = False):
    """The n-th working day strictly after `start`'s date; for a datetime, at the same local time.

    n == 0 returns `start` unchanged. Working days in (start, result] == n, and the result is a
    working day. With provisional=True, a Reckoned (see the module docstring).
    """
    if n.__class__ is not int:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(gettext("工作日天数必须是整数"))
        n = int(n)
    if n < 0:
        raise ValueError(gettext("工作日天数不能为负数"))
    if n == 0:
        return Reckoned(start, False) if provisional else start
    snap = _view(_current()) if provisional else _current()
    if isinstance(start, datetime):
        local = _local(start, snap.tz)
        ordinal = local.toordinal()
    else:
        local = None
        ordinal = start.toordinal()
    workdays = snap.workdays
    i = bisect_right(workdays, ordinal) + n - 1
    if i >= len(workdays):
        raise _not_confirmed(snap, _first_unusable_year(snap, ordinal + 1))
    result = workdays[i]
    _require(snap, ordinal + 1, result)
    if local is None:
        value = date.fromordinal(result)
    else:
        value = datetime.combine(date.fromordinal(result), local.time(), tzinfo=snap.tz)
    return _reckoned(snap, value, ordinal + 1, result) if provisional else value


def working_days_between(d1: date | datetime, d2: date | datetime, *, provisional: bool = False):
    """Working days in (d1, d2]; negative when d2 is before d1. With provisional=True, a Reckoned."""
    snap = _view(_current()) if provisional else _current()
    o1, o2 = _ordinal(d1, snap.tz), _ordinal(d2, snap.tz)
    if o1 == o2:
        return Reckoned(0, False) if provisional else 0
    low, high = (o1, o2) if o1 < o2 else (o2, o1)
    _require(snap, low + 1, high)
    count = bisect_right(snap.workdays, high) - bisect_right(snap.workdays, low)
    if o1 > o2:
        count = -count
    return _reckoned(snap, count, low + 1, high) if provisional else count


def _to_microseconds(hours) -> int:
    if isinstance(hours, timedelta):
        return (hours.days * 86_400 + hours.seconds) * 1_000_000 + hours.microseconds
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError(gettext("工作时长应为小时数（数字）或 timedelta"))
    return int(round(Decimal(str(hours)) * 3_600_000_000))


def _periods_on(snap: _Snapshot, ordinal: int) -> tuple[tuple[int, int], ...]:
    v = bisect_right(snap.version_starts, ordinal) - 1
    if v < 0:
        raise CalendarError(
            gettext("%(date)s 早于最早的办公时间设置，无法按工作时计算：请在后台添加更早生效的办公时间")
            % {"date": date.fromordinal(ordinal).isoformat()}
        )
    return snap.version_periods[v]


def _position(snap: _Snapshot, local: datetime) -> int:
    """Office time (µs) from the calendar's beginning up to `local`."""
    ordinal = local.toordinal()
    periods = _periods_on(snap, ordinal)
    i = bisect_left(snap.workdays, ordinal)
    position = snap.prefix[i]
    if i < len(snap.workdays) and snap.workdays[i] == ordinal:
        now = ((local.hour * 60 + local.minute) * 60 + local.second) * 1_000_000 + local.microsecond
        for start, end in periods:
            if now <= start:
                break
            position += min(now, end) - start
    return position


def add_working_hours(start: datetime, hours: float | Decimal | timedelta, *, provisional: bool = False):
    """`start` plus `hours` of office time on working days (office hours in force on each day).

    A start outside office hours begins counting at the next office period; a result that lands
    exactly on the end of a period stays there rather than moving to the next period. With
    provisional=True, a Reckoned.
    """
    amount = _to_microseconds(hours)
    if amount < 0:
        raise ValueError(gettext("工作时长不能为负数"))
    if amount == 0:
        return Reckoned(start, False) if provisional else start
    snap = _view(_current()) if provisional else _current()
    local = _local(start, snap.tz)
    ordinal = local.toordinal()
    _require(snap, ordinal, ordinal)
    target = _position(snap, local) + amount
    k = bisect_left(snap.prefix, target) - 1
    if k >= len(snap.workdays):
        raise _not_confirmed(snap, _first_unusable_year(snap, ordinal))
    day = snap.workdays[k]
    _require(snap, ordinal, day)
    offset = target - snap.prefix[k]
    for period_start, period_end in _periods_on(snap, day):
        if offset <= period_end - period_start:
            moment = period_start + offset
            break
        offset -= period_end - period_start
    d = date.fromordinal(day)
    value = datetime(d.year, d.month, d.day, tzinfo=snap.tz) + timedelta(microseconds=moment)
    return _reckoned(snap, value, ordinal, day) if provisional else value


def working_time_between(a: datetime, b: datetime, *, provisional: bool = False):
    """Office time between two instants; negative when b is before a. Inverse of add_working_hours.

    With provisional=True, a Reckoned.
    """
    snap = _view(_current()) if provisional else _current()
    a, b = _local(a, snap.tz), _local(b, snap.tz)
    first, last = sorted((a.toordinal(), b.toordinal()))
    _require(snap, first, last)
    value = timedelta(microseconds=_position(snap, b) - _position(snap, a))
    return _reckoned(snap, value, first, last) if provisional else value


def unconfirmed_years(first: date | datetime, last: date | datetime) -> list[int]:
    """The years from `first`'s to `last`'s (local dates) that deadlines may not use as confirmed."""
    snap = _current()
    low, high = sorted((_local_year(first, snap.tz), _local_year(last, snap.tz)))
    return [year for year in range(low, high + 1) if not _year_usable(snap, year)]


def _local_year(value: date | datetime, tz) -> int:
    return _local(value, tz).year if isinstance(value, datetime) else value.year


def reposition(value: datetime, year: int) -> datetime:
    """Where a moment counted provisionally through `year` lands now that `year` is confirmed.

    It keeps its place in working time: the same n-th working day counted from 1 January of `year`
    (later years as they stand), at the same time of day. A moment before `year`, or on a day that was
    not a working day under the provisional rule, was not counted in working time and is kept.
    """
    view = _view(_current())
    local = _local(value, view.tz)
    ordinal = local.toordinal()
    jan1, dec31 = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
    if ordinal < jan1:
        return value
    rule = _rule_workdays(year)
    if ordinal <= dec31:
        position = bisect_right(rule, ordinal)
        if position == 0 or rule[position - 1] != ordinal:
            return value
    else:
        if ordinal not in view.workday_set:
            return value
        position = len(rule) + bisect_right(view.workdays, ordinal) - bisect_right(view.workdays, dec31)
    i = bisect_left(view.workdays, jan1) + position - 1
    if i >= len(view.workdays):
        raise _not_confirmed(view, _first_unusable_year(view, jan1))
    return datetime.combine(date.fromordinal(view.workdays[i]), local.time(), tzinfo=view.tz)
