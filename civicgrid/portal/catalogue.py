"""村级服务清单 in the portal (no sign-in): choose a village or community, browse its three lists, search them, read
an item's 操作手册 (what to bring, whom to see, the steps, the time limit, the fees), and see the village's own
escalation ladder (四级化事法). Only published versions in force are shown."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from civicgrid.catalogue import selectors
from civicgrid.catalogue.models import ListKind
from civicgrid.registry.models import AdminArea
from civicgrid.sla.ladders import ladder_for
from civicgrid.sla.models import Duration

LIMIT_UNITS = {
    Duration.WORKING_HOURS: "个工作小时",
    Duration.WORKING_DAYS: "个工作日",
    Duration.NATURAL_HOURS: "小时",
    Duration.NATURAL_DAYS: "天",
}


def ladder_steps(area: AdminArea, day) -> tuple[object, list[dict]]:
    """The village's own ladder (not one it inherits) as steps with their limits in words."""
    ladder = ladder_for(area, at=day)
    if ladder is None or ladder.area_id != area.pk:
        return None, []
    steps = []
    for level in ladder.levels.select_related("unit").order_by("order"):
        limit = ""
        if level.limit is not None:
            amount = level.limit.normalize()
            limit = f"{amount:f}{LIMIT_UNITS.get(level.limit_unit, '')}内"
        steps.append(
            {
                "name": level.name,
                "who": level.unit.name if level.unit_id else level.get_unit_kind_display(),
                "limit": limit,
            }
        )
    return ladder, steps


@require_GET
def services_home(request):
    q = (request.GET.get("q") or "").strip()[:50]
    words = (request.GET.get("words") or "").strip()[:100]
    day = timezone.localdate()
    villages = Paginator(selectors.villages_with_catalogue(day=day, q=q), 30).get_page(
        request.GET.get("page")
    )
    hits = selectors.search_items(words, limit=20, day=day) if words else []
    return render(
        request,
        "portal/catalogue/home.html",
        {"villages": villages, "q": q, "words": words, "hits": hits},
    )


@require_GET
def services_village(request, code: str):
    area = get_object_or_404(AdminArea, code=code, level=AdminArea.Level.VILLAGE)
    day = timezone.localdate()
    catalogue = selectors.in_force(area, day=day)
    ladder, steps = ladder_steps(area, day)
    if catalogue is None and ladder is None:
        raise Http404
    words = (request.GET.get("words") or "").strip()[:100]
    hits = (
        selectors.search_items(words, area=area, with_above=False, limit=30, day=day)
        if words and catalogue
        else []
    )
    return render(
        request,
        "portal/catalogue/village.html",
        {
            "area": area,
            "catalogue": catalogue,
            "lists": selectors.lists_of(catalogue) if catalogue else [],
            "words": words,
            "hits": hits,
            "ladder": ladder,
            "steps": steps,
        },
    )


@require_GET
def services_item(request, pk: int):
    item = selectors.public_item(pk)
    if item is None:
        raise Http404
    return render(
        request,
        "portal/catalogue/item.html",
        {
            "item": item,
            "area": item.catalogue.area,
            "list_label": ListKind(item.list_kind).label,
            "office_hours": item.office_hours or selectors.default_office_hours(),
        },
    )
