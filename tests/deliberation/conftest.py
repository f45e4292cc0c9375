"""Deliberation fixtures: 琼海市 → 嘉积镇 → 银海社区 / 金海社区 / 大路村; a worker of 银海社区, one of 金海社区, a
party secretary of 大路村, town staff of 嘉积镇."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.deliberation import services
from civicgrid.deliberation.models import Topic
from civicgrid.registry.models import AdminArea, Role
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, TOWN, make_hierarchy, staff, unit
from tests.registry.factories import make_area

SH = ZoneInfo("Asia/Shanghai")
VILLAGE = "469002100203"


def moment(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def world(db):
    areas = make_hierarchy()
    village = make_area(VILLAGE, "大路村", AdminArea.Level.VILLAGE, areas[TOWN])
    yinhai, jinhai = areas[COMMUNITY], areas[OTHER_COMMUNITY]
    office = unit("U-YH", yinhai, name="银海社区居委会")
    town_office = unit("U-JJ", areas[TOWN], name="嘉积镇人民政府")
    return dict(
        areas=areas,
        yinhai=yinhai,
        jinhai=jinhai,
        village=village,
        town=areas[TOWN],
        office=office,
        town_office=town_office,
        worker=staff("yh_worker", [Role.GRID_WORKER], units=[office]),
        outsider=staff("jh_worker", [Role.GRID_WORKER], units=[unit("U-JH", jinhai, name="金海社区居委会")]),
        secretary=staff(
            "dl_secretary", [Role.PARTY_SECRETARY], units=[unit("U-DL", village, name="大路村委会")]
        ),
        town_staff=staff("jj_staff", [Role.UNIT_HANDLER], units=[town_office]),
        operator=staff("operator1", [Role.OPERATOR]),
    )


def propose(world, *, area=None, form=Topic.Form.COUNCIL, at=None, actor=None, title="凯源小区水沟坍塌"):
    return services.topic_propose(
        actor=actor or SYSTEM,
        area=area or world["yinhai"],
        title=title,
        description="挖掘机压坏水沟，约60米坍塌堵塞",
        source=Topic.Source.GRID_WORKER,
        form=form,
        at=at or moment(2026, 3, 2),
    )


def resolve(topic, *, on=date(2026, 3, 20)):
    """Take a council topic from collected to deliberated."""
    topic = services.topic_accept(actor=SYSTEM, topic=topic, on=date(2026, 3, 3))
    topic = services.topic_notify(
        actor=SYSTEM, topic=topic, meeting_on=date(2026, 3, 10), place="社区议事厅", on=date(2026, 3, 4)
    )
    return services.topic_deliberate(
        actor=SYSTEM,
        topic=topic,
        resolution="由镇政府出资疏通水沟并加盖板",
        votes_for=9,
        owner_name="镇城建办",
        on=on,
    )
