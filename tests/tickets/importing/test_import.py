import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.routing.models import Category
from civicgrid.tickets.models import Event, Status, Ticket, TicketSequence

from .helpers import BASIC_MAPPING, HEADER, csv_text, import_file, row, run, write

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
LAST_LINE = re.compile(r"^imported \d+, unchanged \d+, rejected \d+$")


def test_imports_historical_tickets_with_their_own_numbers_and_times(world, tmp_path):
    result = import_file(
        tmp_path,
        [
            row(
                "A-1",
                分类="噪音",
                性质="投诉件",
                渠道="热线",
                状态="已办结",
                时限="2025-03-05 18:00:00",
                办结时间="2025-03-03 10:00:00",
                部门="住建",
                回复="已修复",
                姓名="李四",
                电话="13800001111",
            ),
            row("A-2", received="03/02/2025"),
        ],
    )
    assert result.refused is None, result.out
    assert result.last == "imported 2, unchanged 0, rejected 0"
    first = Ticket.objects.get(external_source="test-src", external_id="A-1")
    assert first.is_historical
    assert re.fullmatch(r"20250301-\d{6}", first.number)
    assert first.received_at == datetime(2025, 3, 1, 9, 0, tzinfo=SH)
    assert first.closed_at == datetime(2025, 3, 3, 10, 0, tzinfo=SH)
    assert first.status == Status.CLOSED and first.closed_on_time is True
    assert first.category.path_display == "环境保护 / 噪音扰民"
    assert (first.request_type, first.channel) == ("TS", "phone")
    assert first.lead_unit == world.units["zjj"]
    assert (first.reply_text, first.requester_name, first.requester_phone) == (
        "已修复",
        "李四",
        "13800001111",
    )
    event = Event.objects.get(ticket=first)
    assert event.action == "imported" and event.payload["due_at"] == "2025-03-05T18:00:00+08:00"
    second = Ticket.objects.get(external_id="A-2")
    assert second.received_at == datetime(2025, 3, 2, tzinfo=SH)
    assert second.status == Status.RECEIVED  # no close time, no reply: open
    assert AuditEvent.objects.filter(action="tickets.import").count() == 1


def test_numbers_continue_the_days_registration_sequence(world, tmp_path):
    TicketSequence.objects.create(day="2025-03-01", last=41)
    import_file(tmp_path, [row("A-1"), row("A-2")])
    numbers = sorted(Ticket.objects.values_list("number", flat=True))
    assert numbers == ["20250301-000042", "20250301-000043"]


def test_all_or_nothing_lists_every_bad_row_with_its_line_and_reason(world, tmp_path):
    result = import_file(
        tmp_path,
        [
            row("A-1"),
            row("A-2", received=""),
            row("A-3", received="明天"),
            row("A-4", title="", 内容=""),
            row("A-5", 纬度="abc", 经度="110"),
        ],
    )
    assert result.refused
    assert "第 3 行：受理时间为空" in result.out
    assert "第 4 行：受理时间「明天」无法识别" in result.out
    assert "第 5 行：事件概述和诉求内容都为空" in result.out
    assert "第 6 行：纬度「abc」不是数字" in result.out
    assert result.last == "imported 0, unchanged 0, rejected 4"
    assert not Ticket.objects.exists()
    assert not AuditEvent.objects.filter(action="tickets.import").exists()


def test_a_repeated_external_id_is_a_bad_row(world, tmp_path):
    result = import_file(tmp_path, [row("A-1"), row("A-1")])
    assert "第 3 行：外部编号「A-1」与第 2 行重复" in result.out
    assert result.refused and not Ticket.objects.exists()


def test_skip_invalid_imports_the_rest_and_writes_a_rejects_file(world, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = import_file(
        tmp_path, [row("A-1"), row("A-2", received="bad"), row("A-3")], "--skip-invalid", "--rejects", rejects
    )
    assert result.refused is None
    assert result.last == "imported 2, unchanged 0, rejected 1"
    text = rejects.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("原行号,拒绝原因,编号")
    assert text[1].startswith("3,受理时间「bad」无法识别") and ",A-2," in text[1]
    assert set(Ticket.objects.values_list("external_id", flat=True)) == {"A-1", "A-3"}


def test_dry_run_writes_nothing(world, tmp_path):
    categories = Category.objects.count()
    result = import_file(tmp_path, [row("A-1", 分类="新分类")], "--dry-run")
    assert result.last == "imported 1, unchanged 0, rejected 0"
    assert "试运行" in result.out
    assert not Ticket.objects.exists() and not TicketSequence.objects.exists()
    assert Category.objects.count() == categories
    assert not AuditEvent.objects.filter(action="tickets.import").exists()


def test_limit_reads_only_the_first_rows(world, tmp_path):
    result = import_file(tmp_path, [row(f"A-{i}") for i in range(10)], "--limit", 3)
    assert result.last == "imported 3, unchanged 0, rejected 0"
    assert Ticket.objects.count() == 3


def test_reimporting_the_same_file_changes_nothing(world, tmp_path):
    rows = [row(f"A-{i}", 分类="新分类") for i in range(5)]
    import_file(tmp_path, rows)
    before = (
        Ticket.objects.count(),
        Event.objects.count(),
        Category.objects.count(),
        list(TicketSequence.objects.values_list("last", flat=True)),
    )
    result = import_file(tmp_path, rows)
    assert result.last == "imported 0, unchanged 5, rejected 0"
    after = (
        Ticket.objects.count(),
        Event.objects.count(),
        Category.objects.count(),
        list(TicketSequence.objects.values_list("last", flat=True)),
    )
    assert after == before


def test_the_same_external_id_from_another_source_is_another_ticket(world, tmp_path):
    import_file(tmp_path, [row("A-1")])
    result = import_file(
        tmp_path, [row("A-1")], mapping=BASIC_MAPPING.replace('name = "test-src"', 'name = "other"')
    )
    assert result.last == "imported 1, unchanged 0, rejected 0"
    assert Ticket.objects.filter(external_id="A-1").count() == 2


@pytest.mark.parametrize(
    ("encoding", "declared"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8"),
        ("utf-8-sig", "auto"),
        ("gbk", "gbk"),
        ("gbk", "auto"),
        ("utf-8", "auto"),
    ],
)
def test_encodings(world, tmp_path, encoding, declared):
    mapping = BASIC_MAPPING.replace('encoding = "auto"', f'encoding = "{declared}"')
    result = import_file(tmp_path, [row("甲-1", title="垃圾清运不及时")], mapping=mapping, encoding=encoding)
    assert result.last == "imported 1, unchanged 0, rejected 0", result.out
    ticket = Ticket.objects.get()
    assert (ticket.external_id, ticket.title) == ("甲-1", "垃圾清运不及时")


def test_a_gbk_file_declared_utf8_is_refused_with_advice(world, tmp_path):
    mapping = BASIC_MAPPING.replace('encoding = "auto"', 'encoding = "utf-8"')
    result = import_file(tmp_path, [row("甲-1")], mapping=mapping, encoding="gbk")
    assert result.refused and "不是 UTF-8 编码" in result.refused
    assert not Ticket.objects.exists()


def test_multiline_cells_keep_their_breaks_and_lines_are_reported_in_the_file(world, tmp_path):
    rows = [row("A-1", 内容="第一行\n第二行\n第三行"), row("A-2", received="坏日期")]
    result = import_file(tmp_path, rows)
    assert "第 3 行（文件第 5 行起）：受理时间「坏日期」无法识别" in result.out
    result = import_file(tmp_path, rows[:1])
    assert Ticket.objects.get().content == "第一行\n第二行\n第三行"


def test_dates_may_mix_formats(world, tmp_path):
    mapping = BASIC_MAPPING.replace('date_formats = ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y"]\n', "")
    rows = [
        row("A-1", received="2025-03-01 09:00:00"),
        row("A-2", received="2025/3/2 10:30"),
        row("A-3", received="03/04/2025 01:15:00 PM"),
        row("A-4", received="2025年3月5日"),
        row("A-5", received="2025-03-06T08:00:00+00:00"),
    ]
    result = import_file(tmp_path, rows, mapping=mapping)
    assert result.last == "imported 5, unchanged 0, rejected 0", result.out
    got = {t.external_id: t.received_at for t in Ticket.objects.all()}
    assert got["A-2"] == datetime(2025, 3, 2, 10, 30, tzinfo=SH)
    assert got["A-3"] == datetime(2025, 3, 4, 13, 15, tzinfo=SH)
    assert got["A-4"] == datetime(2025, 3, 5, tzinfo=SH)
    assert got["A-5"] == datetime(2025, 3, 6, 16, 0, tzinfo=SH)


NUMBERED_MAPPING = """
[source]
name = "numbered"
[columns]
external_id = "@1"
received_at = "@2"
title = "@3"
content = "@4"
"""


def test_columns_by_number_with_blank_and_repeated_headers(world, tmp_path):
    header = ["编号", "", "内容", "内容"]
    rows = [["N-1", "2025-03-01 09:00:00", "标题一", "正文一"]]
    result = import_file(tmp_path, rows, mapping=NUMBERED_MAPPING, header=header)
    assert result.last == "imported 1, unchanged 0, rejected 0", result.out
    ticket = Ticket.objects.get()
    assert (ticket.title, ticket.content) == ("标题一", "正文一")


def test_a_repeated_header_named_in_the_mapping_is_refused_with_advice(world, tmp_path):
    mapping = NUMBERED_MAPPING.replace('content = "@4"', 'content = "内容"')
    result = import_file(
        tmp_path, [["N-1", "2025-03-01", "a", "b"]], mapping=mapping, header=["编号", "", "内容", "内容"]
    )
    assert result.refused
    assert "表头「内容」出现了 2 次（@3、@4），请改用列号" in result.refused
    assert not Ticket.objects.exists()


def test_without_external_id_the_row_number_is_the_id(world, tmp_path):
    mapping = NUMBERED_MAPPING.replace('external_id = "@1"\n', "")
    import_file(
        tmp_path,
        [["x", "2025-03-01", "a", "b"], ["y", "2025-03-02", "c", "d"]],
        mapping=mapping,
        header=["编号", "t", "u", "v"],
    )
    assert sorted(Ticket.objects.values_list("external_id", flat=True)) == ["2", "3"]


def test_defaults_for_unmatched_and_unmapped_values(world, tmp_path):
    result = import_file(
        tmp_path,
        [
            row("A-1", 性质="怪类型", 渠道="信鸽", 状态="", 部门="不存在的局", 分类="下水道堵塞"),
            row("A-2", 回复="已答复"),
            row("A-3", 办结时间="2025-03-02 09:00:00"),
            row("A-4", 分类="下水道堵塞"),
        ],
    )
    assert result.last == "imported 4, unchanged 0, rejected 0", result.out
    t = {x.external_id: x for x in Ticket.objects.select_related("category__parent")}
    assert (t["A-1"].request_type, t["A-1"].channel, t["A-1"].lead_unit) == ("QZ", "other", None)
    assert t["A-1"].status == Status.RECEIVED
    assert t["A-2"].status == Status.CLOSED and t["A-3"].status == Status.CLOSED
    assert t["A-1"].category == t["A-4"].category
    assert t["A-1"].category.name == "下水道堵塞" and t["A-1"].category.parent.name == "导入分类"
    assert "主办单位：1 个值在映射中没有对应（「不存在的局」1 行），无主办单位" in result.out
    # A second import finds the category it made.
    import_file(tmp_path, [row("A-9", 分类="下水道堵塞")])
    assert Category.objects.filter(name="下水道堵塞").count() == 1


def test_table_defaults_take_the_unmatched_values(world, tmp_path):
    mapping = (
        BASIC_MAPPING
        + """
"""
    )
    mapping = mapping.replace("[request_types]\n", '[request_types]\ndefault = "建议"\n')
    mapping = mapping.replace("[channels]\n", '[channels]\ndefault = "wechat"\n')
    mapping = mapping.replace("[statuses]\n", '[statuses]\ndefault = "closed"\n')
    mapping = mapping.replace("[units]\n", '[units]\ndefault = "市场监管局"\n')
    mapping = mapping.replace("[categories]\n", '[categories]\ndefault = "1603"\n')
    import_file(tmp_path, [row("A-1", 性质="?", 渠道="?", 状态="?", 部门="?", 分类="?")], mapping=mapping)
    t = Ticket.objects.select_related("category").get()
    assert (t.request_type, t.channel, t.status) == ("JY", "wechat", Status.CLOSED)
    assert t.lead_unit == world.units["sc"]
    assert t.category.code == "1603"
    assert not Category.objects.filter(name="导入分类").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('received_at = "受理时间"\n', ""), "缺少 received_at"),
        (('title = "标题"\ncontent = "内容"\n', ""), "至少要有 title"),
        (('unit = "部门"', 'unit = "部门"\nfoo = "x"'), "不认识的字段「foo」"),
        (('"热线" = "phone"', '"热线" = "fax"'), "[channels] 「热线」→「fax」"),
        (('"停车" = "0306"', '"停车" = "9999"'), "找不到该分类"),
        (('"住建" = "ZJJ"', '"住建" = "没有这个单位"'), "找不到该单位"),
        (('"已办结" = "closed"', '"已办结" = "done"'), "状态应为 open 或 closed"),
        (('encoding = "auto"', 'encoding = "big5"'), "encoding「big5」不正确"),
        (('timezone = "Asia/Shanghai"', 'timezone = "Mars/Base"'), "不是有效的时区名"),
        (('title = "标题"', 'title = "没有这列"'), "表头中没有「没有这列」"),
    ],
)
def test_mapping_problems_are_refused_before_any_row(world, tmp_path, change, message):
    mapping = BASIC_MAPPING.replace(*change)
    result = import_file(tmp_path, [row("A-1")], mapping=mapping)
    assert result.refused and message in result.refused, result.refused
    assert not Ticket.objects.exists()


def test_points_are_located_when_inside_and_kept_when_outside_or_missing(world, tmp_path):
    result = import_file(
        tmp_path,
        [
            row("in", 纬度="19.205", 经度="110.405"),
            row("out", 纬度="40.7", 经度="-73.9"),
            row("none", 纬度="NA"),
        ],
    )
    assert "定位：1 件定位到网格，2 件未定位（无坐标 1 件，坐标不在本辖区任何网格内 1 件" in result.out
    t = {x.external_id: x for x in Ticket.objects.all()}
    assert t["in"].grid == world.grids[0] and t["in"].town.name == "嘉积镇"
    assert "银海社区" in t["in"].area_path
    assert t["out"].grid is None and (t["out"].lat, t["out"].lon) == (40.7, -73.9)
    assert t["none"].lat is None


def test_the_last_line_is_exact_on_every_outcome(world, tmp_path):
    for args in ([], ["--dry-run"], ["--skip-invalid", "--rejects", tmp_path / "r.csv"]):
        result = import_file(tmp_path, [row("A-1"), row("A-2", received="x")], *args)
        assert LAST_LINE.match(result.last), result.last


def test_xlsx_files_import_too(world, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(row("X-1", received=None, title="表格导入"))
    sheet["B2"] = datetime(2025, 4, 1, 8, 30)
    book.save(tmp_path / "data.xlsx")
    write(tmp_path, "map.toml", BASIC_MAPPING)
    result = run("import", tmp_path / "data.xlsx", "--mapping", tmp_path / "map.toml", "--no-progress")
    assert result.last == "imported 1, unchanged 0, rejected 0", result.out
    assert Ticket.objects.get().received_at == datetime(2025, 4, 1, 8, 30, tzinfo=SH)


def test_progress_goes_to_stderr(world, tmp_path):
    data = write(tmp_path, "d.csv", csv_text([row("A-1")]))
    mapping = write(tmp_path, "m.toml", BASIC_MAPPING)
    result = run("import", data, "--mapping", mapping)
    assert "导入历史工单：写入" in result.err
    assert "导入历史工单：" not in result.out
