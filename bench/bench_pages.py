"""Server-side render time and page weight of the busiest console pages with 100,000 tickets.

`.venv/bin/python bench/bench_pages.py [--tickets 100000] [--repeat 30]` builds the 60-grid demo city
in a fresh SQLite database, bulk-inserts tickets with their lead assignments, events and assessment
facts (rows written directly: 100,000 tickets through the services would take over half an hour),
then renders each page with Django's test client as the person who uses it and prints p50/p95 render
time, HTML size and the total weight with the CSS/JS it loads. Aim: p95 < 300 ms.
"""

import argparse
import atexit
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tickets", type=int, default=100_000)
parser.add_argument("--repeat", type=int, default=30)
args = parser.parse_args()

DATA_DIR = tempfile.mkdtemp(prefix="civicgrid-bench-")
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
os.environ["CIVICGRID_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.demo.city import build_city  # noqa: E402
from civicgrid.registry.models import Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.sla.models import TimeLimitPolicy  # noqa: E402
from civicgrid.tickets.models import Assignment, Event, Status, Ticket  # noqa: E402

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
SATISFACTION = ["very_satisfied", "satisfied", "satisfied", "basic", "unsatisfied"]


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
            closed = status == Status.CLOSED
            tickets.append(
                Ticket(
                    number=f"B{i:013d}",
                    channel="phone",
                    received_at=received,
                    request_type=rng.choice("ZX QZ TS JB".split()),
                    urgency="normal",
                    title="测试诉求标题",
                    content="测试诉求内容",
                    requester_name="张三",
                    requester_phone="13800000000",
                    grid=grid,
                    community_id=grid.community_id,
                    town_id=grid.community.parent_id,
                    category=(cat := rng.choice(categories)),
                    category_code=cat.code,
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
            state = {
                Status.CLOSED: "done",
                Status.IN_PROGRESS: "in_progress",
                Status.DISPATCHED: "pending_sign",
                Status.REPLIED: "replied",
                Status.PENDING_CALLBACK: "replied",
                Status.REOPENED: "pending_sign",
            }.get(status)
            events.append(Event(ticket_id=pk, at=dispatched, action="registered", to_status=status))
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


def weight(html: str) -> int:
    total = len(html.encode())
    for path in set(re.findall(r'(?:href|src)="/static/([^"?]+)', html)):
        found = finders.find(path)
        if found:
            total += Path(found).stat().st_size
    return total


def measure(client: Client, url: str) -> tuple[float, list[float], int, int]:
    times, html = [], ""
    started = time.perf_counter()
    client.get(url)  # the first request also fills this process's caches, as on a running server
    first = (time.perf_counter() - started) * 1000
    for _ in range(args.repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
    return first, times, len(html.encode()), weight(html)


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    populate(args.tickets)
    print(
        f"data: {Ticket.objects.count():,} tickets, {Assignment.objects.count():,} assignments "
        f"in {time.perf_counter() - started:.0f} s (SQLite)"
    )
    from urllib.parse import urlencode

    from civicgrid.demo.intake_model import train_demo_model
    from civicgrid.demo.knowledge import seed_knowledge
    from civicgrid.registry.models import Place

    seed_knowledge(log=lambda msg: None)
    train_demo_model(seed=1, log=lambda msg: None)
    place = Place.objects.exclude(grid=None).exclude(lat=None).first()
    typed = urlencode(
        {
            "title": f"{place.name}路面积水",
            "content": f"{place.name}门口下水道堵塞,路面积水很深,已经好几天了,请尽快处理",
            "address": place.address,
            "lat": place.lat,
            "lon": place.lon,
        }
    )
    users = get_user_model().objects
    # The department handling the most tickets that has a handler account: the heaviest inbox.
    staffed = list(Unit.objects.filter(staff__isnull=False, kind="department").values_list("pk", flat=True))
    busiest = (
        Assignment.objects.filter(unit_id__in=staffed)
        .values("unit")
        .order_by()
        .annotate(n=django.db.models.Count("id"))
        .order_by("-n")
        .first()["unit"]
    )
    handler = users.filter(staff__units=busiest).first()
    pages = [
        ("dispatcher queue", "dispatcher1", "/console/dispatch/"),
        ("unit inbox (busiest unit, in progress)", handler.username, "/console/inbox/?tab=doing"),
        ("unit inbox (overdue tab)", handler.username, "/console/inbox/?tab=overdue"),
        ("leader dashboard (this month)", "leader1", "/console/dashboard/"),
        ("leader dashboard data (90 days)", "leader1", "/console/dashboard/data/?period=90d"),
        ("leader dashboard (90 days, by grid)", "leader1", "/console/dashboard/?period=90d&by=grid"),
        ("intake page", "operator1", "/console/intake/"),
        ("intake panel: category suggestion", "operator1", f"/console/intake/suggest/?{typed}"),
        ("intake panel: knowledge-base answers", "operator1", f"/console/kb/suggest/?{typed}"),
        ("intake panel: possible duplicates", "operator1", f"/console/intake/duplicates/?{typed}"),
    ]
    for label, username, url in pages:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users.get(username=username))
        first, times, html_bytes, total = measure(client, url)
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"{label}: first {first:.0f} ms, then p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms (aim < 300) · "
            f"HTML {html_bytes / 1024:.0f} KB, with CSS/JS {total / 1024:.0f} KB"
        )


main()
