"""Reference data: the category tree, the units and the grids (GeoJSON), as the ticket search offers them."""

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from ninja import Field, Query, Router, Schema

from civicgrid.api.roles import require_staff
from civicgrid.registry.geojson import export_geojson
from civicgrid.registry.models import Grid, Unit
from civicgrid.routing.models import Category
from civicgrid.tickets.permissions import CENTRE_ROLES, role_codes, units_of
from civicgrid.tickets.selectors import tickets_for

router = Router(tags=["基础数据"])


class CategoryNode(Schema):
    id: int
    code: str
    name: str
    level: int
    keywords: list[str]
    is_active: bool
    children: list["CategoryNode"] = []


class CategoriesIn(Schema):
    version: str = Field("", max_length=20, description="分类版本；不填为当前版本")
    active: bool = Field(True, description="只列启用的分类")


class UnitOut(Schema):
    id: int
    code: str
    name: str
    short_name: str
    kind: str
    kind_label: str
    parent: str | None = Field(None, description="上级单位编码")


class FeatureOut(Schema):
    type: str
    properties: dict
    geometry: dict


class GridsOut(Schema):
    type: str = "FeatureCollection"
    features: list[FeatureOut]


def _sees_all(user) -> bool:
    # The ticket search's filter choices (console common.filter_choices): the centre and superusers see
    # every unit and grid; everyone else the units they act for and the grids of the tickets they see.
    return user.is_superuser or bool(role_codes(user) & CENTRE_ROLES)


@router.get("/categories", response=list[CategoryNode], summary="业务分类树")
def categories(request, filters: Query[CategoriesIn]):
    require_staff(request.user)
    version = filters.version.strip() or settings.CIVICGRID_CATEGORY_VERSION
    rows = Category.objects.filter(version=version)
    if filters.active:
        rows = rows.filter(is_active=True)
    nodes, roots = {}, []
    for category in rows.order_by("code"):
        node = {
            "id": category.pk,
            "code": category.code,
            "name": category.name,
            "level": category.level,
            "keywords": [k.strip() for k in category.keywords.replace("，", ",").split(",") if k.strip()],
            "is_active": category.is_active,
            "children": [],
        }
        nodes[category.pk] = node
        parent = nodes.get(category.parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


@router.get("/units", response=list[UnitOut], summary="单位")
def units(request):
    user = request.user
    require_staff(user)
    if _sees_all(user):
        rows = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.HOTLINE_CENTRE)
    else:
        rows = Unit.objects.filter(pk__in=units_of(user))
    kinds = dict(Unit.Kind.choices)
    return [
        {
            "id": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "short_name": unit.short_name,
            "kind": unit.kind,
            "kind_label": str(kinds.get(unit.kind, unit.kind)),
            "parent": unit.parent.code if unit.parent_id else None,
        }
        for unit in rows.select_related("parent").order_by("kind", "code")
    ]


@router.get("/grids", response=GridsOut, summary="网格边界（GeoJSON）")
def grids(request):
    user = request.user
    require_staff(user)
    collection = export_geojson("grid")
    if not _sees_all(user):
        own = Unit.objects.filter(pk__in=units_of(user), grid__isnull=False).values("grid")
        seen = tickets_for(user).order_by().values("grid")
        visible = set(Grid.objects.filter(Q(pk__in=seen) | Q(pk__in=own)).values_list("code", flat=True))
        collection["features"] = [f for f in collection["features"] if f["properties"]["code"] in visible]
    return collection


@router.get("/grids/{code}", response=FeatureOut, summary="一个网格的边界（GeoJSON）")
def grid(request, code: str):
    for feature in grids(request)["features"]:
        if feature["properties"]["code"] == code:
            return feature
    raise Http404
