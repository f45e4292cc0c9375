"""Reads for a grid's own staff: the grids they serve, what is open there, patrol reports and this month's counts.

Scope: a person sees the grids whose team they act for (registry's one rule), the 12345 centre every grid.
Open tickets of the grid are listed without the requester: a grid worker learns what is happening on his
patch, not who asked.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet

from civicgrid.registry.models import Grid, Unit
from civicgrid.tickets.models import OPEN_STATUSES, PatrolReport, Ticket, WarningLevel
from civicgrid.tickets.permissions import CENTRE_ROLES, role_codes, units_of


def _everything(user) -> bool:
    return user.is_superuser or bool(role_codes(user) & CENTRE_ROLES)


def grids_for(user) -> QuerySet[Grid]:
    """The grids whose team `user` acts for (all grids for the centre), by code."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if _everything(user):
        return Grid.objects.filter(is_active=True).order_by("code")
    teams = Unit.objects.filter(pk__in=units_of(user), grid__isnull=False).values("grid_id")
    return Grid.objects.filter(pk__in=teams).order_by("code")


def grid_for(user, pk) -> Grid:
    grid = grids_for(user).filter(pk=pk).select_related("community").first()
    if grid is None:
        raise PermissionDenied("网格不存在或不是您服务的网格")
    return grid


def open_tickets_in(grid: Grid) -> QuerySet[Ticket]:
    """Open tickets located in the grid, most urgent first; callers show no requester fields."""
    return (
        Ticket.objects.filter(grid=grid, status__in=OPEN_STATUSES, is_historical=False)
        .select_related("category", "lead_unit")
        .only(
            "number",
            "title",
            "address",
            "status",
            "warning_level",
            "received_at",
            "category__name",
            "lead_unit__name",
        )
        .order_by("-warning_level", "-received_at")
    )


def patrol_reports_for(user) -> QuerySet[PatrolReport]:
    """Patrol reports `user` may see: their own and those of the grids they serve (all for the centre)."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if _everything(user):
        return PatrolReport.objects.all()
    return PatrolReport.objects.filter(Q(reporter=user) | Q(grid__in=grids_for(user)))


@dataclass(frozen=True)
class GridMonth:
    """A grid's counts over a period: tickets received and closed there, open and overdue now, and its
    patrol reports (those solved on the spot have no requester, so they never enter the three rates)."""

    received: int
    closed: int
    open_now: int
    overdue_now: int
    patrols: int
    solved_on_spot: int
    patrol_tickets: int


def grid_month(grid: Grid, start: datetime, end: datetime) -> GridMonth:
    tickets = Ticket.objects.filter(grid=grid).aggregate(
        received=Count("pk", filter=Q(received_at__gte=start, received_at__lt=end)),
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        open_now=Count("pk", filter=Q(status__in=OPEN_STATUSES, is_historical=False)),
        overdue_now=Count(
            "pk", filter=Q(status__in=OPEN_STATUSES, warning_level=WarningLevel.OVERDUE, is_historical=False)
        ),
    )
    patrols = PatrolReport.objects.filter(grid=grid, reported_at__gte=start, reported_at__lt=end).aggregate(
        patrols=Count("pk"),
        solved_on_spot=Count("pk", filter=Q(outcome=PatrolReport.Outcome.SOLVED)),
        patrol_tickets=Count("pk", filter=Q(outcome=PatrolReport.Outcome.TICKET)),
    )
    return GridMonth(**tickets, **patrols)
