"""Writing and reading big tables: `.venv/bin/python bench/bench_documents.py [--rows 100000]`.

Writes ROWS x 10 columns (text, integers, percentages, dates, date-times, one formula-looking text) with
`core.documents.workbook`, then reads the file back with `read_table`; prints seconds, the file's size
and the process's peak resident memory after each step (tracemalloc would slow openpyxl fourfold).
No database is touched.
"""

import argparse
import resource
import sys
import time
from datetime import date, datetime, timedelta

from _setup import django_setup

django_setup("documents")

from civicgrid.core.documents import (  # noqa: E402
    DATE,
    DATETIME,
    INTEGER,
    PERCENT,
    Column,
    read_table,
    workbook,
)

COLUMNS = [
    Column("工单编号", "number", width=18),
    Column("标题", "title", width=40),
    Column("类型", "kind"),
    Column("状态", "status"),
    Column("主办单位", "unit", width=24),
    Column("受理量", "received", number_format=INTEGER),
    Column("满意率", "rate", number_format=PERCENT),
    Column("受理日期", "day", number_format=DATE),
    Column("办结时间", "closed_at", number_format=DATETIME),
    Column("备注", "note", width=30),
]


def rows(count: int):
    start, base = date(2026, 1, 1), datetime(2026, 1, 1, 9, 0)
    for i in range(count):
        yield {
            "number": f"2026{i:010d}",
            "title": f"第{i}号诉求：小区楼下夜间施工噪音扰民",
            "kind": ("投诉", "求助", "咨询", "建议")[i % 4],
            "status": ("已办结", "办理中", "待派单")[i % 3],
            "unit": ("嘉积镇人民政府", "住建局", "综合执法局")[i % 3],
            "received": i % 97,
            "rate": (i % 101) / 100,
            "day": start + timedelta(days=i % 365),
            "closed_at": base + timedelta(minutes=i),
            "note": "=SUM(A1:A2)" if i % 1000 == 0 else "",
        }


def measure(label, fn):
    started = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label}: {seconds:.2f} s, peak resident memory so far {peak:.0f} MB", flush=True)
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"start: resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    data = measure(
        f"write {args.rows:,} rows x {len(COLUMNS)} columns",
        lambda: workbook(
            "工单清单（压力测试）", "全部工单", "2026-01-01 至 2026-12-31", COLUMNS, rows(args.rows)
        ),
    )
    print(f"file size: {len(data) / 2**20:.1f} MB")
    table = measure("read it back (read_table)", lambda: read_table(data))
    assert len(table.rows) == args.rows, len(table.rows)
    assert table.header[0] == "工单编号"


if __name__ == "__main__":
    main(sys.argv[1:])
