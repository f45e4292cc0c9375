"""我的网格: a grid worker's patch on his phone: open tickets there, its places, this month's figures."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from civicgrid.assessment.selectors import period_bounds, three_rates
from civicgrid.console.access import staff_view
from civicgrid.console.exporting import TICKET_COLUMNS, export_list, wants_xlsx
from civicgrid.core.documents import Column, Sheet
from civicgrid.core.inputs import parse_id
from civicgrid.registry.models import Role
from civicgrid.tickets.grids import grid_for, grid_month, grids_for, open_tickets_in, patrol_reports_for

GRID_STAFF = (Role.GRID_WORKER, Role.GRID_LEADER, Role.ADMINISTRATOR)
TICKETS_PER_PAGE = 20
PLACES_SHOWN = 50


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@staff_view(*GRID_STAFF)
def my_grid(request):
    grids = list(grids_for(request.user).only("pk", "name", "code")[:200])
    chosen = parse_id(request.GET.get("grid", ""))
    grid = grid_for(request.user, chosen if chosen else grids[0].pk) if grids else None
    context = {"grids": grids, "grid": grid}
    if grid is not None:
        today = timezone.localdate()
        first = today.replace(day=1)
        start, end = period_bounds(first, today)
        rates = next(
            (
                row
                for row in three_rates(user=request.user, date_from=first, date_to=today, by="grid")
                if row.key == grid.pk
            ),
            None,
        )
        if wants_xlsx(request):
            return export_list(
                request,
                title="网格内在办工单",
                columns=TICKET_COLUMNS,
                rows=open_tickets_in(grid),
                scope=grid.name,
                period=f"截至 {today:%Y-%m-%d}",
                action="export.my_grid",
                more_sheets=[
                    Sheet(
                        "网格内地名",
                        [
                            Column("名称", "name", width=24),
                            Column("类型", lambda p: p.get_kind_display(), width=12),
                            Column("地址", "address", width=36),
                        ],
                        grid.places.order_by("kind", "name"),
                        scope=grid.name,
                    )
                ],
            )
        page = Paginator(open_tickets_in(grid), TICKETS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(
            month=grid_month(grid, start, end),
            month_label=f"{first:%Y年%m月}",
            rates=rates
            and {
                "rated": rates.rated,
                "response": _pct(rates.response_rate),
                "resolution": _pct(rates.resolution_rate),
                "satisfaction": _pct(rates.satisfaction_rate),
            },
            page=page,
            query=f"grid={grid.pk}",
            places=grid.places.order_by("kind", "name")[:PLACES_SHOWN],
            place_count=grid.places.count(),
            patrols=patrol_reports_for(request.user)
            .filter(grid=grid, reported_at__gte=start, reported_at__lt=end)
            .select_related("ticket", "category")[:10],
        )
    return render(request, "console/patrol/my_grid.html", context)


urlpatterns = [path("my-grid/", my_grid, name="my_grid")]
