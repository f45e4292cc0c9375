"""A refusal from any domain reaches the resident as a message on the form they filled in, never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.tickets.models import Ticket
from civicgrid.workcal.calendar import CalendarNotConfirmed
from tests.portal.test_views import form


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_a_refused_submission_keeps_what_was_typed_and_says_why(client, world, monkeypatch):
    def unconfirmed(**kwargs):
        raise CalendarNotConfirmed(2027)

    monkeypatch.setattr("civicgrid.portal.views.resident_submit", unconfirmed)
    response = client.post(reverse("portal:submit"), form())
    body = response.content.decode()
    assert response.status_code == 200
    assert "2027 年的工作日历尚未确认" in body and "烧烤店每天营业到凌晨两点" in body
    assert not Ticket.objects.exists()


def test_a_stale_form_gets_a_chinese_page_with_a_way_back(world):
    browser = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = browser.post(reverse("portal:submit"), form())
    assert response.status_code == 403
    body = response.content.decode()
    assert "页面已过期，请刷新后重试" in body and "返回上一页" in body


def test_a_nul_byte_in_the_tracker_is_refused_with_a_message(client, db):
    response = client.post(reverse("portal:track"), {"number": "20261121-000123\x00", "code": "ABC234"})
    assert response.status_code == 400
    assert "空字符" in response.content.decode() and "网上诉求首页" in response.content.decode()
