"""One phone sign-in for the whole portal: signed in once, 我的诉求, 我的组织, 志愿服务 and 我的积分 each show what
that phone has, or their own empty state; one sign-out ends them all; `next` stays on this site."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from civicgrid.portal.signin import SESSION_KEY
from civicgrid.registry.models import AdminArea
from tests.party.factories import member, org
from tests.points.conftest import World as PointsWorld
from tests.portal.test_mine import T0, codes_sent
from tests.tickets.helpers import register
from tests.volunteering.factories import volunteer

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
SECTIONS = ("portal:mine", "portal:party_mine", "portal:volunteer_home", "portal:points_mine")


@pytest.fixture
def clock():
    with time_machine.travel(T0 + timedelta(days=2), tick=False) as traveller:
        yield traveller


@pytest.fixture
def everything(world, clock):
    """One resident who made a request, is a party member, a volunteer and holds a points account."""
    community = AdminArea.objects.get(code="469002100001")
    ticket = register(world, T0, title="楼上漏水", requester_phone=PHONE)
    branch = org("A", community, name="银海社区党支部")
    member(branch, name="李小党", phone=PHONE)
    v = volunteer(community, phone=PHONE, today=T0.date())
    points = PointsWorld()
    points.open("王小明", PHONE)
    return {"ticket": ticket, "volunteer": v, "points": points}


def sign_in(client, phone=PHONE, next_url="/mine/"):
    client.post(reverse("portal:signin"), {"phone": phone, "next": next_url})
    return client.post(
        reverse("portal:signin_verify"), {"phone": phone, "code": codes_sent(phone)[-1], "next": next_url}
    )


def page(client, name) -> str:
    return client.get(reverse(name)).content.decode()


def test_one_sign_in_opens_all_four_sections_and_one_sign_out_closes_them(client, everything):
    for name in SECTIONS:
        assert "获取短信验证码" in page(client, name)
    assert sign_in(client)["Location"] == reverse("portal:mine")
    assert len(codes_sent()) == 1
    assert everything["ticket"].number in page(client, "portal:mine")
    assert "银海社区党支部" in page(client, "portal:party_mine")
    assert everything["volunteer"].number in page(client, "portal:volunteer_home")
    assert "椰林社区" in page(client, "portal:points_mine")
    assert set(client.session[SESSION_KEY]) == {"phone", "until"}
    response = client.post(reverse("portal:signout"))
    assert response.status_code == 302 and SESSION_KEY not in client.session
    for name in SECTIONS:
        assert "获取短信验证码" in page(client, name)


@pytest.mark.parametrize("logout", ["mine_logout", "party_logout", "volunteer_logout", "points_logout"])
def test_every_sections_sign_out_signs_out_of_everything(client, everything, logout):
    sign_in(client)
    client.post(reverse(f"portal:{logout}"))
    for name in SECTIONS:
        assert "获取短信验证码" in page(client, name)


def test_each_section_says_what_the_phone_does_not_have(client, world, clock):
    register(world, T0, requester_phone=PHONE)  # a request, nothing else
    sign_in(client)
    assert "没有查到党员信息" in page(client, "portal:party_mine")
    assert "没有登记积分账户" in page(client, "portal:points_mine")
    assert client.get(reverse("portal:volunteer_home"))["Location"] == reverse("portal:volunteer_register")
    register_page = page(client, "portal:volunteer_register")
    assert "还没有注册为志愿者" in register_page
    for name in SECTIONS:  # and every section links the others
        assert f'href="{reverse(name)}"' in register_page


def test_a_points_holder_without_requests_sees_the_empty_list(client, clock):
    PointsWorld().open("王小明", PHONE)
    sign_in(client, next_url="/points/")
    assert "这个手机号码还没有诉求记录" in page(client, "portal:mine")


@pytest.mark.parametrize(
    "target, lands",
    [
        ("/party/", "/party/"),
        ("/points/?account=1", "/points/?account=1"),
        ("https://evil.example/", "/mine/"),
        ("//evil.example/x", "/mine/"),
        ("/\\evil.example", "/mine/"),
        ("javascript:alert(1)", "/mine/"),
        ("/party/\r\nSet-Cookie: x=1", "/mine/"),
        ("/party/\u2028x", "/mine/"),
        ("", "/mine/"),
    ],
)
def test_next_is_only_a_path_on_this_site(client, world, clock, target, lands):
    register(world, T0, requester_phone=PHONE)
    assert sign_in(client, next_url=target)["Location"] == lands


def test_an_unknown_phone_gets_no_code_unless_it_comes_to_register_as_a_volunteer(client, db, clock):
    stranger = "13700009999"
    body = client.post(reverse("portal:signin"), {"phone": stranger, "next": "/party/"}).content.decode()
    assert "输入短信验证码" in body and codes_sent(stranger) == []
    client.post(reverse("portal:signin"), {"phone": stranger, "next": "/volunteer/"})
    assert len(codes_sent(stranger)) == 1


def test_the_sign_in_form_shows_on_a_get_with_its_next(client, db):
    html = client.get(reverse("portal:signin"), {"next": "/points/"}).content.decode()
    assert "获取短信验证码" in html and 'value="/points/"' in html
    html = client.get(reverse("portal:signin"), {"next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in html.split("<main")[1]
