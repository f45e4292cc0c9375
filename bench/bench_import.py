"""Importing historical tickets: `civicgrid tickets import` over a generated 50,000-row CSV, and the NYC sample.

`.venv/bin/python bench/bench_import.py [--rows 50000] [--nyc ../shared/data/us311/nyc311_sample.csv]` runs on
a fresh SQLite database in a temporary directory; with `--postgres postgres://postgres@127.0.0.1:5432/test` it
creates a database `bench_import` on that server instead and drops it at the end. It builds a county with 40
grids, writes a CSV (UTF-8 with BOM; Chinese titles and multi-line contents, three date formats mixed, half the
points inside a grid, a fifth outside, the rest without; mapped and unmatched categories, channels, statuses
and units) and its mapping into a temporary directory, then times through the command (reading, checking,
locating and writing included): the import, a re-import of the same file (all unchanged), an export with the
mapping, and the NYC 311 sample with docs/import/nyc311.toml when the file is there. Wall time and this
process's CPU time are both printed: on a shared machine the first depends on the load (`uptime` is printed).
"""

import argparse
import csv
import os
import random
import tempfile
import time
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server (a bench_import database is created)"
)
parser.add_argument("--rows", type=int, default=50_000)
parser.add_argument(
    "--nyc",
    default=str(Path(__file__).resolve().parent.parent.parent / "shared/data/us311/nyc311_sample.csv"),
)
args = parser.parse_args()

from _setup import ROOT, django_setup  # noqa: E402

django_setup("import", postgres=args.postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from civicgrid.registry.models import AdminArea, Grid, Unit  # noqa: E402
from civicgrid.tickets.models import Ticket  # noqa: E402

MAPPING = """
[source]
name = "bench"
encoding = "auto"
date_formats = ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%m/%d/%Y"]
timezone = "Asia/Shanghai"

[columns]
external_id = "工单号"
received_at = "来电时间"
title = "标题"
content = "@4"
address = "地址"
latitude = "纬度"
longitude = "经度"
category = "分类"
request_type = "性质"
channel = "来源"
status = "状态"
due_at = "时限"
closed_at = "办结时间"
unit = "承办单位"
reply = "回复1"

[categories]
"噪音" = "环境保护/噪音扰民"
"停车" = "交通运输/停车管理"
"路灯" = "城市管理/路灯不亮"

[request_types]
"投诉件" = "投诉"
"咨询件" = "咨询"

[channels]
"热线" = "phone"
"网站" = "web"
"微信" = "wechat"

[statuses]
"已办结" = "closed"
"办理中" = "open"

[units]
"住建" = "U001"
"""
HEADER = [
    "工单号",
    "来电时间",
    "标题",
    "",
    "地址",
    "纬度",
    "经度",
    "分类",
    "性质",
    "来源",
    "状态",
    "时限",
    "办结时间",
    "承办单位",
    "回复1",
]
CATEGORIES = ["噪音", "停车", "路灯", "井盖缺失", "树木倒伏", "宠物扰民", ""]
TITLES = [
    "楼上装修噪音扰民",
    "小区门口乱停车",
    "路灯不亮已三天",
    "井盖缺失有安全隐患",
    "台风后树木倒伏",
    "邻居养狗夜间吠叫",
]


def build_county() -> None:
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code="469002", name="琼海市", level="county", parent=province)
    town = AdminArea.objects.create(code="469002100", name="嘉积镇", level="town", parent=county)
    for v in range(4):
        village = AdminArea.objects.create(
            code=f"469002100{v + 1:03d}", name=f"第{v + 1}社区", level="village", parent=town
        )
        for g in range(10):
            lon, lat = 110.40 + 0.01 * g, 19.20 + 0.01 * v
            square = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]
            Grid.objects.create(
                code=f"{village.code}{g + 1:03d}",
                name=f"{village.name}第{g + 1}网格",
                community=village,
                geometry={"type": "Polygon", "coordinates": [square]},
            )
    Unit.objects.bulk_create(Unit(code=f"U{i:03d}", name=f"第{i}单位", kind="department") for i in range(5))


def write_csv(path: Path, n: int) -> None:
    rng = random.Random(16)
    start = datetime(2024, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(n):
            at = start + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            fmt = rng.choice(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%m/%d/%Y"])
            where = rng.random()
            if where < 0.5:
                lat, lon = f"{19.20 + rng.random() * 0.04:.6f}", f"{110.40 + rng.random() * 0.1:.6f}"
            elif where < 0.7:
                lat, lon = f"{20 + rng.random():.6f}", f"{111 + rng.random():.6f}"
            else:
                lat, lon = "", ""
            closed = rng.random() < 0.8
            title = rng.choice(TITLES)
            out.writerow(
                [
                    f"B{i:07d}",
                    at.strftime(fmt),
                    title,
                    f"{title}。\n诉求人反映：{title}，请尽快处理。\n第{i}号",
                    f"嘉积镇某路{i % 300}号",
                    lat,
                    lon,
                    rng.choice(CATEGORIES),
                    rng.choice(["投诉件", "咨询件", "其他"]),
                    rng.choice(["热线", "网站", "微信", "信件"]),
                    "已办结" if closed else "办理中",
                    (at + timedelta(days=5)).strftime("%Y-%m-%d %H:%M:%S"),
                    (at + timedelta(days=rng.randrange(1, 9))).strftime("%Y-%m-%d %H:%M:%S")
                    if closed
                    else "",
                    rng.choice(["住建", "第2单位", "不存在", ""]),
                    "已办理完毕" if closed else "",
                ]
            )


def timed(label: str, rows: int, *command) -> str:
    out = StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    call_command("tickets", *command, stdout=out, stderr=StringIO())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    last = out.getvalue().strip().splitlines()[-1]
    print(
        f"{label}: {rows:,} rows in {seconds:.1f} s wall ({rows / seconds:,.0f} rows/s), {cpu:.1f} s CPU ({rows / cpu:,.0f} rows/s) → {last}"
    )
    return out.getvalue()


def main() -> None:
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(
        f"database: {connection.vendor}; migrate {time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.2f}"
    )
    build_county()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data, mapping = tmp / "bench.csv", tmp / "bench.toml"
        mapping.write_text(MAPPING, encoding="utf-8")
        write_csv(data, args.rows)
        report = timed("import", args.rows, "import", data, "--mapping", mapping, "--no-progress")
        print("  " + next(line for line in report.splitlines() if line.startswith("定位")))
        timed("re-import (unchanged)", args.rows, "import", data, "--mapping", mapping, "--no-progress")
        out = tmp / "export.csv"
        timed(
            "export with the mapping",
            args.rows,
            "export",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--mapping",
            mapping,
            "--out",
            out,
        )
        nyc = Path(args.nyc)
        if nyc.exists():
            rows = sum(1 for _ in csv.reader(nyc.open(encoding="utf-8-sig", newline=""))) - 1
            timed(
                "NYC 311 sample",
                rows,
                "import",
                nyc,
                "--mapping",
                ROOT / "docs/import/nyc311.toml",
                "--no-progress",
            )
        else:
            print(f"NYC sample not found at {nyc}: skipped")
    print(f"tickets: {Ticket.objects.count():,}; load {os.getloadavg()[0]:.2f}")


main()
