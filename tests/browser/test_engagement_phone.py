"""Issue 12's screens on a 390 px phone at 100 % and 150 % text: the community worker's wishes, needs,
registrations (list, new, one registration with commitments), pairings and visits and community dashboard; the
组织部 board; a member's 「双报到任务」; on the portal a resident's /wishes/ and a member's /party/wishes/."""

from datetime import date

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import Registration
from civicgrid.registry.models import Role
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.engagement.conftest import in_service, moment, world  # noqa: F401  (fixture)
from tests.party.factories import staff
from tests.portal.test_mine import codes_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "嘉积镇银海社区新民椰城花园小区七号楼二单元楼道灯长期不亮需要更换"
RESIDENT = "13800138000"
MEMBER_PHONE = "13912345678"


def _password(user):
    user.set_password("x-long-password-1")
    user.save()
    return user


@pytest.fixture
def engaged(world):  # noqa: F811
    with time_machine.travel(moment(2026, 3, 2), tick=False):
        year = 2026
        member = in_service(world, name="欧阳晓明华", phone=MEMBER_PHONE)
        reg = services.register_member(
            actor=SYSTEM,
            member=member,
            community=world["yinhai"],
            skills="水电维修、法律咨询、心理疏导",
            service_kinds="助老助残、环境整治、矛盾调解",
            grid=world["yh_grid"],
            post="楼道长",
            on=date(year, 2, 1),
        )
        services.register_org(
            actor=SYSTEM,
            org=world["tax_org"],
            community=world["yinhai"],
            contact_name="赵六",
            contact_phone="13700137000",
        )
        services.commitment_pledge(actor=SYSTEM, year=year, content=LONG, member=member)
        for i in range(3):
            services.need_add(
                actor=SYSTEM,
                community=world["yinhai"],
                source="grid",
                title=f"{LONG}{i}",
                person_name="陈阿婆",
                person_phone=RESIDENT,
            )
        wish = services.wish_collect(
            actor=None,
            community=world["yinhai"],
            source="resident",
            title=LONG,
            resident_name="陈阿婆",
            resident_phone=RESIDENT,
        )
        services.wish_verify(actor=SYSTEM, wish=wish)
        services.wish_publish(actor=SYSTEM, wish=wish)
        services.wish_collect(actor=SYSTEM, community=world["yinhai"], source="grid", title="想要一副老花镜")
        pairing = services.pairing_create(
            actor=SYSTEM,
            year=year,
            scheme="shuanglian",
            unit=world["bureau"],
            area=world["yinhai"],
            note=LONG,
        )
        visit = services.visit_record(
            actor=SYSTEM,
            pairing=pairing,
            visited_on=date(year, 2, 25),
            participants="局机关党员干部三人，社区书记一人",
            participant_count=3,
            findings=[LONG, "独居老人需要助餐服务"],
        )
        _password(world["worker"])
        _password(staff("zuzhibu", [Role.ORGANISATION_STAFF], units=[world["bureau"]]))
        member.user = _password(staff("dangyuan", [Role.GRID_WORKER]))
        member.save()
    return dict(reg=reg, pairing=pairing, visit=visit)


def fits(phone, path, shot):
    page = phone.open(path)
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    phone.shot(shot)
    return page


def test_the_community_workers_engagement_pages_fit_a_phone(phone, engaged):
    reg, pairing, visit = engaged["reg"], engaged["pairing"], engaged["visit"]
    phone.login("yh_worker")
    for path, shot in (
        ("/console/engagement/wishes/", "wishes"),
        ("/console/engagement/needs/", "needs"),
        ("/console/engagement/registrations/", "registrations"),
        ("/console/engagement/registrations/new/?q=欧阳&oq=TAX", "registration-new"),
        (f"/console/engagement/registrations/{reg.pk}/page/", "registration"),
        (
            f"/console/engagement/registrations/{Registration.objects.get(org__isnull=False).pk}/page/",
            "registration-org",
        ),
        ("/console/engagement/pairings/?year=2026", "pairings"),
        (f"/console/engagement/pairings/{pairing.pk}/", "pairing"),
        (f"/console/engagement/visits/{visit.pk}/", "visit"),
        (f"/console/deliberation/from-visit/{visit.pk}/", "delib-from-visit"),
        ("/console/engagement/community/?year=2026", "community"),
    ):
        page = fits(phone, path, f"phone-eng-{shot}")
        assert "欧阳晓明华" not in page.content() and RESIDENT not in page.content(), path


def test_the_board_and_the_members_page_fit_a_phone(phone, engaged):
    phone.login("zuzhibu")
    fits(phone, "/console/engagement/board/?area=469002&year=2026", "phone-eng-board")
    phone.logout()
    phone.login("dangyuan")
    fits(phone, "/console/engagement/mine/", "phone-eng-mine")


def test_the_portal_wish_pages_fit_a_phone(phone, engaged):
    page = phone.open("/wishes/")  # a resident with only a wish signs in like anyone else
    page.fill("#id_phone", RESIDENT)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", codes_sent(RESIDENT)[-1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    fits(phone, "/wishes/", "phone-portal-wishes")
    phone.logout()  # one sign-in serves every section: the member signs in afresh
    page = phone.open("/party/")
    page.fill("#id_phone", MEMBER_PHONE)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", codes_sent(MEMBER_PHONE)[-1])
    page.click("button[type=submit]")
    page.wait_for_load_state()
    fits(phone, "/party/wishes/", "phone-portal-member-wishes")
