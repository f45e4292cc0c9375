"""SMS enqueue cost per ticket: register + accept + dispatch through the real services, with and without
the requester's SMS (receipt and dispatch: two messages a ticket), in ms and database queries per ticket.

`.venv/bin/python bench/bench_sms.py [--tickets 1000] [--postgres URL]` runs on a fresh SQLite database
in a temporary directory (or a scratch `bench_sms` database on the PostgreSQL server). Modes, each on its
own tickets, in this order, repeated `--rounds` times so that load changes hit every mode:
- off: the SMS hook replaced by a no-op (the cost of the loop without SMS);
- queued: messages written in the transaction, sending left to the worker (CIVICGRID_SMS_SEND_ON_COMMIT=0);
- on-commit: written and sent right after commit through a gateway that does no I/O (claim, mark, audit).
Then the worker's pass over the queued backlog (messages per second, same no-I/O gateway).
"""

import argparse
import os
import random
import time
from datetime import datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_sms database is created)")
parser.add_argument("--tickets", type=int, default=1000, help="tickets per mode and round")
parser.add_argument("--rounds", type=int, default=2)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("sms", postgres=args.postgres)

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.demo.city import build_city  # noqa: E402
from civicgrid.intake import services  # noqa: E402
from civicgrid.notify.models import SmsMessage, SmsStatus  # noqa: E402
from civicgrid.notify.sms import deliver_sms  # noqa: E402
from civicgrid.registry.models import Place  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.tickets import resident_sms  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_default_timezone())


class NullGateway:
    """Accepts every message at once: the cost measured is civicgrid's, not a network's."""

    def send(self, message) -> str:
        return f"null-{message.pk}"


class Counter:
    def __init__(self):
        self.queries = 0

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        return execute(sql, params, many, context)


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def run(mode: str, first: int, count: int, operator, dispatcher, places, leaves) -> tuple[float, int]:
    real_tell = resident_sms.tell
    if mode == "off":
        resident_sms.tell = lambda *a, **k: 0
    settings.CIVICGRID_SMS_SEND_ON_COMMIT = mode == "on-commit"
    rng = random.Random(first)
    counter = Counter()
    started = time.perf_counter()
    try:
        with connection.execute_wrapper(counter):
            for i in range(first, first + count):
                at = START + timedelta(minutes=i)
                place, category = rng.choice(places), rng.choice(leaves)
                ticket = services.ticket_intake(
                    actor=operator,
                    channel="phone",
                    request_type=rng.choice(["QZ", "TS", "JB", "JY"]),
                    title=f"{place.name}{category.name}",
                    content=f"{place.name}{category.name}问题，请处理。",
                    requester_name="王五",
                    requester_phone=f"139{i:08d}",
                    lat=place.lat,
                    lon=place.lon,
                    at=at,
                )
                services.ticket_accept(ticket=ticket, actor=operator, category=category, at=at)
                services.ticket_dispatch(ticket=ticket, actor=dispatcher, at=at + timedelta(minutes=1))
    finally:
        resident_sms.tell = real_tell
    return time.perf_counter() - started, counter.queries


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_city(seed=1, grids=60, log=lambda msg: None)
    print(
        f"database: {connection.vendor}; set-up (migrate + 60-grid demo city): {time.perf_counter() - started:.1f} s"
    )
    settings.CIVICGRID_SMS_GATEWAY = "__main__.NullGateway"
    users = get_user_model().objects
    operator, dispatcher = users.get(username="operator1"), users.get(username="dispatcher1")
    places = list(Place.objects.exclude(grid=None))
    leaves = [c for c in Category.objects.filter(version="2026.1") if not c.children.exists()]
    run("off", 100_000, 50, operator, dispatcher, places, leaves)  # warm-up: caches, calendar, indexes

    modes = ["off", "queued", "on-commit"]
    totals = {mode: [0.0, 0, 0] for mode in modes}  # seconds, queries, tickets
    first = 0
    for round_no in range(1, args.rounds + 1):
        for mode in modes:
            before = load()
            seconds, queries = run(mode, first, args.tickets, operator, dispatcher, places, leaves)
            first += args.tickets
            totals[mode][0] += seconds
            totals[mode][1] += queries
            totals[mode][2] += args.tickets
            print(
                f"round {round_no} {mode:>9}: {1000 * seconds / args.tickets:6.2f} ms, "
                f"{queries / args.tickets:5.1f} queries per ticket (load average {before} -> {load()})"
            )
    print(f"\nper ticket (register + accept + dispatch), {args.rounds} × {args.tickets:,} tickets per mode:")
    base_ms = 1000 * totals["off"][0] / totals["off"][2]
    base_q = totals["off"][1] / totals["off"][2]
    for mode in modes:
        seconds, queries, tickets = totals[mode]
        ms, q = 1000 * seconds / tickets, queries / tickets
        print(
            f"  {mode:>9}: {ms:6.2f} ms, {q:5.1f} queries  (SMS adds {ms - base_ms:+.2f} ms, {q - base_q:+.1f} queries)"
        )
    sent = SmsMessage.objects.filter(status=SmsStatus.SENT).count()
    backlog = SmsMessage.objects.filter(status=SmsStatus.PENDING).count()
    before = load()
    t = time.perf_counter()
    delivered = deliver_sms()
    seconds = time.perf_counter() - t
    print(
        f"messages sent on commit: {sent:,}; worker pass over the queued backlog: {delivered:,} of {backlog:,} "
        f"in {seconds:.2f} s = {delivered / seconds:,.0f} messages/s (load average {before} -> {load()})"
    )
    connections.close_all()


main()
