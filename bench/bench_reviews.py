"""述职评议 data sheets: 30 town secretaries' sheets over a year of 100,000 tickets.

`.venv/bin/python bench/bench_reviews.py [--tickets 100000] [--towns 30] [--runs 5] [--seed 53] [--postgres URL]`
builds, on a fresh SQLite database in a temporary directory (or on PostgreSQL: `--postgres URL`, else
$DATABASE_URL when set, in a scratch database `bench_reviews` dropped at the end), a city with `--towns` towns
(each with a town unit and two communities) and 40 departments, and `--tickets` tickets received over 2025 (75 %
rated, 90 % closed), spread over the towns and units; then a 2025 campaign with one reporter per town.

Data come from `random.Random(--seed)`; the default 53 is not a seed any test uses. It times, `--runs` times each,
assembling every reporter's data sheet (`reviews.services._assemble`: the fair 12345 league by town once, the
party and engagement figures of all the towns at once, then each sheet's ledger, deliberation, mediation and
organisational-life figures) inside a transaction rolled
back after each run, and prints p50 and p95 in seconds and the machine's load (`uptime`) before and after.
"""

import argparse
import math
import os
import random
import statistics
import time
from datetime import date, datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_reviews database)")
parser.add_argument("--tickets", type=int, default=100_000)
parser.add_argument("--towns", type=int, default=30)
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--seed", type=int, default=53, help="not a seed the tests use (held out)")
args = parser.parse_args()
postgres = args.postgres or os.environ.get("DATABASE_URL") or None

from _setup import django_setup  # noqa: E402

django_setup("reviews", postgres=postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

call_command("migrate", verbosity=0)

from django.utils import timezone  # noqa: E402

from civicgrid.assessment.leagues import league_table  # noqa: E402
from civicgrid.core.actors import SYSTEM  # noqa: E402
from civicgrid.registry.models import AdminArea, Unit  # noqa: E402
from civicgrid.reviews import services  # noqa: E402
from civicgrid.reviews.models import ReviewCampaign  # noqa: E402
from civicgrid.tickets.models import Ticket  # noqa: E402

YEAR = 2025
rng = random.Random(args.seed)


def build():
    tz = timezone.get_current_timezone()
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    city = AdminArea.objects.create(code="469099", name="演示市", level="city", parent=province)
    towns, town_units = [], []
    for i in range(args.towns):
        town = AdminArea.objects.create(code=f"469099{i:03d}", name=f"第{i}镇", level="town", parent=city)
        for j in range(2):
            AdminArea.objects.create(
                code=f"469099{i:03d}{j:03d}", name=f"第{i}镇{j}社区", level="village", parent=town
            )
        towns.append(town)
        town_units.append(
            Unit.objects.create(code=f"T{i:03d}", name=f"第{i}镇人民政府", kind="town", area=town)
        )
    departments = Unit.objects.bulk_create(
        Unit(code=f"D{i:03d}", name=f"第{i}局", kind="department", area=city) for i in range(40)
    )
    units = town_units + departments
    start = datetime(YEAR, 1, 1, tzinfo=tz)
    batch = []
    for n in range(args.tickets):
        received = start + timedelta(seconds=rng.randrange(365 * 86400))
        town = rng.randrange(len(towns))
        unit = units[town] if rng.random() < 0.4 else rng.choice(units)
        rated = rng.random() < 0.75
        closed = rated or rng.random() < 0.6
        closed_at = received + timedelta(hours=rng.randrange(2, 24 * 20)) if closed else None
        batch.append(
            Ticket(
                number=f"B{n:09d}",
                channel="phone",
                title="诉求",
                content="内容",
                request_type="TS",
                status="CLOSED" if closed else "IN_PROGRESS",
                received_at=received,
                town=towns[town],
                lead_unit=unit,
                closed_at=closed_at,
                closed_on_time=closed and rng.random() < 0.9,
                rated_at=closed_at + timedelta(hours=3) if rated else None,
                rated_unit=unit if rated else None,
                rated_contacted_in_time=rated and rng.random() < 0.95,
                rated_solved=rng.choice(["solved", "solved", "solved", "unsolved"]) if rated else "",
                rated_satisfaction=rng.choice(
                    ["very_satisfied", "satisfied", "satisfied", "basic", "unsatisfied"]
                )
                if rated
                else "",
            )
        )
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)
    campaign = services.campaign_create(
        actor=SYSTEM, code="BENCH", name="述职评议", year=YEAR, area=city, reporter_kinds=["town"]
    )
    for town, unit in zip(towns, town_units, strict=True):
        services.reporter_add(
            actor=SYSTEM, campaign=campaign, kind="town", name=f"{town.name}书记", unit=unit, area=town
        )
    print(f"tickets: {Ticket.objects.count()}, reporters: {campaign.reporters.count()}")


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


class Rollback(Exception):
    pass


def assemble_once(campaign):
    reporters = list(campaign.reporters.select_related("area", "unit", "party_org", "campaign"))
    at = datetime(YEAR + 1, 1, 5, 10, tzinfo=timezone.get_current_timezone())
    try:
        with transaction.atomic():
            sheets = services._assemble(campaign, reporters, at)
            raise Rollback(sheets)
    except Rollback as done:
        return done.args[0]


print(f"database: {connection.vendor}; seed {args.seed}; uptime before: {os.popen('uptime').read().strip()}")
wall = time.perf_counter()
build()
print(f"build: {time.perf_counter() - wall:.1f} s")
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
campaign = ReviewCampaign.objects.get(code="BENCH")
samples, sheets = [], []
for _ in range(args.runs):
    started = time.perf_counter()
    sheets = assemble_once(campaign)
    samples.append(time.perf_counter() - started)
p50, p95 = percentiles(samples)
league = []
for _ in range(args.runs):
    started = time.perf_counter()
    league_table(
        user=SYSTEM, date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31), by="town", compare=False
    )
    league.append(time.perf_counter() - started)
l50, l95 = percentiles(league)
print(f"of which the 12345 league by town (once per assembly): p50 {l50:.3f} s p95 {l95:.3f} s")
rated = sum(next(r["value"] for r in s.data["sections"][0]["rows"] if r["key"] == "rated") for s in sheets)
print(
    f"assemble {len(sheets)} sheets: p50 {p50:.3f} s p95 {p95:.3f} s ({args.runs} runs); rated tickets over the sheets: {rated}"
)
print(f"uptime after: {os.popen('uptime').read().strip()}")
