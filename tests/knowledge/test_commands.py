"""civicgrid kb import|search: both file formats, all or nothing, idempotent, dry run."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from civicgrid.core.models import AuditEvent
from civicgrid.knowledge.models import Entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _world_categories_in_use(settings):
    settings.CIVICGRID_CATEGORY_VERSION = "test"  # the test world's small tree


OURS = """question,answer,category,unit,valid_from,valid_to,keywords
路面积水怎么报修?,拨打12345报修。,9003,ZJJ,2026-01-01,,"积水,内涝"
楼下KTV噪音扰民怎么办?,可拨打110。,施工噪音,综合执法局,2026/3/1,2026年12月31日,
社保怎么补缴?,到社保窗口办理。,,,,,
"""
# Published replies: cells indented with tabs and blank lines, a subject that repeats.
REPLIES = (
    "留言编号,留言用户,留言主题,留言时间,留言详情,答复意见,答复时间\n"
    '101,A001,银海路路面积水严重,2019/4/25 9:32:09,"\n\t\t\t\n\t\t\t下雨天积水到膝盖。\n\t\t","\n\t\t\t网友您好:\n\t\t\t已安排疏通。\n\t\t",2019/5/9 10:02:08\n'
    '102,A002,楼下KTV噪音扰民,2019-04-08 08:37:20,晚上很吵,"已转公安机关处理。",2019-04-20 11:00:00\n'
    '103,A003,楼下KTV噪音扰民,2019-04-09 08:37:20,还是很吵,"已转公安机关处理。",2019-04-21 11:00:00\n'
)


def write(tmp_path, text, encoding="utf-8-sig", name="kb.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("kb", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[str, str]:
    """The command's refusal and what it listed on stderr before it."""
    err = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("kb", *args, stdout=StringIO(), stderr=err)
    return str(caught.value), err.getvalue()


def test_it_imports_our_format_with_categories_units_and_dates(world, tmp_path):
    out, _ = run("import", write(tmp_path, OURS), "--category", "9001")

    assert "知识条目格式" in out and "新增 3 条，未变化 0 条，跳过 0 条" in out
    first, second, third = Entry.objects.order_by("pk")
    assert (first.category, first.unit, first.keywords) == (
        world.categories["property"],
        world.units["zjj"],
        "积水,内涝",
    )
    assert (second.category, second.unit) == (world.categories["noise"], world.units["zf"])
    assert (second.valid_from, second.valid_to) == (date(2026, 3, 1), date(2026, 12, 31))
    assert third.category == world.categories["neighbour"]  # --category fills the blanks
    assert third.unit is None and third.valid_from is not None
    assert {e.source for e in (first, second, third)} == {Entry.Source.IMPORT}
    assert AuditEvent.objects.get(action="kb.import").payload["created"] == 3


def test_it_reads_chinese_headers_and_gbk(world, tmp_path):
    text = "问题,答案,维护单位\n路面积水怎么报修?,拨打12345报修。,住建局\n"

    out, _ = run("import", write(tmp_path, text, encoding="gbk"), "--encoding", "gbk")

    assert "新增 1 条" in out
    assert Entry.objects.get().unit == world.units["zjj"]


def test_it_imports_published_replies(world, tmp_path):
    out, _ = run("import", write(tmp_path, REPLIES), "--unit", "ZJJ")

    assert "留言答复格式" in out
    assert "新增 2 条，未变化 1 条，跳过 0 条" in out  # the repeated reply is the same knowledge
    entry = Entry.objects.get(source_ref="101")
    assert entry.question == "银海路路面积水严重"
    assert entry.answer == "网友您好:\n已安排疏通。"
    assert (entry.valid_from, entry.source, entry.unit) == (
        date(2019, 5, 9),
        Entry.Source.REPLIES,
        world.units["zjj"],
    )
    assert "膝盖" not in entry.search_text  # the resident's own account is not knowledge


def test_one_bad_row_stops_the_whole_file_and_every_problem_is_listed(world, tmp_path):
    text = (
        OURS
        + ",没有问题的答案,,,,\n错误的分类,答,不存在的分类,,,\n日期颠倒,答,,,2026-05-01,2026-04-01\n坏日期,答,,,明天,\n无答案,,,,,\n"
    )
    message, problems = refused("import", write(tmp_path, text))

    assert "未导入任何条目：5 行有问题" in message and "--skip-invalid" in message
    assert not Entry.objects.exists()
    assert "第 5 行：问题为空" in problems
    assert "第 6 行：业务分类「不存在的分类」不存在" in problems
    assert "第 7 行：失效日期早于生效日期" in problems
    assert "第 8 行：生效日期「明天」无法识别" in problems
    assert "第 9 行：答案为空" in problems


def test_skip_invalid_imports_the_good_rows(world, tmp_path):
    text = OURS + ",没有问题的答案,,,,\n"

    out, err = run("import", write(tmp_path, text), "--skip-invalid")

    assert "新增 3 条，未变化 0 条，跳过 1 条" in out
    assert "第 5 行" in err
    assert Entry.objects.count() == 3


def test_ambiguous_names_must_be_given_as_codes(world, tmp_path):
    from civicgrid.registry.models import Unit

    Unit.objects.create(code="ZJJ2", name="住建局", kind=Unit.Kind.DEPARTMENT)
    text = "question,answer,unit\n问,答,住建局\n问2,答2,ZJJ2\n"

    _, problems = refused("import", write(tmp_path, text))

    assert "第 2 行：单位名称「住建局」对应多个单位，请改填单位编码（ZJJ、ZJJ2）" in problems
    assert "第 3 行" not in problems


def test_importing_again_changes_nothing(world, tmp_path):
    path = write(tmp_path, OURS)
    run("import", path)

    out, _ = run("import", path)

    assert "新增 0 条，未变化 3 条" in out
    assert Entry.objects.count() == 3


def test_dry_run_counts_without_writing(world, tmp_path):
    out, _ = run("import", write(tmp_path, OURS), "--dry-run")

    assert "试运行" in out and "新增 3 条" in out
    assert not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action="kb.import").exists()


def test_progress_is_reported_per_batch(world, tmp_path):
    rows = "".join(f"问题{i},答案{i}\n" for i in range(5))

    out, _ = run("import", write(tmp_path, "question,answer\n" + rows), "--batch", "2")

    assert [line.strip() for line in out.splitlines() if "已写入" in line] == [
        "已写入 2/5 条",
        "已写入 4/5 条",
        "已写入 5/5 条",
    ]


@pytest.mark.parametrize(
    "text, args, message",
    [
        ("标题,内容\n问,答\n", [], "无法识别文件格式"),
        (OURS, ["--category", "不存在"], "默认业务分类「不存在」不存在"),
        (OURS, ["--unit", "不存在"], "默认单位「不存在」不存在"),
        (OURS, ["--encoding", "latin-9x"], "不支持的编码"),
    ],
)
def test_file_level_problems_are_explained(world, tmp_path, text, args, message):
    with pytest.raises(CommandError, match=message):
        run("import", write(tmp_path, text), *args)


def test_a_wrong_encoding_is_explained(world, tmp_path):
    with pytest.raises(CommandError, match="--encoding"):
        run("import", write(tmp_path, OURS, encoding="gbk"))


def test_search_prints_the_best_hits(world, tmp_path):
    run("import", write(tmp_path, OURS))

    out, _ = run("search", "积水")

    assert "「积水」：1 条结果" in out
    assert "路面【积水】怎么报修?" in out


def test_rows_are_numbered_as_a_spreadsheet_shows_them(world, tmp_path):
    text = REPLIES + '104,A004,没有答复的留言,2019/4/25 9:32:09,"第一行\n第二行",,\n'

    _, problems = refused("import", write(tmp_path, text))

    assert problems.strip() == "第 5 行：答复意见为空"
