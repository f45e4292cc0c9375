"""The community dashboard: the 组织部 board's figures for the worker's own community (a selector when several),
the Excel export shared with the board, and the members behind their yearly quota."""

import io
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.stats import LABELS
from civicgrid.registry.models import Role
from tests.engagement.conftest import in_service, moment, world  # noqa: F401  (fixture)
from tests.party.factories import staff, unit

pytestmark = pytest.mark.django_db

URL = "/console/engagement/community/"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(moment(2026, 7, 1), tick=False):
        yield


def test_worker_sees_own_community_figures_and_members_behind_quota(world, client):  # noqa: F811
    m = in_service(world, name="王小明")
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 2, 1))
    far = in_service(world, name="李四海", grid=world["jh_grid"])
    services.register_member(actor=SYSTEM, member=far, community=world["jinhai"], on=date(2026, 2, 1))
    client.force_login(world["worker"])
    page = client.get(URL).content.decode()
    assert "社区看板（银海社区，2026年）" in page
    assert LABELS["registration_share"] in page and "100.0%" in page
    assert "王*明" in page and "王小明" not in page and "李*海" not in page
    assert "0 / 1 个" in page and "未完成" in page
    # A community outside the worker's scope falls back to his own.
    assert "银海社区" in client.get(URL, {"community": world["jinhai"].pk}).content.decode()
    response = client.get(URL + "export/", {"year": "2026"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert LABELS["registered_members"] in cells and "银海社区" in str(cells)


def test_town_staff_choose_among_their_communities(world, client):  # noqa: F811
    town = staff("town1", [Role.GRID_LEADER], units=[unit("U-TOWN", world["jinhai"].parent)])
    client.force_login(town)
    page = client.get(URL, {"community": world["jinhai"].pk}).content.decode()
    assert "社区看板（金海社区" in page and "银海社区" in page  # the selector lists both
    assert "暂无报到党员" in page or "都已完成" in page


def test_a_worker_without_communities_sees_an_explanation(world, client):  # noqa: F811
    nobody = staff("nobody", [Role.GRID_WORKER])
    client.force_login(nobody)
    assert "没有负责的村（社区）" in client.get(URL).content.decode()
    assert client.get(URL + "export/").status_code == 400
