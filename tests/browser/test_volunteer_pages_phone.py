"""Volunteer and team pages of the console on a 390 px phone at 100 % and 150 % text: the list with its filters, the
registration form, a volunteer's page with the manual record form, teams and one team with its members."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from civicgrid.registry.models import Role, Staff, Unit
from civicgrid.volunteering.models import Project
from civicgrid.volunteering.services import projects, records
from tests.browser.conftest import Page
from tests.browser.layout import PHONE, assert_fits_phone, set_text_size
from tests.registry.factories import COMMUNITY, make_hierarchy
from tests.volunteering.factories import project, volunteer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = Page(context.new_page(), live_server.url)
    yield page
    context.close()
    assert page.errors == [], page.errors


@pytest.fixture
def world(db):
    area = make_hierarchy()[COMMUNITY]
    today = timezone.localdate()
    v = volunteer(area, name="欧阳晓明华", skills="急救、心理疏导、电器维修、老年人陪护", today=today)
    for i in range(3):
        volunteer(area, name=f"司马志远{i}", today=today)
    p = project(area, state=Project.State.RUNNING, name="银海社区关爱空巢老人志愿服务项目（第二期）")
    end = timezone.now().replace(microsecond=0) - timedelta(days=2)
    records.record_manual(
        actor=None, volunteer=v, project=p, started_at=end - timedelta(hours=3), ended_at=end,
        travel_minutes=20, content="为空巢老人上门清洁、陪伴聊天并检查家用电器安全",
    )  # fmt: skip
    team = projects.create_team(
        actor=None, name="银海社区蓝天应急救援志愿服务队", area=area, leader=v, members=[v]
    )
    unit = Unit.objects.create(code="YH1", name="银海社区居委会", kind=Unit.Kind.COMMUNITY, area=area)
    user = get_user_model().objects.create_user("yh", password="x-long-password-1")
    staff = Staff.objects.create(user=user, name="社区干部")
    staff.roles.add(Role.objects.get(code=Role.GRID_WORKER))
    staff.units.add(unit)
    return {"volunteer": v, "team": team}


def fits(page):
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', ''))")
    assert_fits_phone(page)
    set_text_size(page, 150)
    assert_fits_phone(page)


def test_volunteer_and_team_pages_fit_a_phone(phone, world):
    phone.login("yh")
    for path in (
        "/console/volunteering/volunteers/",
        "/console/volunteering/volunteers/?q=%E6%AC%A7%E9%98%B3",
        "/console/volunteering/volunteers/new/",
        f"/console/volunteering/volunteers/{world['volunteer'].pk}/",
        "/console/volunteering/teams/",
        f"/console/volunteering/teams/{world['team'].pk}/",
    ):
        page = phone.open(path)
        fits(page)
        phone.shot("phone-" + path.strip("/").split("?")[0].replace("/", "-"))


def test_a_refused_registration_keeps_fitting(phone, world):
    phone.login("yh")
    page = phone.open("/console/volunteering/volunteers/new/")
    page.fill("#id_name", "上官婉儿")
    page.fill("#id_phone", "13900000000")
    page.fill("#id_id_number", "460002201201010011")
    page.select_option("#id_area", index=1)
    page.click("button:has-text('登记')")
    page.wait_for_selector(".alert-danger")
    fits(page)
