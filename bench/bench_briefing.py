"""A 工作简报 for a month of 100,000 tickets.

`.venv/bin/python bench/bench_briefing.py [--tickets 100000] [--previous 60000] [--last-year 60000] [--runs 5]
[--seed 41] [--postgres URL]` builds, on a fresh SQLite database in a temporary directory (or on PostgreSQL:
`--postgres URL`, else $DATABASE_URL when set, in a scratch database `bench_briefing` dropped at the end):

- 海南省 → 琼海市 → 6 towns → 30 communities → 60 grids; 28 departments, 6 town governments, 6 communities'
  committees, 6 grid teams, 4 companies and the 12345 centre;
- `--tickets` tickets received in March 2026, `--previous` in February 2026 and `--last-year` in March 2025, each
  spread over its month: 93 % closed (most on time), ≈ 85 % rated by a unit with its own standard of work, a
  tenth with a lead assignment of which a third were marked overdue, 0.3 % on the key supervision list.

Data come from `random.Random(--seed)`; the default 41 is not a seed any test uses (the tests build their tickets by
hand; the demo uses 3 and 2026). Rows are written in bulk (COPY on PostgreSQL, then ANALYZE). It times, `--runs`
times each: gathering the figures of the whole city's March briefing (`briefings.gather.gather`, which calls the
real `hotspots` reads: empty until the hotspot work is merged, measured with it afterwards), gathering them for
one town, rendering the .docx, and `civicgrid report briefing` as a separate process (Django's start included,
each run taking a number), printing p50 and p95 in seconds and the machine's load (`uptime`).
"""

import argparse
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from itertools import islice

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_briefing database)")
parser.add_argument("--tickets", type=int, default=100_000, help="tickets received in the month measured")
parser.add_argument("--previous", type=int, default=60_000, help="tickets in the month before")
parser.add_argument("--last-year", type=int, default=60_000, help="tickets in the same month a year earlier")
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--seed", type=int, default=41, help="not a seed the tests use (held out)")
args = parser.parse_args()
postgres = args.postgres or os.environ.get("DATABASE_URL") or None

from _setup import ROOT, django_setup  # noqa: E402

DATA_DIR = django_setup("briefing", postgres=postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import DateTimeField  # noqa: E402

call_command("migrate", verbosity=0)

from django.utils import timezone  # noqa: E402

from civicgrid.assessment import aggregates, selectors  # noqa: E402
from civicgrid.briefings import gather as gathering  # noqa: E402
from civicgrid.briefings.gather import gather  # noqa: E402
from civicgrid.briefings.render import Masthead, render  # noqa: E402
from civicgrid.core.actors import SYSTEM  # noqa: E402
from civicgrid.hotspots.models import Snapshot  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid, Unit  # noqa: E402
from civicgrid.tickets.models import Assignment, Ticket  # noqa: E402

MONTH = (date(2026, 3, 1), date(2026, 3, 31))
WINDOWS = [
    (date(2026, 3, 1), 31, args.tickets),
    (date(2026, 2, 1), 28, args.previous),
    (date(2025, 3, 1), 31, args.last_year),
]
BATCH = 50_000
DAY = 86400
SATISFACTION = ["very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied"]


def build_registry():
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code="469002", name="琼海市", level="county", parent=province)
    towns = AdminArea.objects.bulk_create(
        AdminArea(code=f"469002{100 + t:03d}", name=f"第{t + 1}镇", level="town", parent=county)
        for t in range(6)
    )
    communities = AdminArea.objects.bulk_create(
        AdminArea(
            code=f"{town.code}{c + 1:03d}", name=f"{town.name}第{c + 1}社区", level="village", parent=town
        )
        for town in towns
        for c in range(5)
    )
    grids = Grid.objects.bulk_create(
        Grid(code=f"{community.code}{g + 1:03d}", name=f"{community.name}第{g + 1}网格", community=community)
        for community in communities
        for g in range(2)
    )
    Unit.objects.create(code="C12345", name="琼海市12345热线中心", kind="hotline_centre", area=county)
    units = Unit.objects.bulk_create(
        [Unit(code=f"D{d:02d}", name=f"职能部门{d:02d}", kind="department", area=county) for d in range(28)]
        + [Unit(code=f"T{t.code}", name=f"{t.name}人民政府", kind="town", area=t) for t in towns]
        + [
            Unit(code=f"V{c.code}", name=f"{c.name}居委会", kind="community", area=c)
            for c in communities[::5]
        ]
        + [Unit(code=f"G{g.code}", name=f"{g.name}工作组", kind="grid_team", grid=g) for g in grids[::10]]
        + [Unit(code=f"E{e}", name=f"供水供电公司{e}", kind="enterprise", area=county) for e in range(4)]
    )
    return grids, units, {c.pk: c.parent_id for c in communities}, towns


def insert(model, columns: list[str], rows) -> int:
    """Bulk insert tuples for `columns`; every other column gets its model default (computed once)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rest = [name for name, field in fields.items() if name not in columns and not field.primary_key]
    constants = tuple(fields[name].get_db_prep_save(fields[name].get_default(), connection) for name in rest)
    datetimes = [i for i, name in enumerate(columns) if isinstance(fields[name], DateTimeField)]
    adapt = connection.ops.adapt_datetimefield_value
    names = ", ".join(connection.ops.quote_name(fields[name].column) for name in [*columns, *rest])
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * (len(columns) + len(rest)))
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        rows = iter(rows)
        while batch := list(islice(rows, BATCH)):
            values = []
            for row in batch:
                row = list(row)
                for i in datetimes:
                    if row[i] is not None:
                        row[i] = adapt(row[i])
                values.append((*row, *constants))
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", values)
            count += len(values)
    return count


TICKET_COLUMNS = [
    "id", "number", "channel", "received_at", "title", "content", "grid_id", "community_id", "town_id",
    "request_type", "category_code", "status", "lead_unit_id", "dispatched_at", "on_key_list", "closed_at",
    "closed_on_time", "rated_at", "rated_unit_id", "rated_contacted_in_time", "rated_solved",
    "rated_satisfaction", "excluded_from_rating", "updated_at",
]  # fmt: skip
ASSIGNMENT_COLUMNS = [
    "ticket_id", "unit_id", "round", "role", "state", "dispatched_at", "sign_due_at", "first_contact_due_at",
    "due_at", "original_due_at", "yellow_at", "red_at", "overdue_issued_at",
]  # fmt: skip


def build(rng: random.Random):
    grids, units, town_of, towns = build_registry()
    quality = {unit.pk: rng.uniform(0.7, 0.98) for unit in units}
    unit_ids = [unit.pk for unit in units]
    tz = timezone.get_default_timezone()
    now = timezone.now()
    tickets, assignments = [], []
    next_id = 1
    for first, days, n in WINDOWS:
        start = datetime(first.year, first.month, first.day, tzinfo=tz).timestamp()
        for received in sorted(start + rng.random() * days * DAY for _ in range(n)):
            grid = rng.choice(grids)
            unit = rng.choice(unit_ids)
            q = quality[unit]
            closed = received + rng.uniform(0.2, 12) * DAY if rng.random() < 0.93 else None
            rated = closed is not None and rng.random() < 0.915
            solved = satisfaction = ""
            if rated:
                solved = "solved" if rng.random() < q else rng.choice(["partly", "unsolved"])
                r = rng.random()
                satisfaction = (
                    SATISFACTION[0] if r < q * 0.5
                    else SATISFACTION[1] if r < q * 0.85
                    else SATISFACTION[2] if r < q
                    else rng.choice(SATISFACTION[3:])
                )  # fmt: skip
            at = datetime.fromtimestamp(int(received), UTC)
            closed_at = datetime.fromtimestamp(int(closed), UTC) if closed else None
            tickets.append(
                (
                    next_id,
                    f"B{next_id:09d}",
                    "phone",
                    at,
                    f"诉求{next_id}",
                    "内容",
                    grid.pk,
                    grid.community_id,
                    town_of[grid.community_id],
                    "TS",
                    f"{rng.randrange(1, 16):02d}01",
                    "CLOSED" if closed else "IN_PROGRESS",
                    unit,
                    at + timedelta(minutes=30),
                    rng.random() < 0.003,
                    closed_at,
                    rng.random() < q + 0.05 if closed else None,
                    closed_at + timedelta(hours=rng.uniform(2, 48)) if rated else None,
                    unit if rated else None,
                    (rng.random() < q + 0.1) if rated else None,
                    solved,
                    satisfaction,
                    rated and rng.random() < 0.02,
                    now,
                )
            )
            if rng.random() < 0.1:
                dispatched = at + timedelta(minutes=30)
                due = dispatched + timedelta(days=5)
                overdue = due + timedelta(hours=1) if rng.random() < 1 / 3 else None
                assignments.append(
                    (next_id, unit, 1, "lead", "in_progress", dispatched, dispatched + timedelta(hours=2),
                     dispatched + timedelta(days=1), due, due, due - timedelta(days=1), due - timedelta(hours=4),
                     overdue)
                )  # fmt: skip
            next_id += 1
    written = insert(Ticket, TICKET_COLUMNS, tickets)
    insert(Assignment, ASSIGNMENT_COLUMNS, assignments)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [Ticket._meta.db_table, next_id]
            )
            cursor.execute("ANALYZE")
    print(f"tickets: {written} ({', '.join(str(n) for _, _, n in WINDOWS)}); assignments: {len(assignments)}")
    return towns


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def repeat(label, fn, runs=args.runs):
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    p50, p95 = percentiles(samples)
    print(f"{label}: p50 {p50:.3f} s p95 {p95:.3f} s ({runs} runs)")
    return result


def as_process(out):
    env = {**os.environ, "CIVICGRID_DATA_DIR": DATA_DIR, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "civicgrid", "report", "briefing", "--from", "2026-03-01", "--to"]
    command += ["2026-03-31", "--out", out]
    return subprocess.run(command, env=env, capture_output=True, check=True, text=True)


print(f"database: {connection.vendor}; seed {args.seed}; uptime before: {os.popen('uptime').read().strip()}")
started = time.perf_counter()
towns = build(random.Random(args.seed))
print(f"build: {time.perf_counter() - started:.1f} s")


def city():
    return gather(user=SYSTEM, date_from=MONTH[0], date_to=MONTH[1])


def town():
    return gather(user=SYSTEM, date_from=MONTH[0], date_to=MONTH[1], area=towns[0])


def without_hotspots(fn):
    """`fn` with the hotspot reads stubbed out: what the briefing itself costs."""

    def run():
        saved = gathering.hot_issues, gathering.early_alerts
        gathering.hot_issues = gathering.early_alerts = lambda **kwargs: []
        try:
            return fn()
        finally:
            gathering.hot_issues, gathering.early_alerts = saved

    return run


def gathers(how: str):
    data = repeat(f"gather, whole city ({how})", city)
    repeat(f"gather, whole city, hotspots left out ({how})", without_hotspots(city))
    repeat(f"gather, one town ({how})", town)
    repeat(f"gather, one town, hotspots left out ({how})", without_hotspots(town))
    return data


# The month's hotspots as a leader's first view finds them: clustered live, then stored for every later read.
Snapshot.objects.all().delete()
started = time.perf_counter()
gathering.hot_issues(user=SYSTEM, date_from=MONTH[0], date_to=MONTH[1], top=gathering.HOT_ISSUES_SHOWN)
print(
    f"hotspots, first view of the month (clustered live, then stored): {time.perf_counter() - started:.1f} s; "
    f"snapshots stored: {Snapshot.objects.count()}"
)
selectors.USE_STORED = False
live = gathers("counted live")
selectors.USE_STORED = True
started = time.perf_counter()
months = aggregates.refresh(timezone.now(), limit=None)
print(f"counting the stored monthly counts: {months} months, {time.perf_counter() - started:.1f} s")
data = gathers("stored months")
print(f"same figures from the stored months as counted live: {data == live}")
repeat(
    "hotspots alone (hot issues and early alerts), whole city",
    lambda: (
        gathering.hot_issues(
            user=SYSTEM, date_from=MONTH[0], date_to=MONTH[1], top=gathering.HOT_ISSUES_SHOWN
        ),
        gathering.early_alerts(user=SYSTEM, date_from=MONTH[0], date_to=MONTH[1]),
    ),
)
masthead = Masthead(1, 2026, "琼海市12345热线中心", date(2026, 4, 2))
content = repeat("render .docx", lambda: render(data, masthead))
with tempfile.TemporaryDirectory() as folder:
    done = repeat("civicgrid report briefing (process)", lambda: as_process(os.path.join(folder, "b.docx")))
print(done.stdout.strip())
c = data.current
print(
    f"figures: received {c.received} (previous {data.previous.received}, last year {data.last_year.received}), "
    f"closed {c.closed}, rated {c.rated}, composite {c.composite * 100:.2f}; leagues "
    + ", ".join(f"{league.title} {league.ranked}" for league in data.leagues)
    + f"; key list {len(data.key_list) + data.key_list_more}; overdue units "
    f"{len(data.overdue_units) + data.overdue_more}; hot issues {len(data.hot_issues)}; alerts {len(data.alerts)}; "
    f"document {len(content)} bytes"
)
print(f"uptime after: {os.popen('uptime').read().strip()}")
