"""需求清单 console screen: filters, pagination, empty state, Excel export, adding a need and turning it into a
micro-wish; another community's worker sees none of it; names and phones masked."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import MicroWish, NeedItem
from tests.engagement.conftest import moment, world  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

URL = "/console/engagement/needs/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(moment(2026, 7, 1), tick=False):
        yield


def test_worker_adds_a_need_and_turns_it_into_a_wish(world, client):  # noqa: F811
    client.force_login(world["worker"])
    assert "暂无需求" in client.get(URL).content.decode()
    client.post(
        URL + "new/",
        {
            "community": world["yinhai"].pk,
            "source": "grid",
            "title": "楼道灯不亮",
            "person_name": "陈阿婆",
            "person_phone": "13800138000",
        },
    )
    need = NeedItem.objects.get()
    page = client.get(URL).content.decode()
    assert "楼道灯不亮" in page and "陈*婆" in page and "138****8000" in page and "陈阿婆" not in page
    client.post(f"{URL}{need.pk}/wish/")
    wish = MicroWish.objects.get()
    assert (wish.need, wish.title, wish.state) == (need, "楼道灯不亮", "collected")
    assert "已转微心愿" in client.get(URL, {"state": "wish"}).content.decode()
    assert "楼道灯不亮" not in client.get(URL, {"state": "open"}).content.decode()
    response = client.post(f"{URL}{need.pk}/wish/", HTTP_REFERER="http://testserver" + URL, follow=True)
    assert "已转为微心愿" in response.content.decode() and MicroWish.objects.count() == 1


def test_filters_pagination_export_and_scope(world, client):  # noqa: F811
    for i in range(30):
        services.need_add(
            actor=SYSTEM,
            community=world["yinhai"],
            source="resident",
            title=f"需求{i:02d}",
            person_name="王小明",
        )
    services.need_add(actor=SYSTEM, community=world["jinhai"], source="hotline", title="金海的需求")
    client.force_login(world["worker"])
    first = client.get(URL).content.decode()
    assert "第 1 / 2 页" in first and "金海的需求" not in first
    assert "需求00" in client.get(URL, {"page": 2}).content.decode()
    assert "暂无需求" in client.get(URL, {"source": "hotline"}).content.decode()
    response = client.get(URL + "export/", {"source": "resident"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "需求29" in cells and "王*明" in cells and "王小明" not in cells and "金海的需求" not in cells
    client.force_login(world["outsider"])
    page = client.get(URL).content.decode()
    assert "金海的需求" in page and "需求00" not in page
    need = NeedItem.objects.filter(community=world["yinhai"]).first()
    assert client.post(f"{URL}{need.pk}/wish/").status_code == 404
    response = client.post(
        URL + "new/",
        {"community": world["yinhai"].pk, "source": "grid", "title": "x"},
        HTTP_REFERER="http://testserver" + URL,
        follow=True,
    )
    assert "请选择您负责的村（社区）" in response.content.decode()
