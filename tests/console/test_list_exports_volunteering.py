"""「导出 Excel」 on the volunteering pages: the records in the national columns as .xlsx (the .csv stays),
names masked as on the page."""

import io

import openpyxl
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.volunteering.services import records
from tests.console.test_volunteering import _served, clock, world  # noqa: F401  (fixtures)


def book(response):
    assert response.status_code == 200, response.status_code
    return openpyxl.load_workbook(io.BytesIO(response.content))


def cells(ws) -> str:
    return "".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_volunteer_records_in_the_national_columns_as_xlsx(client, world):  # noqa: F811
    _, v, record = _served(world)
    records.confirm(actor=None, record=record)
    client.force_login(world["user"])
    html = client.get(reverse("console:vol_home")).content.decode()
    assert f"{reverse('console:vol_records_xlsx')}?year=2026" in html
    ws = book(client.get(reverse("console:vol_records_xlsx"), {"year": "2026"})).worksheets[0]
    assert ws["A1"].value == "志愿服务记录" and "统计区间：2026年" in ws["A2"].value
    assert [c.value for c in ws[3]][:4] == ["志愿者编号", "姓名", "证件类型", "证件号码"]
    assert ws.cell(4, 1).value == v.number and ws.cell(4, 9).value == "3.00"
    assert AuditEvent.objects.filter(action="export.volunteer_records", actor=world["user"]).exists()
    # The .csv upload file stays where it was.
    assert client.get(reverse("console:vol_export"), {"year": "2026"})["Content-Type"].startswith("text/csv")


def test_the_records_queue_masks_names(client, world):  # noqa: F811
    _served(world)
    client.force_login(world["user"])
    ws = book(client.get(reverse("console:vol_records"), {"export": "xlsx"})).worksheets[0]
    assert ws["A1"].value == "待确认服务记录"
    assert "王小明" not in cells(ws) and ws.cell(4, 1).value.startswith("王")
