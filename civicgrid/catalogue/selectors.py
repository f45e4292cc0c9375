"""Reads of the catalogue: the public ones (published versions in force) and the editor's (scoped)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from civicgrid.catalogue import search
from civicgrid.catalogue.models import Catalogue, CatalogueItem, ListKind
from civicgrid.catalogue.scope import editable_area_ids
from civicgrid.registry.models import AdminArea
from civicgrid.workcal.models import OfficeHours


def _today(day: date | None) -> date:
    return day or timezone.localdate()


def in_force(area: AdminArea, *, day: date | None = None) -> Catalogue | None:
    """The published version of `area` in force on `day`."""
    return Catalogue.objects.in_force(_today(day)).filter(area=area).select_related("area").first()


def villages_with_catalogue(*, day: date | None = None, q: str = "") -> QuerySet[AdminArea]:
    """Villages and communities with a version in force, for the portal's chooser."""
    ids = Catalogue.objects.in_force(_today(day)).values("area_id")
    areas = AdminArea.objects.filter(pk__in=ids).select_related("parent").order_by("code")
    if q:
        areas = areas.filter(Q(name__icontains=q) | Q(parent__name__icontains=q))
    return areas


def lists_of(catalogue: Catalogue) -> list[tuple[str, str, list[CatalogueItem]]]:
    """(kind, label, items) for the three lists, in their order, each list in its own order."""
    by_kind: dict[str, list[CatalogueItem]] = {kind: [] for kind in ListKind.values}
    for item in catalogue.items.select_related("unit").order_by("list_kind", "order", "pk"):
        by_kind.setdefault(item.list_kind, []).append(item)
    return [(kind, str(label), by_kind[kind]) for kind, label in ListKind.choices]


def default_office_hours(day: date | None = None) -> str:
    """The working-day office hours in force (workcal's versioned 办公时间), for an item that names none."""
    hours = OfficeHours.objects.filter(effective_from__lte=_today(day)).order_by("-effective_from").first()
    if hours is None:
        return ""
    return "工作日 " + "，".join(p.strip() for p in hours.periods.replace("，", ",").split(",") if p.strip())


def public_item(pk: int, *, day: date | None = None) -> CatalogueItem | None:
    """An item of a version in force (the portal shows nothing else)."""
    ids = Catalogue.objects.in_force(_today(day)).values("pk")
    return (
        CatalogueItem.objects.filter(pk=pk, catalogue__in=ids)
        .select_related("catalogue__area", "unit")
        .first()
    )


@dataclass(frozen=True)
class Hit:
    item: CatalogueItem
    score: float


def search_items(
    text: str,
    *,
    area: AdminArea | None = None,
    with_above: bool = True,
    list_kind: str = "",
    limit: int = 10,
    day: date | None = None,
) -> list[Hit]:
    """Items of versions in force matching `text`, best first; within `area` (and the areas above it, whose
    lists also serve its people) when given, else everywhere. Public data: no scope needed."""
    area_ids = None
    if area is not None:
        area_ids = {a.pk for a in area.ancestors()} if with_above else {area.pk}
    ranked = search.ranked_ids(text, day=_today(day), area_ids=area_ids, list_kind=list_kind, limit=limit)
    items = CatalogueItem.objects.in_bulk([pk for pk, _ in ranked])
    related = {
        i.pk: i
        for i in CatalogueItem.objects.filter(pk__in=list(items)).select_related("catalogue__area", "unit")
    }
    return [Hit(item=related[pk], score=score) for pk, score in ranked if pk in related]


# --- the editor ------------------------------------------------------------------------------------------------


def editable_catalogues(user) -> QuerySet[Catalogue]:
    """Every version of the areas `user` may edit (all for administrators)."""
    allowed = editable_area_ids(user)
    qs = Catalogue.objects.select_related("area", "area__parent").annotate(item_count=Count("items"))
    if allowed is not None:
        qs = qs.filter(area_id__in=allowed)
    return qs.order_by("area__code", "-version")


def editable_villages(user) -> QuerySet[AdminArea]:
    allowed = editable_area_ids(user)
    qs = AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).select_related("parent")
    if allowed is not None:
        qs = qs.filter(pk__in=allowed)
    return qs.order_by("code")


def editable_catalogue(user, pk: int) -> Catalogue | None:
    return editable_catalogues(user).filter(pk=pk).first()
