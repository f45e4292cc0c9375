"""Render time of the pages people open on a phone, with 100,000 tickets: the grid worker's home, inbox,
assignment page and 我的网格 and the portal's home and tracking page.

`.venv/bin/python bench/bench_mobile.py [--tickets 100000] [--repeat 30] [--data-dir DIR]` builds the 60-grid
demo city in a SQLite database under DIR (default var/bench-mobile-<tickets>), bulk-inserts tickets with
their lead assignments, events and rating facts, and patrol reports (rows written directly: 100,000 tickets
through the services would take over half an hour); a later run with the same DIR reuses that database.
Each page is rendered with Django's test client as the person who uses it; prints p50/p95 with the load
average, since the machine is shared. Aim: p95 < 300 ms.
"""

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tickets", type=int, default=100_000)
parser.add_argument("--repeat", type=int, default=30)
parser.add_argument("--data-dir", default="")
args = parser.parse_args()

DATA_DIR = Path(args.data_dir or ROOT / "var" / f"bench-mobile-{args.tickets}")
DATA_DIR.mkdir(parents=True, exist_ok=True)
os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
os.environ["CIVICGRID_DATA_DIR"] = str(DATA_DIR)
os.environ.pop("DATABASE_URL", None)  # never touch someone's real database from a benchmark
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.demo.city import build_city  # noqa: E402
from civicgrid.registry.models import Grid, Role, Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.sla.models import TimeLimitPolicy  # noqa: E402
from civicgrid.tickets.models import Assignment, Event, PatrolReport, Status, Ticket  # noqa: E402

NOW = timezone.now()
STATUSES = [
    (Status.CLOSED, 70),
    (Status.IN_PROGRESS, 10),
    (Status.DISPATCHED, 5),
    (Status.PENDING_DISPATCH, 4),
    (Status.REPLIED, 3),
    (Status.PENDING_CALLBACK, 4),
    (Status.RECEIVED, 2),
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
SATISFACTION = ["very_satisfied", "satisfied", "satisfied", "basic", "unsatisfied"]
PATROLS_PER_TEN_TICKETS = 1


def populate(count: int) -> None:
    rng = random.Random(1)
    build_city(seed=1, grids=60, log=lambda msg: None)
    units = list(Unit.objects.filter(kind__in=["department", "grid_team"]).select_related("grid__community"))
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
            closed = status == Status.CLOSED
            category = rng.choice(categories)
            tickets.append(
                Ticket(
                    number=f"B{i:013d}",
                    channel="phone",
                    received_at=received,
                    request_type=rng.choice("ZX QZ TS JB".split()),
                    urgency="normal",
                    title="小区门口下水道堵塞路面积水",
                    content="测试诉求内容",
                    requester_name="张三",
                    requester_phone="13800000000",
                    address="嘉禾街道银海路12号",
                    grid=grid,
                    community_id=grid.community_id,
                    town_id=grid.community.parent_id,
                    category=category,
                    category_code=category.code,
                    category_version="2026.1",
                    status=status,
                    lead_unit=unit,
                    dispatch_round=1,
                    dispatched_at=received + timedelta(hours=1),
                    dispatch_mode="to_department",
                    warning_level=rng.choice(["", "", "", "yellow", "red", "overdue"]) if not closed else "",
                    closed_at=received + timedelta(days=3) if closed else None,
                    rated_at=received + timedelta(days=3) if closed else None,
                    rated_unit=unit if closed else None,
                    rated_contacted_in_time=rng.random() < 0.9 if closed else None,
                    rated_solved=rng.choice(["solved", "solved", "partly"]) if closed else "",
                    rated_satisfaction=rng.choice(SATISFACTION) if closed else "",
                    closed_on_time=closed or None,
                )
            )
        Ticket.objects.bulk_create(tickets, batch_size=1000)
        created = Ticket.objects.filter(number__in=[t.number for t in tickets]).values_list(
            "pk", "lead_unit_id", "dispatched_at", "status"
        )
        assignments, events = [], []
        for pk, unit_id, dispatched, status in created:
            events.append(Event(ticket_id=pk, at=dispatched, action="registered", to_status=status))
            state = STATES.get(status)
            if state is None:
                continue
            due = dispatched + timedelta(days=7)
            overdue = due < NOW and state in ("pending_sign", "in_progress")
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
                    yellow_issued_at=dispatched + timedelta(days=3) if overdue else None,
                    overdue_issued_at=due if overdue else None,
                )
            )
        Assignment.objects.bulk_create(assignments, batch_size=1000)
        Event.objects.bulk_create(events, batch_size=1000)
        print(f"  {min(count, start + batch):,} tickets", flush=True)
    reporters = {g.pk: g.workers.values_list("user_id", flat=True).first() for g in Grid.objects.all()}
    patrols = []
    for _ in range(count * PATROLS_PER_TEN_TICKETS // 10):
        grid_id = rng.choice(list(reporters))
        patrols.append(
            PatrolReport(
                client_id=uuid.UUID(int=rng.getrandbits(128)),
                reporter_id=reporters[grid_id],
                reported_at=NOW - timedelta(days=rng.uniform(0, 365)),
                grid_id=grid_id,
                category=rng.choice(categories),
                text="路边垃圾堆放，已清理",
                outcome=PatrolReport.Outcome.SOLVED,
            )
        )
    PatrolReport.objects.bulk_create(patrols, batch_size=1000)


def measure(client: Client, url: str) -> tuple[float, list[float]]:
    started = time.perf_counter()
    response = client.get(url)  # the first request also fills this process's caches, as on a running server
    first = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return first, times


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if Ticket.objects.count() >= args.tickets:
        print(f"data: reusing {DATA_DIR}")
    else:
        if Ticket.objects.exists():
            sys.exit(f"{DATA_DIR} holds a partial build; remove it and run again")
        populate(args.tickets)
        print(f"data: built in {time.perf_counter() - started:.0f} s under {DATA_DIR}")
    print(
        f"data: {Ticket.objects.count():,} tickets, {Assignment.objects.count():,} assignments, "
        f"{PatrolReport.objects.count():,} patrol reports (SQLite)"
    )
    users = get_user_model().objects
    # The grid team holding the most open work, and its worker: the heaviest phone pages.
    team = (
        Assignment.objects.filter(unit__kind="grid_team", state__in=Assignment.ACTIVE_STATES)
        .values("unit")
        .order_by()
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["unit"]
    )
    grid_id = Unit.objects.get(pk=team).grid_id
    worker = users.filter(staff__grids=grid_id, staff__roles__code=Role.GRID_WORKER).first()
    work = Assignment.objects.filter(unit_id=team, state="in_progress").order_by("due_at").first()
    pages = [
        ("grid worker home", worker, "/console/"),
        ("grid worker inbox (to sign)", worker, "/console/inbox/"),
        ("grid worker inbox (in progress)", worker, "/console/inbox/?tab=doing"),
        ("grid worker assignment page", worker, f"/console/assignment/{work.pk}/"),
        ("grid worker my grid", worker, "/console/my-grid/"),
        ("grid worker patrol report", worker, "/console/patrol/"),
        ("portal home", None, "/"),
        ("portal track", None, "/track/"),
    ]
    print(
        f"as {worker.username}, whose team holds {Assignment.objects.filter(unit_id=team).count():,} assignments"
    )
    for label, user, url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        if user is not None:
            client.force_login(user)
        first, times = measure(client, url)
        p95 = statistics.quantiles(times, n=20)[18]
        load = "/".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"{label}: first {first:.0f} ms, then p50 {statistics.median(times):.0f} ms, "
            f"p95 {p95:.0f} ms (aim < 300) · load {load}",
            flush=True,
        )


main()
