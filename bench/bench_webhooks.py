"""Webhook outbox throughput: filling (events read past the watermark, scoped per client, rows written) and
sending (claim, sign, POST to a real HTTP server on 127.0.0.1, mark) in events or deliveries per second.

`.venv/bin/python bench/bench_webhooks.py [--tickets 2000] [--clients 3] [--postgres URL]` runs on a fresh SQLite
database in a temporary directory (or a scratch `bench_webhooks` database on the PostgreSQL server). Tickets are
registered and accepted through the real services (two events each); one client in three is a unit's (it sees
nothing here, so its scope query is the cost), the others the centre's.
"""

import argparse
import os
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server (a bench_webhooks database is created)"
)
parser.add_argument("--tickets", type=int, default=2000)
parser.add_argument("--clients", type=int, default=3)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("webhooks", postgres=args.postgres)

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.integrations import webhooks  # noqa: E402
from civicgrid.integrations.models import IntegrationClient, WebhookDelivery  # noqa: E402
from civicgrid.registry.models import Role, Staff, Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.routing.vocabulary import RequestType  # noqa: E402
from civicgrid.tickets import services  # noqa: E402

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_default_timezone())


def load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def staff(username, roles, units):
    user = get_user_model().objects.create_user(username=username, password="x-long-password-1")
    row = Staff.objects.create(user=user, name=username, phone="13800000000")
    row.roles.set(Role.objects.filter(code__in=roles))
    row.units.set(units)
    return user


def main() -> None:
    call_command("migrate", verbosity=0)
    settings.CIVICGRID_SMS_SEND_ON_COMMIT = False  # the residents' receipts stay queued: not measured here
    centre = Unit.objects.create(code="12345", name="12345热线中心", kind=Unit.Kind.HOTLINE_CENTRE)
    unit = Unit.objects.create(code="ZJJ", name="住建局", kind=Unit.Kind.DEPARTMENT)
    operator = staff("operator", [Role.OPERATOR], [centre])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    for i in range(args.clients):
        unit_client = i % 3 == 2
        account = staff(
            f"client{i}",
            [Role.UNIT_HANDLER] if unit_client else [Role.OPERATOR],
            [unit if unit_client else centre],
        )
        IntegrationClient.objects.create(
            name=f"对接{i}", code=f"client-{i}", account=account, scopes=["tickets:read"], webhook_url=url
        )
    category = Category.objects.filter(children__isnull=True).first()
    started = time.perf_counter()
    for i in range(args.tickets):
        at = START + timedelta(seconds=i)
        ticket = services.ticket_register(
            actor=operator,
            channel="phone",
            request_type=RequestType.COMPLAINT,
            title="路灯不亮",
            content="小区门口路灯坏了",
            requester_phone=f"139{i:08d}",
            at=at,
        )
        services.ticket_accept(ticket=ticket, actor=operator, category=category, at=at)
    print(
        f"database: {connection.vendor}; {args.tickets:,} tickets registered and accepted in "
        f"{time.perf_counter() - started:.1f} s; {args.clients} clients"
    )
    now = timezone.now()
    before = load()
    t = time.perf_counter()
    queued = 0
    while True:
        added = webhooks.fill_outbox(now)
        queued += added
        if not added:
            break
    seconds = time.perf_counter() - t
    events = 2 * args.tickets
    print(
        f"fill: {events:,} events -> {queued:,} deliveries in {seconds:.2f} s = {events / seconds:,.0f} events/s "
        f"(load average {before} -> {load()})"
    )
    before = load()
    t = time.perf_counter()
    sent = 0
    while WebhookDelivery.objects.filter(status="pending").exists():
        sent += webhooks.deliver_due(now, per_client=10_000)
    seconds = time.perf_counter() - t
    print(
        f"send: {sent:,} deliveries (sign + POST to 127.0.0.1 + mark) in {seconds:.2f} s = "
        f"{sent / seconds:,.0f} per second, one worker (load average {before} -> {load()})"
    )
    server.shutdown()
    connections.close_all()


main()
