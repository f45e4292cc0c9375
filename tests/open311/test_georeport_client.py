"""The `georeport` client from PyPI against a live server: every call it offers, in JSON and in XML."""

import pytest
from georeport import GeoReport

from tests.open311.helpers import submitted

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_call_of_the_client(live_server, keys, client, fmt):
    ticket = submitted(client, keys.client, media_url="https://img.example.cn/a.jpg")
    other = submitted(client, keys.client, service_code="9004", description="夜间施工噪音")
    geo = GeoReport(f"{live_server.url}/open311/v2/", jurisdiction="qionghai", output_format=fmt)

    services = geo.get_service_list()
    assert [s["service_code"] for s in services] == ["90", "9001", "9002", "9003", "9004"]
    assert services[1]["service_name"] == "邻里纠纷" and services[1]["group"] == "测试大类"

    definition = geo.get_service_definition("9001")
    assert definition["service_code"] == "9001"

    listed = geo.get_service_requests()
    assert {r["service_request_id"] for r in listed} == {ticket.number, other.number}
    only = geo.get_service_requests(service_code="9004", status="open")
    only = only if isinstance(only, list) else [only]  # xmltodict gives one element as a dict
    assert [r["service_request_id"] for r in only] == [other.number]
    by_id = geo.get_service_requests(service_request_id=ticket.number)
    by_id = by_id if isinstance(by_id, list) else [by_id]
    assert [r["service_request_id"] for r in by_id] == [ticket.number]
    window = geo.get_service_requests(start_date="2026-06-01T00:00:00Z", end_date="2026-06-30T00:00:00Z")
    assert len(window) == 2

    one = geo.get_service_request(ticket.number)
    assert one["service_request_id"] == ticket.number and one["status"] == "open"
    assert one["media_url"] == "https://img.example.cn/a.jpg"
    for secret in ("王小明", "13912345678", "wang.xiaoming@example.cn"):
        assert secret not in str(listed) + str(one)
