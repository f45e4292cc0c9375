"""Several scanners at once on PostgreSQL: FOR UPDATE SKIP LOCKED must keep every warning single."""

import threading
from collections import Counter

import pytest
from django.db import connection

from civicgrid.notify.models import Notification
from civicgrid.tickets.models import Assignment, Event, Ticket
from civicgrid.tickets.scan import LEVELS, ScanResult, scan_deadlines
from tests.sla.factories import local, make_assignment, make_ticket, make_unit, make_user

# Committed data is flushed afterwards; serialized_rollback puts the seeded tables back for later tests.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DISPATCHED = local(2026, 3, 2, 9, 0)
YELLOW, RED, DUE = local(2026, 3, 3, 9), local(2026, 3, 4, 9), local(2026, 3, 5, 9)
SCANNERS = 4
ROWS = 300


def run_together(target, n: int) -> list:
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def work(i):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as error:  # reported below, in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_scanners_issue_each_warning_exactly_once():
    lead_unit, co_unit = make_unit(), make_unit("D002", "水务局")
    make_user("handler", units=[lead_unit, co_unit])
    later = local(2026, 3, 6, 9)
    tickets = [make_ticket() for _ in range(ROWS // 2)]
    for i in range(ROWS):
        # Two assignments per ticket, so scanners meet on tickets as well as on rows. A third only
        # yellow, a third also red, a third also overdue at the scan time.
        make_assignment(
            tickets[i // 2],
            co_unit if i % 2 else lead_unit,
            role="co" if i % 2 else "lead",
            dispatched_at=DISPATCHED,
            yellow_at=YELLOW,
            red_at=local(2026, 3, 5, 12) if i % 3 == 0 else RED,
            due_at=DUE if i % 3 == 2 else later,
        )
    now = local(2026, 3, 5, 10)

    results = run_together(lambda: scan_deadlines(now=now, batch_size=7), SCANNERS)

    total = ScanResult(*(sum(getattr(r, level) for r in results) for level in ("yellow", "red", "overdue")))
    assert total == ScanResult(yellow=ROWS, red=2 * ROWS // 3, overdue=ROWS // 3)
    assert Assignment.objects.filter(yellow_issued_at=now).count() == ROWS
    per_row = Counter(Event.objects.values_list("assignment_id", "action"))
    assert set(per_row.values()) == {1}
    assert Event.objects.filter(action="warning_yellow").count() == ROWS
    assert Notification.objects.count() == ROWS
    for ticket in Ticket.objects.prefetch_related("assignments"):
        levels = [
            "overdue" if a.due_at <= now else "red" if a.red_at <= now else "yellow"
            for a in ticket.assignments.all()
        ]
        assert ticket.warning_level == max(levels, key=LEVELS.index), ticket
    assert scan_deadlines(now=now) == ScanResult()
