import csv
import io

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.volunteering import export
from civicgrid.volunteering.models import ServiceRecord
from tests.party.factories import id_number
from tests.volunteering.factories import volunteer
from tests.volunteering.helpers import confirmed

pytestmark = pytest.mark.django_db

DOCUMENTED = [
    "志愿者编号", "姓名", "证件类型", "证件号码", "项目名称", "活动名称",
    "服务开始时间", "服务结束时间", "服务时长(小时)", "记录单位", "记录日期",
]


def test_columns_are_the_documented_ones():
    assert list(export.COLUMNS) == DOCUMENTED
    for column in DOCUMENTED:
        assert f"| {column} |" in export.__doc__


def test_csv_holds_confirmed_records_only(community, organiser):
    number = id_number("19880808")
    v = volunteer(community, name="王小明", id_number=number)
    confirmed(community, organiser, v)
    ServiceRecord.objects.create(  # a pending record is not exported
        volunteer=v, activity=ServiceRecord.objects.get().activity, started_at=ServiceRecord.objects.get().started_at,
        ended_at=ServiceRecord.objects.get().ended_at, hours=1, recorded_on=ServiceRecord.objects.get().recorded_on,
    )
    data = export.national_csv(actor=organiser, records=ServiceRecord.objects.all())
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == DOCUMENTED and len(rows) == 2
    assert rows[1] == [
        v.number, "王小明", "居民身份证", number, "关爱老人", "敬老院探访",
        "2026-06-06 09:00:00", "2026-06-06 12:00:00", "3.00", "银海社区", "2026-06-06",
    ]
    assert AuditEvent.objects.filter(action="export.volunteer_records").count() == 1
