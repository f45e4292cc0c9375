"""党员「我的组织」 in the portal: sign in with the registered phone and an SMS code; only his own things."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.party.models import PartyMember, Post
from civicgrid.party.services import members as member_services
from civicgrid.party.services.meetings import meeting_record
from civicgrid.party.services.orgs import group_save
from civicgrid.party.services.terms import PostInput, posts_set, term_start
from tests.party.factories import COMMUNITY, OTHER_COMMUNITY, make_hierarchy, member, org
from tests.portal.test_mine import codes_sent
from tests.volunteering.factories import volunteer

pytestmark = pytest.mark.django_db
PHONE = "13912340000"


@pytest.fixture
def clock():
    with time_machine.travel("2026-06-15 10:00 +08:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def branch(db, clock):
    areas = make_hierarchy()
    a = org("A", areas[COMMUNITY], name="甲社区党支部")
    b = org("B", areas[OTHER_COMMUNITY], name="乙社区党支部")
    me = member(a, name="李小党", phone="139 1234 0000")
    secretary = member(a, name="王书记明")
    neighbour = member(a, name="陈邻居")
    stranger = member(b, name="孙外人", phone="13700007777")
    term = term_start(actor=SYSTEM, org=a, elected_on=date(2024, 1, 10))
    posts_set(actor=SYSTEM, term=term, posts=[PostInput(Post.Kind.SECRETARY, member=secretary)])
    one, two = group_save(actor=SYSTEM, org=a, name="一组"), group_save(actor=SYSTEM, org=a, name="二组")
    PartyMember.objects.filter(pk=me.pk).update(group=one)
    PartyMember.objects.filter(pk=neighbour.pk).update(group=two)
    meeting_record(
        actor=SYSTEM,
        org=a,
        kind="theme_day",
        held_on=date(2026, 6, 1),
        topic="六月主题党日",
        attendance=[(me, "absent"), (neighbour, "present"), (secretary, "present")],
    )
    meeting_record(actor=SYSTEM, org=a, kind="lecture", held_on=date(2026, 5, 20), topic="五月党课")
    meeting_record(actor=SYSTEM, org=a, kind="group", group=two, held_on=date(2026, 6, 3), topic="二组学习会")
    meeting_record(actor=SYSTEM, org=b, kind="theme_day", held_on=date(2026, 6, 2), topic="乙的主题党日")
    return {"a": a, "me": me, "neighbour": neighbour, "stranger": stranger}


def sign_in(client, phone=PHONE):
    here = reverse("portal:party_mine")
    client.post(reverse("portal:signin"), {"phone": phone, "next": here})
    response = client.post(
        reverse("portal:signin_verify"), {"phone": phone, "code": codes_sent(phone)[-1], "next": here}
    )
    assert response.status_code == 302 and response["Location"] == here
    return client


def test_the_portal_home_links_the_member_sign_in(client, db):
    html = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:party_mine") in html and "党员" in html


def test_a_member_signs_in_with_a_code_and_sees_his_organisation_and_attendance(client, branch):
    page = client.get(reverse("portal:party_mine")).content.decode()
    assert "获取短信验证码" in page
    sign_in(client)
    html = client.get(reverse("portal:party_mine")).content.decode()
    assert "甲社区党支部" in html and "王**明" in html and "第1届" in html and "2029-01-10" in html
    assert "李小党" in html and "一组" in html
    assert "六月主题党日" in html and "缺席" in html and "五月党课" in html
    assert "二组学习会" not in html and "乙的主题党日" not in html  # another group's, another org's
    assert "陈邻居" not in html and "王书记明" not in html  # others: masked or absent
    client.post(reverse("portal:party_logout"))
    assert "获取短信验证码" in client.get(reverse("portal:party_mine")).content.decode()


def test_made_up_attendance_shows_once_recorded(client, branch):
    meeting = branch["a"].meetings.get(topic="六月主题党日")
    meeting.attendances.filter(member=branch["me"]).update(status="made_up")
    sign_in(client)
    html = client.get(reverse("portal:party_mine")).content.decode()
    assert "补学" in html and ">1<" in html.split("补学")[1][:80]


def test_a_phone_on_no_member_record_gets_no_code_and_the_same_page(client, branch):
    response = client.post(reverse("portal:party_code"), {"phone": "13600000000"})
    assert response.status_code == 200 and "输入短信验证码" in response.content.decode()
    assert codes_sent("13600000000") == []
    wrong = client.post(reverse("portal:party_verify"), {"phone": "13600000000", "code": "123456"})
    assert "验证码不正确或已失效" in wrong.content.decode()


def test_a_wrong_code_does_not_sign_in(client, branch):
    client.post(reverse("portal:party_code"), {"phone": PHONE})
    right = codes_sent(PHONE)[-1]
    wrong = "000000" if right != "000000" else "111111"
    response = client.post(reverse("portal:party_verify"), {"phone": PHONE, "code": wrong})
    assert response.status_code == 200 and "验证码不正确或已失效" in response.content.decode()
    assert "获取短信验证码" in client.get(reverse("portal:party_mine")).content.decode()


def test_the_old_sign_in_urls_still_sign_him_in(client, branch):
    client.post(reverse("portal:party_code"), {"phone": PHONE})
    response = client.post(reverse("portal:party_verify"), {"phone": PHONE, "code": codes_sent(PHONE)[-1]})
    assert response.status_code == 302 and response["Location"] == reverse("portal:party_mine")
    assert "甲社区党支部" in client.get(reverse("portal:party_mine")).content.decode()


NEUTRAL = "没有查到党员信息。手机号码未登记或已变更的，请联系所在党组织书记更新。"


def test_once_he_leaves_the_register_or_changes_phone_he_sees_the_neutral_message(client, branch):
    sign_in(client)
    member_services.member_update(actor=SYSTEM, member=branch["me"], phone="13500001234")
    html = client.get(reverse("portal:party_mine")).content.decode()
    assert NEUTRAL in html and "甲社区党支部" not in html and "李小党" not in html
    assert client.get(reverse("portal:member_wishes"))["Location"] == reverse("portal:party_mine")


def _page(response, phone) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return html.replace(phone, "PHONE")


def test_a_resident_who_is_no_member_sees_the_same_neutral_message(client, branch):
    other = "13600000000"  # a volunteer, no party member; ends in 0000 like PHONE
    volunteer(branch["a"].area, phone=other, today=date(2026, 6, 15))
    # The code page for this phone reads exactly as for a member's.
    asked = client.post(reverse("portal:signin"), {"phone": other, "next": "/party/"})
    as_member = client.post(reverse("portal:signin"), {"phone": PHONE, "next": "/party/"})
    assert _page(asked, other) == _page(as_member, PHONE)
    sign_in(client, other)
    html = client.get(reverse("portal:party_mine")).content.decode()
    assert NEUTRAL in html and "尾号 0000" in html and "双报到任务" not in html
