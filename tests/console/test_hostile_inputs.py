"""Inputs that once gave a 500 (red-team review, December 2026): each gets a Chinese message and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from civicgrid.knowledge.services import entry_create
from civicgrid.tickets.models import Event, Ticket
from civicgrid.workcal.calendar import CalendarNotConfirmed
from tests.console.test_dispatching import intake_data
from tests.tickets.conftest import local
from tests.tickets.helpers import register

HUGE = "99999999999999999999999"
T0 = local(2026, 6, 1, 9, 0)


@pytest.fixture(autouse=True)
def test_categories(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def as_user(client, world, name):
    client.force_login(world.user(name))
    return client


def written():
    return Ticket.objects.count(), Event.objects.count()


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_the_dashboard_with_a_year_out_of_range_says_so(client, world, year):
    as_user(client, world, "leader")
    period = {"period": "custom", "from": f"{year}-01-01", "to": f"{year}-12-31"}
    response = client.get(reverse("console:dashboard"), period)
    assert response.status_code == 200
    assert "请填写 2000 年至 2099 年之间的日期，已显示本月数据" in response.content.decode()
    data = client.get(reverse("console:dashboard_data"), period)
    assert data.json()["period"]["error"] == "请填写 2000 年至 2099 年之间的日期"


def test_supervision_with_a_unit_id_no_database_holds_lists_every_unit(client, world):
    as_user(client, world, "supervisor")
    response = client.get(reverse("console:supervision"), {"unit": HUGE})
    assert response.status_code == 200


def test_intake_with_a_knowledge_reference_no_database_holds_keeps_the_form(client, world):
    entry_create(actor=None, question="居住证怎么办", answer="携带身份证到派出所办理。")
    as_user(client, world, "operator")
    before = written()
    response = client.post(
        reverse("console:intake"),
        intake_data(world, request_type="ZX", action="answer", answer="可到派出所办理。", kb_refs=HUGE),
    )
    assert response.status_code == 200
    assert "知识库引用无效，请重新选择答案" in response.content.decode()
    assert written() == before


def test_intake_with_an_occurrence_in_year_one_keeps_the_form(client, world):
    as_user(client, world, "operator")
    before = written()
    response = client.post(
        reverse("console:intake"), intake_data(world, action="accept", occurred_at="0001-01-01")
    )
    assert response.status_code == 200
    assert "日期须在 2000 年至 2099 年之间" in response.content.decode()
    assert 'value="李四"' in response.content.decode()
    assert written() == before


def test_marking_notifications_with_ids_no_database_holds_marks_nothing(client, world):
    as_user(client, world, "operator")
    response = client.post(reverse("console:notifications"), {"ids": [HUGE, "²", "-1"]})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "page, params",
    [
        ("console:tickets", {"q": "\x00"}),
        ("console:dispatch", {"q": "\x00"}),
        ("console:inbox", {"tab": "doing", "q": "\x00"}),
        ("console:callbacks", {"q": "\x00"}),
        ("console:supervision", {"q": "\x00"}),
        ("console:supervision", {"tab": "key", "q": "\x00"}),
        ("console:kb", {"q": "水\x00"}),
    ],
)
def test_a_nul_byte_in_a_search_is_refused_with_a_message(client, world, page, params):
    as_user(client, world, "admin")
    response = client.get(reverse(page), params)
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_path_id_no_database_holds_is_not_found(client, world):
    as_user(client, world, "admin")
    assert client.get(f"/console/tickets/{HUGE}/").status_code == 404
    assert client.post(f"/console/dispatch/{HUGE}/auto/").status_code == 404


def test_a_refusal_from_any_domain_is_a_message_on_the_page_not_a_500(client, world, monkeypatch):
    """December 2026: a deadline in an unconfirmed year raised CalendarNotConfirmed, which no view caught."""
    ticket = register(world, T0, category="property")

    def unconfirmed(**kwargs):
        raise CalendarNotConfirmed(2027)

    monkeypatch.setattr("civicgrid.tickets.services.ticket_dispatch", unconfirmed)
    as_user(client, world, "dispatcher")
    page = reverse("console:dispatch_ticket", args=[ticket.pk])
    response = client.post(
        reverse("console:dispatch_auto", args=[ticket.pk]),
        HTTP_REFERER=f"http://testserver{page}",
        follow=True,
    )
    assert response.redirect_chain == [(f"http://testserver{page}", 302)]
    assert "2027 年的工作日历尚未确认" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "PENDING_DISPATCH"
