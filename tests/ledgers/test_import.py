"""`civicgrid ledgers import`: a good file, every kind of bad row (all or nothing, row-numbered Chinese errors,
nothing written, not even the campaign), re-import by 编号, .xlsx and .csv, and the command as a process."""

from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.ledgers.models import Campaign, ItemEvent, LedgerItem, ProgressReport
from civicgrid.ledgers.progress import item_progress
from tests.ledgers.conftest import moment

HEADER = "编号,问题,来源,揭榜挂帅,牵头单位,责任领导,时限,进度,状态"
GOOD = [
    "001,老旧小区雨污分流改造,自查,是,U-ZJJ,王建国（副市长）,2026-12-31,88,",
    "002,农贸市场周边占道经营,热点,否,琼海市水务局,,2026-06-30,85.5,已销号",
    "003,企业开办材料重复提交,上报,是,,,2026-09-30,,",
    "004,社区排水沟坍塌,议事,否,U-SWJ,,,0,",
]


def write(tmp_path: Path, lines, name="ledger.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding=encoding)
    return path


def run_import(path, *args) -> str:
    out, err = StringIO(), StringIO()
    call_command("ledgers", "import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        yield


def test_a_good_file_creates_the_campaign_and_items(world, tmp_path):
    out = run_import(write(tmp_path, GOOD), "--campaign", "CDD-2026", "--campaign-name", "2026年查堵点")
    assert "新增 4 项" in out
    campaign = Campaign.objects.get(code="CDD-2026")
    assert campaign.name == "2026年查堵点" and campaign.year == 2026
    items = {i.number: i for i in campaign.items.all()}
    assert items["001"].lead_unit == world["housing"] and items["001"].on_list
    assert items["001"].responsible_leader == "王建国（副市长）"
    assert items["001"].state == LedgerItem.State.IN_PROGRESS
    assert items["002"].lead_unit == world["water"] and items["002"].state == LedgerItem.State.CLOSED
    assert items["003"].state == LedgerItem.State.LISTED and items["003"].lead_unit is None
    assert items["004"].deadline is None and items["004"].source == LedgerItem.Source.DELIBERATION
    assert item_progress(items["001"]) == 88 and item_progress(items["002"]) == Decimal("85.5")
    report = items["001"].reports.get()
    assert report.status == ProgressReport.Status.APPROVED
    assert not items["003"].reports.exists()
    assert ItemEvent.objects.filter(action=ItemEvent.Action.IMPORT).count() == 4


def test_year_defaults_to_this_year(world, tmp_path):
    with time_machine.travel(moment(2027, 1, 4), tick=False):
        run_import(write(tmp_path, GOOD[:1]), "--campaign", "NEW")
    assert Campaign.objects.get(code="NEW").year == 2027
    run_import(write(tmp_path, GOOD[:1]), "--campaign", "Y", "--year", "2025")
    assert Campaign.objects.get(code="Y").year == 2025


BAD_ROWS = [
    (",问题,自查,是,,,,,", "编号为空"),
    ("009,,自查,是,,,,,", "问题为空"),
    ("009,问题,自己找的,是,,,,,", "来源「自己找的」不正确"),
    ("009,问题,自查,对,,,,,", "揭榜挂帅「对」不正确"),
    ("009,问题,自查,是,不存在的局,,,,", "牵头单位「不存在的局」不存在"),
    ("009,问题,自查,是,,,2026/13/01,,", "时限「2026/13/01」不正确"),
    ("009,问题,自查,是,,,2026-02-30,,", "时限「2026-02-30」不正确"),
    ("009,问题,自查,是,,,,一百,", "进度「一百」不是数字"),
    ("009,问题,自查,是,,,,120,", "应在0至100之间"),
    ("009,问题,自查,是,,,,-5,", "应在0至100之间"),
    ("009,问题,自查,是,,,,,办结", "状态「办结」不正确"),
    ("001,重复的编号,自查,是,,,,,", "编号「001」与第 2 行重复"),
]


@pytest.mark.parametrize("row,message", BAD_ROWS)
def test_each_kind_of_bad_row_refuses_the_whole_file(world, tmp_path, row, message):
    path = write(tmp_path, [*GOOD, row])
    err = StringIO()
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("ledgers", "import", str(path), "--campaign", "CDD", stdout=StringIO(), stderr=err)
    assert f"第 {len(GOOD) + 2} 行" in err.getvalue() and message in err.getvalue(), err.getvalue()
    assert not Campaign.objects.filter(code="CDD").exists()
    assert not LedgerItem.objects.exists()


def test_a_missing_column_and_an_ambiguous_unit(world, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("编号,问题\n001,问题\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("ledgers", "import", str(path), "--campaign", "C", stdout=StringIO(), stderr=StringIO())
    from tests.party.factories import unit

    unit("U-DUP", world["city"], name="琼海市水务局")  # a second unit with the same full name
    err = StringIO()
    with pytest.raises(CommandError):
        call_command(
            "ledgers", "import", str(write(tmp_path, GOOD)), "--campaign", "C", stdout=StringIO(), stderr=err
        )
    assert "有重名" in err.getvalue()
    assert not Campaign.objects.filter(code="C").exists()


def test_reimport_updates_by_number_and_adds_a_report_only_for_new_progress(world, tmp_path):
    run_import(write(tmp_path, GOOD), "--campaign", "CDD")
    campaign = Campaign.objects.get(code="CDD")
    changed = [
        "001,老旧小区雨污分流改造（扩大范围）,自查,是,U-ZJJ,王建国（副市长）,2026-12-31,88,",  # same progress
        "002,农贸市场周边占道经营,热点,否,琼海市水务局,,2026-06-30,85.5,",  # reopened
        "003,企业开办材料重复提交,上报,否,U-JTJ,,2026-10-31,40,",  # now led, progress
        "005,新问题,转办,否,,,,,",
    ]
    with time_machine.travel(moment(2026, 4, 1), tick=False):
        out = run_import(write(tmp_path, changed), "--campaign", "CDD")
    assert "新增 1 项" in out and "更新 3 项" in out and "记录进度 1 条" in out
    items = {i.number: i for i in campaign.items.all()}
    assert len(items) == 5
    assert items["001"].problem.endswith("（扩大范围）") and items["001"].reports.count() == 1
    assert items["002"].state != LedgerItem.State.CLOSED and items["002"].closed_on is None
    assert items["003"].lead_unit == world["traffic"] and items["003"].state == LedgerItem.State.IN_PROGRESS
    assert item_progress(items["003"]) == 40 and not items["003"].on_list
    assert items["004"].problem == "社区排水沟坍塌"  # not in the file: untouched
    with time_machine.travel(moment(2026, 5, 1), tick=False):
        run_import(
            write(tmp_path, ["001,老旧小区雨污分流改造,自查,是,U-ZJJ,,2026-12-31,95,已销号"]),
            "--campaign",
            "CDD",
        )
    items["001"].refresh_from_db()
    assert item_progress(items["001"]) == 95 and items["001"].state == LedgerItem.State.CLOSED


def test_xlsx_and_gbk_csv(world, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    from datetime import date

    sheet.append(["001", "停车难", "热点", "是", "U-JTJ", "陈某（副市长）", date(2026, 12, 31), 75, None])
    buffer = BytesIO()
    book.save(buffer)
    (tmp_path / "l.xlsx").write_bytes(buffer.getvalue())
    run_import(tmp_path / "l.xlsx", "--campaign", "XL")
    item = LedgerItem.objects.get(campaign__code="XL")
    assert item.deadline.isoformat() == "2026-12-31" and item_progress(item) == 75
    run_import(write(tmp_path, GOOD, name="gbk.csv", encoding="gbk"), "--campaign", "GBK")
    assert LedgerItem.objects.filter(campaign__code="GBK").count() == 4
