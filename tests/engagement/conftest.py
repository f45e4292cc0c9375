"""Engagement fixtures: 琼海市 → 嘉积镇 → 银海社区 / 金海社区 with four grids, an organisation in each community,
a community worker of 银海社区, in-service members; `linked`: a points scheme in 银海社区 and a member with an
account, a volunteer profile and 3 confirmed hours on 6 June 2026."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.party.models import PartyOrg
from civicgrid.points import services as points_services
from civicgrid.points.models import PointsScheme
from civicgrid.registry.models import Role
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, make_hierarchy, member, org, staff, unit
from tests.registry.factories import make_lattice
from tests.volunteering.factories import volunteer, worker
from tests.volunteering.helpers import confirmed

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


@pytest.fixture
def linked(world):
    yh = world["yinhai"]
    scheme = points_services.adopt_scheme(
        area=yh,
        template=PointsScheme.objects.get(area__isnull=True, version="三亚参考模板"),
        decision_date=date(2026, 1, 5),
        decision_body="居民代表会议",
        decision_document="银海社区决议（2026）1号",
        effective_from=date(2026, 1, 1),
    )
    scheme.publicity_days = 0
    scheme.save()
    rules = {r.source_kind: r for r in scheme.rules.exclude(source_kind="")}
    m = in_service(world, name="王小明")
    services.register_member(actor=SYSTEM, member=m, community=yh, on=date(2026, 1, 10))
    account = points_services.open_account(
        area=yh, holder_name="王小明", phone="13800000001", party_member_id=m.pk, now=moment(2026, 1, 10)
    )
    v = volunteer(yh, name="王小明", party_member_id=m.pk)
    confirmed(yh, worker("org1", yh), v, start="2026-06-06 09:00", end="2026-06-06 12:00")
    return dict(world=world, member=m, account=account, rules=rules)
