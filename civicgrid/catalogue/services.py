"""Every change to a catalogue is one of these functions: guard (role, scope, state), transaction, audit row."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from civicgrid.catalogue.errors import CatalogueError
from civicgrid.catalogue.models import Catalogue, CatalogueItem, ListKind
from civicgrid.catalogue.scope import may_edit
from civicgrid.core.audit import record_event
from civicgrid.registry.models import AdminArea

ITEM_FIELDS = (
    "list_kind",
    "name",
    "legal_basis",
    "materials",
    "unit",
    "post",
    "office_hours",
    "steps",
    "time_limit",
    "time_unit",
    "fees",
    "keywords",
)


def _require_scope(actor, area: AdminArea, action: str) -> None:
    if not may_edit(actor, area):
        raise CatalogueError(f"您不负责{area.name}，不能{action}")


def _require_village(area: AdminArea) -> None:
    if area.level != AdminArea.Level.VILLAGE:
        raise CatalogueError("服务清单只能为村（社区）编制")


def _lock(catalogue: Catalogue) -> Catalogue:
    return Catalogue.objects.select_for_update().select_related("area").get(pk=catalogue.pk)


def _require_draft(catalogue: Catalogue, action: str) -> None:
    if catalogue.published:
        raise CatalogueError(f"第{catalogue.version}版已发布，不能{action}；请先新建草稿")


def _next_version(area: AdminArea) -> int:
    return (Catalogue.objects.filter(area=area).aggregate(m=Max("version"))["m"] or 0) + 1


def _copy_items(source: Catalogue, target: Catalogue, *, keep_keys: bool) -> int:
    items = []
    for item in source.items.order_by("list_kind", "order", "pk"):
        copy = CatalogueItem(catalogue=target, order=item.order, search_text=item.search_text)
        for field in ITEM_FIELDS:
            setattr(copy, field, getattr(item, field))
        if keep_keys:
            copy.key = item.key
        items.append(copy)
    CatalogueItem.objects.bulk_create(items)
    return len(items)


def draft_for(*, actor, area: AdminArea, copy_from: Catalogue | None = None, note: str = "") -> Catalogue:
    """The area's draft: the one being edited, else a new one copied from `copy_from` (another village's
    catalogue as a starting point) or from the area's latest published version, else empty."""
    _require_village(area)
    _require_scope(actor, area, "编制服务清单")
    if copy_from is not None and not copy_from.published:
        raise CatalogueError("只能复制已发布的清单")
    with transaction.atomic():
        AdminArea.objects.select_for_update().filter(pk=area.pk).first()  # one new draft at a time
        existing = Catalogue.objects.filter(area=area, published=False).first()
        if existing is not None:
            if copy_from is not None:
                raise CatalogueError(f"{area.name}已有草稿（第{existing.version}版），请先发布或删除该草稿")
            return existing
        source = copy_from or Catalogue.objects.filter(area=area, published=True).order_by("-version").first()
        draft = Catalogue.objects.create(
            area=area,
            version=_next_version(area),
            title=source.title if source is not None and source.area_id == area.pk else "",
            based_on=source,
            note=note[:200],
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        copied = _copy_items(source, draft, keep_keys=source.area_id == area.pk) if source else 0
        record_event(
            actor=actor,
            action="servicelist.draft",
            target=draft,
            summary=f"{area.name}服务清单第{draft.version}版草稿" + (f"，复制自{source}" if source else ""),
            area=area.code,
            copied=copied,
        )
    return draft


def item_save(*, actor, catalogue: Catalogue, item: CatalogueItem | None = None, **values) -> CatalogueItem:
    """Add an item to a draft or change one of its items; a published version is never changed."""
    with transaction.atomic():
        catalogue = _lock(catalogue)
        _require_scope(actor, catalogue.area, "修改服务清单")
        _require_draft(catalogue, "修改")
        if item is None:
            last = catalogue.items.filter(list_kind=values.get("list_kind", ListKind.DUTY)).aggregate(
                m=Max("order")
            )
            item = CatalogueItem(catalogue=catalogue, order=(last["m"] or 0) + 1)
            action = "servicelist.item_add"
        else:
            item = CatalogueItem.objects.select_for_update().get(pk=item.pk, catalogue=catalogue)
            action = "servicelist.item_change"
        for field, value in values.items():
            if field not in ITEM_FIELDS:
                raise CatalogueError(f"不能修改字段{field}")
            setattr(item, field, value)
        if not (item.name or "").strip():
            raise CatalogueError("请填写事项名称")
        item.fees = item.fees or "免费"
        item.full_clean(exclude=["catalogue", "search_text"])
        item.refresh_index()
        item.save()
        record_event(
            actor=actor, action=action, target=catalogue, summary=f"{catalogue}：{item.name}", item=item.pk
        )
    return item


def item_delete(*, actor, item: CatalogueItem) -> None:
    with transaction.atomic():
        catalogue = _lock(item.catalogue)
        _require_scope(actor, catalogue.area, "修改服务清单")
        _require_draft(catalogue, "删除事项")
        name = item.name
        CatalogueItem.objects.filter(pk=item.pk, catalogue=catalogue).delete()
        record_event(
            actor=actor,
            action="servicelist.item_delete",
            target=catalogue,
            summary=f"{catalogue}：删除{name}",
        )


def item_move(*, actor, item: CatalogueItem, direction: int) -> None:
    """Move an item one place up (-1) or down (+1) within its list."""
    with transaction.atomic():
        catalogue = _lock(item.catalogue)
        _require_scope(actor, catalogue.area, "修改服务清单")
        _require_draft(catalogue, "调整顺序")
        items = list(catalogue.items.filter(list_kind=item.list_kind).order_by("order", "pk"))
        index = next((i for i, it in enumerate(items) if it.pk == item.pk), None)
        if index is None:
            raise CatalogueError("事项不在该清单中")
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(items):
            return
        items[index], items[other] = items[other], items[index]
        for order, it in enumerate(items, start=1):
            it.order = order
        CatalogueItem.objects.bulk_update(items, ["order"])
        record_event(
            actor=actor,
            action="servicelist.item_change",
            target=catalogue,
            summary=f"{catalogue}：调整{item.name}的顺序",
        )


def draft_discard(*, actor, catalogue: Catalogue) -> None:
    with transaction.atomic():
        catalogue = _lock(catalogue)
        _require_scope(actor, catalogue.area, "删除草稿")
        _require_draft(catalogue, "删除")
        summary = str(catalogue)
        catalogue.delete()
        record_event(actor=actor, action="servicelist.discard", summary=f"删除草稿{summary}")


def publish(*, actor, catalogue: Catalogue, effective_from: date | None = None) -> Catalogue:
    """Publish a draft from `effective_from` (today by default); the version in force until then closes the day
    before, and becomes history."""
    with transaction.atomic():
        catalogue = _lock(catalogue)
        _require_scope(actor, catalogue.area, "发布服务清单")
        _require_draft(catalogue, "再次发布")
        day = effective_from or timezone.localdate()
        if not catalogue.items.exists():
            raise CatalogueError("清单没有任何事项，不能发布")
        published = list(
            Catalogue.objects.select_for_update()
            .filter(area=catalogue.area, published=True)
            .order_by("version")
        )
        if any(other.effective_from >= day for other in published):
            raise CatalogueError("生效日期必须晚于已发布各版本的生效日期")
        for other in published:
            if other.effective_to is None or other.effective_to >= day:
                other.effective_to = day - timedelta(days=1)
                other.save(update_fields=["effective_to"])
        catalogue.published = True
        catalogue.effective_from = day
        catalogue.published_at = timezone.now()
        catalogue.published_by = actor if getattr(actor, "is_authenticated", False) else None
        catalogue.save(update_fields=["published", "effective_from", "published_at", "published_by"])
        record_event(
            actor=actor,
            action="servicelist.publish",
            target=catalogue,
            summary=f"发布{catalogue}，{day:%Y-%m-%d}起生效",
            area=catalogue.area.code,
            effective_from=day.isoformat(),
        )
    return catalogue
