"""Service records for upload to the national volunteer service system (全国志愿服务信息系统), as CSV.

Only confirmed records (selectors.confirmed_records). UTF-8 with a byte-order mark (Excel opens it as UTF-8), comma
separated, one header row, then one row per record, ordered by start time. Columns, in this order:

| 列 | 内容 |
|---|---|
| 志愿者编号 | the volunteer number (Volunteer.number), not the ID number |
| 姓名 | full name |
| 证件类型 | 居民身份证, 港澳居民来往内地通行证, 台湾居民来往大陆通行证, 护照, 外国人永久居留身份证 or 其他证件 |
| 证件号码 | the full number (the national system needs it; every export is audited) |
| 项目名称 | the project; for a record outside any project its source (微心愿) |
| 活动名称 | the activity; for a record outside an activity its recorded content |
| 服务开始时间 | YYYY-MM-DD HH:MM:SS, local time (Asia/Shanghai), capped at the scheduled start |
| 服务结束时间 | YYYY-MM-DD HH:MM:SS, local time, capped at the scheduled end |
| 服务时长(小时) | hours with two decimals, travel excluded |
| 记录单位 | the project's recording unit, else its community (Project.record_unit_name); without a project the
record's community |
| 记录日期 | YYYY-MM-DD, the day the record was made |
"""

import csv
import io

from django.db import transaction
from django.utils import timezone

from civicgrid.core.audit import record_event
from civicgrid.volunteering.models import ServiceRecord

COLUMNS = (
    "志愿者编号",
    "姓名",
    "证件类型",
    "证件号码",
    "项目名称",
    "活动名称",
    "服务开始时间",
    "服务结束时间",
    "服务时长(小时)",
    "记录单位",
    "记录日期",
)


def _time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def rows(records) -> list[list[str]]:
    out = []
    for r in records.select_related(
        "volunteer", "activity", "project__area", "project__unit", "area"
    ).order_by("started_at", "pk"):
        v, a, p = r.volunteer, r.activity, r.project
        out.append(
            [
                v.number,
                v.name,
                v.get_id_type_display(),
                v.id_number(),
                p.name if p else r.get_source_display(),
                a.title if a else r.content,
                _time(r.started_at),
                _time(r.ended_at),
                f"{r.hours:.2f}",
                p.record_unit_name if p else r.area.name,
                f"{r.recorded_on:%Y-%m-%d}",
            ]
        )
    return out


def national_csv(*, actor, records) -> bytes:
    """The CSV of the confirmed ones among `records` (a scoped queryset); the export is audited."""
    records = records.filter(state=ServiceRecord.State.CONFIRMED)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    data = rows(records)
    writer.writerows(data)
    with transaction.atomic():
        record_event(
            actor=actor, action="export.volunteer_records", summary=f"导出志愿服务记录 {len(data)} 条"
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
