"""述职评议 fixtures: 琼海市 → 嘉积镇 (a 镇党委 with a secretary who has an account) and 博鳌镇 (a 镇党委 whose
secretary post is vacant); 文昌市 elsewhere. 琼海市委组织部 runs the campaign; a 组织部 member of 文昌 is an
outsider; three raters (two in 全委会成员, one in 本单位干部群众)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyOrg
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import AdminArea, Role, Unit
from civicgrid.reviews import services
from civicgrid.reviews.models import ReviewCampaign
from tests.party.factories import member, org, staff, unit
from tests.registry.factories import COUNTY, PROVINCE, TOWN, make_area, make_hierarchy

SH = ZoneInfo("Asia/Shanghai")
K = ReviewCampaign.ReporterKind


def moment(y, m, d, h=10) -> datetime:
    return datetime(y, m, d, h, tzinfo=SH)


@pytest.fixture
def world(db):
    return make_world()


def make_world() -> dict:
    areas = make_hierarchy()
    county, town = areas[COUNTY], areas[TOWN]
    boao = make_area("469002101", "博鳌镇", AdminArea.Level.TOWN, county)
    wenchang = make_area("469005", "文昌市", AdminArea.Level.COUNTY, areas[PROVINCE])
    zzb = unit("U-ZZB", county, name="琼海市委组织部")
    wc_zzb = unit("U-WC-ZZB", wenchang, name="文昌市委组织部")
    town_unit = unit("U-JJZ", town, name="嘉积镇人民政府", kind=Unit.Kind.TOWN)
    unit("U-BAZ", boao, name="博鳌镇人民政府", kind=Unit.Kind.TOWN)
    housing = unit("U-ZJJ", county, name="琼海市住房和城乡建设局", kind=Unit.Kind.DEPARTMENT)

    secretary_user = staff("jjz_sj", [Role.PARTY_SECRETARY], units=[town_unit])
    town_org = org(
        "JJZ-DW", town, kind=PartyOrg.Kind.COMMITTEE, name="中共嘉积镇委员会", setup=PartyOrg.Setup.ORGAN
    )
    secretary = member(town_org, name="王建国")
    secretary.user = secretary_user
    secretary.save(update_fields=["user"])
    term = term_start(actor=SYSTEM, org=town_org, elected_on=date(2021, 9, 1))
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(post="secretary", member=secretary)])
    org("BAZ-DW", boao, kind=PartyOrg.Kind.COMMITTEE, name="中共博鳌镇委员会", setup=PartyOrg.Setup.ORGAN)

    users = dict(
        organiser=staff("zzb", [Role.ORGANISATION_STAFF], units=[zzb]),
        outsider=staff("wc_zzb", [Role.ORGANISATION_STAFF], units=[wc_zzb]),
        handler=staff("zjj", [Role.UNIT_HANDLER], units=[housing]),
        r1=staff("rater1", [Role.UNIT_HANDLER], units=[housing]),
        r2=staff("rater2", [Role.UNIT_HANDLER], units=[housing]),
        r3=staff("rater3", [Role.UNIT_HANDLER], units=[housing]),
    )
    return dict(
        areas=areas,
        county=county,
        town=town,
        boao=boao,
        wenchang=wenchang,
        zzb=zzb,
        town_unit=town_unit,
        housing=housing,
        town_org=town_org,
        secretary=secretary,
        secretary_user=secretary_user,
        **users,
    )


def make_campaign(world, *, code="SZPY-2026", year=2026, at=None):
    return services.campaign_create(
        actor=world["organiser"],
        code=code,
        name=f"{year}年度乡镇党委书记抓基层党建述职评议",
        year=year,
        area=world["county"],
        organiser=world["zzb"],
        reporter_kinds=[K.TOWN, K.DEPARTMENT],
        at=at or moment(year, 12, 1),
    )


def ready_campaign(world, *, open_it=True, at=None):
    """A campaign with two reporters (嘉积镇's secretary, the 住建局's), groups 0.6 / 0.4, three raters."""
    at = at or moment(2026, 12, 1)
    campaign = make_campaign(world, at=at)
    actor = world["organiser"]
    town = services.reporter_add(
        actor=actor,
        campaign=campaign,
        kind=K.TOWN,
        name="王建国",
        post="嘉积镇党委书记",
        member=world["secretary"],
        unit=world["town_unit"],
        area=world["town"],
        party_org=world["town_org"],
    )
    dept = services.reporter_add(
        actor=actor,
        campaign=campaign,
        kind=K.DEPARTMENT,
        name="李明",
        post="住建局党组书记",
        unit=world["housing"],
    )
    full = services.group_save(actor=actor, campaign=campaign, name="全委会成员", weight=Decimal("0.6"))
    staff_group = services.group_save(actor=actor, campaign=campaign, name="本单位干部群众", weight="0.4")
    services.rater_add(actor=actor, group=full, user=world["r1"], at=at)
    services.rater_add(actor=actor, group=full, user=world["r2"], at=at)
    services.rater_add(actor=actor, group=staff_group, user=world["r3"], at=at)
    if open_it:
        services.campaign_open(actor=actor, campaign=campaign, at=at)
    campaign.refresh_from_db()
    return dict(campaign=campaign, town=town, dept=dept, full=full, staff=staff_group)
