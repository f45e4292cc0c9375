"""`civicgrid ledgers stats` over a 10,000-item ledger.

`.venv/bin/python bench/bench_ledgers.py [--items 10000] [--other 2000] [--units 60] [--runs 7] [--seed 29]
[--postgres URL]` builds, on a fresh SQLite database in a temporary directory (or on PostgreSQL: `--postgres URL`,
else $DATABASE_URL when set, in a scratch database `bench_ledgers` dropped at the end):

- the campaign `BENCH` with `--items` items (states spread over the six states, 3 % suspended, 30 % on the 揭榜挂帅
  list, deadlines from February to the next February, so on the day measured, 15 October, most open items are
  overdue), led by
  `--units` units, and their progress reports: 0 to 5 per item, mostly approved, some rejected, some waiting;
- a second campaign of `--other` items the figures must not count.

Data come from `random.Random(--seed)`; the default 29 is not a seed any test uses (the tests build their items by
hand; the demo uses 3 and 2026). Everything is written with bulk_create; on PostgreSQL the tables are then
analysed, as autovacuum would. It times, `--runs` times each, the figures (`ledgers.progress.stats`, what the
command computes) in this process, the ranking of lead units, and `civicgrid ledgers stats --campaign BENCH
--format json` as a separate process (Django's start included), printing p50 and p95 in seconds, the machine's
load (`uptime`) and the figures (identical on SQLite and PostgreSQL for the same seed).
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_ledgers database)")
parser.add_argument("--items", type=int, default=10_000)
parser.add_argument("--other", type=int, default=2_000)
parser.add_argument("--units", type=int, default=60)
parser.add_argument("--runs", type=int, default=7)
parser.add_argument("--seed", type=int, default=29, help="not a seed the tests use (held out)")
args = parser.parse_args()
postgres = args.postgres or os.environ.get("DATABASE_URL") or None

from _setup import ROOT, django_setup  # noqa: E402

DATA_DIR = django_setup("ledgers", postgres=postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

call_command("migrate", verbosity=0)

from django.utils import timezone  # noqa: E402

from civicgrid.ledgers.models import Campaign, ItemEvent, LedgerItem, ProgressReport  # noqa: E402
from civicgrid.ledgers.progress import stats  # noqa: E402
from civicgrid.ledgers.selectors import unit_ranking  # noqa: E402
from civicgrid.registry.models import AdminArea, Unit  # noqa: E402

YEAR = 2025
TODAY = date(YEAR, 10, 15)  # the day measured: the figures do not depend on the day the bench runs
rng = random.Random(args.seed)
STATES = LedgerItem.State.values
WEIGHTS = [5, 8, 10, 45, 7, 25]
SOURCES = LedgerItem.Source.values


def build():
    tz = timezone.get_current_timezone()
    city = AdminArea.objects.create(code="469099", name="演示市", level="city")
    units = Unit.objects.bulk_create(
        Unit(code=f"D{i:03d}", name=f"第{i}局", kind="department", area=city) for i in range(args.units)
    )
    for code, count in (("BENCH", args.items), ("OTHER", args.other)):
        campaign = Campaign.objects.create(
            code=code,
            name=f"{YEAR}年揭榜挂帅/查堵点（{code}）",
            year=YEAR,
            area=city,
            created_at=timezone.now(),
        )
        items = []
        for i in range(count):
            state = rng.choices(STATES, WEIGHTS)[0]
            items.append(
                LedgerItem(
                    campaign=campaign,
                    number=f"{i + 1:05d}",
                    batch=1 + i * 3 // count,
                    problem=f"堵点{i}：群众反映集中的问题",
                    source=rng.choice(SOURCES),
                    on_list=rng.random() < 0.3,
                    lead_unit=None if state in ("proposed", "listed") and i % 2 else units[i % len(units)],
                    deadline=date(YEAR, 1, 1) + timedelta(days=rng.randrange(30, 400)),
                    state=state,
                    suspended=state != "closed" and rng.random() < 0.03,
                    created_at=datetime(YEAR, 1, 5, 9, tzinfo=tz),
                    closed_on=TODAY if state == "closed" else None,
                )
            )
        items = LedgerItem.objects.bulk_create(items, batch_size=5000)
        reports, events = [], []
        for item in items:
            if item.state in ("proposed", "listed"):
                continue
            at = datetime(YEAR, 2, 1, 9, tzinfo=tz)
            percent = 0
            for k in range(rng.randrange(0, 6)):
                at += timedelta(days=rng.randrange(5, 40))
                percent = min(100, percent + rng.randrange(5, 40))
                status = rng.choices(["approved", "rejected", "submitted"], [85, 10, 5])[0]
                reports.append(
                    ProgressReport(
                        item=item,
                        percent=Decimal(percent if item.state != "closed" or k < 4 else 100),
                        narrative="进展",
                        status=status,
                        submitted_at=at,
                        decided_at=at + timedelta(days=1) if status != "submitted" else None,
                    )
                )
            events.append(ItemEvent(item=item, action="propose", at=item.created_at))
        ProgressReport.objects.bulk_create(reports, batch_size=5000)
        ItemEvent.objects.bulk_create(events, batch_size=5000)
    print(
        f"items: {LedgerItem.objects.count()}, reports: {ProgressReport.objects.count()}, units: {len(units)}"
    )


def timed(label, fn):
    wall = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - wall:.2f} s")
    return result


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def repeat(fn):
    samples, result = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return result, samples


def as_process():
    env = {**os.environ, "CIVICGRID_DATA_DIR": DATA_DIR, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "-m",
        "civicgrid",
        "ledgers",
        "stats",
        "--campaign",
        "BENCH",
        "--format",
        "json",
    ]
    samples, done = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return json.loads(done.stdout), samples


print(f"database: {connection.vendor}; seed {args.seed}; uptime before: {os.popen('uptime').read().strip()}")
timed("build", build)
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
campaign = Campaign.objects.get(code="BENCH")
figures, samples = repeat(lambda: stats(campaign.items.all(), TODAY))
p50, p95 = percentiles(samples)
print(f"stats (in process): p50 {p50:.3f} s p95 {p95:.3f} s ({args.runs} runs)")
ranking, samples = repeat(lambda: unit_ranking(campaign.items.all(), TODAY))
p50, p95 = percentiles(samples)
print(f"unit ranking (in process): p50 {p50:.3f} s p95 {p95:.3f} s ({args.runs} runs, {len(ranking)} units)")
process_figures, samples = as_process()
p50, p95 = percentiles(samples)
print(f"civicgrid ledgers stats (process): p50 {p50:.3f} s p95 {p95:.3f} s ({args.runs} runs)")
same = {k: v for k, v in process_figures.items() if k != "overdue"} == {
    k: v for k, v in figures.items() if k != "overdue"
}
print(f"process figures agree (all but overdue, which is counted on the real today): {same}")
print(f"uptime after: {os.popen('uptime').read().strip()}")
print("figures on", TODAY, json.dumps(figures, ensure_ascii=False))
