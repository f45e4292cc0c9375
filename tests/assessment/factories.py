"""Small builders for assessment tests: ticket rows with their assessment facts set directly."""

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from civicgrid.registry.models import AdminArea, Grid, Role, Staff, Unit
from civicgrid.routing.models import Category
from civicgrid.tickets.models import Assignment, ReturnRequest, Supervision, Ticket

SH = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def local(*args) -> datetime:
    """An aware datetime in Asia/Shanghai."""
    return datetime(*args, tzinfo=SH)


def make_unit(code: str, name: str, kind: str = Unit.Kind.DEPARTMENT, **fields) -> Unit:
    return Unit.objects.create(code=code, name=name, kind=kind, **fields)


def make_area(code: str, name: str, level: str, parent: AdminArea | None = None) -> AdminArea:
    area = AdminArea(code=code, name=name, level=level, parent=parent)
    area.save()
    return area


def make_grid(code: str, name: str, community: AdminArea) -> Grid:
    grid = Grid(code=code, name=name, community=community)
    grid.save()
    return grid


def make_category(code: str, name: str, parent: Category | None = None) -> Category:
    # A version of our own: the seeded taxonomy uses the same codes.
    category = Category(version="test", code=code, name=name, parent=parent)
    category.save()
    return category


def make_ticket(*, received_at: datetime, **fields) -> Ticket:
    number = next(_numbers)
    values = {
        "number": f"T{number:08d}",
        "channel": "phone",
        "title": f"诉求{number}",
        "content": "内容",
        "request_type": "TS",
        "received_at": received_at,
    }
    values.update(fields)
    return Ticket.objects.create(**values)


def make_rated(
    unit: Unit,
    rated_at: datetime,
    *,
    contacted: bool = True,
    solved: str = "solved",
    satisfaction: str = "satisfied",
    **fields,
) -> Ticket:
    """A ticket closed by a valid callback (参评工单) with the given answers."""
    fields.setdefault("received_at", rated_at - timedelta(days=5))
    fields.setdefault("lead_unit", unit)
    return make_ticket(
        status="CLOSED",
        rated_at=rated_at,
        rated_unit=unit,
        rated_contacted_in_time=contacted,
        rated_solved=solved,
        rated_satisfaction=satisfaction,
        **fields,
    )


def make_assignment(ticket: Ticket, unit: Unit, dispatched_at: datetime, **fields) -> Assignment:
    due = dispatched_at + timedelta(days=5)
    values = {
        "round": 1,
        "role": Assignment.Role.LEAD,
        "state": Assignment.State.IN_PROGRESS,
        "dispatched_at": dispatched_at,
        "sign_due_at": dispatched_at + timedelta(hours=2),
        "first_contact_due_at": dispatched_at + timedelta(days=1),
        "due_at": due,
        "original_due_at": due,
        "yellow_at": due - timedelta(days=1),
        "red_at": due - timedelta(hours=4),
    }
    values.update(fields)
    return Assignment.objects.create(ticket=ticket, unit=unit, **values)


def make_return(assignment: Assignment, requested_at: datetime, decision: str = "pending") -> ReturnRequest:
    return ReturnRequest.objects.create(
        assignment=assignment,
        requested_at=requested_at,
        reason="不属本单位职责",
        legal_basis="三定方案",
        state_before=Assignment.State.IN_PROGRESS,
        decision=decision,
    )


def make_supervision(ticket: Ticket, at: datetime, unit: Unit | None = None) -> Supervision:
    return Supervision.objects.create(ticket=ticket, unit=unit, at=at, note="请加快办理")


def make_user(username: str, *, superuser: bool = False):
    User = get_user_model()
    if superuser:
        return User.objects.create_superuser(username, f"{username}@example.org")
    return User.objects.create_user(username, f"{username}@example.org")


def make_staff(username: str, roles: list[str], units: list[Unit] = ()):
    user = make_user(username)
    staff = Staff.objects.create(user=user, name=username)
    staff.roles.set(Role.objects.filter(code__in=roles))
    staff.units.set(units)
    return user
