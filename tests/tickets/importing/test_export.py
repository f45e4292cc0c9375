import csv

import pytest
from openpyxl import load_workbook

from civicgrid.core.models import AuditEvent
from civicgrid.tickets.models import Ticket

from .helpers import HEADER, import_file, row, run, write

pytestmark = pytest.mark.django_db

ROWS = [
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
        纬度="19.205",
        经度="110.405",
    ),
    row("A-2", received="2025-03-02 11:00:00", 内容="多行\n内容", 分类="自建分类", 渠道="网站"),
    row("A-3", received="2025-03-03 12:00:00", 状态="办理中"),
]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_import_export_import_again_changes_nothing(world, tmp_path, suffix):
    assert import_file(tmp_path, ROWS).last == "imported 3, unchanged 0, rejected 0"
    mapping = tmp_path / "map.toml"
    out = tmp_path / f"out{suffix}"
    result = run("export", "--from", "2025-03-01", "--to", "2025-03-31", "--mapping", mapping, "--out", out)
    assert "已导出 3 件工单" in result.out
    again = run("import", out, "--mapping", mapping, "--no-progress")
    assert again.last == "imported 0, unchanged 3, rejected 0", again.out
    assert AuditEvent.objects.filter(action="tickets.export").count() == 1


def test_export_with_a_mapping_writes_back_the_same_columns_and_values(world, tmp_path):
    import_file(tmp_path, ROWS)
    out = tmp_path / "out.csv"
    run(
        "export",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--mapping",
        tmp_path / "map.toml",
        "--out",
        out,
    )
    with out.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == HEADER
    got = {line[0]: dict(zip(HEADER, line, strict=True)) for line in lines[1:]}
    first = got["A-1"]
    assert first["受理时间"] == "2025-03-01 09:00:00"
    assert first["办结时间"] == "2025-03-03 10:00:00" and first["时限"] == "2025-03-05 18:00:00"
    assert (first["分类"], first["性质"], first["渠道"], first["状态"], first["部门"]) == (
        "噪音",
        "投诉件",
        "热线",
        "已办结",
        "住建",
    )
    assert (first["纬度"], first["经度"]) == ("19.205", "110.405")
    assert got["A-2"]["内容"] == "多行\n内容" and got["A-2"]["分类"] == "自建分类"
    assert got["A-3"]["状态"] == "办理中"


def test_a_second_database_gets_the_same_tickets_back(world, tmp_path):
    import_file(tmp_path, ROWS)
    out = tmp_path / "out.csv"
    run(
        "export",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--mapping",
        tmp_path / "map.toml",
        "--out",
        out,
    )
    before = {
        t.external_id: (
            t.received_at,
            t.closed_at,
            t.title,
            t.content,
            t.category_id,
            t.status,
            t.lead_unit_id,
            t.channel,
            t.request_type,
            t.lat,
        )
        for t in Ticket.objects.all()
    }
    Ticket.objects.all().delete()
    run("import", out, "--mapping", tmp_path / "map.toml", "--no-progress")
    after = {
        t.external_id: (
            t.received_at,
            t.closed_at,
            t.title,
            t.content,
            t.category_id,
            t.status,
            t.lead_unit_id,
            t.channel,
            t.request_type,
            t.lat,
        )
        for t in Ticket.objects.all()
    }
    assert after == before


NUMBERED = """
[source]
name = "numbered"
[columns]
external_id = "@1"
received_at = "@3"
title = "标题"
"""


def test_numbered_columns_go_back_to_their_place(world, tmp_path):
    import_file(
        tmp_path,
        [["N-1", "", "2025-03-01 09:00:00", "标题一"]],
        mapping=NUMBERED,
        header=["", "", "", "标题"],
    )
    out = tmp_path / "out.xlsx"
    run(
        "export",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-01",
        "--mapping",
        tmp_path / "map.toml",
        "--out",
        out,
    )
    sheet = load_workbook(out).active
    values = [[c or "" for c in r] for r in sheet.iter_rows(values_only=True)]
    assert values[0] == ["", "标题", ""]
    assert values[1] == ["N-1", "标题一", "2025-03-01 09:00:00"]
    assert (
        run("import", out, "--mapping", tmp_path / "map.toml", "--no-progress").last
        == "imported 0, unchanged 1, rejected 0"
    )


def test_export_without_a_mapping_has_chinese_headers_and_no_personal_data(world, tmp_path):
    import_file(tmp_path, [row("A-1", 姓名="王五", 电话="13900001111")])
    out = tmp_path / "plain.csv"
    run("export", "--from", "2025-03-01", "--to", "2025-03-01", "--out", out)
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("工单编号,外部来源,外部编号,受理时间,事件概述")
    assert "test-src,A-1" in text and "王五" not in text and "13900001111" not in text


def test_export_refusals(world, tmp_path):
    assert (
        "应为 YYYY-MM-DD"
        in run("export", "--from", "2025/03/01", "--to", "2025-03-01", "--out", tmp_path / "a.csv").refused
    )
    assert (
        ".csv 或 .xlsx"
        in run("export", "--from", "2025-03-01", "--to", "2025-03-01", "--out", tmp_path / "a.txt").refused
    )
    assert (
        "早于"
        in run("export", "--from", "2025-03-02", "--to", "2025-03-01", "--out", tmp_path / "a.csv").refused
    )
    write(tmp_path, "bad.toml", "[columns]\nfoo = 1\n")
    assert (
        "映射文件"
        in run(
            "export",
            "--from",
            "2025-03-01",
            "--to",
            "2025-03-01",
            "--mapping",
            tmp_path / "bad.toml",
            "--out",
            tmp_path / "a.csv",
        ).refused
    )
