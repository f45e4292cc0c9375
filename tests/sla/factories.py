"""Small builders for sla and notify tests: tickets and assignments made directly, not via services."""

from datetime import datetime, timedelta
from itertools import count

from django.contrib.auth import get_user_model
from django.utils import timezone

from civicgrid.registry.models import Staff, Unit
from civicgrid.routing.vocabulary import DispatchMode, RequestType, Urgency
from civicgrid.sla.deadlines import assignment_deadlines
from civicgrid.sla.policies import policy_for
from civicgrid.tickets.models import Assignment, Status, Ticket

_numbers = count(1)


def local(*args) -> datetime:
    """An aware datetime in the project's time zone (Asia/Shanghai)."""
    return datetime(*args, tzinfo=timezone.get_default_timezone())


def make_unit(code: str = "D001", name: str = "住建局", kind: str = Unit.Kind.DEPARTMENT, **fields) -> Unit:
    return Unit.objects.create(code=code, name=name, kind=kind, **fields)


def make_user(username: str, *, units=(), is_active: bool = True, email: str = "", name: str = ""):
    user = get_user_model().objects.create_user(
        username=username, password="a-long-pass-2026", is_active=is_active, email=email
    )
    staff = Staff.objects.create(user=user, name=name or username)
    staff.units.set(units)
    return user


def make_ticket(
    *,
    status: str = Status.IN_PROGRESS,
    request_type: str = RequestType.HELP,
    urgency: str = Urgency.NORMAL,
    dispatch_mode: str = DispatchMode.TO_DEPARTMENT,
    received_at: datetime | None = None,
    title: str = "小区路灯不亮",
    **fields,
) -> Ticket:
    n = next(_numbers)
    return Ticket.objects.create(
        number=f"20260302-{n:06d}",
        channel="phone",
        received_at=received_at or local(2026, 3, 2, 9, 0),
        title=title,
        content=f"{title},请尽快处理。",
        request_type=request_type,
        urgency=urgency,
        status=status,
        dispatch_mode=dispatch_mode,
        dispatch_round=fields.pop("dispatch_round", 1),
        **fields,
    )


def make_assignment(
    ticket: Ticket,
    unit: Unit,
    *,
    dispatched_at: datetime | None = None,
    due_at: datetime | None = None,
    yellow_at: datetime | None = None,
    red_at: datetime | None = None,
    state: str = Assignment.State.IN_PROGRESS,
    role: str = Assignment.Role.LEAD,
    **fields,
) -> Assignment:
    """Deadlines from the seeded policy unless given; given ones default to 1 h apart after dispatch."""
    dispatched_at = dispatched_at or local(2026, 3, 2, 9, 0)
    policy = policy_for(
        request_type=ticket.request_type,
        urgency=ticket.urgency,
        dispatch_mode=ticket.dispatch_mode,
        at=dispatched_at,
    )
    if due_at is None and yellow_at is None and red_at is None:
        d = assignment_deadlines(policy, dispatched_at)
        due_at, yellow_at, red_at = d.due_at, d.yellow_at, d.red_at
    else:
        yellow_at = yellow_at or dispatched_at + timedelta(hours=1)
        red_at = red_at or yellow_at + timedelta(hours=1)
        due_at = due_at or red_at + timedelta(hours=1)
    return Assignment.objects.create(
        ticket=ticket,
        round=fields.pop("round", ticket.dispatch_round),
        unit=unit,
        role=role,
        state=state,
        policy=policy,
        dispatched_at=dispatched_at,
        sign_due_at=fields.pop("sign_due_at", dispatched_at + timedelta(hours=1)),
        first_contact_due_at=fields.pop("first_contact_due_at", dispatched_at + timedelta(hours=2)),
        due_at=due_at,
        original_due_at=due_at,
        yellow_at=yellow_at,
        red_at=red_at,
        **fields,
    )
