"""API ticket list latency with 100,000 tickets: first and deep cursor pages, with and without filters.

`.venv/bin/python bench/bench_api.py [--tickets 100000] [--repeat 30] [--postgres URL]` builds the 60-grid
demo city in a fresh SQLite database (or a scratch PostgreSQL database `bench_api`, dropped at exit),
bulk-inserts tickets with their lead assignments (rows written directly, as bench/bench_pages.py does:
through the services it would take over half an hour), then calls GET /api/v1/tickets through the whole
stack (Django's test client: middleware, key authentication, the selectors' scope, the schema) with an
operator's key (the centre sees everything) and a unit handler's key (its unit's tickets), and prints
p50/p95 per case with the machine's load. Aim: p95 < 300 ms.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tickets", type=int, default=100_000)
parser.add_argument("--repeat", type=int, default=30)
parser.add_argument("--postgres", metavar="URL", help="run against PostgreSQL: postgres://user@host:port/db")
ARGS = parser.parse_args()

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _setup import django_setup  # noqa: E402

django_setup("api", postgres=ARGS.postgres)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.api.ticket_access import encode_cursor  # noqa: E402
from civicgrid.demo.city import build_city  # noqa: E402
from civicgrid.integrations.tokens import issue_token  # noqa: E402
from civicgrid.registry.models import Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.sla.models import TimeLimitPolicy  # noqa: E402
from civicgrid.tickets.models import Assignment, Status, Ticket  # noqa: E402

NOW = timezone.now()
STATUSES = [
    (Status.CLOSED, 70),
    (Status.IN_PROGRESS, 10),
    (Status.DISPATCHED, 5),
    (Status.PENDING_DISPATCH, 4),
    (Status.REPLIED, 3),
    (Status.PENDING_CALLBACK, 4),
    (Status.REOPENED, 2),
]
STATES = {
    Status.CLOSED: "done",
    Status.IN_PROGRESS: "in_progress",
    Status.DISPATCHED: "pending_sign",
    Status.REPLIED: "replied",
    Status.PENDING_CALLBACK: "replied",
    Status.REOPENED: "pending_sign",
}


def populate(count: int) -> None:
    rng = random.Random(1)
    build_city(seed=1, grids=60, log=lambda msg: None)
    units = list(Unit.objects.filter(kind__in=["department", "grid_team"]))
    grids = {u.pk: u.grid for u in units if u.grid_id}
    categories = list(Category.objects.filter(version="2026.1", level=2))
    policy = TimeLimitPolicy.objects.first()
    statuses = [s for s, w in STATUSES for _ in range(w)]
    batch = 5000
    for start in range(0, count, batch):
        tickets = []
        for i in range(start, min(count, start + batch)):
            received = NOW - timedelta(days=rng.uniform(0, 365))
            unit = rng.choice(units)
            grid = grids.get(unit.pk) or rng.choice(list(grids.values()))
            status = rng.choice(statuses)
            category = rng.choice(categories)
            tickets.append(
                Ticket(
                    number=f"B{i:013d}",
                    channel="phone",
                    received_at=received,
                    request_type=rng.choice("ZX QZ TS JB".split()),
                    urgency="normal",
                    title=rng.choice(["路面积水", "噪音扰民", "路灯不亮", "占道经营", "物业纠纷"]),
                    content="测试诉求内容",
                    address=f"测试路 {i % 500} 号",
                    requester_name="张三",
                    requester_phone="13800000000",
                    grid=grid,
                    community_id=grid.community_id,
                    town_id=grid.community.parent_id,
                    category=category,
                    category_code=category.code,
                    category_version="2026.1",
                    status=status,
                    lead_unit=unit if status != Status.PENDING_DISPATCH else None,
                    dispatch_round=1 if status != Status.PENDING_DISPATCH else 0,
                    dispatched_at=received + timedelta(hours=1),
                    closed_at=received + timedelta(days=3) if status == Status.CLOSED else None,
                    external_source="province-12345" if i % 10 == 0 else "",
                    external_id=f"HN{i:010d}" if i % 10 == 0 else "",
                )
            )
        Ticket.objects.bulk_create(tickets, batch_size=1000)
        created = Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list(
            "pk", "lead_unit_id", "dispatched_at", "status"
        )
        assignments = []
        for pk, unit_id, dispatched, status in created:
            state = STATES.get(status)
            if state is None or unit_id is None:
                continue
            due = dispatched + timedelta(days=7)
            assignments.append(
                Assignment(
                    ticket_id=pk,
                    round=1,
                    unit_id=unit_id,
                    role="lead",
                    state=state,
                    policy=policy,
                    dispatched_at=dispatched,
                    sign_due_at=dispatched + timedelta(days=1),
                    first_contact_due_at=dispatched + timedelta(days=1),
                    due_at=due,
                    original_due_at=due,
                    yellow_at=dispatched + timedelta(days=3),
                    red_at=dispatched + timedelta(days=5),
                )
            )
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        print(f"  {min(count, start + batch):,} tickets", flush=True)


def cursor_at(rows, offset: int) -> str:
    """The cursor a client holds after reading `offset` rows (what `next` would have said)."""
    row = rows.order_by("-received_at", "-pk").values_list("received_at", "pk")[offset - 1]
    return encode_cursor(*row)


def measure(client: Client, headers: dict, params: dict) -> tuple[list[float], int]:
    client.get("/api/v1/tickets", params, headers=headers)  # fills this process's caches, as on a server
    times, rows = [], 0
    for _ in range(ARGS.repeat):
        started = time.perf_counter()
        answer = client.get("/api/v1/tickets", params, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (params, answer.status_code, answer.content[:300])
        rows = len(answer.json()["items"])
    return times, rows


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    populate(ARGS.tickets)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"data: {Ticket.objects.count():,} tickets, {Assignment.objects.count():,} assignments "
        f"in {time.perf_counter() - started:.0f} s ({connection.vendor})"
    )
    users = get_user_model().objects
    staffed = list(Unit.objects.filter(staff__isnull=False, kind="department").values_list("pk", flat=True))
    busiest = (
        Assignment.objects.filter(unit_id__in=staffed)
        .values("unit")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["unit"]
    )
    handler = users.filter(staff__units=busiest).first()
    operator = users.get(username="operator1")
    keys = {}
    for user in (operator, handler):
        _, raw = issue_token(actor=user, owner=user, name="bench")
        keys[user.username] = {"Authorization": f"Bearer {raw}"}

    everything = Ticket.objects.all()
    mine = Ticket.objects.filter(assignments__unit_id=busiest).distinct()
    since = (timezone.localdate() - timedelta(days=180)).isoformat()
    filters = {"status": "CLOSED", "received_from": since}
    filtered = Ticket.objects.filter(status=Status.CLOSED, received_at__gte=NOW - timedelta(days=179))
    half, fmiddle = everything.count() // 2, filtered.count() // 2
    cases = [
        ("centre, first page", operator, {}),
        ("centre, first page of 100", operator, {"limit": 100}),
        (f"centre, deep page (after {half:,} rows)", operator, {"cursor": cursor_at(everything, half)}),
        ("centre, filtered (closed, 180 days), first page", operator, filters),
        (
            f"centre, filtered, deep page (after {fmiddle:,} rows)",
            operator,
            {**filters, "cursor": cursor_at(filtered, fmiddle)},
        ),
        ("centre, category and grid filter", operator, {"category": everything.first().category_code[:2]}),
        ("centre, keyword 积水", operator, {"q": "积水"}),
        ("centre, by external id", operator, {"external_id": "HN0000050000"}),
        (f"unit handler ({mine.count():,} tickets), first page", handler, {}),
        ("unit handler, deep page", handler, {"cursor": cursor_at(mine, mine.count() // 2)}),
        ("unit handler, filtered (closed, 180 days)", handler, filters),
    ]
    load = os.getloadavg()
    print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
    for label, user, params in cases:
        client = Client(HTTP_HOST="127.0.0.1")
        times, rows = measure(client, keys[user.username], params)
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"{label}: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms (aim < 300), {rows} rows",
            flush=True,
        )
    load = os.getloadavg()
    print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


main()
