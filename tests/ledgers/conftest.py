"""Ledger fixtures: 琼海市 → 嘉积镇 → 银海社区 / 金海社区; 琼海市委组织部 owns the campaign 2026年揭榜挂帅/查堵点;
the 住建局 leads items, the 水务局 co-leads, the 交通局 is an outsider; a 组织部 staff member, a supervisor of the
centre, a leader, the units' handlers and a 12345 operator."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.ledgers import services
from civicgrid.ledgers.models import LedgerItem
from civicgrid.registry.models import Role, Unit
from tests.party.factories import COUNTY, staff, unit
from tests.registry.factories import make_hierarchy

SH = ZoneInfo("Asia/Shanghai")


def moment(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def world(db):
    return make_world()


def make_world() -> dict:
    areas = make_hierarchy()
    city = areas[COUNTY]
    org_dept = unit("U-ZZB", city, name="琼海市委组织部")
    centre = unit("U-12345", city, name="琼海市12345热线中心", kind=Unit.Kind.HOTLINE_CENTRE)
    housing = unit("U-ZJJ", city, name="琼海市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT)
    water = unit("U-SWJ", city, name="琼海市水务局", kind=Unit.Kind.DEPARTMENT)
    traffic = unit("U-JTJ", city, name="琼海市交通运输局", kind=Unit.Kind.DEPARTMENT)
    users = dict(
        organiser=staff("zzb", [Role.ORGANISATION_STAFF], units=[org_dept]),
        supervisor=staff("centre_sup", [Role.SUPERVISOR], units=[centre]),
        operator=staff("centre_op", [Role.OPERATOR], units=[centre]),
        dispatcher=staff("centre_disp", [Role.DISPATCHER], units=[centre]),
        leader=staff("leader", [Role.LEADER], units=[centre]),
        zjj=staff("zjj", [Role.UNIT_HANDLER], units=[housing]),
        swj=staff("swj", [Role.UNIT_HANDLER], units=[water]),
        jtj=staff("jtj", [Role.UNIT_HANDLER], units=[traffic]),
    )
    campaign = services.campaign_create(
        actor=SYSTEM,
        code="JBGS-2026",
        name="2026年揭榜挂帅/查堵点",
        year=2026,
        owner_unit=org_dept,
        area=city,
        at=moment(2026, 1, 5),
    )
    return dict(
        areas=areas,
        city=city,
        org_dept=org_dept,
        centre=centre,
        housing=housing,
        water=water,
        traffic=traffic,
        campaign=campaign,
        **users,
    )


def item_in(world, state: str, *, number="", deadline=date(2026, 6, 30), on_list=True, at=None) -> LedgerItem:
    """An item moved through the real services to `state` (progress 100 approved from in_progress on)."""
    at = at or moment(2026, 2, 1)
    organiser, housing = world["organiser"], world["zjj"]
    item = services.propose_item(
        actor=organiser,
        campaign=world["campaign"],
        problem="老旧小区雨污分流改造推进缓慢",
        source=LedgerItem.Source.SELF_FOUND,
        lead_unit=world["housing"],
        deadline=deadline,
        on_list=on_list,
        number=number,
        co_units=[world["water"]],
        at=at,
    )
    order = ["proposed", "listed", "taken", "in_progress", "applied_for_closure", "closed"]
    target = order.index(state)
    if target >= 1:
        services.item_list(actor=organiser, item=item, at=at)
    if target >= 2:
        services.item_take(actor=housing, item=item, letter_date=date(2026, 2, 2), at=at)
    if target >= 3:
        services.item_start(actor=housing, item=item, at=at)
    if target >= 4:
        report = services.progress_submit(actor=housing, item=item, percent=100, narrative="已完成", at=at)
        services.progress_approve(actor=organiser, report=report, at=at)
        services.item_apply_closure(actor=housing, item=item, at=at)
    if target >= 5:
        services.item_close(actor=organiser, item=item, at=at)
    item.refresh_from_db()
    return item
