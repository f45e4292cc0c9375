"""Small files and mappings written inside each test (never the real data in ../shared/data)."""

import csv
import io
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import CommandError

from civicgrid.core.refusal import Refusal

BASIC_MAPPING = """
[source]
name = "test-src"
encoding = "auto"
date_formats = ["%Y-%m-%d %H:%M:%S", "%m/%d/%Y"]
timezone = "Asia/Shanghai"

[columns]
external_id = "编号"
received_at = "受理时间"
title = "标题"
content = "内容"
address = "地址"
latitude = "纬度"
longitude = "经度"
category = "分类"
request_type = "性质"
channel = "渠道"
status = "状态"
due_at = "时限"
closed_at = "办结时间"
unit = "部门"
reply = "回复"
requester_name = "姓名"
requester_phone = "电话"

[categories]
"噪音" = "环境保护/噪音扰民"
"停车" = "0306"

[request_types]
"投诉件" = "投诉"

[channels]
"热线" = "phone"
"网站" = "web"

[statuses]
"已办结" = "closed"
"办理中" = "open"

[units]
"住建" = "ZJJ"
"""

HEADER = [
    "编号",
    "受理时间",
    "标题",
    "内容",
    "地址",
    "纬度",
    "经度",
    "分类",
    "性质",
    "渠道",
    "状态",
    "时限",
    "办结时间",
    "部门",
    "回复",
    "姓名",
    "电话",
]


def row(external_id, received="2025-03-01 09:00:00", title="路灯不亮", **cells) -> list[str]:
    values = {h: "" for h in HEADER}
    values.update({"编号": external_id, "受理时间": received, "标题": title, "内容": title + "，请尽快处理"})
    values.update(cells)
    return [values[h] for h in HEADER]


def csv_text(rows, header=HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write(tmp_path: Path, name: str, content, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode(encoding))
    else:
        path.write_bytes(content)
    return path


class Result:
    def __init__(self, out: str, err: str, refused: str | None):
        self.out, self.err, self.refused = out, err, refused
        self.lines = out.rstrip("\n").splitlines()

    @property
    def last(self) -> str:
        return self.lines[-1]


def run(*args) -> Result:
    out, err = io.StringIO(), io.StringIO()
    refused = None
    try:
        call_command("tickets", *[str(a) for a in args], stdout=out, stderr=err)
    except (CommandError, Refusal) as error:
        refused = str(error)
    return Result(out.getvalue(), err.getvalue(), refused)


def import_file(
    tmp_path, rows, *args, mapping=BASIC_MAPPING, header=HEADER, encoding="utf-8", name="data.csv"
):
    data = write(tmp_path, name, csv_text(rows, header), encoding)
    mapping_path = write(tmp_path, "map.toml", mapping)
    return run("import", data, "--mapping", mapping_path, "--no-progress", *args)
