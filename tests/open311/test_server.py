"""Open311 GeoReport v2 at /open311/v2/: the calls, their two formats, the errors, the window and filters."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from civicgrid.intake.models import Suggestion
from civicgrid.integrations.tokens import revoke_token
from civicgrid.open311 import selectors
from civicgrid.routing.models import Category
from civicgrid.tickets import services
from civicgrid.tickets.models import Channel, Event, EventAction, Status, Ticket
from tests.open311.conftest import NOW
from tests.open311.helpers import ROOT, post, submitted
from tests.tickets.helpers import handle_to_reply, register

pytestmark = pytest.mark.django_db


def xml(answer) -> ET.Element:
    assert answer["Content-Type"] == "text/xml; charset=utf-8"
    assert answer.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(answer.content)


# --- discovery and services -------------------------------------------------------------------------------


def test_discovery_names_the_endpoint_and_its_formats(client, keys):
    body = client.get(f"{ROOT}/discovery.json").json()
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(f"{ROOT}/discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_come_from_the_category_tree_in_use(client, keys, world):
    Category.objects.create(
        version="test", code="9005", name="已停用", parent=world.categories["noise"].parent, is_active=False
    )
    Category.objects.create(version="other", code="9101", name="别的版本")
    world.categories["noise"].keywords = "噪音，施工, 夜间"
    world.categories["noise"].save()
    body = client.get(f"{ROOT}/services.json").json()
    assert [s["service_code"] for s in body] == ["90", "9001", "9002", "9003", "9004"]
    noise = body[-1]
    assert noise == {
        "service_code": "9004",
        "service_name": "施工噪音",
        "description": "测试大类 / 施工噪音",
        "metadata": False,
        "type": "realtime",
        "keywords": "噪音,施工,夜间",
        "group": "测试大类",
    }


def test_services_xml_has_exactly_the_root_services(client, keys):
    root = xml(client.get(f"{ROOT}/services.xml"))
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    first = root[0]
    assert [c.tag for c in first] == [
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    ]
    assert first.find("metadata").text == "false"


def test_a_renamed_category_shows_at_once(client, keys, world):
    assert "邻里纠纷" in client.get(f"{ROOT}/services.json").content.decode()
    world.categories["neighbour"].name = "邻里矛盾"
    world.categories["neighbour"].save()
    assert "邻里矛盾" in client.get(f"{ROOT}/services.json").content.decode()


def test_service_definition_and_unknown_code(client, keys):
    assert client.get(f"{ROOT}/services/9001.json").json() == {"service_code": "9001", "attributes": []}
    root = xml(client.get(f"{ROOT}/services/9001.xml"))
    assert root.tag == "service_definition" and root.find("service_code").text == "9001"
    missing = client.get(f"{ROOT}/services/7777.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "服务代码（service_code）「7777」不存在"}]
    root = xml(client.get(f"{ROOT}/services/7777.xml"))
    assert root.tag == "errors" and root.find("error/code").text == "404"
    assert "7777" in root.find("error/description").text


def test_format_from_suffix_or_accept_header(client, keys):
    assert client.get(f"{ROOT}/services").content.startswith(b"<?xml")
    answer = client.get(f"{ROOT}/services", headers={"Accept": "application/json"})
    assert answer["Content-Type"].startswith("application/json") and answer.json()[0]["service_code"] == "90"
    both = client.get(f"{ROOT}/services", headers={"Accept": "application/xml, application/json"})
    assert both.content.startswith(b"<?xml")
    unknown = client.get(f"{ROOT}/services.csv")
    assert unknown.status_code == 404 and xml(unknown).tag == "errors"


def test_wrong_method_is_refused_in_the_format(client, keys):
    answer = client.post(f"{ROOT}/services.json")
    assert answer.status_code == 405 and answer.json()[0]["code"] == 405 and answer["Allow"] == "GET, HEAD"


def test_another_jurisdiction_is_refused_when_one_is_set(client, keys, settings):
    assert client.get(f"{ROOT}/services.json?jurisdiction_id=anything").status_code == 200
    settings.CIVICGRID_OPEN311_JURISDICTION = "qionghai"
    assert client.get(f"{ROOT}/services.json?jurisdiction_id=qionghai").status_code == 200
    other = client.get(f"{ROOT}/services.json?jurisdiction_id=sanya")
    assert other.status_code == 404 and "sanya" in other.json()[0]["description"]


# --- POST requests ----------------------------------------------------------------------------------------


def test_a_request_is_registered_through_the_intake_path(client, keys):
    answer = post(client, keys.client, media_url="https://img.example.cn/a.jpg", **{"attribute[floor]": "5"})
    assert answer.status_code == 201
    (receipt,) = answer.json()
    ticket = Ticket.objects.get(number=receipt["service_request_id"])
    assert receipt["service_notice"] == f"诉求已受理，工单编号 {ticket.number}"
    assert ticket.status == Status.RECEIVED and ticket.channel == Channel.APP
    assert ticket.registered_by == keys.client_row.account
    assert ticket.category.code == "9001" and ticket.grid is not None  # placed as every registration is
    assert ticket.requester_name == "王小明" and ticket.requester_phone == "13912345678"
    assert not ticket.is_anonymous and "wang.xiaoming@example.cn" in ticket.preferred_contact
    assert "floor：5" in ticket.content and ticket.content.endswith("https://img.example.cn/a.jpg")
    event = Event.objects.get(ticket=ticket)
    assert event.action == EventAction.REGISTERED and event.actor == keys.client_row.account
    # The intake use case ran, not only the ticket service: the suggestion step saw the ticket.
    assert Suggestion.objects.filter(ticket=ticket).count() <= 1


def test_post_answers_in_xml(client, keys):
    root = xml(post(client, keys.client, fmt="xml"))
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == Ticket.objects.get().number


def test_a_personal_key_of_an_operator_registers_too(client, keys, world):
    ticket = submitted(client, keys.personal, lat=None, long=None, address_string="嘉积镇银海路 3 号")
    assert ticket.registered_by == world.user("operator") and ticket.address == "嘉积镇银海路 3 号"


def test_without_a_phone_the_request_is_anonymous(client, keys):
    ticket = submitted(client, keys.client, phone="", email="")
    assert ticket.is_anonymous and ticket.requester_name == "" and ticket.requester_phone == ""


@pytest.mark.parametrize(
    "which, status, words",
    [
        ("missing", 400, "缺少接口密钥"),
        ("wrong", 403, "无效或已停用"),
        ("revoked", 403, "无效或已停用"),
        ("unscoped", 403, "未获「Open311 接口」授权"),
        ("handler", 403, "无权登记工单"),
        ("inactive_client", 403, "无效或已停用"),
    ],
)
def test_keys_that_may_not_register_are_refused(client, keys, world, which, status, words):
    from civicgrid.integrations.models import ApiToken

    key = {
        "missing": "",
        "wrong": keys.client + "x",
        "revoked": keys.client,
        "unscoped": keys.unscoped,
        "handler": keys.handler,
        "inactive_client": keys.client,
    }[which]
    if which == "revoked":
        revoke_token(actor=world.user("admin"), token=ApiToken.objects.get(user=keys.client_row.account))
    if which == "inactive_client":
        keys.client_row.is_active = False
        keys.client_row.save()
    answer = post(client, key)
    assert answer.status_code == status
    (error,) = answer.json()
    assert error["code"] == status and words in error["description"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"service_code": ""}, "缺少服务代码"),
        ({"service_code": "7777"}, "「7777」不存在"),
        ({"lat": None, "long": None}, "请提供位置"),
        ({"long": None}, "请同时提供 lat 和 long"),
        ({"lat": "north"}, "lat 应为数字"),
        ({"description": "  "}, "请填写诉求内容"),
        ({"phone": "12345"}, "电话"),
        ({"email": "not-an-address"}, "电子邮件"),
        ({"media_url": "ftp://x/y.jpg"}, "media_url"),
        ({"lat": "95", "long": "110.4"}, ""),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_written(client, keys, fields, words):
    answer = post(client, keys.client, **fields)
    assert answer.status_code == 400, answer.content.decode()
    (error,) = answer.json()
    assert error["code"] == 400 and words in error["description"]
    assert error["description"].strip() and not error["description"].isascii()
    assert not Ticket.objects.exists()
    root = xml(post(client, keys.client, fmt="xml", **fields))
    assert root.tag == "errors" and root.find("error/code").text == "400"


def test_an_inactive_category_cannot_be_asked_for(client, keys, world):
    world.categories["neighbour"].is_active = False
    world.categories["neighbour"].save()
    assert post(client, keys.client).status_code == 400


# --- GET requests -----------------------------------------------------------------------------------------


def test_get_one_in_both_formats_and_unknown(client, keys):
    ticket = submitted(client, keys.client, address_string="银海路 3 号")
    (one,) = client.get(f"{ROOT}/requests/{ticket.number}.json").json()
    assert one["service_request_id"] == ticket.number and one["status"] == "open"
    assert one["service_code"] == "9001" and one["service_name"] == "邻里纠纷"
    assert one["requested_datetime"] == "2026-06-10T10:00:00+08:00"[:17] + one["requested_datetime"][17:]
    assert one["requested_datetime"].endswith("+08:00")
    assert one["lat"] == 19.205 and one["long"] == 110.405 and one["address"] == "银海路 3 号"
    root = xml(client.get(f"{ROOT}/requests/{ticket.number}.xml"))
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == ticket.number
    missing = client.get(f"{ROOT}/requests/20260101-999999.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_elements_are_the_specifications(client, keys):
    submitted(client, keys.client, media_url="https://img.example.cn/a.jpg")
    root = xml(client.get(f"{ROOT}/requests.xml"))
    assert [c.tag for c in root.find("request")] == [
        "service_request_id",
        "status",
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "address_id",
        "zipcode",
        "lat",
        "long",
        "media_url",
    ]
    assert root.find("request/media_url").text == "https://img.example.cn/a.jpg"
    assert "https://" not in root.find("request/description").text


def test_status_open_or_closed_from_the_ticket_and_notes_from_the_public_reply(client, keys, world):
    replied = register(world, NOW, category="property")
    services.ticket_dispatch(ticket=replied, actor=world.user("dispatcher"), at=NOW)
    handle_to_reply(world, replied, NOW + timedelta(minutes=5), "zjj")
    declined = register(world, NOW, category=None)
    services.ticket_decline(
        ticket=declined,
        actor=world.user("operator"),
        outcome="EXPLAIN",
        reason="属于民事纠纷，已解释",
        at=NOW,
    )
    answered = register(world, NOW, category=None)
    services.ticket_answer_directly(
        ticket=answered, actor=world.user("operator"), answer="可拨打物业电话 0898-62812345", at=NOW
    )
    rows = {r["service_request_id"]: r for r in client.get(f"{ROOT}/requests.json").json()}
    assert rows[replied.number]["status"] == "open"  # answered, not yet called back
    assert rows[replied.number]["status_notes"] == "已处理完毕"
    assert rows[replied.number]["agency_responsible"] == "住建局"
    assert rows[declined.number]["status"] == "closed" and rows[declined.number]["status_notes"] == ""
    assert rows[answered.number]["status"] == "closed"
    assert (
        rows[answered.number]["status_notes"].startswith("可拨打物业电话 089")
        and "62812345" not in rows[answered.number]["status_notes"]
    )
    closed = client.get(f"{ROOT}/requests.json?status=closed").json()
    assert {r["service_request_id"] for r in closed} == {declined.number, answered.number}
    both = client.get(f"{ROOT}/requests.json?status=open,closed").json()
    assert len(both) == 3


def test_filters_window_and_paging(client, keys, world):
    old = register(world, NOW - timedelta(days=100), category=None)
    recent = [register(world, NOW - timedelta(days=d), category="neighbour") for d in (1, 2, 3)]
    noise = register(world, NOW - timedelta(days=4), category="noise")

    def ids(query=""):
        return [r["service_request_id"] for r in client.get(f"{ROOT}/requests.json{query}").json()]

    assert ids() == [t.number for t in recent] + [noise.number]  # the last 90 days, newest first
    assert ids("?service_code=9004") == [noise.number]
    assert ids("?service_code=9004,9001") == [t.number for t in recent] + [noise.number]
    assert ids(f"?service_request_id={old.number},{noise.number}") == [noise.number, old.number]
    start = (NOW - timedelta(days=101)).isoformat()
    assert ids(f"?start_date={start.replace('+', '%2B')}") == [old.number]  # and the 90 days after it
    end = (NOW - timedelta(days=50)).isoformat().replace("+", "%2B")
    assert ids(f"?end_date={end}") == [old.number]
    assert ids("?start_date=2026-06-08T00:00:00Z&end_date=2026-06-09T23:00:00Z") == [
        recent[0].number,
        recent[1].number,
    ]
    assert ids("?page_size=2") == [recent[0].number, recent[1].number]
    assert ids("?page_size=2&page=2") == [recent[2].number, noise.number]
    assert ids("?page_size=2&page=3") == []
    for bad, words in (
        ("?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "90 天"),
        ("?start_date=yesterday", "W3C"),
        ("?start_date=2026-06-09T00:00:00Z&end_date=2026-06-01T00:00:00Z", "不能早于"),
        ("?status=pending", "open 或 closed"),
        ("?page=0", "正整数"),
    ):
        answer = client.get(f"{ROOT}/requests.json{bad}")
        assert answer.status_code == 400 and words in answer.json()[0]["description"]


def test_at_most_a_thousand_in_one_answer(client, keys, world, monkeypatch):
    monkeypatch.setattr(selectors, "MAX_RESULTS", 2)
    for d in (1, 2, 3):
        register(world, NOW - timedelta(days=d), category=None)
    assert len(client.get(f"{ROOT}/requests.json").json()) == 2
    assert len(client.get(f"{ROOT}/requests.json?page_size=50").json()) == 2


def test_a_naive_date_is_the_jurisdictions_time(client, keys, world):
    ticket = register(world, NOW - timedelta(hours=1), category=None)  # 09:00 in Shanghai, 01:00 UTC
    assert (
        client.get(f"{ROOT}/requests.json?start_date=2026-06-10T08:30:00").json()[0]["service_request_id"]
        == ticket.number
    )
    assert client.get(f"{ROOT}/requests.json?start_date=2026-06-10T09:30:00").json() == []


# --- request updates --------------------------------------------------------------------------------------


def test_updates_are_the_public_events_in_the_window(client, keys, world):
    ticket = register(world, NOW - timedelta(hours=3), category="property")
    services.ticket_dispatch(ticket=ticket, actor=world.user("dispatcher"), at=NOW - timedelta(hours=2))
    handle_to_reply(world, ticket, NOW - timedelta(hours=1), "zjj")
    public = list(Event.objects.filter(ticket=ticket, is_public=True).order_by("at", "id"))
    assert len(public) < Event.objects.filter(ticket=ticket).count()  # internal steps stay out
    body = client.get(f"{ROOT}/servicerequestupdates.json").json()
    assert [u["update_id"] for u in body] == [str(e.id) for e in public]
    assert {u["service_request_id"] for u in body} == {ticket.number}
    first = body[0]
    assert first["status"] == "OPEN" and first["description"] == "诉求已受理"
    assert first["updated_datetime"] == "2026-06-10T07:00:00+08:00"[:11] + first["updated_datetime"][11:]
    statuses = [u["status"] for u in body]
    assert "ACTION_SCHEDULED" in statuses or "IN_PROGRESS" in statuses
    since = (NOW - timedelta(minutes=90)).isoformat().replace("+", "%2B")
    later = client.get(f"{ROOT}/servicerequestupdates.json?start_date={since}").json()
    assert later and all(u["updated_datetime"] >= "2026-06-10T08:30" for u in later)
    root = xml(client.get(f"{ROOT}/servicerequestupdates.xml"))
    assert root.tag == "service_requests_updates"
    assert [c.tag for c in root.find("request_update")] == [
        "update_id",
        "service_request_id",
        "status",
        "updated_datetime",
        "description",
        "media_url",
        "external_status_code",
    ]


def test_update_status_words_cover_every_ticket_status():
    assert set(selectors.UPDATE_STATUS) == set(Status.values)
