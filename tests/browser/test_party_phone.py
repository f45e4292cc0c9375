"""Issue 11 on a 390 px phone: the secretary's meeting entry page and the member's 「我的组织」 fit the screen at
100 % and 150 % text."""

from datetime import date

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import Post
from civicgrid.party.services import members as member_services
from civicgrid.party.services.meetings import meeting_record
from civicgrid.party.services.orgs import group_save
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from civicgrid.registry.models import Role
from tests.browser.layout import assert_fits_phone, set_text_size
from tests.party.factories import COMMUNITY, make_hierarchy, member, org, staff
from tests.portal.test_mine import codes_sent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
LONG = "欧阳晓明华"
TOPIC = "学习贯彻党的二十届三中全会精神暨推进基层治理现代化主题党日活动"


@pytest.fixture
def branch(db):
    areas = make_hierarchy()
    a = org("A", areas[COMMUNITY], name="嘉积镇银海社区第一网格新民椰城花园小区联合党支部")
    secretary = member(a, name="王书记明", phone="13912345678")
    others = [member(a, name=f"{LONG}{i}", phone=f"1380000{i:04d}") for i in range(6)]
    group_save(actor=SYSTEM, org=a, name="第一党小组")
    term = term_start(actor=SYSTEM, org=a, elected_on=date(2024, 1, 10))
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(Post.Kind.SECRETARY, member=secretary)])
    user = staff("sec", [Role.PARTY_SECRETARY])
    user.set_password("x-long-password-1")
    user.save()
    member_services.member_link_user(actor=SYSTEM, member=secretary, user=user)
    meeting_record(
        actor=SYSTEM,
        org=a,
        kind="theme_day",
        held_on=date(2025, 6, 1),
        topic=TOPIC,
        host="欧阳书记",
        place="银海社区党群服务中心二楼会议室",
        attendance=[(m, "present") for m in others[:3]] + [(others[3], "made_up")],
    )
    return a, others


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)


def test_meeting_entry_and_org_pages_fit_a_phone(phone, branch):
    a, _ = branch
    phone.login("sec")
    for path in (
        f"/console/party/sec/org/{a.pk}/meetings/new/",
        f"/console/party/sec/org/{a.pk}/",
        f"/console/party/sec/org/{a.pk}/appraisal/",
        f"/console/party/sec/org/{a.pk}/activities/",
    ):
        phone.open(path)
        fits(phone.page)
        phone.shot("phone-party-" + path.strip("/").replace("/", "-"))


def test_the_members_page_fits_a_phone(phone, branch):
    _, others = branch
    number = others[3].phone
    page = phone.open("/party/")
    page.fill("#id_phone", number)
    page.click("button[type=submit]")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", codes_sent(number)[-1])
    page.click("button[type=submit]")
    page.wait_for_selector("text=我的组织生活")
    assert "补学" in page.content()
    fits(page)
    phone.shot("phone-party-member")
