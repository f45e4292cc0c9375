"""Small builders for categories, units, routing rows and tickets used by the routing tests."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from civicgrid.registry.models import Unit
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry
from civicgrid.tickets.models import Ticket

# A version of its own, so the seeded 2026.1 taxonomy never collides with test rows.
VERSION = "测试"
SINCE = date(2026, 1, 1)
SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def make_category(code: str, name: str, version: str = VERSION, **fields) -> Category:
    parent = Category.objects.get(version=version, code=code[:-2]) if len(code) > 2 else None
    category = Category(version=version, code=code, name=name, parent=parent, **fields)
    category.full_clean()
    category.save()
    return category


def make_unit(code: str, name: str, kind: str = Unit.Kind.DEPARTMENT, **fields) -> Unit:
    fields.setdefault("is_functional_department", kind == Unit.Kind.DEPARTMENT)
    return Unit.objects.create(code=code, name=name, kind=kind, **fields)


def make_team(grid, **fields) -> Unit:
    return make_unit(f"G{grid.code}", f"{grid.name}工作组", Unit.Kind.GRID_TEAM, grid=grid, **fields)


def make_rule(category, mode=DirectDispatchRule.Mode.SIMPLE, *, co_units=(), **fields) -> DirectDispatchRule:
    """Saved without full_clean, so a test can plant a row that the guard would have refused."""
    fields.setdefault("version", "第一批(暂行)")
    fields.setdefault("effective_from", SINCE)
    rule = DirectDispatchRule.objects.create(category=category, mode=mode, **fields)
    rule.co_units.set(co_units)
    return rule


def make_entry(category, unit, *, co_units=(), **fields) -> DispatchCatalogueEntry:
    fields.setdefault("version", "2026年版")
    fields.setdefault("effective_from", SINCE)
    entry = DispatchCatalogueEntry.objects.create(category=category, unit=unit, **fields)
    entry.co_units.set(co_units)
    return entry


_numbers = iter(range(1, 10**6))


def make_ticket(category=None, grid=None, **fields) -> Ticket:
    community = fields.pop("community", grid.community if grid is not None else None)
    fields.setdefault("town", community.parent if community is not None else None)
    return Ticket.objects.create(
        number=fields.pop("number", f"T{next(_numbers):08d}"),
        channel="phone",
        received_at=local(2026, 3, 2, 9),
        title=fields.pop("title", "测试诉求"),
        content="测试诉求内容",
        request_type="TS",
        category=category,
        grid=grid,
        community=community,
        **fields,
    )
