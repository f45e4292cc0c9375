"""软弱涣散 fixtures: 海南省 → 琼海市 → 嘉积镇 → 银海社区 / 金海社区; 琼海市委组织部 (staff in scope) and 三亚 staff (out of
scope); the 银海社区 branch with its community unit, a committee elected 2021-07-01 (due 2026-07-01) whose 书记 left
on 2026-07-31 and whose 副书记 has an account; the 金海社区 branch with a serving 书记 and no community unit; the
住建局 branch (机关)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyOrg, Post
from civicgrid.party.services.members import member_link_user
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import AdminArea, Role, Unit
from tests.party.factories import (
    COMMUNITY,
    COUNTY,
    OTHER_COMMUNITY,
    TOWN,
    make_hierarchy,
    member,
    org,
    staff,
    unit,
)

SH = ZoneInfo("Asia/Shanghai")


def moment(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def world(db):
    return make_world()


def make_world() -> dict:
    areas = make_hierarchy()
    city = areas[COUNTY]
    other_city = AdminArea.objects.create(
        code="460200", name="三亚市", level=AdminArea.Level.CITY, parent=areas["460000"]
    )
    org_dept = unit("U-ZZB", city, name="琼海市委组织部")
    sanya_dept = unit("U-SYZZB", other_city, name="三亚市委组织部")
    yinhai_unit = unit("U-YH", areas[COMMUNITY], name="银海社区居委会", kind=Unit.Kind.COMMUNITY)
    housing = unit("U-ZJJ", city, name="琼海市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT)
    yinhai = org("YH", areas[COMMUNITY], name="银海社区党支部", founded_on=date(2015, 1, 1))
    jinhai = org("JH", areas[OTHER_COMMUNITY], name="金海社区党支部", founded_on=date(2015, 1, 1))
    organ = org(
        "ZJJ",
        city,
        name="住建局机关党支部",
        setup=PartyOrg.Setup.ORGAN,
        unit=housing,
        founded_on=date(2015, 1, 1),
    )
    term = term_start(actor=SYSTEM, org=yinhai, elected_on=date(2021, 7, 1))
    deputy_member = member(yinhai, name="李副书")
    posts_set(
        actor=SYSTEM,
        term=term,
        posts=[
            PostInput(post=Post.Kind.SECRETARY, person_name="王书记", to_date=date(2026, 7, 31)),
            PostInput(post=Post.Kind.DEPUTY_SECRETARY, member=deputy_member),
        ],
    )
    jterm = term_start(actor=SYSTEM, org=jinhai, elected_on=date(2024, 3, 1))
    jsec = member(jinhai, name="赵书记")
    posts_set(actor=SYSTEM, term=jterm, posts=[PostInput(post=Post.Kind.SECRETARY, member=jsec)])
    oterm = term_start(actor=SYSTEM, org=organ, elected_on=date(2025, 1, 1))
    posts_set(actor=SYSTEM, term=oterm, posts=[PostInput(post=Post.Kind.SECRETARY, person_name="钱书记")])
    users = dict(
        organiser=staff("zzb", [Role.ORGANISATION_STAFF], units=[org_dept]),
        outsider=staff("syzzb", [Role.ORGANISATION_STAFF], units=[sanya_dept]),
        handler=staff("zjj", [Role.UNIT_HANDLER], units=[housing]),
        deputy=staff("yh_deputy", [Role.PARTY_SECRETARY], units=[yinhai_unit]),
        jsecretary=staff("jh_sec", [Role.PARTY_SECRETARY], units=[]),
    )
    member_link_user(actor=SYSTEM, member=deputy_member, user=users["deputy"])
    member_link_user(actor=SYSTEM, member=jsec, user=users["jsecretary"])
    return dict(
        areas=areas,
        city=city,
        town=areas[TOWN],
        other_city=other_city,
        yinhai=yinhai,
        jinhai=jinhai,
        organ=organ,
        yinhai_unit=yinhai_unit,
        housing=housing,
        term=term,
        **users,
    )
