"""Several workers escalating unsigned assignments at once on PostgreSQL: each exactly once."""

import pytest
from django.db.models import Count

from civicgrid.registry.models import Role, Staff, Unit
from civicgrid.tickets.escalation import escalate_unsigned
from civicgrid.tickets.models import Assignment, Event, Status, Ticket
from tests.sla.factories import local, make_assignment, make_ticket, make_unit, make_user
from tests.tickets.test_scan_postgres import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DISPATCHED = local(2026, 3, 2, 9, 0)
NOW = local(2026, 3, 4, 9, 0)
WORKERS = 4
ROWS = 120


def test_concurrent_workers_escalate_each_unsigned_assignment_once():
    department = make_unit(is_functional_department=True)
    community = make_unit("C1", "银海社区居委会", kind=Unit.Kind.COMMUNITY)
    grid_team = make_unit("G1", "银海第1网格工作组", kind=Unit.Kind.GRID_TEAM, parent=community)
    for user in (make_user("dept", units=[department]), make_user("comm", units=[community])):
        Staff.objects.get(user=user).roles.set(Role.objects.filter(code=Role.UNIT_HANDLER))
    make_user("dispatcher")
    for i in range(ROWS):
        ticket = make_ticket(status=Status.DISPATCHED)
        make_assignment(
            ticket,
            grid_team if i % 2 else department,
            state=Assignment.State.PENDING_SIGN,
            dispatched_at=DISPATCHED,
            sign_due_at=local(2026, 3, 3, 9, 0),
        )

    results = run_together(lambda: escalate_unsigned(now=NOW), WORKERS)

    assert sum(results) == ROWS
    assert escalate_unsigned(now=NOW) == 0
    per_ticket = Event.objects.filter(action__in=["auto_escalated", "unsigned_returned"]).values("ticket")
    assert sorted(row["n"] for row in per_ticket.annotate(n=Count("id"))) == [1] * ROWS
    assert Ticket.objects.filter(status=Status.PENDING_DISPATCH).count() == ROWS // 2
    assert Assignment.objects.filter(role="lead", unit=community).count() == ROWS // 2
    assert Assignment.objects.filter(auto_escalated_at=NOW).count() == ROWS
