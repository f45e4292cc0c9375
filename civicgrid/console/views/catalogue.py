"""Console pages of the village service catalogue: the editor for community workers (their villages; a town's or
county's staff theirs), versions, draft editing (add, edit, reorder, delete with confirmation), publishing with
confirmation, Excel export, and the catalogue panel beside the knowledge-base answers at intake."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.catalogue import selectors, services
from civicgrid.catalogue.models import Catalogue, CatalogueItem
from civicgrid.catalogue.scope import EDITOR_ROLES, editable_area_ids
from civicgrid.console.access import staff_view
from civicgrid.console.exporting import export_list, wants_xlsx
from civicgrid.console.forms.catalogue import ItemForm, NewDraftForm, PublishForm
from civicgrid.console.views.common import PAGE_SIZE
from civicgrid.core.audit import record_event
from civicgrid.core.documents import DATE, INTEGER, Column, workbook, xlsx_response
from civicgrid.core.inputs import parse_id
from civicgrid.core.refusal import REFUSAL_TYPES, refusal_message
from civicgrid.registry.models import Grid, Role

ROLES = (*sorted(EDITOR_ROLES), Role.ADMINISTRATOR)
PANEL_LIMIT = 5


def _catalogue(request, pk) -> Catalogue:
    catalogue = selectors.editable_catalogue(request.user, pk)
    if catalogue is None:
        if Catalogue.objects.filter(pk=pk).exists():
            raise PermissionDenied("您不负责该村（社区），不能查看或修改它的服务清单草稿")
        raise Http404
    return catalogue


def _item(request, pk) -> CatalogueItem:
    item = get_object_or_404(CatalogueItem.objects.select_related("catalogue__area"), pk=pk)
    allowed = editable_area_ids(request.user)
    if allowed is not None and item.catalogue.area_id not in allowed:
        raise PermissionDenied("您不负责该村（社区），不能修改它的服务清单")
    return item


def _refused(request, exc) -> None:
    message = refusal_message(exc)
    if message is None:
        raise exc
    messages.error(request, message)


@require_http_methods(["GET", "POST"])
@staff_view(*ROLES)
def catalogue_list(request):
    user = request.user
    areas = selectors.editable_villages(user)
    published = Catalogue.objects.in_force(timezone.localdate()).select_related("area").order_by("area__code")
    form = NewDraftForm(request.POST or None, areas=areas, published=published)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.draft_for(
                actor=user, area=form.cleaned_data["area"], copy_from=form.cleaned_data["copy_from"]
            )
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
        else:
            return redirect("console:catalogue_detail", catalogue_id=draft.pk)
    q = (request.GET.get("q") or "").strip()[:50]
    versions = selectors.editable_catalogues(user)
    if q:
        versions = versions.filter(area__name__icontains=q)
    today = timezone.localdate()
    if wants_xlsx(request):
        return export_list(
            request,
            title="村级服务清单",
            columns=[
                Column("村（社区）", "area.name", width=20),
                Column("乡镇/街道", "area.parent.name", width=16),
                Column("版本", "version", number_format=INTEGER, width=8),
                Column("状态", lambda c: c.state_label(today), width=12),
                Column("生效日期", "effective_from", number_format=DATE),
                Column("失效日期", "effective_to", number_format=DATE),
                Column("事项数", "item_count", number_format=INTEGER),
                Column("修订说明", "note", width=30),
            ],
            rows=versions,
            scope="本人负责的村（社区）",
            filters=[f"村（社区）名称含「{q}」" if q else ""],
            action="export.catalogues",
        )
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    for c in page:
        c.label = c.state_label(today)
    return render(request, "console/catalogue/list.html", {"page": page, "q": q, "form": form})


@require_GET
@staff_view(*ROLES)
def catalogue_detail(request, catalogue_id):
    pk = catalogue_id
    catalogue = _catalogue(request, pk)
    return render(
        request,
        "console/catalogue/detail.html",
        {
            "catalogue": catalogue,
            "label": catalogue.state_label(timezone.localdate()),
            "lists": selectors.lists_of(catalogue),
            "draft": not catalogue.published,
        },
    )


@require_POST
@staff_view(*ROLES)
def catalogue_edit(request, catalogue_id):
    pk = catalogue_id
    """Editing a published version opens the area's draft (a copy of the latest published one)."""
    catalogue = _catalogue(request, pk)
    try:
        draft = services.draft_for(actor=request.user, area=catalogue.area)
    except REFUSAL_TYPES as exc:
        _refused(request, exc)
        return redirect("console:catalogue_detail", catalogue_id=pk)
    return redirect("console:catalogue_detail", catalogue_id=draft.pk)


@require_http_methods(["GET", "POST"])
@staff_view(*ROLES)
def item_form(request, catalogue_id=None, item_pk=None):
    pk = catalogue_id
    item = _item(request, item_pk) if item_pk else None
    catalogue = item.catalogue if item else _catalogue(request, pk)
    if catalogue.published:
        messages.error(request, "已发布的版本不能修改，请先新建草稿")
        return redirect("console:catalogue_detail", catalogue_id=catalogue.pk)
    initial = {"list_kind": request.GET.get("kind")} if item is None else None
    form = ItemForm(request.POST or None, instance=item, area=catalogue.area, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = {f: form.cleaned_data[f] for f in form.Meta.fields}
        try:
            services.item_save(actor=request.user, catalogue=catalogue, item=item, **values)
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
        else:
            messages.success(request, "已保存")
            return redirect("console:catalogue_detail", catalogue_id=catalogue.pk)
    return render(
        request, "console/catalogue/item_form.html", {"form": form, "catalogue": catalogue, "item": item}
    )


@require_POST
@staff_view(*ROLES)
def item_move(request, item_pk):
    item = _item(request, item_pk)
    try:
        services.item_move(
            actor=request.user, item=item, direction=1 if request.POST.get("dir") == "down" else -1
        )
    except REFUSAL_TYPES as exc:
        _refused(request, exc)
    url = reverse("console:catalogue_detail", kwargs={"catalogue_id": item.catalogue_id})
    return redirect(f"{url}#list-{item.list_kind}")


@require_http_methods(["GET", "POST"])
@staff_view(*ROLES)
def item_delete(request, item_pk):
    item = _item(request, item_pk)
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            services.item_delete(actor=request.user, item=item)
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"已删除“{item.name}”")
        return redirect("console:catalogue_detail", catalogue_id=item.catalogue_id)
    return render(
        request,
        "console/catalogue/confirm.html",
        {
            "catalogue": item.catalogue,
            "title": "删除事项",
            "question": f"确定从草稿中删除“{item.name}”吗？删除后不能恢复，现行版本不受影响。",
            "button": "确认删除",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view(*ROLES)
def catalogue_publish(request, catalogue_id):
    pk = catalogue_id
    catalogue = _catalogue(request, pk)
    form = PublishForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid() and request.POST.get("confirm"):
        try:
            services.publish(
                actor=request.user, catalogue=catalogue, effective_from=form.cleaned_data["effective_from"]
            )
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
        else:
            messages.success(request, "已发布，群众可在门户网站查看")
            return redirect("console:catalogue_detail", catalogue_id=catalogue.pk)
    current = selectors.in_force(catalogue.area)
    return render(
        request,
        "console/catalogue/confirm.html",
        {
            "catalogue": catalogue,
            "form": form,
            "title": "发布服务清单",
            "question": f"确定发布{catalogue}吗？发布后不能再修改，如需调整须另建草稿。"
            + (f"现行的第{current.version}版将在新版本生效前一天停止使用。" if current else ""),
            "button": "确认发布",
        },
    )


@require_http_methods(["GET", "POST"])
@staff_view(*ROLES)
def catalogue_discard(request, catalogue_id):
    pk = catalogue_id
    catalogue = _catalogue(request, pk)
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            services.draft_discard(actor=request.user, catalogue=catalogue)
        except REFUSAL_TYPES as exc:
            _refused(request, exc)
            return redirect("console:catalogue_detail", catalogue_id=pk)
        messages.success(request, "草稿已删除")
        return redirect("console:catalogue_list")
    return render(
        request,
        "console/catalogue/confirm.html",
        {
            "catalogue": catalogue,
            "title": "删除草稿",
            "question": f"确定删除{catalogue}草稿及其全部事项吗？删除后不能恢复，已发布的版本不受影响。",
            "button": "确认删除草稿",
        },
    )


COLUMNS = [
    Column("清单", lambda i: i.get_list_kind_display(), 22),
    Column("序号", "order", 6),
    Column("事项名称", "name", 28),
    Column("所需材料", lambda i: "；".join(i.material_lines()), 40),
    Column("办理单位", "unit.name", 20),
    Column("找谁办", "post", 16),
    Column("办公时间", "office_hours", 24),
    Column("办理步骤", lambda i: "；".join(f"{n}. {s}" for n, s in enumerate(i.step_lines(), 1)), 50),
    Column("办理时限", "time_limit_display", 14),
    Column("收费标准", "fees", 14),
    Column("办理依据", "legal_basis", 40),
]


@require_GET
@staff_view(*ROLES)
def catalogue_export(request, catalogue_id):
    pk = catalogue_id
    catalogue = _catalogue(request, pk)
    items = [item for _, _, rows in selectors.lists_of(catalogue) for item in rows]
    record_event(
        actor=request.user, action="servicelist.export", target=catalogue, summary=f"导出{catalogue}"
    )
    data = workbook(
        f"{catalogue.display_title}（第{catalogue.version}版）",
        catalogue.area.path_display,
        catalogue.state_label(timezone.localdate())
        + (f"，{catalogue.effective_from:%Y-%m-%d}起生效" if catalogue.effective_from else ""),
        COLUMNS,
        items,
    )
    return xlsx_response(f"{catalogue.area.name}服务清单第{catalogue.version}版.xlsx", data)


@require_GET
@staff_view()
def catalogue_suggest(request):
    """htmx partial beside the knowledge-base answers at intake: catalogue items matching what is typed, in the
    located village (and the areas above it) when the point is known, else everywhere."""
    text = f"{request.GET.get('title', '')} {request.GET.get('content', '')}".strip()
    area = None
    grid_id = parse_id(request.GET.get("grid"))
    if grid_id:
        grid = Grid.objects.filter(pk=grid_id).select_related("community").first()
        area = grid.community if grid else None
    if area is None and request.GET.get("lat") and request.GET.get("lon"):
        from civicgrid.registry.locate import locate_point

        try:
            area = getattr(locate_point(request.GET["lat"], request.GET["lon"]).grid, "community", None)
        except (ValueError, TypeError) + REFUSAL_TYPES:
            area = None
    hits = selectors.search_items(text, area=area, limit=PANEL_LIMIT) if len(text) >= 2 else []
    if area is not None and not hits and len(text) >= 2:
        hits = selectors.search_items(text, limit=PANEL_LIMIT)
        area = None
    return render(
        request, "console/catalogue/_suggest.html", {"hits": hits, "area": area, "searched": len(text) >= 2}
    )


urlpatterns = [
    path("catalogue/", catalogue_list, name="catalogue_list"),
    path("catalogue/suggest/", catalogue_suggest, name="catalogue_suggest"),
    path("catalogue/<int:catalogue_id>/", catalogue_detail, name="catalogue_detail"),
    path("catalogue/<int:catalogue_id>/edit/", catalogue_edit, name="catalogue_edit"),
    path("catalogue/<int:catalogue_id>/items/new/", item_form, name="catalogue_item_new"),
    path("catalogue/<int:catalogue_id>/publish/", catalogue_publish, name="catalogue_publish"),
    path("catalogue/<int:catalogue_id>/discard/", catalogue_discard, name="catalogue_discard"),
    path("catalogue/<int:catalogue_id>/export/", catalogue_export, name="catalogue_export"),
    path("catalogue/items/<int:item_pk>/edit/", item_form, name="catalogue_item_edit"),
    path("catalogue/items/<int:item_pk>/move/", item_move, name="catalogue_item_move"),
    path("catalogue/items/<int:item_pk>/delete/", item_delete, name="catalogue_item_delete"),
]
