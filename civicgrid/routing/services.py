"""State changes of the routing configuration: one function per change, atomic, validated, audited."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.db import transaction

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry

DEFAULT_LEVEL_COLUMNS = ["一级分类", "二级分类", "三级分类"]
MAX_CHILDREN = 99
NAME_MAX = Category._meta.get_field("name").max_length
VERSION_MAX = Category._meta.get_field("version").max_length
MAX_ERRORS_SHOWN = 20


class CategoryImportError(Refusal, ValueError):
    """The file cannot be imported; `errors` lists every problem found, in Chinese."""

    def __init__(self, errors: list[str]):
        shown = errors[:MAX_ERRORS_SHOWN]
        if len(errors) > len(shown):
            shown.append(f"……另有 {len(errors) - len(shown)} 处问题未列出")
        super().__init__("\n".join(shown))
        self.errors = errors


@dataclass
class CategoryRow:
    line: int
    path: tuple[str, ...]


def read_category_csv(path: str | Path, columns: list[str]) -> list[CategoryRow]:
    """Rows of a CSV with one column per level (UTF-8, with or without BOM, or GB18030 from Excel)."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise CategoryImportError([f"无法识别文件 {path} 的编码，请另存为 UTF-8 的 CSV"]) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise CategoryImportError(
            [f"CSV 缺少列：{'、'.join(missing)}(文件中的列：{'、'.join(header) or '无'})"]
        )
    reader.fieldnames = header
    rows, errors = [], []
    for line, record in enumerate(reader, start=2):
        values = [(record.get(c) or "").strip() for c in columns]
        filled = len(values)
        while filled and not values[filled - 1]:
            filled -= 1
        if filled == 0:
            continue
        path_ = tuple(values[:filled])
        for level, (column, name) in enumerate(zip(columns, path_, strict=False), start=1):
            if not name:
                errors.append(f"第 {line} 行：{column}为空，但下级分类有值")
            elif len(name) > NAME_MAX:
                errors.append(f"第 {line} 行：{level} 级分类名称「{name[:20]}…」超过 {NAME_MAX} 个字")
        rows.append(CategoryRow(line=line, path=path_))
    if errors:
        raise CategoryImportError(errors)
    if not rows:
        raise CategoryImportError([f"文件 {path} 中没有分类数据"])
    return rows


@transaction.atomic
def categories_import(*, rows: list[CategoryRow], version: str, actor=None) -> list[Category]:
    """Create a whole category tree under a new version; codes follow first appearance, 2 digits a level.

    All or nothing: a version that already has categories is refused, as is any malformed row.
    """
    errors = []
    if not version or len(version) > VERSION_MAX:
        errors.append(f"分类版本应为 1 到 {VERSION_MAX} 个字符：{version!r}")
    elif existing := Category.objects.filter(version=version).count():
        errors.append(f"分类版本 {version} 已有 {existing} 个分类；导入新分类表请使用新的版本号")
    if any(len(r.path) > Category.MAX_LEVEL for r in rows):
        errors.append(f"分类最多 {Category.MAX_LEVEL} 级")

    codes: dict[tuple[str, ...], str] = {}
    children: dict[tuple[str, ...], int] = {}
    for row in rows:
        for depth in range(1, len(row.path) + 1):
            key = row.path[:depth]
            if key in codes:
                continue
            parent = key[:-1]
            children[parent] = children.get(parent, 0) + 1
            if children[parent] > MAX_CHILDREN:
                where = " / ".join(parent) or "一级分类"
                errors.append(f"第 {row.line} 行：「{where}」下的分类超过 {MAX_CHILDREN} 个，两位编码不够用")
                break
            codes[key] = codes.get(parent, "") + f"{children[parent]:02d}"
    if errors:
        raise CategoryImportError(errors)

    key_of = {code: key for key, code in codes.items()}
    created: dict[tuple[str, ...], Category] = {}
    for depth in range(1, Category.MAX_LEVEL + 1):
        batch = [
            Category(
                version=version,
                code=code,
                name=key[-1],
                parent=created.get(key[:-1]),
                level=depth,
            )
            for key, code in codes.items()
            if len(key) == depth
        ]
        for category in Category.objects.bulk_create(batch):
            created[key_of[category.code]] = category
    record_event(
        actor=actor,
        action="category.import",
        summary=f"导入业务分类 版本 {version}，共 {len(created)} 个",
        version=version,
        count=len(created),
    )
    return sorted(created.values(), key=lambda c: c.code)


def _save_validated(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def catalogue_entry_upsert(
    *,
    version: str,
    category: Category,
    unit: Unit,
    effective_from: date,
    co_units: list[Unit] = (),
    area: AdminArea | None = None,
    effective_to: date | None = None,
    note: str = "",
    actor=None,
) -> tuple[DispatchCatalogueEntry, bool]:
    """派单目录: set the unit that handles `category` in this version (and area)."""
    entry = DispatchCatalogueEntry.objects.filter(version=version, category=category, area=area).first()
    created = entry is None
    entry = entry or DispatchCatalogueEntry(version=version, category=category, area=area)
    entry.unit, entry.effective_from, entry.effective_to, entry.note = (
        unit,
        effective_from,
        effective_to,
        note,
    )
    entry.is_active = True
    _save_validated(entry)
    entry.co_units.set(co_units)
    record_event(
        actor=actor,
        action="catalogue.create" if created else "catalogue.update",
        target=entry,
        summary=str(entry),
        co_units=[u.pk for u in co_units],
    )
    return entry, created


@transaction.atomic
def direct_rule_upsert(
    *,
    version: str,
    category: Category,
    mode: str,
    effective_from: date,
    lead_unit: Unit | None = None,
    co_units: list[Unit] = (),
    include_grid: bool = True,
    area: AdminArea | None = None,
    effective_to: date | None = None,
    completion_criteria: str = "",
    note: str = "",
    actor=None,
) -> tuple[DirectDispatchRule, bool]:
    """网格办件直派表: put `category` on the list as simple (grid) or joint; validated by the guard."""
    rule = DirectDispatchRule.objects.filter(version=version, category=category, area=area).first()
    created = rule is None
    rule = rule or DirectDispatchRule(version=version, category=category, area=area)
    rule.mode, rule.lead_unit, rule.include_grid = mode, lead_unit, include_grid
    rule.effective_from, rule.effective_to = effective_from, effective_to
    rule.completion_criteria, rule.note, rule.is_active = completion_criteria, note, True
    _save_validated(rule)
    rule.co_units.set(co_units)
    record_event(
        actor=actor,
        action="direct_rule.create" if created else "direct_rule.update",
        target=rule,
        summary=str(rule),
        co_units=[u.pk for u in co_units],
    )
    return rule, created
