"""Importing the party register: `civicgrid party import-orgs` then `import-members` over generated files.

`.venv/bin/python bench/bench_party_import.py [--members 100000] [--per-branch 40]` runs on a fresh SQLite
database in a temporary directory; with `--postgres postgres://postgres@127.0.0.1:5432/test` it creates a
database `bench_party_import` on that server instead and drops it at the end. It builds a county (10 towns,
100 villages, 5 grids each, 50 units), writes an organisations CSV (a committee per town and village, branches
of about `--per-branch` members, two branches per party grid) and a members CSV with valid ID numbers (GB 11643
check digits) into a temporary directory, then times through the command (reading the file included):
the organisations, the members, a re-import of the same members (no-op), and a re-import with 1 % changed.
Wall time and this process's CPU time are both printed: on a shared machine the first depends on the load
(and with PostgreSQL part of the work is the server's).
"""

import argparse
import csv
import random
import tempfile
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server (a bench_party_import database is created)"
)
parser.add_argument("--members", type=int, default=100_000)
parser.add_argument("--per-branch", type=int, default=40)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("party_import", postgres=args.postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from civicgrid.core.documents import read_table  # noqa: E402
from civicgrid.core.idnumbers import check_digit  # noqa: E402
from civicgrid.core.models import AuditEvent  # noqa: E402
from civicgrid.party.imports import MEMBER_COLUMNS, ORG_COLUMNS  # noqa: E402
from civicgrid.party.models import PartyMember, PartyOrg  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid, Unit  # noqa: E402

COUNTY = "469002"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢符"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅海燕文红建国志强春梅小龙德明"
# The file format separates flags by ";" (ASCII, as the issue names it) or "；": both are exercised.
FLAGS = ["在职", "离退休", "流动", "候鸟", "失联", "在职;候鸟", "离退休；候鸟", ""]


def build_register() -> tuple[list[str], list[str], list[str]]:
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code=COUNTY, name="琼海市", level="county", parent=province)
    towns, villages, grids = [], [], []
    for t in range(10):
        town = AdminArea.objects.create(
            code=f"{COUNTY}{100 + t:03d}", name=f"第{t + 1}镇", level="town", parent=county
        )
        towns.append(town)
        for v in range(10):
            village = AdminArea.objects.create(
                code=f"{town.code}{v + 1:03d}", name=f"{town.name}第{v + 1}村", level="village", parent=town
            )
            villages.append(village)
    Grid.objects.bulk_create(
        Grid(code=f"{v.code}{g + 1:03d}", name=f"{v.name}第{g + 1}网格", community=v)
        for v in villages
        for g in range(5)
    )
    grids = list(Grid.objects.values_list("code", flat=True))
    Unit.objects.bulk_create(
        Unit(code=f"U{i:03d}", name=f"琼海市第{i}单位", kind="enterprise") for i in range(50)
    )
    return [t.code for t in towns], [v.code for v in villages], grids


def org_rows(towns, villages, grids, branches: int) -> tuple[list[list[str]], list[str]]:
    rows = []
    for t, code in enumerate(towns):
        rows.append([f"T{t:02d}", f"第{t + 1}镇党委", "党委", "", code, "机关", "否", "2005-01-01", "", ""])
    for v, code in enumerate(villages):
        rows.append(
            [
                f"V{v:03d}",
                f"第{v + 1}村党委",
                "党委",
                f"T{v // 10:02d}",
                code,
                "村",
                "否",
                "2008-01-01",
                "",
                "",
            ]
        )
    branch_codes = []
    for b in range(branches):
        v = b % len(villages)
        village_grids = [g for g in grids[v * 5 : v * 5 + 5]]
        linked = ";".join(village_grids[(b // len(villages)) % 5 : (b // len(villages)) % 5 + 1])
        code = f"B{b:05d}"
        branch_codes.append(code)
        rows.append(
            [
                code,
                f"第{b + 1}党支部",
                "党支部",
                f"V{v:03d}",
                villages[v],
                "网格",
                "否",
                "2012-05-01",
                linked,
                f"第{b // 2 + 1}党建网格",
            ]
        )
    return rows, branch_codes


def member_rows(count: int, branch_codes: list[str], grids: list[str], rng: random.Random) -> list[list[str]]:
    rows, seen = [], set()
    first = date(1950, 1, 1).toordinal()
    while len(rows) < count:
        birth = date.fromordinal(first + rng.randrange(18_000))
        seq = rng.randrange(1000)
        male = rng.random() < 0.6
        seq_digits = f"{seq // 10:02d}{(seq % 5) * 2 + (1 if male else 0)}"
        body = f"460002{birth:%Y%m%d}{seq_digits}"
        if body in seen:
            continue
        seen.add(body)
        number = body + check_digit(body)
        joined = birth + timedelta(days=365 * 20 + rng.randrange(365 * 15))
        joined = min(joined, date(2025, 6, 1))
        probationary = joined > date(2024, 9, 1) or rng.random() < 0.03
        if probationary:
            joined = max(joined, date(2025, 3, 1))
        full = "" if probationary else (joined + timedelta(days=366 + rng.randrange(60))).isoformat()
        rows.append(
            [
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                number,
                "男" if male else "女",
                birth.isoformat(),
                "预备" if probationary else "正式",
                joined.isoformat(),
                full,
                rng.choice(branch_codes),
                f"琼海市第{rng.randrange(80)}单位" if rng.random() < 0.5 else "",
                rng.choice(grids) if rng.random() < 0.8 else "",
                rng.choice(FLAGS),
                f"13{rng.randrange(10**9):09d}" if rng.random() < 0.7 else "",
            ]
        )
    return rows


def write_csv(path: Path, header, rows) -> None:
    buffer = StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def timed(label: str, rows: int, *command) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    out = StringIO()
    call_command("party", *command, "--no-progress", stdout=out, stderr=StringIO())
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    last = out.getvalue().strip().splitlines()[-1]
    print(
        f"{label}: {seconds:.2f} s wall, {rows / seconds:,.0f} rows/s"
        f" (this process's CPU {cpu:.2f} s, {rows / max(cpu, 1e-9):,.0f} rows/s)  [{last}]"
    )
    return seconds


def main() -> None:
    rng = random.Random(20260301)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; migrate {time.perf_counter() - started:.1f} s")
    towns, villages, grids = build_register()
    branches = max(args.members // args.per_branch, 1)
    orgs, branch_codes = org_rows(towns, villages, grids, branches)
    members = member_rows(args.members, branch_codes, grids, rng)
    with tempfile.TemporaryDirectory(prefix="civicgrid-party-bench-") as tmp:
        org_file, member_file, changed_file = (
            Path(tmp) / n for n in ("orgs.csv", "members.csv", "changed.csv")
        )
        write_csv(org_file, ORG_COLUMNS, orgs)
        write_csv(member_file, (*MEMBER_COLUMNS, "手机号"), members)
        changed = [list(r) for r in members]
        for r in changed[::100]:
            r[10] = "失联" if r[10] != "失联" else "在职"
        write_csv(changed_file, (*MEMBER_COLUMNS, "手机号"), changed)
        print(
            f"files: {len(orgs):,} organisations, {len(members):,} members ({member_file.stat().st_size / 1e6:.1f} MB)"
        )

        started = time.perf_counter()
        read_table(member_file, max_rows=2_000_000, max_bytes=1 << 30)
        print(f"read_table of the members CSV alone: {time.perf_counter() - started:.2f} s")

        timed("import-orgs", len(orgs), "import-orgs", str(org_file))
        audits = AuditEvent.objects.count()
        timed("import-members (new)", len(members), "import-members", str(member_file))
        print(f"  audit rows written: {AuditEvent.objects.count() - audits:,}")
        audits = AuditEvent.objects.count()
        timed("import-members again (no-op)", len(members), "import-members", str(member_file))
        assert AuditEvent.objects.count() == audits
        timed("import-members with 1 % changed", len(members), "import-members", str(changed_file))
        timed("import-orgs again (no-op)", len(orgs), "import-orgs", str(org_file))
    assert PartyMember.objects.count() == len(members) and PartyOrg.objects.count() == len(orgs)


if __name__ == "__main__":
    main()
