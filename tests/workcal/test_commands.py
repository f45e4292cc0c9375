import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.__main__ import main
from civicgrid.workcal.models import CalendarYear, WorkDay
from civicgrid.workcal.signals import year_confirmed
from tests.workcal.factories import fill_year, holiday_cn_2027

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue()


def write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


class TestAdd:
    def test_it_prints_the_date(self):
        assert run("add", "2025-09-30", "1") == "2025-10-09\n"
        assert run("add", "2026-02-13", "1") == "2026-02-14\n"
        assert run("add", "2025-10-01", "0") == "2025-10-01\n"

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("add", "2025-13-01", "1"), "日期格式不正确：2025-13-01"),
            (("add", "tomorrow", "1"), "日期格式不正确：tomorrow"),
            (("add", "2025-10-01", "two"), "工作日数应为整数：two"),
            (("add", "2025-10-01", "-1"), "工作日数不能为负数"),
            (("add", "2026-12-30", "3"), "2027 年的工作日历尚未确认"),
        ],
    )
    def test_bad_input_is_a_command_error_in_chinese(self, args, message):
        with pytest.raises(CommandError, match=message):
            run(*args)


class TestAddProvisional:
    def test_a_date_in_an_unconfirmed_year_is_marked(self):
        assert run("add", "2026-12-30", "3", "--provisional") == "2027-01-05(暂定)\n"

    def test_a_date_in_confirmed_years_is_plain(self):
        assert run("add", "2026-12-01", "3", "--provisional") == "2026-12-04\n"

    def test_between_is_marked_too(self):
        assert run("between", "2026-12-31", "2027-01-08", "--provisional") == "5(暂定)\n"
        assert run("between", "2026-12-01", "2026-12-04", "--provisional") == "3\n"


class TestBetween:
    def test_it_prints_the_count(self):
        assert run("between", "2025-09-30", "2025-10-09") == "1\n"
        assert run("between", "2025-10-09", "2025-09-30") == "-1\n"
        assert run("between", "2024-12-31", "2025-12-31") == "248\n"

    def test_an_unconfirmed_year_is_a_command_error(self):
        with pytest.raises(CommandError, match="2027 年的工作日历尚未确认"):
            run("between", "2026-12-01", "2027-01-31")


class TestImport:
    def test_it_imports_and_reports_each_year(self, tmp_path):
        path = write_json(tmp_path / "2027.json", holiday_cn_2027())
        output = run("import", str(path))
        assert "2027 年：已从" in output
        assert "导入 365 天（工作日 257 天，节假日 8 天，调休上班 2 天），已确认" in output
        assert CalendarYear.objects.get(year=2027).confirmed
        assert run("add", "2027-02-05", "1") == "2027-02-06\n"

    def test_several_files_are_imported_oldest_first(self):
        output = run(
            "import", "/work/shared/data/holiday_cn/2019.json", "/work/shared/data/holiday_cn/2018.json"
        )
        lines = output.splitlines()
        assert lines[0].startswith("2018 年") and "保留了按 2019 年放假安排调整的 12 月 2 天" in lines[0]
        assert lines[1].startswith("2019 年") and "同时调整了 2018 年 12 月的 3 天" in lines[1]
        assert WorkDay.objects.get(date=date(2018, 12, 29)).is_workday is True

    def test_one_bad_file_writes_nothing(self, tmp_path):
        good = write_json(tmp_path / "2027.json", holiday_cn_2027())
        bad_data = {"year": 2028, "days": [{"name": "元旦", "date": "2028-01-01"}]}
        bad = write_json(tmp_path / "2028.json", bad_data)
        with pytest.raises(CommandError, match="2028.json 第 1 条记录.*缺少字段 isOffDay"):
            run("import", str(good), str(bad))
        assert not WorkDay.objects.filter(date__year__gte=2027).exists()

    def test_a_file_that_is_not_json_is_a_command_error(self, tmp_path):
        path = tmp_path / "2027.json"
        path.write_text("not json", encoding="utf-8")
        with pytest.raises(CommandError, match="不是有效的 JSON"):
            run("import", str(path))


class TestConfirm:
    def test_it_confirms_a_full_year(self):
        fill_year(2027)
        assert run("confirm", "2027") == "2027 年的工作日历已确认\n"
        assert run("add", "2026-12-31", "1") == "2027-01-01\n"

    def test_it_refuses_a_year_without_days(self):
        with pytest.raises(CommandError, match="无法确认 2027 年"):
            run("confirm", "2027")


@pytest.fixture
def three_recomputed():
    """A receiver standing in for the ticket app: it says it recomputed three deadlines."""

    def receiver(sender, *, year, **kwargs):
        return 3

    year_confirmed.connect(receiver, dispatch_uid="test-three-recomputed")
    yield
    year_confirmed.disconnect(dispatch_uid="test-three-recomputed")


class TestRecomputedCount:
    def test_confirm_prints_how_many_provisional_deadlines_were_recomputed(self, three_recomputed):
        fill_year(2027)
        assert run("confirm", "2027") == "2027 年的工作日历已确认\n已重新计算 3 项暂定时限\n"

    def test_import_prints_it_after_the_years(self, tmp_path, three_recomputed):
        path = write_json(tmp_path / "2027.json", holiday_cn_2027())
        assert run("import", str(path)).splitlines()[-1] == "已重新计算 3 项暂定时限"


class TestCheck:
    def test_the_seed_differs_from_chinese_calendar_only_where_the_official_notice_does(self):
        output = run("check", "--from", "2004", "--to", "2026")
        assert "核对 2004-2026 年，共 8401 天" in output
        assert "本系统与 chinese_calendar 不一致：1 天" in output
        assert "本系统与 holidays.CN 不一致：0 天" in output
        assert "chinese_calendar 与 holidays.CN 不一致：1 天" in output
        rows = [line for line in output.splitlines() if line.startswith("2005-12-31")]
        assert len(rows) == 2  # in both lists
        assert rows[0].split()[:5] == ["2005-12-31", "六", "上班", "休息", "上班"]

    def test_a_manual_change_shows_up(self):
        WorkDay.objects.filter(date=date(2025, 10, 8)).update(is_workday=True)
        output = run("check", "--from", "2025", "--to", "2025")
        assert "本系统与公开数据源不一致的日期：1 天" in output
        assert "2025-10-08  三    上班    休息              休息         国庆节" in output
        assert "chinese_calendar 与 holidays.CN 之间不一致的日期：0 天" in output

    def test_years_without_data_are_summarised(self):
        output = run("check", "--from", "2026", "--to", "2027")
        assert "本系统无记录：365 天（2027-01-01 至 2027-12-31 之间）" in output
        assert "chinese_calendar 无数据：365 天" in output

    def test_a_bad_range_is_refused(self):
        with pytest.raises(CommandError, match="年份范围不正确"):
            run("check", "--from", "2026", "--to", "2004")


def test_from_the_command_line_an_error_exits_non_zero_without_traceback(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["civicgrid", "workdays", "add", "2026-12-30", "5"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "2027 年的工作日历尚未确认" in err
    assert "Traceback" not in err


def test_from_the_command_line_help_is_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["civicgrid", "workdays", "--help"])
    assert "工作日历" in capsys.readouterr().out
