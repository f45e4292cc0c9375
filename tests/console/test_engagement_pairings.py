"""双联双帮 console screens: the year's pairings with filters and Excel export, a new pairing, recording a visit
(Wednesday/Saturday flagged), and a visit's findings converted in one click; scoped to the reader's areas."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import NeedItem, Pairing, PairingVisit
from civicgrid.registry.models import Role
from tests.engagement.conftest import moment, world  # noqa: F401  (fixture)
from tests.party.factories import staff

pytestmark = pytest.mark.django_db

URL = "/console/engagement/pairings/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(moment(2026, 7, 1), tick=False):
        yield


def test_organisation_staff_create_a_pairing_and_record_a_visit(world, client):  # noqa: F811
    clerk = staff("org1", [Role.ORGANISATION_STAFF], units=[world["bureau"]])
    client.force_login(clerk)
    client.post(
        URL + "new/", {"year": "2026", "scheme": "shuanglian", "unit": "U-TAX", "village": world["jinhai"].pk}
    )
    pairing = Pairing.objects.get()
    assert (pairing.unit, pairing.area, pairing.scheme) == (world["bureau"], world["jinhai"], "shuanglian")
    response = client.post(
        f"{URL}{pairing.pk}/visits/new/",
        {
            "visited_on": "2026-03-04",
            "participant_count": "3",
            "participants": "局机关三人",
            "findings": "路灯坏了\n\n孩子想要书包",
        },
        follow=True,
    )
    visit = PairingVisit.objects.get()
    assert visit.on_wed_or_sat and [f.text for f in visit.finding_items.all()] == ["路灯坏了", "孩子想要书包"]
    html = response.content.decode()
    assert "星期三" in html and "周三/周六" in html and "转需求" in html
    finding = visit.finding_items.first()
    client.post(
        f"/console/engagement/findings/{finding.pk}/",
        {"to": "need", "next": f"/console/engagement/visits/{visit.pk}/"},
    )
    assert NeedItem.objects.get().source == "visit"
    assert "已转为需求" in client.get(f"/console/engagement/visits/{visit.pk}/").content.decode()
    monday = client.post(
        f"{URL}{pairing.pk}/visits/new/", {"visited_on": "2026-03-09", "participant_count": "1"}, follow=True
    ).content.decode()
    assert "星期一" in monday and "周三/周六</span>" not in monday
    bad = client.post(
        f"{URL}{pairing.pk}/visits/new/",
        {"visited_on": "0001-01-01", "participant_count": "1"},
        HTTP_REFERER=f"http://testserver{URL}{pairing.pk}/",
        follow=True,
    )
    assert "日期须在 2000 年至 2099 年之间" in bad.content.decode()


def test_unknown_unit_is_refused(world, client):  # noqa: F811
    client.force_login(world["worker"])
    response = client.post(
        URL + "new/",
        {"year": "2026", "scheme": "jiedui", "unit": "没有这个单位", "village": world["yinhai"].pk},
        HTTP_REFERER="http://testserver" + URL,
        follow=True,
    )
    assert "没有找到单位" in response.content.decode() and not Pairing.objects.exists()


def test_list_filters_export_and_scope(world, client):  # noqa: F811
    services.pairing_create(
        actor=SYSTEM, year=2026, scheme="guagou", leader_name="张大伟", area=world["yinhai"]
    )
    services.pairing_create(
        actor=SYSTEM, year=2026, scheme="shuanglian", unit=world["bureau"], area=world["jinhai"]
    )
    services.pairing_create(
        actor=SYSTEM, year=2025, scheme="jiedui", unit=world["bureau"], area=world["yinhai"]
    )
    client.force_login(world["worker"])
    page = client.get(URL).content.decode()
    assert "张*伟" in page and "张大伟" not in page and "琼海市税务局" not in page  # 2025 and 金海 not shown
    assert "琼海市税务局" in client.get(URL, {"year": "2025"}).content.decode()
    assert "暂无结对" in client.get(URL, {"scheme": "shuanglian"}).content.decode()
    sheet = load_workbook(io.BytesIO(client.get(URL + "export/", {"year": "2026"}).content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "张*伟" in cells and "挂钩联系" in cells and "金海社区" not in cells
    other = Pairing.objects.get(area=world["jinhai"])
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.post(f"{URL}{other.pk}/visits/new/", {"visited_on": "2026-03-04"}).status_code == 404
    clerk = staff("org1", [Role.ORGANISATION_STAFF], units=[world["bureau"]])
    client.force_login(clerk)
    page = client.get(URL, {"unit": "税务", "village": world["jinhai"].pk}).content.decode()
    assert "琼海市税务局" in page and "张*伟" not in page
