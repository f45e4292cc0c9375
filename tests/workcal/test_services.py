import copy
import json
from datetime import date
from pathlib import Path

import chinese_calendar
import pytest
import time_machine
from django.contrib.auth import get_user_model

from civicgrid.core.models import AuditEvent
from civicgrid.workcal import services
from civicgrid.workcal.calendar import CalendarError, add_working_days, is_workday, working_days_between
from civicgrid.workcal.models import CalendarYear, OfficeHours, Source, WorkDay
from civicgrid.workcal.signals import year_confirmed
from tests.workcal.factories import fill_year, holiday_cn_2027, local

pytestmark = pytest.mark.django_db

HOLIDAY_CN_DIR = Path("/work/shared/data/holiday_cn")


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_user("calendar-admin")


def _nothing_written_for_2027():
    return (
        not WorkDay.objects.filter(date__year=2027).exists()
        and not CalendarYear.objects.filter(year=2027).exists()
        and not AuditEvent.objects.exists()
    )


class TestConfirmYear:
    def test_it_refuses_a_year_without_its_days(self, admin_user):
        with pytest.raises(CalendarError) as raised:
            services.confirm_year(year=2027, actor=admin_user)
        assert "无法确认 2027 年" in raised.value.message
        assert "应有 365 天" in raised.value.message
        assert "目前只有 0 天" in raised.value.message
        assert not CalendarYear.objects.filter(year=2027).exists()

    def test_it_refuses_a_year_with_a_missing_day(self, admin_user):
        fill_year(2027)
        WorkDay.objects.filter(date=date(2027, 3, 1)).delete()
        with pytest.raises(CalendarError, match="目前只有 364 天"):
            services.confirm_year(year=2027, actor=admin_user)

    def test_it_confirms_a_full_year_and_the_calendar_uses_it(self, admin_user):
        fill_year(2027)
        with pytest.raises(CalendarError):
            add_working_days(date(2026, 12, 31), 1)
        with time_machine.travel(local(2026, 11, 21, 10, 0), tick=False):
            year = services.confirm_year(year=2027, actor=admin_user)
        assert year.confirmed is True
        assert year.confirmed_by == admin_user
        assert year.confirmed_at == local(2026, 11, 21, 10, 0)
        assert year.source == Source.MANUAL
        assert not WorkDay.objects.filter(date__year=2027, confirmed=False).exists()
        assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
        event = AuditEvent.objects.get()
        assert (event.action, event.actor, event.target_id) == ("workcal.year_confirmed", admin_user, "2027")

    def test_it_announces_the_confirmed_year_and_records_the_recomputed_count(self, admin_user):
        fill_year(2027)
        heard = []

        def receiver(sender, *, year, **kwargs):
            heard.append((year, CalendarYear.objects.get(year=year).confirmed))
            return 2

        year_confirmed.connect(receiver, dispatch_uid="test-receiver")
        try:
            year = services.confirm_year(year=2027, actor=admin_user)
        finally:
            year_confirmed.disconnect(dispatch_uid="test-receiver")
        assert heard == [(2027, True)]
        assert year.recomputed == 2
        assert AuditEvent.objects.get().payload["recomputed"] == 2

    def test_it_refuses_a_nonsense_year(self, admin_user):
        with pytest.raises(CalendarError, match="年份不正确"):
            services.confirm_year(year=20270, actor=admin_user)

    def test_it_refuses_to_confirm_twice(self, admin_user):
        with pytest.raises(CalendarError, match="2025 年的工作日历已经确认过了"):
            services.confirm_year(year=2025, actor=admin_user)


class TestSetDay:
    def test_it_corrects_a_day_and_records_before_and_after(self, admin_user):
        day = services.set_day(date=date(2025, 11, 22), is_workday=True, name="临时补班", actor=admin_user)
        assert (day.is_workday, day.name, day.source, day.confirmed) == (True, "临时补班", "manual", True)
        assert is_workday(date(2025, 11, 22)) is True
        event = AuditEvent.objects.get()
        assert event.action == "workcal.day_set"
        assert event.payload["before"] == {"is_workday": False, "name": "", "source": "chinese_calendar"}
        assert event.payload["after"]["is_workday"] is True

    def test_it_creates_a_missing_day(self, admin_user):
        services.set_day(date=date(2027, 1, 1), is_workday=False, name=" 元旦 ", actor=admin_user)
        assert WorkDay.objects.get(date=date(2027, 1, 1)).name == "元旦"

    def test_it_refuses_bad_input(self, admin_user):
        with pytest.raises(CalendarError, match="不能超过 60 个字"):
            services.set_day(date=date(2025, 1, 2), is_workday=True, name="长" * 61, actor=admin_user)
        with pytest.raises(CalendarError, match="日期格式不正确"):
            services.set_day(date="2025-01-02", is_workday=True, name="", actor=admin_user)
        assert not AuditEvent.objects.exists()


class TestImportHolidayCn:
    def test_it_builds_and_confirms_2027(self, admin_user):
        result = services.import_holiday_cn(data=holiday_cn_2027(), actor=admin_user, source_name="2027.json")
        assert result["year"] == 2027
        assert result["days"] == 365
        assert result["holidays"] == 8
        assert result["make_up_days"] == 2
        assert (
            WorkDay.objects.filter(date__year=2027, source=Source.HOLIDAY_CN, confirmed=True).count() == 365
        )
        year = CalendarYear.objects.get(year=2027)
        assert (year.confirmed, year.source, year.confirmed_by) == (True, "holiday_cn", admin_user)
        assert "2027.json" in year.note
        assert WorkDay.objects.get(date=date(2027, 2, 6)).name == "春节调休上班"
        assert WorkDay.objects.get(date=date(2027, 2, 7)).name == "春节"
        assert AuditEvent.objects.get().action == "workcal.holiday_cn_imported"

    def test_after_importing_2027_deadlines_reach_into_it(self, admin_user):
        with pytest.raises(CalendarError):
            add_working_days(date(2027, 2, 5), 1)
        services.import_holiday_cn(data=holiday_cn_2027(), actor=admin_user, source_name="2027.json")
        assert add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 6)  # made-up Saturday
        assert add_working_days(date(2027, 2, 6), 1) == date(2027, 2, 15)
        assert add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 4)
        assert (
            working_days_between(date(2026, 12, 31), date(2027, 12, 31)) == 261 - 6 + 2
        )  # weekdays - weekday holidays + make-up Saturdays

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            (lambda d: d["days"][3].pop("isOffDay"), "第 4 条记录.*缺少字段 isOffDay"),
            (lambda d: d["days"][1].update(date="2026-05-01"), "第 2 条记录.*日期不在 2027 年内"),
            (lambda d: d["days"][1].update(date="2027-02-30"), "第 2 条记录.*YYYY-MM-DD"),
            (lambda d: d["days"][1].update(date="2027/02/06"), "第 2 条记录.*YYYY-MM-DD"),
            (lambda d: d["days"][2].update(isOffDay="是"), "第 3 条记录.*isOffDay 应为 true 或 false"),
            (lambda d: d["days"][2].update(name=""), "第 3 条记录.*name 应为非空文字"),
            (lambda d: d["days"].append(dict(d["days"][0])), "第 11 条记录.*与第 1 条重复"),
            (lambda d: d["days"].append("2027-05-01"), "第 11 条记录.*应为包含"),
            (lambda d: d.pop("year"), "缺少字段 year"),
            (lambda d: d.update(year="2027"), "year 应为四位年份"),
            (lambda d: d.update(days={}), "days 应为列表"),
            (lambda d: d.update(days=[]), "没有列出 2027 年的任何节假日"),
        ],
    )
    def test_a_bad_document_names_the_entry_and_writes_nothing(self, admin_user, change, message):
        data = holiday_cn_2027()
        change(data)
        with pytest.raises(CalendarError, match=message) as raised:
            services.import_holiday_cn(data=data, actor=admin_user, source_name="2027.json")
        assert "2027.json" in raised.value.message
        assert _nothing_written_for_2027()

    def test_a_late_failure_rolls_everything_back(self, admin_user, monkeypatch):
        def fail(**kwargs):
            raise RuntimeError("audit store down")

        monkeypatch.setattr(services, "record_event", fail)
        with pytest.raises(RuntimeError):
            services.import_holiday_cn(data=holiday_cn_2027(), actor=admin_user, source_name="2027.json")
        assert _nothing_written_for_2027()
        with pytest.raises(CalendarError):
            is_workday(date(2027, 1, 4))

    def test_the_real_empty_2027_file_is_refused(self, admin_user):
        data = services.read_holiday_cn(HOLIDAY_CN_DIR / "2027.json")
        with pytest.raises(CalendarError, match="国务院尚未发布该年的放假安排"):
            services.import_holiday_cn(data=data, actor=admin_user, source_name="2027.json")
        assert _nothing_written_for_2027()

    def test_previous_december_entries_adjust_the_previous_year(self, admin_user):
        data = holiday_cn_2027()
        data["days"].insert(0, {"name": "元旦", "date": "2026-12-31", "isOffDay": True})
        result = services.import_holiday_cn(data=data, actor=admin_user, source_name="2027.json")
        assert result["previous_year_days"] == 1
        day = WorkDay.objects.get(date=date(2026, 12, 31))
        assert (day.is_workday, day.name, day.source) == (False, "元旦", "holiday_cn")
        assert add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 4)

    def test_previous_december_entries_need_the_previous_year(self, admin_user):
        data = {"year": 2028, "days": [{"name": "元旦", "date": "2027-12-31", "isOffDay": True}]}
        with pytest.raises(CalendarError, match="2027 年的日历尚未导入"):
            services.import_holiday_cn(data=data, actor=admin_user, source_name="2028.json")
        assert not WorkDay.objects.filter(date__year=2028).exists()

    def test_reimporting_a_year_keeps_what_the_next_years_notice_changed(self, admin_user):
        # 2018-12-29 (a Saturday) was made a working day by the 2019 notice, not the 2018 one.
        data = services.read_holiday_cn(HOLIDAY_CN_DIR / "2018.json")
        result = services.import_holiday_cn(data=data, actor=admin_user, source_name="2018.json")
        assert result["kept_december_days"] == 2  # 29th (work) and 31st (off); the 30th is a plain Sunday
        assert is_workday(date(2018, 12, 29)) is True
        assert is_workday(date(2018, 12, 31)) is False

    def test_it_overwrites_manual_days_and_says_so(self, admin_user):
        services.set_day(date=date(2025, 3, 3), is_workday=False, name="停电", actor=admin_user)
        data = services.read_holiday_cn(HOLIDAY_CN_DIR / "2025.json")
        result = services.import_holiday_cn(data=data, actor=admin_user, source_name="2025.json")
        assert result["replaced_manual_days"] == 1
        assert is_workday(date(2025, 3, 3)) is True

    def test_all_real_files_give_the_same_calendar_as_chinese_calendar(self, admin_user):
        before = dict(WorkDay.objects.filter(date__year__gte=2007).values_list("date", "is_workday"))
        for year in range(2007, 2027):
            data = services.read_holiday_cn(HOLIDAY_CN_DIR / f"{year}.json")
            services.import_holiday_cn(data=data, actor=admin_user, source_name=f"{year}.json")
        after = dict(WorkDay.objects.filter(date__year__gte=2007).values_list("date", "is_workday"))
        assert after == before
        assert not WorkDay.objects.filter(date__year__gte=2007).exclude(source=Source.HOLIDAY_CN).exists()
        assert all(is_workday(d) == chinese_calendar.is_workday(d) for d in before)

    def test_the_document_is_not_modified(self, admin_user):
        data = holiday_cn_2027()
        original = copy.deepcopy(data)
        services.import_holiday_cn(data=data, actor=admin_user, source_name="2027.json")
        assert data == original


class TestReadHolidayCn:
    def test_bad_json_names_the_file(self, tmp_path):
        path = tmp_path / "2027.json"
        path.write_text('{"year": 2027, "days": [', encoding="utf-8")
        with pytest.raises(CalendarError, match=r"2027\.json 不是有效的 JSON"):
            services.read_holiday_cn(path)

    def test_a_missing_file_is_reported(self, tmp_path):
        with pytest.raises(CalendarError, match="无法读取文件"):
            services.read_holiday_cn(tmp_path / "nope.json")

    def test_it_reads_a_file(self, tmp_path):
        path = tmp_path / "2027.json"
        path.write_text(json.dumps(holiday_cn_2027(), ensure_ascii=False), encoding="utf-8")
        assert services.read_holiday_cn(path) == holiday_cn_2027()


class TestOfficeHours:
    def test_the_seed_version(self):
        version = OfficeHours.objects.get()
        assert (version.effective_from, version.periods) == (date(2004, 1, 1), "08:30-12:00,14:30-18:00")

    def test_saving_a_version_validates_and_records(self, admin_user):
        version = services.save_office_hours(
            office_hours=OfficeHours(effective_from=date(2026, 5, 1), periods="09:00-12:00,13:30-17:30"),
            actor=admin_user,
        )
        assert version.pk
        assert AuditEvent.objects.get().action == "workcal.office_hours_saved"

    @pytest.mark.parametrize(
        ("periods", "message"),
        [
            ("12:00-08:30", "结束时间应晚于开始时间"),
            ("08:30-12:00,11:00-13:00", "重叠或顺序颠倒"),
            ("14:30-18:00,08:30-12:00", "重叠或顺序颠倒"),
            ("8.30-12", "无法识别办公时段“8.30-12”"),
            ("08:30-25:00", "时间不存在"),
            ("", "请填写至少一个办公时段"),
        ],
    )
    def test_bad_periods_are_refused_in_chinese(self, admin_user, periods, message):
        with pytest.raises(CalendarError, match=message):
            services.save_office_hours(
                office_hours=OfficeHours(effective_from=date(2026, 5, 1), periods=periods), actor=admin_user
            )
        assert OfficeHours.objects.count() == 1

    def test_the_earliest_version_cannot_be_deleted(self, admin_user):
        with pytest.raises(CalendarError, match="不能删除最早的办公时间设置"):
            services.delete_office_hours(office_hours=OfficeHours.objects.get(), actor=admin_user)

    def test_a_later_version_can_be_deleted(self, admin_user):
        later = OfficeHours.objects.create(effective_from=date(2026, 5, 1), periods="09:00-17:00")
        services.delete_office_hours(office_hours=later, actor=admin_user)
        assert OfficeHours.objects.count() == 1
        assert AuditEvent.objects.get().action == "workcal.office_hours_deleted"
