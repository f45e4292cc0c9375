"""The evaluation mode on a file: `civicgrid hotspots --csv FILE ...` (no database read or written)."""

import json
from datetime import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from civicgrid.hotspots.csvfile import ColumnRefused, column_index, parse_time

ROWS = [
    ("1", "椰林花园小区烧烤摊油烟扰民", "2019/2/28 11:25:05"),
    ("2", "椰林花园楼下烧烤油烟太大，\n晚上无法开窗，\n请处理", "2019-03-01 08:00"),
    ("3", "人民路路灯不亮", "不详"),
    ("4", "椰林花园小区烧烤摊占道，油烟扰民", "03/02/2019"),
    ("5", "建议增加公交线路", "2019年3月2日"),
    ("6", "投诉椰林花园烧烤油烟熏人", "2019/03/03"),
]


def _write(tmp_path, encoding="utf-8", name="m.csv"):
    lines = ["编号,内容,时间"]
    for number, text, when in ROWS:
        lines.append(f'{number},"{text}",{when}')
    path = tmp_path / name
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("hotspots", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_json_members_are_record_indexes_in_file_order(tmp_path, encoding):
    path = _write(tmp_path, encoding)
    out, err = _run("--csv", str(path), "--text-col", "内容", "--time-col", "@3", "--format", "json")
    clusters = json.loads(out)
    assert clusters[0]["members"] == [0, 1, 3, 5]  # the bad-time record 2 is left out, indexes kept
    assert clusters[0]["size"] == 4
    assert clusters[0]["label"].startswith("椰林花园")
    assert clusters[0]["first"] == "2019-02-28 11:25:05"
    assert clusters[0]["last"] == "2019-03-03 00:00:00"
    assert "油烟" in clusters[0]["keywords"]
    assert "第 3 条记录已跳过" in err and "不详" in err
    assert "比对相似诉求（5 条）" in err  # the stages go to stderr, stdout holds only the JSON


def test_the_engine_reports_its_stages():
    from civicgrid.hotspots.engine import Record, cluster

    stages = []
    records = [
        Record(ref=i, text="椰林花园小区烧烤油烟扰民", time=datetime(2019, 3, 1 + i)) for i in range(3)
    ]
    cluster(records, growth_on=False, progress=stages.append)
    assert stages == ["分词 3/3", "比对相似诉求（3 条）"]


def test_columns_by_number_and_table_format(tmp_path):
    path = _write(tmp_path)
    out, _err = _run("--csv", str(path), "--text-col", "@2", "--time-col", "时间", "--top", "1")
    assert "椰林花园" in out and "4 件" in out


def test_unknown_column_is_refused_in_chinese():
    with pytest.raises(ColumnRefused, match="没有名为「正文」的列"):
        column_index("正文", ["编号", "内容"])
    with pytest.raises(ColumnRefused, match="超出范围"):
        column_index("@9", ["编号", "内容"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5)),
        ("2019-12-31 23:59", datetime(2019, 12, 31, 23, 59)),
        ("2019-12-31", datetime(2019, 12, 31)),
        ("2019/12/31 8:05:00", datetime(2019, 12, 31, 8, 5)),
        ("12/31/2019", datetime(2019, 12, 31)),
        ("2020年1月2日", datetime(2020, 1, 2)),
        ("2019/2/30", None),
        ("昨天", None),
        ("", None),
    ],
)
def test_times(text, expected):
    assert parse_time(text) == expected
