"""Posting 1,000,000 points ledger entries, then `civicgrid points verify` over them.

`.venv/bin/python bench/bench_points.py [--entries 1000000] [--accounts 1000]` runs on a fresh SQLite database in
a temporary directory; with `--postgres postgres://postgres@127.0.0.1:5432/test` it creates a database
`bench_points` on that server instead and drops it at the end.

How: 10 villages adopt the seeded 诚信积分 template (3-day publicity window); `--accounts` accounts are opened
through `services.open_account`. The entries are written with `bulk_create` in the state that `claim` → `review` →
`publicise` leaves them (publicised, window passed): building them one by one through those services would time the
claim path, not posting (its rate is measured separately on `--per-entry` entries). Then the timed part:
`services.post_due(now)` — the worker's real posting path — posts them in batches of 5,000, one transaction per
batch (accounts locked in id order, one UPDATE per batch for the entries, one bulk UPDATE for the cached
balances, one audit row per batch). Then 1,000 redemptions, an expiry run, and `points verify` (every check, the
FIFO replay of every account included) is timed through `call_command`. Wall time and this process's CPU time are
printed: on a shared machine wall time depends on the load (and with PostgreSQL part of the work is the server's).
"""

import argparse
import time
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server (a bench_points database is created)"
)
parser.add_argument("--entries", type=int, default=1_000_000)
parser.add_argument("--accounts", type=int, default=1000)
parser.add_argument("--per-entry", type=int, default=1000, help="entries claimed and posted one by one")
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("points", postgres=args.postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from civicgrid.points import services  # noqa: E402
from civicgrid.points.models import PointsEntry, PointsScheme  # noqa: E402
from civicgrid.registry.models import AdminArea  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, tzinfo=SH)
BULK = 10_000


def clock():
    return time.perf_counter(), time.process_time()


def since(start):
    return time.perf_counter() - start[0], time.process_time() - start[1]


def build():
    city = AdminArea.objects.create(code="469099", name="演示市", level="city")
    town = AdminArea.objects.create(code="469099100", name="演示镇", level="town", parent=city)
    template = PointsScheme.objects.get(area__isnull=True)
    schemes, accounts = [], []
    for v in range(10):
        area = AdminArea.objects.create(
            code=f"469099100{v + 1:03d}", name=f"第{v + 1}村", level="village", parent=town
        )
        scheme = services.adopt_scheme(
            area=area,
            template=template,
            decision_date=date(2026, 1, 5),
            decision_body="村民代表会议",
            effective_from=date(2026, 1, 1),
        )
        schemes.append(scheme)
        for a in range(args.accounts // 10):
            accounts.append(
                services.open_account(
                    area=area, holder_name=f"村民{v}-{a}", phone=f"138{v:02d}{a:06d}", now=T0
                )
            )
    return schemes, accounts


def bulk_publicised(schemes, accounts, n):
    rules = {s.area_id: s.rules.get(code="P04") for s in schemes}
    scheme_of = {s.area_id: s for s in schemes}
    until = T0 + timedelta(days=3)
    made = 0
    while made < n:
        rows = []
        for i in range(made, min(n, made + BULK)):
            account = accounts[i % len(accounts)]
            rows.append(
                PointsEntry(
                    account=account,
                    scheme=scheme_of[account.area_id],
                    rule=rules[account.area_id],
                    kind="earn",
                    points=10,
                    quantity=1,
                    state="publicised",
                    source_kind="bench",
                    source_id=str(i),
                    key=f"bench:{i}:{account.pk}",
                    occurred_on=T0.date(),
                    claimed_at=T0,
                    reviewed_at=T0,
                    publicity_until=until,
                )
            )
        PointsEntry.objects.bulk_create(rows)
        made += len(rows)


def main():
    call_command("migrate", verbosity=0)
    print(f"数据库：{connection.vendor}；记录 {args.entries:,} 条，账户 {args.accounts:,} 个")
    schemes, accounts = build()
    start = clock()
    bulk_publicised(schemes, accounts, args.entries)
    wall, cpu = since(start)
    print(f"写入公示中的记录（bulk_create，不计入入账）：{wall:.1f} 秒（CPU {cpu:.1f} 秒）")

    start = clock()
    result = services.post_due(T0 + timedelta(days=3))
    wall, cpu = since(start)
    assert result.posted == args.entries, result
    print(
        f"post_due 入账 {result.posted:,} 条：{wall:.1f} 秒（CPU {cpu:.1f} 秒），{result.posted / wall:,.0f} 条/秒"
    )

    later = T0 + timedelta(days=4)
    item = services.add_item(area=schemes[0].area, name="大米", cost=5, stock=2000)
    start = clock()
    for account in accounts[: min(1000, len(accounts) // 10)]:
        services.redeem(account=account, item=item, now=later)
    wall, _ = since(start)
    print(f"兑换 {min(1000, len(accounts) // 10)} 次：{wall:.1f} 秒")

    start = clock()
    account = accounts[0]
    for i in range(args.per_entry):
        entry = services.claim(
            account=account, rule=schemes[0].rules.get(code="P04"), now=later, source_kind="one", source_id=i
        )
        services.review(entry=entry, now=later)
        services.publicise(entry=entry, now=later)
        services.post(entry=entry, now=later + timedelta(days=3))
    wall, cpu = since(start)
    if args.per_entry:
        print(
            f"逐条申报→审核→公示→入账 {args.per_entry} 条：{wall:.1f} 秒，{args.per_entry / wall:,.0f} 条/秒"
        )

    total = PointsEntry.objects.count()
    start = clock()
    out = StringIO()
    call_command("points", "verify", stdout=out)
    wall, cpu = since(start)
    print(out.getvalue().strip())
    print(f"points verify（{total:,} 条记录）：{wall:.1f} 秒（CPU {cpu:.1f} 秒），{total / wall:,.0f} 条/秒")


main()
