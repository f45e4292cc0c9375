"""State changes of the registers: one function per change, atomic, validated, audited."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from civicgrid.core.audit import record_event
from civicgrid.registry.models import AdminArea, Grid, Place, Role, Staff, Unit


def _save_validated(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def area_upsert(
    *,
    code: str,
    name: str,
    level: str,
    parent: AdminArea | None = None,
    geometry: dict | None = None,
    actor=None,
) -> tuple[AdminArea, bool]:
    area = AdminArea.objects.filter(code=code).first()
    created = area is None
    area = area or AdminArea(code=code)
    area.name, area.level, area.parent, area.geometry = name, level, parent, geometry
    _save_validated(area)
    record_event(
        actor=actor,
        action="area.create" if created else "area.update",
        target=area,
        summary=f"{area.get_level_display()} {area.name}({area.code})",
    )
    return area, created


@transaction.atomic
def grid_upsert(
    *,
    code: str,
    name: str,
    community: AdminArea,
    geometry: dict | None = None,
    kind: str = Grid.Kind.BASIC,
    dedicated_type: str = "",
    households: int = 0,
    actor=None,
) -> tuple[Grid, bool]:
    grid = Grid.objects.filter(code=code).first()
    created = grid is None
    grid = grid or Grid(code=code)
    grid.name, grid.community, grid.geometry = name, community, geometry
    grid.kind, grid.dedicated_type, grid.households = kind, dedicated_type, households
    _save_validated(grid)
    record_event(
        actor=actor,
        action="grid.create" if created else "grid.update",
        target=grid,
        summary=f"{grid.name}({grid.code})",
    )
    return grid, created


@transaction.atomic
def grid_set_staff(*, grid: Grid, leader: Staff | None, workers: list[Staff], actor=None) -> Grid:
    grid.leader = leader
    grid.save(update_fields=["leader", "updated_at"])
    grid.workers.set(workers)
    record_event(
        actor=actor,
        action="grid.staff",
        target=grid,
        summary=f"{grid.name} 网格长与网格员调整",
        leader=leader.pk if leader else None,
        workers=[w.pk for w in workers],
    )
    return grid


@transaction.atomic
def unit_upsert(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    is_functional_department: bool = False,
    area: AdminArea | None = None,
    grid: Grid | None = None,
    short_name: str = "",
    phone: str = "",
    actor=None,
) -> tuple[Unit, bool]:
    unit = Unit.objects.filter(code=code).first()
    created = unit is None
    unit = unit or Unit(code=code)
    unit.name, unit.kind, unit.parent, unit.area, unit.grid = name, kind, parent, area, grid
    unit.is_functional_department, unit.short_name, unit.phone = is_functional_department, short_name, phone
    _save_validated(unit)
    record_event(
        actor=actor, action="unit.create" if created else "unit.update", target=unit, summary=unit.name
    )
    return unit, created


@transaction.atomic
def staff_create(
    *,
    username: str,
    name: str,
    password: str,
    roles: list[str],
    units: list[Unit] = (),
    phone: str = "",
    is_admin: bool = False,
    password_is_hashed: bool = False,
    actor=None,
) -> Staff:
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"账号 {username} 已存在"})
    found = list(Role.objects.filter(code__in=roles))
    missing = set(roles) - {r.code for r in found}
    if missing:
        raise ValidationError({"roles": f"未知角色：{'、'.join(sorted(missing))}"})
    user = User.objects.create_user(
        username=username,
        password=None if password_is_hashed else password,
        first_name=name,
        is_staff=is_admin,
        is_superuser=is_admin,
    )
    if password_is_hashed:
        user.password = password
        user.save(update_fields=["password"])
    staff = _save_validated(Staff(user=user, name=name, phone=phone))
    staff.roles.set(found)
    staff.units.set(units)
    record_event(
        actor=actor,
        action="staff.create",
        target=staff,
        summary=f"{name}({username})",
        roles=sorted(roles),
        units=[u.pk for u in units],
    )
    return staff


@transaction.atomic
def place_upsert(
    *,
    name: str,
    address: str = "",
    kind: str = Place.Kind.OTHER,
    lon: float | None = None,
    lat: float | None = None,
    grid: Grid | None = None,
    aliases: str = "",
    actor=None,
) -> tuple[Place, bool]:
    place = Place.objects.filter(name=name, address=address).first()
    created = place is None
    place = place or Place(name=name, address=address)
    place.kind, place.lon, place.lat, place.grid, place.aliases = kind, lon, lat, grid, aliases
    _save_validated(place)
    record_event(
        actor=actor, action="place.create" if created else "place.update", target=place, summary=place.name
    )
    return place, created
