"""Build the demo city: areas, grids, units, staff and places, through the registry services.

Everything is keyed by codes and usernames, so building twice changes nothing.
"""

import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.core import twofactor
from civicgrid.core.actors import SYSTEM
from civicgrid.core.refusal import Refusal
from civicgrid.demo import names
from civicgrid.demo.geometry import (
    boundary_from_geojson,
    random_points_in,
    reading_order,
    split,
    synthetic_boundary,
    to_geojson,
)
from civicgrid.demo.models import DemoCity
from civicgrid.demo.routing_tables import build_routing_tables
from civicgrid.registry.models import AdminArea, Grid, Place, Role, Staff, Unit
from civicgrid.registry.services import (
    area_upsert,
    grid_set_staff,
    grid_upsert,
    place_upsert,
    staff_create,
    unit_upsert,
)

PROVINCE = ("460000", "海南省")
SYNTHETIC_CITY = ("469099", "琼台市")
ROUTING_SINCE = date(2024, 1, 1)
DEFAULT_GRIDS = 60
ADMIN_USERNAME = "admin"
TOWNS_PER_CITY = 3
COMMUNITIES_PER_TOWN = 4


@dataclass
class DemoAccount:
    username: str
    name: str
    role: str
    unit: str


@dataclass
class DemoResult:
    city: AdminArea
    created: bool
    password: str
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def accounts_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-accounts.txt"


def _demo_password() -> str:
    path = accounts_file()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("password:"):
                return line.split(":", 1)[1].strip()
    # Random per installation: a demo on a shared machine must not have a guessable password.
    return "cg-" + secrets.token_urlsafe(9)


class DemoCityMismatch(Refusal):
    """The database already holds a demo city built with other options."""


def _fingerprint(boundary: dict | None) -> str:
    if boundary is None:
        return ""
    return hashlib.sha256(json.dumps(boundary, sort_keys=True).encode()).hexdigest()


def built_demo_city(*, grids: int | None = None, boundary: dict | None = None) -> DemoCity | None:
    """The demo city this database already holds, if any. Options left out (None) take what it was
    built with; options that differ are refused, since they would build a second city beside it."""
    record = DemoCity.objects.select_related("city").first()
    if record is None:
        return None
    differences = []
    if grids is not None and grids != record.grids:
        differences.append(f"--grids {grids}")
    if boundary is not None and _fingerprint(boundary) != record.boundary_sha256:
        differences.append("--boundary 给出的边界")
    if differences:
        made_from = "真实边界" if record.boundary_sha256 else "合成边界"
        raise DemoCityMismatch(
            f"数据库中已有示范城市{record.city.name}（{record.city.code}，{made_from}，{record.grids} 个网格），"
            f"与本次的 {'、'.join(differences)} 不同；示范命令不会再建第二个城市。"
            "要按新参数重建，请加 --reset（会删除全部数据），或换一个数据目录。"
        )
    return record


def build_city(
    *, seed: int = 2026, grids: int | None = None, boundary: dict | None = None, log=print
) -> DemoResult:
    """Build the demo city; return what exists afterwards. Idempotent for a given data set; refuses
    (DemoCityMismatch) other `grids` or another `boundary` than the city already built."""
    password = _demo_password()
    record = built_demo_city(grids=grids, boundary=boundary)
    if record is not None:
        log(f"示范城市 {record.city.name}（{record.city.code}）已存在，不重复生成。")
        return DemoResult(
            city=record.city, created=False, password=password, accounts=_read_accounts(), counts=_counts()
        )
    grids = grids or DEFAULT_GRIDS
    rng = random.Random(seed)
    if boundary is not None:
        shape_, props = boundary_from_geojson(boundary)
        city_code = str(props.get("adcode") or props.get("code") or SYNTHETIC_CITY[0])
        city_name = str(props.get("name") or SYNTHETIC_CITY[1])
    else:
        shape_ = synthetic_boundary(rng)
        city_code, city_name = SYNTHETIC_CITY
    if len(city_code) != 6 or not city_code.isdigit():
        raise ValueError(f"边界的区划代码 {city_code} 不是 6 位数字，无法作为县级市")

    existing = AdminArea.objects.filter(code=city_code).first()
    existing_grids = Grid.objects.filter(community__parent__parent=existing).count() if existing else 0
    if existing_grids:
        # Built before cities were recorded: record it as it is, so later runs are held to it.
        DemoCity.objects.create(
            city=existing, seed=seed, grids=existing_grids, boundary_sha256=_fingerprint(boundary)
        )
        log(f"示范城市 {existing.name}（{existing.code}）已存在，不重复生成。")
        return DemoResult(
            city=existing, created=False, password=password, accounts=_read_accounts(), counts=_counts()
        )

    with transaction.atomic():
        city = _build(rng, shape_, city_code, city_name, grids, password, log)
        DemoCity.objects.create(city=city, seed=seed, grids=grids, boundary_sha256=_fingerprint(boundary))
    accounts = _accounts_for_print()
    _write_accounts(password, accounts)
    return DemoResult(city=city, created=True, password=password, accounts=accounts, counts=_counts())


def _build(rng, shape_, city_code, city_name, grid_total, password, log) -> AdminArea:
    province = None
    if city_code.startswith(PROVINCE[0][:2]):
        province, _ = area_upsert(code=PROVINCE[0], name=PROVINCE[1], level=AdminArea.Level.PROVINCE)
    city, _ = area_upsert(
        code=city_code,
        name=city_name,
        level=AdminArea.Level.COUNTY,
        parent=province,
        geometry=to_geojson(shape_),
    )
    log(f"区划：{city.path_display}")

    community_total = max(1, min(TOWNS_PER_CITY * COMMUNITIES_PER_TOWN, grid_total))
    town_count = min(TOWNS_PER_CITY, community_total)
    town_shapes = reading_order(split(shape_, town_count, rng))
    towns, communities = [], []
    for t_index, t_shape in enumerate(town_shapes):
        t_suffix, t_name = names.TOWNS[t_index]
        town, _ = area_upsert(
            code=city_code + t_suffix,
            name=t_name,
            level=AdminArea.Level.TOWN,
            parent=city,
            geometry=to_geojson(t_shape),
        )
        towns.append(town)
        per_town = community_total // town_count + (1 if t_index < community_total % town_count else 0)
        for c_index, c_shape in enumerate(reading_order(split(t_shape, per_town, rng))):
            c_name = names.COMMUNITIES[(t_index * COMMUNITIES_PER_TOWN + c_index) % len(names.COMMUNITIES)]
            is_urban = t_name.endswith("街道") or c_index % 2 == 0
            code = town.code + (f"{c_index + 1:03d}" if is_urban else f"{200 + c_index + 1:03d}")
            community, _ = area_upsert(
                code=code,
                name=c_name + ("社区" if is_urban else "村"),
                level=AdminArea.Level.VILLAGE,
                parent=town,
                geometry=to_geojson(c_shape),
            )
            communities.append((community, c_shape))
    log(f"乡镇/街道 {len(towns)} 个，村/社区 {len(communities)} 个")

    grid_rows = _build_grids(rng, communities, grid_total)
    log(f"网格 {len(grid_rows)} 个")
    units = _build_units(city, towns, communities, grid_rows)
    log(f"单位 {Unit.objects.count()} 个")
    tables = build_routing_tables(city=city, effective_from=ROUTING_SINCE)
    log(f"派单目录 {tables['catalogue']} 条，网格办件直派表 {tables['direct']} 条")
    _build_staff(rng, units, towns, communities, grid_rows, password)
    log(f"工作人员 {Staff.objects.count()} 名")
    _build_places(rng, city, grid_rows)
    log(f"地名 {Place.objects.count()} 个")
    return city


def _grid_quota(communities, total: int) -> list[int]:
    areas = [shape_.area for _, shape_ in communities]
    quota = [1] * len(communities)
    remaining = total - len(communities)
    weight = sum(areas)
    shares = [remaining * a / weight for a in areas]
    quota = [q + int(s) for q, s in zip(quota, shares, strict=True)]
    by_fraction = sorted(range(len(areas)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_fraction[: total - sum(quota)]:
        quota[i] += 1
    return quota


DEDICATED = [
    (Grid.DedicatedType.MARKET, "农贸市场专属网格"),
    (Grid.DedicatedType.SCHOOL, "校园专属网格"),
    (Grid.DedicatedType.PORT, "渔港专属网格"),
]


def _build_grids(rng, communities, total):
    rows = []
    dedicated_left = list(DEDICATED)
    for (community, c_shape), quota in zip(communities, _grid_quota(communities, total), strict=True):
        for seq, g_shape in enumerate(reading_order(split(c_shape, quota, rng)), start=1):
            kind, dedicated_type, name = Grid.Kind.BASIC, "", f"{community.name}第{seq}网格"
            if seq == quota and quota > 2 and dedicated_left:
                dedicated_type, label = dedicated_left.pop(0)
                kind, name = Grid.Kind.DEDICATED, f"{community.name}{label}"
            grid, _ = grid_upsert(
                code=f"{community.code}{seq:03d}",
                name=name,
                community=community,
                geometry=to_geojson(g_shape),
                kind=kind,
                dedicated_type=dedicated_type,
                households=rng.randint(300, 500),
            )
            rows.append((grid, g_shape))
    return rows


def _build_units(city, towns, communities, grid_rows) -> dict:
    K = Unit.Kind
    units = {}
    units["centre"], _ = unit_upsert(
        code=f"{city.code}-12345",
        name=f"{city.name}12345政务服务便民热线中心",
        short_name="12345中心",
        kind=K.HOTLINE_CENTRE,
        area=city,
    )
    units["org"], _ = unit_upsert(
        code=f"{city.code}-ZZB",
        name=f"中共{city.name}委员会组织部",
        short_name="市委组织部",
        kind=K.OTHER,
        area=city,
    )
    units["gov"], _ = unit_upsert(
        code=f"{city.code}-GOV", name=f"{city.name}人民政府", short_name="市政府", kind=K.OTHER, area=city
    )
    for suffix, name, short, stem in names.DEPARTMENTS:
        units[stem], _ = unit_upsert(
            code=f"{city.code}-{suffix}",
            name=f"{city.name}{name}",
            short_name=short,
            kind=K.DEPARTMENT,
            is_functional_department=True,
            area=city,
            parent=units["gov"],
        )
    for suffix, name, short, stem in names.UTILITIES:
        units[stem], _ = unit_upsert(
            code=f"{city.code}-{suffix}",
            name=f"{city.name}{name}",
            short_name=short,
            kind=K.ENTERPRISE,
            is_functional_department=True,
            area=city,
        )
    for i, name in enumerate(names.PROPERTY_COMPANIES, start=1):
        units[f"wy{i}"], _ = unit_upsert(code=f"{city.code}-WY{i:02d}", name=name, kind=K.PROPERTY, area=city)
    for town in towns:
        kind_name = "办事处" if town.name.endswith("街道") else "人民政府"
        units[town.code], _ = unit_upsert(
            code=f"T{town.code}",
            name=f"{town.name}{kind_name}",
            short_name=town.name,
            kind=K.TOWN,
            area=town,
            parent=units["gov"],
        )
    for community, _ in communities:
        committee = "村民委员会" if community.is_village else "居民委员会"
        units[community.code], _ = unit_upsert(
            code=f"C{community.code}",
            name=f"{community.name}{committee}",
            short_name=community.name,
            kind=K.COMMUNITY,
            area=community,
            parent=units[community.parent.code],
        )
    for grid, _ in grid_rows:
        units[grid.code], _ = unit_upsert(
            code=f"G{grid.code}",
            name=f"{grid.name}工作组",
            kind=K.GRID_TEAM,
            area=grid.community,
            grid=grid,
            parent=units[grid.community.code],
        )
    return units


def _person(rng) -> str:
    return rng.choice(names.SURNAMES) + "".join(rng.choice(names.GIVEN) for _ in range(rng.choice((1, 2))))


def _phone(rng) -> str:
    return rng.choice(["138", "139", "136", "150", "187", "198"]) + f"{rng.randint(0, 99999999):08d}"


def _staff(rng, username, roles, units, password_hash, is_admin=False):
    existing = Staff.objects.filter(user__username=username).first()
    if existing:
        return existing
    return staff_create(
        username=username,
        name=_person(rng),
        password=password_hash,
        password_is_hashed=True,
        roles=roles,
        units=units,
        phone=_phone(rng),
        is_admin=is_admin,
    )


def _build_staff(rng, units, towns, communities, grid_rows, password):
    R = Role
    password = make_password(password)  # hashed once: every demo account shares it
    _staff(rng, ADMIN_USERNAME, [R.ADMINISTRATOR], [units["centre"]], password, is_admin=True)
    for i in (1, 2):
        _staff(rng, f"operator{i}", [R.OPERATOR], [units["centre"]], password)
    _staff(rng, "dispatcher1", [R.DISPATCHER], [units["centre"]], password)
    _staff(rng, "callback1", [R.CALLBACK_AGENT], [units["centre"]], password)
    _staff(rng, "supervisor1", [R.SUPERVISOR], [units["centre"]], password)
    _staff(rng, "leader1", [R.LEADER], [units["gov"]], password)
    _staff(rng, "orgstaff1", [R.ORGANISATION_STAFF], [units["org"]], password)
    # 党组织书记: scoped by the 书记 posts their member records hold (demo.party links them); no unit, so no
    # ticket to-dos. Their own generator, so the other accounts keep their names.
    party_rng = random.Random(len(grid_rows))
    for username in ("secretary1", "secretary2"):
        _staff(party_rng, username, [R.PARTY_SECRETARY], [], password)
    for _suffix, _name, _short, stem in names.DEPARTMENTS + names.UTILITIES:
        _staff(rng, stem, [R.UNIT_HANDLER], [units[stem]], password)
    for i, town in enumerate(towns, start=1):
        _staff(rng, f"town{i}", [R.UNIT_HANDLER], [units[town.code]], password)
    grids_by_community = {}
    for grid, _ in grid_rows:
        grids_by_community.setdefault(grid.community_id, []).append(grid)
    taken = set()
    for i, (community, _) in enumerate(communities, start=1):
        leader = _staff(
            rng, f"gridleader{i:02d}", [R.GRID_LEADER, R.UNIT_HANDLER], [units[community.code]], password
        )
        for grid in grids_by_community.get(community.pk, []):
            username = _worker_username(grid, taken)
            worker = _staff(rng, username, [R.GRID_WORKER], [units[grid.code]], password)
            grid_set_staff(grid=grid, leader=leader, workers=[worker])


def _worker_username(grid, taken: set) -> str:
    """`grid` + the community and grid digits (grid001001 is the first town's first grid, as people
    know it); a grid of another town whose six digits are taken puts its town's digits in front."""
    username = f"grid{grid.code[-6:]}"
    if username in taken:
        username = f"grid{grid.code[-9:]}"  # unique: every grid of the city shares its first six digits
    taken.add(username)
    return username


def _build_places(rng, city, grid_rows):
    compounds = list(names.COMPOUNDS)
    rng.shuffle(compounds)
    used = set()
    for index, (grid, g_shape) in enumerate(grid_rows):
        town = grid.community.parent
        plans = []
        if grid.dedicated_type == Grid.DedicatedType.MARKET:
            plans.append((Place.Kind.MARKET, f"{grid.community.name.rstrip('社区村')}农贸市场"))
        elif grid.dedicated_type == Grid.DedicatedType.SCHOOL:
            plans.append((Place.Kind.SCHOOL, f"{city.name[:2]}{grid.community.name.rstrip('社区村')}小学"))
        elif grid.dedicated_type == Grid.DedicatedType.PORT:
            plans.append((Place.Kind.PORT, f"{grid.community.name.rstrip('社区村')}渔港"))
        base = compounds[index % len(compounds)]
        stem = base if base not in used else f"{grid.community.name.rstrip('社区村')}{base}"
        used.add(stem)
        plans.append((Place.Kind.COMPOUND, f"{stem}小区"))
        if index % 4 == 0:
            plans.append((Place.Kind.PARK, f"{grid.community.name.rstrip('社区村')}文化广场"))
        for kind, name in plans:
            point = random_points_in(g_shape, 1, rng)[0]
            road = rng.choice(names.ROADS)
            address = f"{city.name}{town.name}{road}{rng.randint(1, 300)}号"
            place_upsert(
                name=name, address=address, kind=kind, lon=round(point.x, 6), lat=round(point.y, 6), grid=grid
            )


def _counts() -> dict:
    return {
        "areas": AdminArea.objects.count(),
        "grids": Grid.objects.count(),
        "units": Unit.objects.count(),
        "staff": Staff.objects.count(),
        "places": Place.objects.count(),
    }


PRINTED_ROLES = [
    Role.ADMINISTRATOR,
    Role.OPERATOR,
    Role.DISPATCHER,
    Role.UNIT_HANDLER,
    Role.GRID_LEADER,
    Role.GRID_WORKER,
    Role.CALLBACK_AGENT,
    Role.SUPERVISOR,
    Role.LEADER,
    Role.ORGANISATION_STAFF,
    Role.PARTY_SECRETARY,
]


def _accounts_for_print() -> list[DemoAccount]:
    """One account per role, plus every department handler (they are who a reviewer logs in as)."""
    accounts, seen = [], set()
    for code in PRINTED_ROLES:
        for staff in Staff.objects.filter(roles__code=code).order_by("pk").prefetch_related("units")[:1]:
            if staff.pk not in seen:
                seen.add(staff.pk)
                accounts.append(_account(staff, Role.objects.get(code=code).name))
    return accounts


def rewrite_accounts(password: str, extra: list[DemoAccount] = ()) -> list[DemoAccount]:
    """Write the accounts file again after more accounts were added (the party register's); the key accounts."""
    given = {a.username: a for a in extra}
    accounts = [given.pop(a.username, a) for a in _accounts_for_print()]
    accounts += list(given.values())
    _write_accounts(password, accounts)
    return accounts


def _account(staff, role_name) -> DemoAccount:
    return DemoAccount(
        username=staff.user.username,
        name=staff.name,
        role=role_name,
        unit="、".join(u.short_name or u.name for u in staff.units.all()),
    )


def admin_two_factor() -> tuple[str, list[str]] | None:
    """The demo administrator's two-step sign-in (required for administrators): the authenticator key and the
    unused backup codes, created with the city so a visitor can reach the admin."""
    user = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device, _ = twofactor.issue(user=user, actor=SYSTEM)
    codes = StaticToken.objects.filter(device__user=user).order_by("id").values_list("token", flat=True)
    return twofactor.secret_text(device), list(codes)


def _write_accounts(password: str, accounts: list[DemoAccount]) -> None:
    lines = [f"password: {password}", "# 所有示范账号使用同一密码。每行：账号 | 姓名 | 角色 | 单位"]
    for staff in Staff.objects.select_related("user").prefetch_related("roles", "units"):
        lines.append(
            " | ".join(
                [
                    staff.user.username,
                    staff.name,
                    "、".join(r.name for r in staff.roles.all()),
                    "、".join(u.short_name or u.name for u in staff.units.all()),
                ]
            )
        )
    lines.append("# 重点账号")
    lines += [f"* {a.username} | {a.name} | {a.role} | {a.unit}" for a in accounts]
    if second_step := admin_two_factor():
        secret, codes = second_step
        lines.append(
            f"# 管理员 {ADMIN_USERNAME} 登录须两步验证：把密钥加入手机身份验证器，或输入一个备用验证码（每个只能用一次）"
        )
        lines.append(f"two-factor key: {secret}")
        lines.append(f"backup codes: {' '.join(codes)}")
    path = accounts_file()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)


def _read_accounts() -> list[DemoAccount]:
    path = accounts_file()
    if not path.exists():
        return _accounts_for_print()
    accounts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("* "):
            username, name, role, unit = (part.strip() for part in line[2:].split("|"))
            accounts.append(DemoAccount(username, name, role, unit))
    return accounts
