"""志愿服务 in the portal: sign in with a code, register once, join, scan the QR to check in and out, hours, star,
dispute, certificate request; the public notice masks the ID number."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from civicgrid.volunteering import qr
from civicgrid.volunteering.models import Certificate, ServiceRecord, SignUp, Volunteer
from civicgrid.volunteering.services import certificates, records, signups
from tests.party.factories import id_number
from tests.portal.test_mine import codes_sent
from tests.registry.factories import COMMUNITY, make_hierarchy
from tests.volunteering.factories import activity, at, project, volunteer, worker

pytestmark = pytest.mark.django_db
PHONE = "13912340000"


@pytest.fixture
def clock():
    with time_machine.travel(at("2026-06-05 10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(db, clock):
    areas = make_hierarchy()
    community = areas[COMMUNITY]
    organiser = worker("org", community)
    act = activity(project(community), organiser)
    return {"community": community, "organiser": organiser, "activity": act}


def sign_in(client, phone=PHONE, expect=None, next_url=None):
    next_url = next_url or reverse("portal:volunteer_home")
    client.post(reverse("portal:signin"), {"phone": phone, "next": next_url})
    response = client.post(
        reverse("portal:signin_verify"), {"phone": phone, "code": codes_sent(phone)[-1], "next": next_url}
    )
    assert response.status_code == 302
    if expect:
        assert client.get(response["Location"])["Location"] == reverse(expect)
    return response


def next_of(html: str) -> str:
    field = re.search(r'<input[^>]*id="id_next"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', field).group(1)


def test_a_resident_registers_then_joins(client, world):
    assert "获取短信验证码" in client.get(reverse("portal:volunteer_home")).content.decode()
    sign_in(client, expect="portal:volunteer_register")
    number = id_number("19900101")
    response = client.post(
        reverse("portal:volunteer_register"),
        {"name": "王小明", "id_type": "resident", "id_number": number, "area": world["community"].pk},
    )
    assert response.status_code == 302
    v = Volunteer.objects.get()
    assert v.phone == PHONE and v.id_number() == number
    html = client.get(reverse("portal:volunteer_home")).content.decode()
    assert v.number in html and "王*明" in html and "王小明" not in html and number not in html
    assert "敬老院探访" in html
    client.post(reverse("portal:volunteer_join", args=[world["activity"].pk]))
    assert SignUp.objects.get().state == SignUp.State.APPLIED


def test_a_minor_needs_consent_on_the_portal(client, world):
    sign_in(client)
    response = client.post(
        reverse("portal:volunteer_register"),
        {
            "name": "王小小",
            "id_type": "resident",
            "id_number": id_number("20120301"),
            "area": world["community"].pk,
        },
    )
    assert response.status_code == 200 and "监护人" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_scan_checks_in_and_out(client, world, clock):
    v = volunteer(world["community"], phone=PHONE)
    s = signups.apply(volunteer=v, activity=world["activity"])
    signups.approve(actor=world["organiser"], signup=s)
    clock.move_to(at("2026-06-06 09:02"))
    sign_in(client)
    token = qr.make_token(world["activity"].pk, qr.CHECK_IN, timezone.now())
    html = client.get(reverse("portal:volunteer_scan", args=[token])).content.decode()
    assert "签到成功" in html
    s.refresh_from_db()
    assert s.state == SignUp.State.CHECKED_IN
    clock.move_to(at("2026-06-06 11:30"))
    sign_in(client)  # the sign-in lasts 30 minutes
    token = qr.make_token(world["activity"].pk, qr.CHECK_OUT, timezone.now())
    assert "签退成功" in client.get(reverse("portal:volunteer_scan", args=[token])).content.decode()
    s.refresh_from_db()
    assert s.state == SignUp.State.CHECKED_OUT


def test_an_expired_code_is_refused(client, world, clock):
    v = volunteer(world["community"], phone=PHONE)
    signups.approve(actor=None, signup=signups.apply(volunteer=v, activity=world["activity"]))
    clock.move_to(at("2026-06-06 09:02"))
    sign_in(client)
    token = qr.make_token(world["activity"].pk, qr.CHECK_IN, timezone.now() - timedelta(minutes=2))
    response = client.get(reverse("portal:volunteer_scan", args=[token]))
    assert response.status_code == 400 and "已过期" in response.content.decode()
    assert SignUp.objects.get().state == SignUp.State.APPROVED


def test_a_scan_before_signing_in_completes_after(client, world, clock):
    v = volunteer(world["community"], phone=PHONE)
    signups.approve(actor=None, signup=signups.apply(volunteer=v, activity=world["activity"]))
    clock.move_to(at("2026-06-06 09:02"))
    token = qr.make_token(world["activity"].pk, qr.CHECK_IN, timezone.now())
    html = client.get(reverse("portal:volunteer_scan", args=[token])).content.decode()
    assert "请先登录" in html and "登录后自动完成签到" in html
    clock.move_to(
        at("2026-06-06 09:05")
    )  # the code itself has expired by now; the scan was checked when made
    response = sign_in(client, next_url=next_of(html))
    assert response["Location"] == reverse("portal:volunteer_scan_done")
    assert "签到成功" in client.get(reverse("portal:volunteer_scan_done")).content.decode()
    assert SignUp.objects.get().state == SignUp.State.CHECKED_IN


def test_a_scan_completes_after_signing_in_by_the_old_urls_or_elsewhere(client, world, clock):
    v = volunteer(world["community"], phone=PHONE)
    signups.approve(actor=None, signup=signups.apply(volunteer=v, activity=world["activity"]))
    clock.move_to(at("2026-06-06 09:02"))
    token = qr.make_token(world["activity"].pk, qr.CHECK_IN, timezone.now())
    client.get(reverse("portal:volunteer_scan", args=[token]))
    client.post(reverse("portal:volunteer_code"), {"phone": PHONE})
    client.post(reverse("portal:volunteer_verify"), {"phone": PHONE, "code": codes_sent(PHONE)[-1]})
    response = client.get(reverse("portal:volunteer_home"))
    assert response["Location"] == reverse("portal:volunteer_scan_done")
    assert "签到成功" in client.get(response["Location"]).content.decode()


def test_a_new_phone_gets_a_code_to_register_and_signing_out_drops_the_scan(client, world, clock):
    clock.move_to(at("2026-06-06 09:02"))
    token = qr.make_token(world["activity"].pk, qr.CHECK_IN, timezone.now())
    html = client.get(reverse("portal:volunteer_scan", args=[token])).content.decode()
    sign_in(client, "13700001111", next_url=next_of(html))  # no record anywhere, still texted here
    assert client.get(reverse("portal:volunteer_scan_done"))["Location"] == reverse(
        "portal:volunteer_register"
    )
    client.post(reverse("portal:signout"))
    assert "volunteer_scan" not in client.session
    assert "获取短信验证码" in client.get(reverse("portal:volunteer_home")).content.decode()


def test_hours_star_dispute_and_certificate(client, world, clock):
    v = volunteer(world["community"], phone=PHONE)
    s = signups.apply(volunteer=v, activity=world["activity"])
    signups.approve(actor=None, signup=s)
    signups.check_in(signup=s, now=at("2026-06-06 09:00"))
    signups.check_out(signup=s, now=at("2026-06-06 12:00"))
    r = records.record_signup(actor=None, signup=s, now=at("2026-06-06 12:00"))
    ServiceRecord.objects.filter(pk=r.pk).update(hours=Decimal("120"))
    records.confirm(actor=None, record=r)
    sign_in(client)
    html = client.get(reverse("portal:volunteer_home")).content.decode()
    assert "120.00" in html and "一星级志愿者" in html and "180.00" in html  # 300 - 120 to the next star
    client.post(reverse("portal:volunteer_certificate"), {"purpose": "升学"})
    cert = Certificate.objects.get()
    certificates.start_notice(actor=None, cert=cert, issuer="银海社区居委会", issuer_head="陈", handler="林")
    notice = client.get(reverse("portal:volunteer_notices")).content.decode()
    assert (
        v.number in notice
        and v.id_masked in notice
        and v.id_number() not in notice
        and "王小明" not in notice
    )


def test_a_volunteer_disputes_a_pending_record(client, world):
    v = volunteer(world["community"], phone=PHONE)
    s = signups.apply(volunteer=v, activity=world["activity"])
    signups.approve(actor=None, signup=s)
    signups.check_in(signup=s, now=at("2026-06-06 09:00"))
    signups.check_out(signup=s, now=at("2026-06-06 12:00"))
    r = records.record_signup(actor=None, signup=s, now=at("2026-06-06 12:00"))
    sign_in(client)
    client.post(reverse("portal:volunteer_dispute", args=[r.pk]), {"reason": "我十点才到"})
    r.refresh_from_db()
    assert r.state == ServiceRecord.State.DISPUTED and r.dispute_reason == "我十点才到"
