"""Throughput of the working-day calendar: `.venv/bin/python bench/bench_workdays.py`.

Runs against a fresh SQLite database in a temporary directory (migrated, so seeded 2004-2026);
the calendar answers from its in-process snapshot, so the database engine does not matter here.
"""

import atexit
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

DATA_DIR = tempfile.mkdtemp(prefix="civicgrid-bench-")
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
os.environ["CIVICGRID_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)  # never migrate someone's real database from a benchmark
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.workcal import calendar  # noqa: E402

CALLS = 300_000
HOURS_CALLS = 100_000


def _rate(label: str, calls: int, seconds: float, aim: int | None = None) -> None:
    target = f" (aim >= {aim:,})" if aim else ""
    print(f"{label}: {calls / seconds:,.0f} calls/s{target}  [{calls:,} calls in {seconds:.2f} s]")


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate (with the 2004-2026 seed): {time.perf_counter() - started:.2f} s")

    rng = random.Random(20251001)
    first, span = date(2005, 1, 1).toordinal(), date(2025, 12, 31).toordinal() - date(2005, 1, 1).toordinal()
    starts = [date.fromordinal(first + rng.randrange(span)) for _ in range(CALLS)]
    counts = [rng.randint(1, 30) for _ in range(CALLS)]
    ends = [date.fromordinal(first + rng.randrange(span)) for _ in range(CALLS)]
    tz = timezone.get_default_timezone()
    moments = [
        datetime(d.year, d.month, d.day, tzinfo=tz) + timedelta(minutes=rng.randrange(24 * 60))
        for d in starts[:HOURS_CALLS]
    ]
    hours = [rng.choice((0.5, 1, 2, 4, 8, 24, 72)) for _ in range(HOURS_CALLS)]

    calendar.is_workday(date(2025, 1, 2))  # load the snapshot outside the timings

    add = calendar.add_working_days
    t0 = time.perf_counter()
    for d, n in zip(starts, counts, strict=True):
        add(d, n)
    _rate("add_working_days", CALLS, time.perf_counter() - t0, aim=100_000)

    t0 = time.perf_counter()
    for moment, n in zip(moments, counts, strict=False):
        add(moment, n)
    _rate("add_working_days (aware datetimes)", HOURS_CALLS, time.perf_counter() - t0)

    between = calendar.working_days_between
    t0 = time.perf_counter()
    for d1, d2 in zip(starts, ends, strict=True):
        between(d1, d2)
    _rate("working_days_between", CALLS, time.perf_counter() - t0)

    add_hours = calendar.add_working_hours
    t0 = time.perf_counter()
    for moment, h in zip(moments, hours, strict=True):
        add_hours(moment, h)
    _rate("add_working_hours", HOURS_CALLS, time.perf_counter() - t0)

    time_between = calendar.working_time_between
    t0 = time.perf_counter()
    for a, b in zip(moments, moments[1:], strict=False):
        time_between(a, b)
    _rate("working_time_between", HOURS_CALLS - 1, time.perf_counter() - t0)

    calendar.invalidate()
    t0 = time.perf_counter()
    calendar.is_workday(date(2025, 1, 2))
    print(f"snapshot reload: {(time.perf_counter() - t0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
