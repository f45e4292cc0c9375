"""One deadline-scan pass over 100,000 open assignments: `.venv/bin/python bench/bench_scan.py`.

Runs against a fresh SQLite database in a temporary directory; with
`--postgres postgres://postgres@127.0.0.1:5432/test` it creates a database `bench_scan` on that
server instead, and drops it at the end. Aim: the first pass (with 10-20 % of the rows crossing a
threshold) under 5 s on SQLite; the second pass issues nothing.
"""

import argparse
import gc
import random
import time
from datetime import datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server to run on (a bench_scan database is created)"
)
parser.add_argument("--assignments", type=int, default=100_000)
parser.add_argument("--tickets", type=int, default=70_000)
parser.add_argument("--history", type=int, default=50_000, help="closed tickets with finished assignments")
parser.add_argument("--units", type=int, default=300)
parser.add_argument(
    "--no-freeze",
    action="store_true",
    help="do not freeze the start-up heap before the scan (the worker does)",
)
parser.add_argument("--pending", type=float, default=0.25, help="share of crossed rows not yet scanned")
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("scan", postgres=args.postgres)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.notify.bulk import insert_rows  # noqa: E402
from civicgrid.notify.models import Notification  # noqa: E402
from civicgrid.registry.models import Staff, Unit  # noqa: E402
from civicgrid.sla.models import TimeLimitPolicy  # noqa: E402
from civicgrid.tickets.models import Assignment, Event, Status, Ticket  # noqa: E402
from civicgrid.tickets.scan import scan_deadlines  # noqa: E402

NOW = datetime(2026, 3, 16, 10, 0, tzinfo=timezone.get_default_timezone())
OPEN = [Status.DISPATCHED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.REOPENED]
LEVELS = ("yellow", "red", "overdue")


def _insert(model, rows: list[dict]) -> None:
    """Rows as dicts over the field defaults: model instances and bulk_create would dominate the set-up."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields}
    insert_rows(model, list(defaults), (tuple({**defaults, **row}.values()) for row in rows))


def _people(units: list[Unit]) -> None:
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"u{u.pk}-{i}", password="!") for u in units for i in range(3)
    )
    staff = Staff.objects.bulk_create(Staff(user=user, name=user.username) for user in users)
    Staff.units.through.objects.bulk_create(
        Staff.units.through(staff_id=s.pk, unit_id=units[i // 3].pk) for i, s in enumerate(staff)
    )


def build(rng: random.Random) -> dict[str, int]:
    """Open tickets with deadlines spread around NOW; most crossings already issued, some pending."""
    units = Unit.objects.bulk_create(
        Unit(code=f"B{i:04d}", name=f"单位{i}", kind=Unit.Kind.DEPARTMENT) for i in range(args.units)
    )
    _people(units)
    policy = TimeLimitPolicy.objects.get(request_type="", urgency="", dispatch_mode="")

    def ticket(n: int, status: str, received: datetime) -> dict:
        return dict(
            number=f"B{n:09d}",
            channel="phone",
            received_at=received,
            title="路灯不亮",
            content="小区路灯不亮,请尽快处理。",
            request_type="QZ",
            status=status,
            dispatch_round=1,
            dispatch_mode="to_department",
            updated_at=received,
        )

    total = args.tickets + args.history
    tickets = [ticket(n, rng.choice(OPEN), NOW - timedelta(days=20)) for n in range(args.tickets)]
    tickets += [ticket(n, Status.CLOSED, NOW - timedelta(days=60)) for n in range(args.tickets, total)]
    _insert(Ticket, tickets)
    ids = list(Ticket.objects.order_by("pk").values_list("pk", flat=True))
    open_ids, closed_ids = ids[: args.tickets], ids[args.tickets :]

    expected = dict.fromkeys(LEVELS, 0) | {"rows": 0}
    rows = []

    def assignment(ticket_id: int, role: str, open_row: bool) -> dict:
        span = timedelta(hours=rng.choice((24, 48, 120, 360)))
        dispatched = NOW - span * rng.uniform(0, 1.3) if open_row else NOW - timedelta(days=50)
        yellow, red, due = dispatched + span * 0.5, dispatched + span * 0.8, dispatched + span
        crossed = [level for level, at in zip(LEVELS, (yellow, red, due), strict=True) if at <= NOW]
        issued = dict.fromkeys(LEVELS)
        pending = open_row and crossed and rng.random() < args.pending
        expected["rows"] += bool(pending)
        for i, level in enumerate(crossed):
            if pending and (i == len(crossed) - 1 or rng.random() < 0.1):
                expected[level] += 1
            else:
                issued[level] = {"yellow": yellow, "red": red, "overdue": due}[level]
        return dict(
            ticket_id=ticket_id,
            round=1,
            unit_id=units[rng.randrange(len(units))].pk,
            role=role,
            state=Assignment.State.IN_PROGRESS if open_row else Assignment.State.DONE,
            policy_id=policy.pk,
            dispatched_at=dispatched,
            sign_due_at=dispatched + timedelta(hours=7),
            first_contact_due_at=dispatched + timedelta(hours=24),
            due_at=due,
            original_due_at=due,
            yellow_at=yellow,
            red_at=red,
            yellow_issued_at=issued["yellow"],
            red_issued_at=issued["red"],
            overdue_issued_at=issued["overdue"],
        )

    for ticket_id in open_ids:
        rows.append(assignment(ticket_id, Assignment.Role.LEAD, True))
    for ticket_id in rng.sample(open_ids, args.assignments - len(open_ids)):
        rows.append(assignment(ticket_id, Assignment.Role.CO, True))
    rows += [assignment(ticket_id, Assignment.Role.LEAD, False) for ticket_id in closed_ids]
    _insert(Assignment, rows)
    return expected


def main() -> None:
    engine = connection.vendor
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"[{engine}] migrate: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    expected = build(random.Random(20260316))
    if engine == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    open_rows = Assignment.objects.filter(state__in=Assignment.ACTIVE_STATES).count()
    pending_rows = expected.pop("rows")
    print(
        f"[{engine}] built {open_rows:,} open assignments on {args.tickets:,} tickets "
        f"(+{args.history:,} closed) in {time.perf_counter() - started:.1f} s; "
        f"to issue: yellow {expected['yellow']:,}, red {expected['red']:,}, overdue {expected['overdue']:,} "
        f"on {pending_rows:,} rows ({pending_rows / open_rows:.0%})"
    )

    started = time.perf_counter()
    if not args.no_freeze:  # as `civicgrid worker` does at start-up
        gc.collect()
        gc.freeze()
    first = scan_deadlines(now=NOW)
    first_seconds = time.perf_counter() - started
    assert first.as_dict() == expected, (first, expected)
    print(
        f"[{engine}] pass 1: {first_seconds:.2f} s (aim < 5 s) - yellow {first.yellow:,}, red {first.red:,}, "
        f"overdue {first.overdue:,}; events {Event.objects.count():,}, "
        f"notifications {Notification.objects.count():,}"
    )

    started = time.perf_counter()
    second = scan_deadlines(now=NOW)
    print(f"[{engine}] pass 2 (idempotent): {time.perf_counter() - started:.2f} s - {second}")
    assert second.as_dict() == dict.fromkeys(LEVELS, 0)


if __name__ == "__main__":
    main()
