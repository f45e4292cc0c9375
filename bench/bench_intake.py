"""Register + accept + dispatch through the intake use cases and the ticket services: tickets per second.

`.venv/bin/python bench/bench_intake.py [--tickets 2000]` runs on a fresh SQLite database in a
temporary directory; with `--postgres postgres://postgres@127.0.0.1:5432/test` it creates a database
`bench_intake` on that server instead and drops it at the end. The city is the 60-grid demo city with
its routing tables; each ticket is placed by its point, routed (direct table or catalogue), given
its deadlines from the working-day calendar, logged and notified, one transaction per use case.
Besides the times (wall clock and this process's CPU time) it prints the SQL statements per call,
which do not depend on how busy the machine is, and the load average.
"""

import argparse
import os
import random
import time
from datetime import datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server (a bench_intake database is created)"
)
parser.add_argument("--tickets", type=int, default=2000)
parser.add_argument(
    "--with-model",
    action="store_true",
    help="train and activate the demo classifier first: every registration is then classified and routed "
    "three ways, and acceptance settles the suggestion (auto-dispatch off so dispatch is still measured)",
)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("intake", postgres=args.postgres)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.demo.city import build_city  # noqa: E402
from civicgrid.intake import services  # noqa: E402
from civicgrid.registry.models import Place  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.tickets.models import Ticket  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_default_timezone())


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_city(seed=1, grids=60, log=lambda msg: None)
    print(
        f"database: {connection.vendor}; set-up (migrate + 60-grid demo city): {time.perf_counter() - started:.1f} s"
    )
    if args.with_model:
        from civicgrid.demo.intake_model import train_demo_model
        from civicgrid.intake.models import IntakeModel

        t = time.perf_counter()
        train_demo_model(seed=1, auto_dispatch=False, log=lambda msg: None)
        print(f"demo classifier trained and active: {time.perf_counter() - t:.1f} s")
        assert IntakeModel.objects.filter(is_active=True).exists()
    users = get_user_model().objects
    operator = users.get(username="operator1")
    dispatcher = users.get(username="dispatcher1")
    places = list(Place.objects.exclude(grid=None))
    leaves = [c for c in Category.objects.filter(version="2026.1") if not c.children.exists()]
    rng = random.Random(1)

    timings = {"register": 0.0, "accept": 0.0, "dispatch": 0.0}
    cpu = dict.fromkeys(timings, 0.0)
    queries = dict.fromkeys(timings, 0)
    phase = [""]

    def count(execute, sql, params, many, context):
        queries[phase[0]] += 1
        return execute(sql, params, many, context)

    def timed(name, service, **kwargs):
        phase[0] = name
        wall, used = time.perf_counter(), time.process_time()
        result = service(**kwargs)
        timings[name] += time.perf_counter() - wall
        cpu[name] += time.process_time() - used
        return result

    load = os.getloadavg()
    with connection.execute_wrapper(count):
        for i in range(args.tickets):
            run_one(i, timed, operator, dispatcher, places, leaves, rng)
    total = sum(timings.values())
    dispatched = Ticket.objects.filter(status="DISPATCHED").count()
    print(f"tickets registered, accepted and dispatched: {args.tickets:,} ({dispatched:,} dispatched)")
    if args.with_model:
        from civicgrid.intake.models import Suggestion

        print(f"suggestions recorded: {Suggestion.objects.count():,}")
    print(
        f"register + accept + dispatch: {args.tickets / total:,.0f} tickets/s ({1000 * total / args.tickets:.1f} ms per ticket, "
        f"CPU {1000 * sum(cpu.values()) / args.tickets:.1f} ms, {sum(queries.values()) / args.tickets:.2f} SQL statements)"
    )
    for name, seconds in timings.items():
        print(
            f"  {name}: {1000 * seconds / args.tickets:.2f} ms per call (CPU {1000 * cpu[name] / args.tickets:.2f} ms), "
            f"{queries[name] / args.tickets:.2f} SQL statements"
        )
    print(
        "load average before / after: "
        + " / ".join(" ".join(f"{x:.2f}" for x in figures) for figures in (load, os.getloadavg()))
    )
    connections.close_all()


def run_one(i, timed, operator, dispatcher, places, leaves, rng) -> None:
    """The i-th ticket: registered by the operator, accepted in a leaf category, dispatched by the rules."""
    at = START + timedelta(minutes=3 * i)
    place, category = rng.choice(places), rng.choice(leaves)
    ticket = timed(
        "register",
        services.ticket_intake,
        actor=operator,
        channel="phone",
        request_type=rng.choice(["QZ", "TS", "JB", "JY"]),
        title=f"{place.name}{category.name}",
        content=f"{place.name}{category.name}问题，请处理。",
        requester_name="王五",
        requester_phone="13900001111",
        lat=place.lat,
        lon=place.lon,
        at=at,
    )
    timed("accept", services.ticket_accept, ticket=ticket, actor=operator, category=category, at=at)
    timed("dispatch", services.ticket_dispatch, ticket=ticket, actor=dispatcher, at=at + timedelta(minutes=1))


main()
