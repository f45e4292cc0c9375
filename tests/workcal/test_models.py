from datetime import date

import pytest
from django.core.exceptions import ValidationError

from civicgrid.workcal.models import CalendarYear, OfficeHours, WorkDay, parse_periods


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30-12:00,14:30-18:00", ((510, 720), (870, 1080))),
        (" 8:30 - 12:00 ， 14:30-18:00 ", ((510, 720), (870, 1080))),
        ("09:00-17:00", ((540, 1020),)),
        ("00:00-24:00", ((0, 1440),)),
        ("08:00-12:00,12:00-13:00", ((480, 720), (720, 780))),
    ],
)
def test_parse_periods_reads_ordered_periods(text, expected):
    assert parse_periods(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写至少一个办公时段"),
        ("08:30-12:00,", "多了一个逗号"),
        ("08:30~12:00", "无法识别办公时段“08:30~12:00”"),
        ("8.30-12", "格式应为 HH:MM-HH:MM"),
        ("08:60-12:00", "时间不存在"),
        ("24:00-24:30", "时间不存在"),
        ("12:00-12:00", "结束时间应晚于开始时间"),
        ("08:30-12:00,11:59-13:00", "重叠或顺序颠倒"),
        ("14:30-18:00,08:30-12:00", "重叠或顺序颠倒"),
    ],
)
def test_parse_periods_explains_what_is_wrong_in_chinese(text, message):
    with pytest.raises(ValidationError, match=message):
        parse_periods(text)


def test_office_hours_clean_reports_on_the_periods_field():
    with pytest.raises(ValidationError) as raised:
        OfficeHours(effective_from=date(2026, 1, 1), periods="18:00-08:30").clean()
    assert list(raised.value.message_dict) == ["periods"]


def test_str():
    assert str(CalendarYear(year=2027)) == "2027 年"
    assert str(WorkDay(date=date(2025, 10, 1), is_workday=False, name="国庆节")) == "2025-10-01 休息日 国庆节"
    assert str(WorkDay(date=date(2025, 10, 9), is_workday=True)) == "2025-10-09 工作日"
    assert CalendarYear(year=2028).day_count == 366
