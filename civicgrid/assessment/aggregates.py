"""The stored monthly counts (`MonthlyCount`) behind the league tables, kept by the background worker.

Rule. A month is counted once it is over (local time), from the same live count a league table makes
(`selectors.live_cells`), for every grouping, with each group's town and each rated ticket's first-level
category. Its `MonthStamp` records the last ticket event（工单日志） the count saw. Every change to a ticket
writes an event and no ticket date precedes its receipt, so a month stays exact until a newer event is dated
before the month's end, or may restate a finished month (`tickets.restating`: a moved key, a changed rating,
a resumed clock, …) on a ticket received before the month's end: from then on a read counts that month live
(`selectors.fresh_months`) and the next worker pass counts it again; a month the pass finds still exact has its
watermark moved up to the newest event, so a read only looks at the events of the last pass or so.
Nothing below assessment marks anything: the event log is the watermark. Not covered: a ticket deleted
outright (tickets are never deleted; its events would go with it).

The dashboard's recent windows (`RecentCount`). What the leaders' dashboard's ready-made periods (this month
to date, last month, the last 90 days, each with its 环比 and 同比) leave outside whole finished months is
counted every `RECENT_EVERY` by `refresh_recent`, for the dashboard's groupings, as the tickets stand then;
the dashboard reads such a count plus a live count of the times after it (`selectors.period_counts` with
`recent`). These are not exact in the months' sense: a change to a ticket already counted shows at the next
count, and the page says when that was.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from civicgrid.assessment.models import MonthlyCount, MonthStamp, RecentCount
from civicgrid.assessment.selectors import (
    COUNT_FIELDS,
    GROUPINGS,
    RECENT_EVERY,
    RECENT_GROUPINGS,
    fresh_months,
    live_cells,
    month_end_day,
    period_bounds,
    uncovered,
    whole_months,
)
from civicgrid.tickets.models import Event, Ticket

# Months counted in one worker pass at most (a month of a large city takes a few seconds): the rest wait
# for the next pass, and reads count them live meanwhile.
MONTHS_PER_PASS = 3


def count_month(month: date, now: datetime | None = None) -> int:
    """Count `month` (its first day) again: its rows replaced and its stamp renewed in one transaction."""
    with transaction.atomic():
        # Read the watermark first: an event written while counting is newer than it and re-opens the month.
        mark = Event.objects.aggregate(mark=Max("pk"))["mark"] or 0
        start, end = period_bounds(month, month_end_day(month))
        rows = []
        for by in GROUPINGS:
            for (key, code, town), figures in live_cells(by, start, end, None, None, with_town=True).items():
                rows.append(
                    MonthlyCount(
                        month=month,
                        by=by,
                        key="" if key is None else str(key),
                        town=town,
                        code=code or "",
                        **{name: figures[name] for name in COUNT_FIELDS},
                    )
                )
        MonthlyCount.objects.filter(month=month).delete()
        MonthlyCount.objects.bulk_create(rows, batch_size=2000)
        MonthStamp.objects.update_or_create(
            month=month, defaults={"computed_at": now or timezone.now(), "last_event": mark}
        )
    return len(rows)


def months_due(now: datetime) -> list[date]:
    """The finished months not counted or no longer exact, newest first (the pages most read)."""
    first = Ticket.objects.aggregate(first=Min("received_at"))["first"]
    if first is None:
        return []
    today = timezone.localdate(now)
    month = timezone.localtime(first).date().replace(day=1)
    finished = []
    while month_end_day(month) < today:
        finished.append(month)
        month = month_end_day(month) + timedelta(days=1)
    # Read before the check: every event up to it is then known not to touch the months found fresh, so
    # their watermark moves up and later checks (every page read) only look at newer events.
    mark = Event.objects.aggregate(mark=Max("pk"))["mark"] or 0
    fresh = fresh_months(finished)
    MonthStamp.objects.filter(month__in=list(fresh), last_event__lt=mark).update(last_event=mark)
    return [month for month in reversed(finished) if month not in fresh]


def refresh(now: datetime, limit: int | None = MONTHS_PER_PASS) -> int:
    """The worker's job: count the months due (at most `limit`); returns how many were counted."""
    due = months_due(now)[:limit] if limit else months_due(now)
    for month in due:
        count_month(month, now)
    return len(due)


def recent_windows(today: date) -> list[tuple[date, date]]:
    """The parts of the dashboard's periods on `today` outside whole finished months (the months the monthly
    counts hold), each once: the windows `refresh_recent` counts."""
    from civicgrid.assessment.dashboard import shown_periods

    windows = []
    for first, last in shown_periods(today):
        finished = [month for month in whole_months(first, last) if month_end_day(month) < today]
        for window in uncovered(first, last, finished):
            if window not in windows:
                windows.append(window)
    return windows


def count_recent(by: str, window: tuple[date, date], now: datetime) -> int:
    """Count one recent window for `by` as the tickets stand at `now`: [its first day, the earlier of `now` and
    its end), stored in place of the previous count (one row, so a read sees the old or the new whole)."""
    start, end = period_bounds(*window)
    cells = live_cells(by, start, min(end, now), None, None) if start < now else {}
    stored = [
        ["" if key is None else str(key), code or "", *(figures[name] for name in COUNT_FIELDS)]
        for (key, code), figures in cells.items()
    ]
    RecentCount.objects.update_or_create(
        by=by, date_from=window[0], date_to=window[1], defaults={"counted_at": now, "cells": stored}
    )
    return len(stored)


def refresh_recent(now: datetime) -> int:
    """The worker's job: count the dashboard's recent windows whose count is `RECENT_EVERY` old or more (or
    from a moved clock), for each of its groupings, and drop the windows no longer shown; returns how many
    window counts were made."""
    windows = recent_windows(timezone.localdate(now))
    kept = {}
    for pk, by, first, last, counted_at in RecentCount.objects.values_list(
        "pk", "by", "date_from", "date_to", "counted_at"
    ):
        if (first, last) in windows and by in RECENT_GROUPINGS:
            kept[(by, first, last)] = counted_at
        else:
            RecentCount.objects.filter(pk=pk).delete()
    counted = 0
    for window in windows:
        for by in RECENT_GROUPINGS:
            counted_at = kept.get((by, *window))
            if counted_at is not None and now - RECENT_EVERY < counted_at <= now:
                continue
            count_recent(by, window, now)
            counted += 1
    return counted
