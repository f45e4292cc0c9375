from datetime import date

import pytest
import time_machine
from django.contrib.auth import get_user_model

from civicgrid.core.models import AuditEvent
from civicgrid.workcal import services
from civicgrid.workcal.calendar import add_working_days
from civicgrid.workcal.models import CalendarYear, OfficeHours, WorkDay
from civicgrid.workcal.signals import year_confirmed
from tests.workcal.factories import fill_year, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org")
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize(
    "url",
    [
        "/admin/workcal/workday/?date__year=2025&date__month=10&is_workday__exact=0",
        "/admin/workcal/workday/?q=春节",
        "/admin/workcal/workday/2025-10-01/change/",
        "/admin/workcal/calendaryear/",
        "/admin/workcal/officehours/",
        "/admin/workcal/officehours/add/",
    ],
)
def test_the_pages_render(admin_client, url):
    assert admin_client.get(url).status_code == 200


def test_editing_a_day_goes_through_the_service(admin_client):
    response = admin_client.post(
        "/admin/workcal/workday/2025-10-08/change/", {"is_workday": "on", "name": "临时上班"}
    )
    assert response.status_code == 302
    day = WorkDay.objects.get(date=date(2025, 10, 8))
    assert (day.is_workday, day.name, day.source) == (True, "临时上班", "manual")
    assert AuditEvent.objects.get().actor == admin_client.user
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 8)


def test_the_confirm_action_confirms_full_years_and_explains_the_rest(admin_client):
    fill_year(2027)
    CalendarYear.objects.create(year=2027)
    CalendarYear.objects.create(year=2028)
    response = admin_client.post(
        "/admin/workcal/calendaryear/",
        {"action": "confirm_selected", "_selected_action": ["2027", "2028"]},
        follow=True,
    )
    text = response.content.decode()
    assert "2027 年的工作日历已确认" in text
    assert "无法确认 2028 年" in text
    assert CalendarYear.objects.get(year=2027).confirmed_by == admin_client.user
    assert not CalendarYear.objects.get(year=2028).confirmed


def test_bad_office_hours_are_shown_on_the_form(admin_client):
    response = admin_client.post(
        "/admin/workcal/officehours/add/",
        {"effective_from": "2026-05-01", "periods": "12:00-08:00", "note": ""},
    )
    assert response.status_code == 200
    assert "结束时间应晚于开始时间" in response.content.decode()
    assert OfficeHours.objects.count() == 1


def test_the_earliest_office_hours_cannot_be_deleted(admin_client):
    earliest = OfficeHours.objects.get()
    assert admin_client.get(f"/admin/workcal/officehours/{earliest.pk}/delete/").status_code == 403


def test_the_confirm_action_says_how_many_provisional_deadlines_were_recomputed(admin_client):
    def receiver(sender, *, year, **kwargs):
        return 3

    fill_year(2027)
    CalendarYear.objects.create(year=2027)
    year_confirmed.connect(receiver, dispatch_uid="test-admin-recomputed")
    try:
        response = admin_client.post(
            "/admin/workcal/calendaryear/",
            {"action": "confirm_selected", "_selected_action": ["2027"]},
            follow=True,
        )
    finally:
        year_confirmed.disconnect(dispatch_uid="test-admin-recomputed")
    assert "2027 年的工作日历已确认，已重新计算 3 项暂定时限" in response.content.decode()


@pytest.mark.parametrize("url", ["/admin/", "/admin/workcal/calendaryear/"])
def test_from_november_the_admin_reminds_to_confirm_next_year(admin_client, url):
    with time_machine.travel(local(2026, 10, 31, 10, 0), tick=False):
        assert "2027 年的节假日安排尚未确认" not in admin_client.get(url).content.decode()
    with time_machine.travel(local(2026, 11, 1, 10, 0), tick=False):
        text = admin_client.get(url).content.decode()
    assert "2027 年的节假日安排尚未确认" in text
    assert "civicgrid workdays import 2027.json" in text
    assert "civicgrid workdays confirm 2027" in text
    assert 'href="/admin/workcal/calendaryear/"' in text
    fill_year(2027)
    services.confirm_year(year=2027, actor=None)
    with time_machine.travel(local(2026, 11, 1, 10, 0), tick=False):
        assert "2027 年的节假日安排尚未确认" not in admin_client.get(url).content.decode()
