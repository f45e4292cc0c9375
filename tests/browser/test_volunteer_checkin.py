"""Issue 12 QR check-in in Chromium: the organiser's phone shows the activity's rotating QR code; the volunteer's
phone opens its link (as the camera would), signs in with a one-time code, and is checked in; then out with the
check-out code. Both pages fit a 390 px phone at 100 % and 150 % text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.volunteering.models import SignUp
from civicgrid.volunteering.services import projects, signups
from tests.browser.conftest import Page
from tests.browser.layout import PHONE, assert_fits_phone, set_text_size
from tests.portal.test_mine import codes_sent
from tests.registry.factories import COMMUNITY, make_hierarchy
from tests.volunteering.factories import project, volunteer, worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
VOLUNTEER_PHONE = "13912348888"


def _phone(chromium, live_server):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    return context, Page(context.new_page(), live_server.url)


@pytest.fixture
def organiser(chromium, live_server):
    context, page = _phone(chromium, live_server)
    yield page
    context.close()
    assert page.errors == [], page.errors


@pytest.fixture
def volunteer_phone(chromium, live_server):
    context, page = _phone(chromium, live_server)
    yield page
    context.close()
    assert page.errors == [], page.errors


@pytest.fixture
def signed_up(db):
    community = make_hierarchy()[COMMUNITY]
    user = worker("yinhai", community)
    user.set_password("x-long-password-1")
    user.save()
    now = timezone.now()
    act = projects.create_activity(
        actor=user,
        project=project(community, name="银海社区关爱空巢老人志愿服务项目"),
        title="敬老院探访暨环境卫生整治志愿服务活动",
        place="嘉积镇银海社区敬老院",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        capacity=10,
        organiser=user,
    )
    v = volunteer(community, name="欧阳晓明华", phone=VOLUNTEER_PHONE, today=timezone.localdate())
    s = signups.apply(volunteer=v, activity=act, now=now - timedelta(days=1))
    signups.approve(actor=user, signup=s, now=now - timedelta(days=1))
    return act, s


def fits(page):
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)
    set_text_size(page, 100)


def _code_url(page) -> str:
    box = page.locator("#desk-code .qr-box")
    assert box.locator("svg").is_visible()
    return box.get_attribute("data-url")


def test_volunteer_checks_in_and_out_by_qr(organiser, volunteer_phone, signed_up):
    act, signup = signed_up
    organiser.login("yinhai")
    organiser.open(f"/console/volunteering/activities/{act.pk}/desk/")
    organiser.page.wait_for_selector("#desk-code svg")
    fits(organiser.page)
    organiser.shot("phone-volunteer-desk")
    url = _code_url(organiser.page)
    assert f"/volunteer/scan/{act.pk}.i." in url

    # The camera opens the link; the volunteer is not signed in yet.
    volunteer_phone.page.goto(url)
    assert "请先登录" in volunteer_phone.page.content()
    fits(volunteer_phone.page)
    volunteer_phone.page.fill("#id_phone", VOLUNTEER_PHONE)
    volunteer_phone.page.click("button[type=submit]")
    volunteer_phone.page.fill("#id_code", codes_sent(VOLUNTEER_PHONE)[-1])
    volunteer_phone.page.click("button[type=submit]")
    volunteer_phone.page.wait_for_selector("#scan-result")
    assert "签到成功" in volunteer_phone.page.inner_text("#scan-result")
    fits(volunteer_phone.page)
    volunteer_phone.shot("phone-volunteer-checked-in")
    signup.refresh_from_db()
    assert signup.state == SignUp.State.CHECKED_IN

    # The organiser switches to the check-out code; the signed-in volunteer scans it.
    organiser.page.click("text=签退码")
    organiser.page.wait_for_url("**mode=o")
    url = _code_url(organiser.page)
    assert f"/volunteer/scan/{act.pk}.o." in url
    volunteer_phone.page.goto(url)
    assert "签退成功" in volunteer_phone.page.inner_text("#scan-result")
    signup.refresh_from_db()
    assert signup.state == SignUp.State.CHECKED_OUT

    volunteer_phone.open("/volunteer/")
    assert "已签退" in volunteer_phone.page.content() and "欧阳晓明华" not in volunteer_phone.page.content()
    fits(volunteer_phone.page)
    volunteer_phone.shot("phone-volunteer-home")


def test_the_desk_code_refreshes_itself(organiser, signed_up):
    act, _ = signed_up
    organiser.login("yinhai")
    organiser.open(f"/console/volunteering/activities/{act.pk}/desk/")
    with organiser.page.expect_response(lambda r: "/desk/code/" in r.url, timeout=15000) as response:
        pass
    assert response.value.status == 200


def test_worker_and_volunteer_pages_fit_a_phone(organiser, volunteer_phone, signed_up):
    from civicgrid.volunteering.services import certificates, records

    act, signup = signed_up
    now = timezone.now()
    signups.check_in(signup=signup, now=now)
    signups.check_out(signup=signup, now=now + timedelta(minutes=30))
    record = records.record_signup(actor=None, signup=signup, now=now)
    organiser.login("yinhai")
    for path in (
        "/console/volunteering/",
        f"/console/volunteering/projects/{act.project_id}/",
        f"/console/volunteering/activities/{act.pk}/",
        "/console/volunteering/records/",
    ):
        organiser.open(path)
        fits(organiser.page)
        organiser.shot("phone-volunteer-" + path.strip("/").replace("/", "-"))
    records.confirm(actor=None, record=record)
    certificates.request(volunteer=signup.volunteer)
    organiser.open("/console/volunteering/certificates/")
    fits(organiser.page)
    volunteer_phone.open("/volunteer/")
    fits(volunteer_phone.page)
    volunteer_phone.open("/volunteer/notices/")
    fits(volunteer_phone.page)
