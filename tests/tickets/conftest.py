"""A small jurisdiction for lifecycle tests: two grids, three departments, the ladder, staff for every role."""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from civicgrid.registry.models import AdminArea, Grid, Role, Staff, Unit
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry

SH = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def square(lon, lat, size=0.01):
    return {
        "type": "Polygon",
        "coordinates": [
            [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
        ],
    }


@dataclass
class World:
    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    categories: dict = field(default_factory=dict)
    grids: list = field(default_factory=list)

    def user(self, name):
        return self.users[name]


def _staff(username, roles, units=(), superuser=False):
    user = get_user_model().objects.create_user(
        username=username, password="x-long-password-1", is_superuser=superuser, is_staff=superuser
    )
    staff = Staff.objects.create(user=user, name=f"测试{username}", phone="13800000000")
    staff.roles.set(Role.objects.filter(code__in=roles))
    staff.units.set(units)
    return user, staff


@pytest.fixture
def world(db) -> World:
    w = World()
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code="469002", name="琼海市", level="county", parent=province)
    town = AdminArea.objects.create(code="469002100", name="嘉积镇", level="town", parent=county)
    community = AdminArea.objects.create(code="469002100001", name="银海社区", level="village", parent=town)
    for seq, lon in ((1, 110.40), (2, 110.41)):
        w.grids.append(
            Grid.objects.create(
                code=f"469002100001{seq:03d}",
                name=f"银海第{seq}网格",
                community=community,
                geometry=square(lon, 19.20),
            )
        )
    U = Unit.Kind
    gov = Unit.objects.create(code="GOV", name="琼海市人民政府", kind=U.OTHER)
    w.units["centre"] = Unit.objects.create(code="12345", name="12345热线中心", kind=U.HOTLINE_CENTRE)
    w.units["town"] = Unit.objects.create(
        code="T1", name="嘉积镇人民政府", kind=U.TOWN, parent=gov, area=town
    )
    w.units["community"] = Unit.objects.create(
        code="C1", name="银海社区居委会", kind=U.COMMUNITY, parent=w.units["town"], area=community
    )
    for i, grid in enumerate(w.grids, start=1):
        w.units[f"grid{i}"] = Unit.objects.create(
            code=f"G{i}",
            name=f"银海第{i}网格工作组",
            kind=U.GRID_TEAM,
            parent=w.units["community"],
            grid=grid,
        )
    for key, name in (("zjj", "住建局"), ("zf", "综合执法局"), ("sc", "市场监管局")):
        w.units[key] = Unit.objects.create(
            code=key.upper(), name=name, kind=U.DEPARTMENT, is_functional_department=True, parent=gov
        )
    w.units["gov"] = gov

    R = Role
    for name, roles, units in (
        ("operator", [R.OPERATOR], ["centre"]),
        ("dispatcher", [R.DISPATCHER], ["centre"]),
        ("callback", [R.CALLBACK_AGENT], ["centre"]),
        ("supervisor", [R.SUPERVISOR], ["centre"]),
        ("leader", [R.LEADER], ["gov"]),
        ("zjj", [R.UNIT_HANDLER], ["zjj"]),
        ("zf", [R.UNIT_HANDLER], ["zf"]),
        ("sc", [R.UNIT_HANDLER], ["sc"]),
        ("community", [R.UNIT_HANDLER, R.GRID_LEADER], ["community"]),
        ("town", [R.UNIT_HANDLER], ["town"]),
        ("outsider", [R.UNIT_HANDLER], []),
    ):
        w.users[name], _ = _staff(name, roles, [w.units[u] for u in units])
    w.users["worker1"], worker = _staff("worker1", [R.GRID_WORKER])
    w.grids[0].workers.add(worker)
    w.users["admin"], _ = _staff("admin", [R.ADMINISTRATOR], superuser=True)

    top = Category.objects.create(version="test", code="90", name="测试大类")
    for key, code, name in (
        ("neighbour", "9001", "邻里纠纷"),
        ("illegal_building", "9002", "违章建筑"),
        ("property", "9003", "物业管理"),
        ("noise", "9004", "施工噪音"),
    ):
        w.categories[key] = Category.objects.create(version="test", code=code, name=name, parent=top)
    since = date(2020, 1, 1)
    for key, unit in (("property", "zjj"), ("illegal_building", "zf"), ("noise", "zf")):
        DispatchCatalogueEntry.objects.create(
            version="测试目录", effective_from=since, category=w.categories[key], unit=w.units[unit]
        )
    DirectDispatchRule.objects.create(
        version="第一批",
        effective_from=since,
        category=w.categories["neighbour"],
        mode=DirectDispatchRule.Mode.SIMPLE,
    )
    joint = DirectDispatchRule.objects.create(
        version="第一批",
        effective_from=since,
        category=w.categories["illegal_building"],
        mode=DirectDispatchRule.Mode.JOINT,
        lead_unit=w.units["zf"],
    )
    joint.co_units.add(w.units["zjj"])
    return w
