"""Engagement fixtures: 琼海市 → 嘉积镇 → 银海社区 / 金海社区 with four grids, an organisation in each community,
a community worker of 银海社区, in-service members."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.party.models import PartyOrg
from civicgrid.registry.models import Role
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, make_hierarchy, member, org, staff, unit
from tests.registry.factories import make_lattice

SH = ZoneInfo("Asia/Shanghai")


def moment(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def world(db):
    areas = make_hierarchy()
    grids = make_lattice(areas)
    yinhai, jinhai = areas[COMMUNITY], areas[OTHER_COMMUNITY]
    office = unit("U-YH", yinhai, name="银海社区居委会")
    worker = staff("yh_worker", [Role.GRID_WORKER], units=[office])
    outsider = staff("jh_worker", [Role.GRID_WORKER], units=[unit("U-JH", jinhai, name="金海社区居委会")])
    bureau = unit("U-TAX", areas["469002"], name="琼海市税务局")
    tax_org = org("TAX", areas["469002"], kind=PartyOrg.Kind.BRANCH, setup=PartyOrg.Setup.ORGAN, unit=bureau)
    yh_grid = grids[f"{COMMUNITY}001"]
    jh_grid = grids[f"{OTHER_COMMUNITY}003"]
    return dict(
        areas=areas,
        grids=grids,
        yinhai=yinhai,
        jinhai=jinhai,
        worker=worker,
        outsider=outsider,
        bureau=bureau,
        tax_org=tax_org,
        yh_grid=yh_grid,
        jh_grid=jh_grid,
    )


_DEFAULT = object()


def in_service(world, name="王小明", grid=_DEFAULT, **fields):
    grid = world["yh_grid"] if grid is _DEFAULT else grid
    return member(
        world["tax_org"],
        name=name,
        in_service=True,
        residence_grid=grid,
        phone=fields.pop("phone", ""),
        at=date(2026, 1, 1),
        **fields,
    )
