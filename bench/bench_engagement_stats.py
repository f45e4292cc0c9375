"""`civicgrid engagement stats` for a city-sized year.

`.venv/bin/python bench/bench_engagement_stats.py [--members 30000] [--wishes 20000] [--visits 16000]
[--volunteers 20000] [--activities 3000] [--records 150000] [--schemes 50] [--accounts 40000] [--entries 500000]
[--runs 5] [--seed 12]` builds, on a fresh SQLite database in a temporary directory (or with `--postgres URL` a scratch
database named as the URL's path, e.g. `postgres://postgres@127.0.0.1:5432/bench_vol`, else
`bench_engagement_stats`, dropped at the end), a city of 5 counties × 10 towns × 10 villages with 5 grids each:

- engagement: `--members` in-service party members spread over the grids (85 % registered with their community, 5 %
  of those lapsed), `--wishes` micro-wishes published through the year in every state, 1,150 pairings and
  `--visits` visits;
- volunteering: `--volunteers` volunteers (a third linked to party members), two projects per village,
  `--activities` activities through the year, `--records` service records (85 % from activities, 10 % manual
  records of projects, 5 % from micro-wishes; 10 % of them in the year before; 80 % confirmed, the rest pending,
  disputed, corrected or void);
- points: `--schemes` villages with a scheme (5 rules, 5 reward items each), `--accounts` accounts in them,
  `--entries` ledger entries over the year and the one before (earnings, deductions, redemptions with their
  `Redemption` rows, cancelled redemptions given back by reversals, expiries; 3 % claimed or rejected), the
  accounts' cached balances set to their sums.

Everything is written with `bulk_create` (the services' paths have their own benchmarks); on PostgreSQL the
tables are then analysed, as autovacuum would. Then it times, `--runs`
times each, `engagement stats --area CODE --year Y --format json` for the city, a town and a village: in this
process through `call_command` (the query work) and as a separate `civicgrid` process (what a person or a cron job
waits for, Django's start included), printing p50 and p95 in seconds, the machine's load (`uptime`) and the city's
figures (identical on SQLite and PostgreSQL for the same seed). Wall time: on a shared machine it depends on the load.
"""

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import StringIO

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_engagement_stats database)")
parser.add_argument("--members", type=int, default=30_000)
parser.add_argument("--wishes", type=int, default=20_000)
parser.add_argument("--visits", type=int, default=16_000)
parser.add_argument("--volunteers", type=int, default=20_000)
parser.add_argument("--activities", type=int, default=3_000)
parser.add_argument("--records", type=int, default=150_000)
parser.add_argument("--schemes", type=int, default=50)
parser.add_argument("--accounts", type=int, default=40_000)
parser.add_argument("--entries", type=int, default=500_000)
parser.add_argument("--runs", type=int, default=5)
parser.add_argument(
    "--seed", type=int, default=12, help="another seed builds data the queries were not tuned on (held out)"
)
parser.add_argument(
    "--explain", action="store_true", help="print the plans of the volunteering/points queries"
)
parser.add_argument(
    "--keep",
    metavar="DIR",
    help="keep the data (SQLite in DIR; with --postgres the database of the URL) and reuse it when it is there: "
    "time the same data before and after a change (migrations are applied first)",
)
parser.add_argument(
    "--profile", action="store_true", help="profile one city run: the slowest calls and queries"
)
args = parser.parse_args()

from urllib.parse import urlsplit  # noqa: E402

from _setup import ROOT, django_setup  # noqa: E402

SCRATCH = (urlsplit(args.postgres).path.strip("/").removeprefix("bench_") if args.postgres else "") or (
    "engagement_stats"
)


def kept_setup() -> str:
    """Like _setup.django_setup, but the database stays for the next run."""
    os.makedirs(args.keep, exist_ok=True)
    os.environ.update(DJANGO_SETTINGS_MODULE="civicgrid.settings", CIVICGRID_DATA_DIR=args.keep)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("CIVICGRID_PG_TEST_DB", None)
    if args.postgres:
        import psycopg
        from psycopg import sql

        parts = urlsplit(args.postgres)
        name = parts.path.strip("/")
        with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = args.postgres
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    return args.keep


DATA_DIR = kept_setup() if args.keep else django_setup(SCRATCH, postgres=args.postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

call_command("migrate", verbosity=0)

from django.utils import timezone  # noqa: E402

from civicgrid.core.idnumbers import check_digit  # noqa: E402
from civicgrid.engagement.models import MicroWish, Pairing, PairingVisit, Registration, WishClaim  # noqa: E402
from civicgrid.party.models import PartyMember, PartyOrg  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid, Unit  # noqa: E402

YEAR = 2025  # a past year: the figures do not depend on the day the bench runs
rng = random.Random(args.seed)
CITY = "469099"


def build():
    city = AdminArea.objects.create(code=CITY, name="演示市", level="city")
    villages = []
    for c in range(5):
        county = AdminArea.objects.create(
            code=f"4690{91 + c}", name=f"第{c + 1}区", level="county", parent=city
        )
        for t in range(10):
            town = AdminArea.objects.create(
                code=f"{county.code}{100 + t:03d}",
                name=f"{county.name}第{t + 1}镇",
                level="town",
                parent=county,
            )
            for v in range(10):
                villages.append(
                    AdminArea(
                        code=f"{town.code}{v + 1:03d}",
                        name=f"{town.name}第{v + 1}村",
                        level="village",
                        parent=town,
                    )
                )
    AdminArea.objects.bulk_create(villages)
    villages = list(AdminArea.objects.filter(level="village"))
    Grid.objects.bulk_create(
        Grid(code=f"{v.code}{g + 1:03d}", name=f"{v.name}第{g + 1}网格", community=v)
        for v in villages
        for g in range(5)
    )
    grids = list(Grid.objects.all())
    units = Unit.objects.bulk_create(
        Unit(code=f"U{i:04d}", name=f"第{i}单位", kind="enterprise") for i in range(300)
    )
    orgs = PartyOrg.objects.bulk_create(
        PartyOrg(code=f"B{i:04d}", name=f"第{i}支部", kind="branch", area=city, setup="unit", path=f"/{i}/")
        for i in range(300)
    )
    members = []
    for i in range(args.members):
        body = f"460002{(date(1970, 1, 1) + timedelta(days=i % 9000)):%Y%m%d}{i % 1000:03d}"
        members.append(
            PartyMember(
                name=f"党员{i}",
                id_encrypted="x",
                id_hash=f"h{i}",
                id_masked=body[:6] + "********" + check_digit(body),
                sex="male",
                birth_date=date(1980, 1, 1),
                category="full",
                joined_on=date(2005, 1, 1),
                org=orgs[i % len(orgs)],
                residence_grid=grids[i % len(grids)],
                in_service=True,
            )
        )
    members = PartyMember.objects.bulk_create(members, batch_size=5000)
    regs = []
    for m in members:
        if rng.random() < 0.85:
            lapsed = rng.random() < 0.05
            regs.append(
                Registration(
                    member=m,
                    community_id=grids[(m.pk - members[0].pk) % len(grids)].community_id,
                    registered_on=date(YEAR - 1, 3, 1) + timedelta(days=rng.randrange(600)),
                    state="lapsed" if lapsed else "active",
                    ended_on=date(YEAR, 9, 1) if lapsed else None,
                )
            )
    Registration.objects.bulk_create(regs, batch_size=5000)
    Registration.objects.bulk_create(
        Registration(org=o, community=villages[i % len(villages)], registered_on=date(YEAR, 1, 5))
        for i, o in enumerate(orgs)
    )
    tz = timezone.get_current_timezone()
    states = ["published", "claimed", "fulfilled", "confirmed", "closed", "expired", "cancelled"]
    wishes = []
    for i in range(args.wishes):
        at = datetime(YEAR, 1, 1, 9, tzinfo=tz) + timedelta(days=rng.randrange(360))
        state = states[i % len(states)]
        claimed = state not in ("published", "expired") or (state == "cancelled" and i % 2)
        wishes.append(
            MicroWish(
                community=villages[i % len(villages)],
                source="resident",
                title=f"心愿{i}",
                state=state,
                collected_at=at,
                verified_at=at,
                published_at=at,
                claimed_at=at if claimed else None,
                fulfilled_at=at if state in ("fulfilled", "confirmed", "closed") else None,
            )
        )
    wishes = MicroWish.objects.bulk_create(wishes, batch_size=5000)
    WishClaim.objects.bulk_create(
        (
            WishClaim(wish=w, member=members[i % len(members)], claimed_at=w.published_at)
            for i, w in enumerate(wishes)
            if w.claimed_at
        ),
        batch_size=5000,
    )
    pairings = Pairing.objects.bulk_create(
        Pairing(
            year=YEAR, scheme="shuanglian", unit=units[i % len(units)], area=villages[(i * 7) % len(villages)]
        )
        for i in range(1150)
        if True
    )
    visits = []
    for i in range(args.visits):
        day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(360))
        visits.append(
            PairingVisit(
                pairing=pairings[i % len(pairings)], visited_on=day, on_wed_or_sat=day.weekday() in (2, 5)
            )
        )
    PairingVisit.objects.bulk_create(visits, batch_size=5000)
    build_volunteering(villages, members)
    build_points(villages, members)


BATCH = 5000


def build_volunteering(villages, members):
    from django.contrib.auth import get_user_model

    from civicgrid.volunteering.models import Activity, Project, ServiceRecord, Team, Volunteer

    tz = timezone.get_current_timezone()
    organiser = get_user_model().objects.create(username="bench-organiser")
    volunteers = Volunteer.objects.bulk_create(
        (
            Volunteer(
                number=f"{CITY}{i + 1:08d}",
                name=f"志愿者{i}",
                phone=f"139{i:08d}",
                id_type="resident",
                id_encrypted="x",
                id_hash=f"v{i}",
                id_masked="460002********000X",
                birth_date=date(1960, 1, 1) + timedelta(days=i % 15000),
                area=villages[i % len(villages)],
                party_member_id=members[i % len(members)].pk if i % 3 == 0 else None,
                registered_on=date(YEAR - 2, 1, 1) + timedelta(days=i % 700),
            )
            for i in range(args.volunteers)
        ),
        batch_size=BATCH,
    )
    teams = Team.objects.bulk_create(Team(name=f"{v.name}志愿服务队", area=v) for v in villages)
    Team.members.through.objects.bulk_create(
        (
            Team.members.through(team_id=teams[i % len(teams)].pk, volunteer_id=vol.pk)
            for i, vol in enumerate(volunteers)
        ),
        batch_size=BATCH,
    )
    projects = Project.objects.bulk_create(
        Project(
            name=f"{v.name}项目{k + 1}",
            area=v,
            team=teams[i],
            state="closed" if k else "running",
            created_by=organiser,
        )
        for i, v in enumerate(villages)
        for k in range(2)
    )
    activities = []
    for i in range(args.activities):
        start = datetime(YEAR, 1, 1, 8, tzinfo=tz) + timedelta(
            days=rng.randrange(364), hours=rng.randrange(10)
        )
        activities.append(
            Activity(
                project=projects[i % len(projects)],
                title=f"活动{i}",
                place="村委会",
                starts_at=start,
                ends_at=start + timedelta(hours=rng.choice((2, 3, 4))),
                capacity=60,
                organiser=organiser,
                cancelled=i % 50 == 0,
            )
        )
    activities = Activity.objects.bulk_create(activities, batch_size=BATCH)
    live = [a for a in activities if not a.cancelled]
    states = ["confirmed"] * 16 + ["pending", "pending", "disputed", "corrected"] + ["void"]
    records = []
    for i in range(args.records):
        volunteer = volunteers[i % len(volunteers)]
        state = states[i % len(states)]
        kind = i % 20
        if kind < 17:  # from an activity
            a = live[i % len(live)]
            start, end = a.starts_at, a.ends_at
            project, area_id = a.project, a.project.area_id
        else:
            a = None
            days_back = rng.randrange(400)  # some in the year before
            start = datetime(YEAR, 12, 20, 9, tzinfo=tz) - timedelta(days=days_back, minutes=i % 300)
            end = start + timedelta(minutes=30 * rng.randrange(1, 8))
            project = projects[i % len(projects)] if kind < 19 else None
            area_id = project.area_id if project else volunteer.area_id
        if a is not None and i % 10 == 1:  # 10 % in the year before
            start, end = start - timedelta(days=365), end - timedelta(days=365)
        hours = Decimal(f"{(end - start).total_seconds() / 3600 - (0.25 if i % 4 == 0 else 0):.2f}")
        records.append(
            ServiceRecord(
                volunteer=volunteer,
                activity=a,
                project=project,
                area_id=area_id,
                started_at=start,
                ended_at=end,
                travel_minutes=15 if i % 4 == 0 else 0,
                hours=max(hours, Decimal("0.25")),
                content="服务",
                source="checkin" if a else ("manual" if project else "wish"),
                state=state,
                recorded_on=end.date(),
                confirmed_at=end + timedelta(days=2) if state == "confirmed" else None,
            )
        )
        if len(records) >= BATCH:
            ServiceRecord.objects.bulk_create(records)
            records = []
    ServiceRecord.objects.bulk_create(records)


def build_points(villages, members):
    from civicgrid.points.models import (
        PointsAccount,
        PointsEntry,
        PointsRule,
        PointsScheme,
        Redemption,
        RewardItem,
    )

    tz = timezone.get_current_timezone()
    chosen = villages[:: max(len(villages) // max(args.schemes, 1), 1)][: args.schemes]
    schemes = PointsScheme.objects.bulk_create(
        PointsScheme(
            version="第一版",
            effective_from=date(YEAR - 1, 1, 1),
            area=v,
            name=f"{v.name}诚信积分",
            holder_kind="person",
            validity="next_year_end",
        )
        for v in chosen
    )
    rules = PointsRule.objects.bulk_create(
        PointsRule(scheme=s, code=f"R{k}", name=f"规则{k}", category="plus", points=5 + k, order=k)
        for s in schemes
        for k in range(5)
    )
    rules_of = {}
    for r in rules:
        rules_of.setdefault(r.scheme_id, []).append(r)
    items = RewardItem.objects.bulk_create(
        RewardItem(area=v, name=f"物品{k}", cost=5 * (k + 1), stock_total=100000, stock=100000)
        for v in chosen
        for k in range(5)
    )
    items_of = {}
    for item in items:
        items_of.setdefault(item.area_id, []).append(item)
    scheme_of = {s.area_id: s for s in schemes}
    accounts = PointsAccount.objects.bulk_create(
        (
            PointsAccount(
                area=chosen[i % len(chosen)],
                holder_kind="person",
                holder_name=f"居民{i}",
                phone=f"138{i:08d}",
                party_member_id=members[i % len(members)].pk if i % 5 == 0 else None,
                opened_on=date(YEAR - 1, 1, 1),
            )
            for i in range(args.accounts)
        ),
        batch_size=BATCH,
    )
    t0 = datetime(YEAR - 1, 1, 1, 9, tzinfo=tz)
    span_days = 730
    balance = {}
    entries, redeems = [], []
    n = 0

    def entry(account, kind, points, at, state="posted", **extra):
        nonlocal n
        n += 1
        scheme = scheme_of[account.area_id]
        posted = state == "posted"
        if posted:
            balance[account.pk] = balance.get(account.pk, 0) + points
        return PointsEntry(
            account=account,
            scheme=scheme,
            kind=kind,
            points=points,
            state=state,
            source_kind="bench",
            source_id=str(n),
            key=f"bench:{n}:{account.pk}",
            occurred_on=at.date(),
            claimed_at=at,
            posted_at=at + timedelta(days=3) if posted else None,
            expires_on=date(at.year + 1, 12, 31) if kind == "earn" else None,
            **extra,
        )

    while n < args.entries:
        i = n
        account = accounts[i % len(accounts)]
        at = t0 + timedelta(days=rng.randrange(span_days), minutes=i % 600)
        roll = i % 100
        if roll < 80:
            rule = rules_of[scheme_of[account.area_id].pk][i % 5]
            state = "claimed" if roll < 2 else ("rejected" if roll < 3 else "posted")
            entries.append(entry(account, "earn", rule.points, at, state=state, rule=rule))
        elif roll < 83:
            entries.append(entry(account, "deduct", -3, at))
        elif roll < 95:
            item = items_of[account.area_id][i % 5]
            e = entry(account, "redeem", -item.cost, at)
            entries.append(e)
            redeems.append((e, item, roll >= 93))
        else:
            entries.append(entry(account, "expiry", -5, at))
        if len(entries) >= BATCH:
            _flush_points(entries, redeems, entry)
            entries, redeems = [], []
    _flush_points(entries, redeems, entry)
    for account in accounts:
        account.balance = balance.get(account.pk, 0)
    PointsAccount.objects.bulk_update(accounts, ["balance"], batch_size=BATCH)
    print(f"points: {PointsEntry.objects.count()} entries, {Redemption.objects.count()} redemptions")


def _flush_points(entries, redeems, entry):
    from civicgrid.points.models import PointsEntry, Redemption

    PointsEntry.objects.bulk_create(entries)
    # A cancelled redemption is given back by a reversal of its entry, posted a week later.
    reversals = [
        entry(e.account, "reversal", -e.points, e.claimed_at + timedelta(days=7), reverses=e)
        for e, _item, cancelled in redeems
        if cancelled
    ]
    PointsEntry.objects.bulk_create(reversals)
    Redemption.objects.bulk_create(
        Redemption(
            account=e.account,
            item=item,
            points=-e.points,
            state="cancelled" if cancelled else "fulfilled",
            pickup_code=f"P{e.pk:010d}",
            entry=e,
            requested_at=e.claimed_at,
            reserved_at=e.claimed_at,
            fulfilled_at=None if cancelled else e.claimed_at + timedelta(days=1),
            cancelled_at=e.claimed_at + timedelta(days=7) if cancelled else None,
        )
        for e, item, cancelled in redeems
    )


def timed(label, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
    return result


def percentiles(samples):
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return p50, p95


def stats_json(code):
    out = StringIO()
    call_command("engagement", "stats", "--area", code, "--year", str(YEAR), "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def in_process(code):
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        figures = stats_json(code)
        samples.append(time.perf_counter() - start)
    return figures, samples


def as_process(code):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings",
        "CIVICGRID_DATA_DIR": DATA_DIR,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "civicgrid", "engagement", "stats", "--area", code, "--year", str(YEAR)]
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        done = subprocess.run([*command, "--format", "json"], env=env, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    return json.loads(done.stdout), samples


def explain():
    from django.db import connection
    from django.db.models import Sum

    from civicgrid.points.models import PointsEntry
    from civicgrid.volunteering import selectors as vs

    areas = vs.area_subtree_ids([AdminArea.objects.get(code=CITY)])
    queries = {
        "confirmed hours": vs.confirmed_records(area_ids=areas, year=YEAR)
        .values("state")
        .annotate(t=Sum("hours")),
        "points earned": PointsEntry.objects.filter(
            state="posted", kind="earn", account__area_id__in=areas, posted_at__year=YEAR
        )
        .values("state")
        .annotate(t=Sum("points")),
    }
    for label, qs in queries.items():
        print(f"-- {label} ({connection.vendor})")
        print(qs.explain())


def profile(code):
    import cProfile
    import pstats

    from django.test.utils import CaptureQueriesContext

    profiler = cProfile.Profile()
    with CaptureQueriesContext(connection) as queries:
        profiler.runcall(stats_json, code)
    print(f"-- profile of one run for {code}: {len(queries.captured_queries)} queries; the slowest:")
    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]:
        print(f"{float(q['time']):.3f} s  {q['sql'][:300]}")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


print(f"database: {connection.vendor}; uptime before build: {os.popen('uptime').read().strip()}")
if AdminArea.objects.filter(code=CITY).exists():
    print("build: the kept data is used")
else:
    timed("build", build)
if connection.vendor == "postgresql":
    # Fresh statistics, as autovacuum keeps them on a live server: after a bulk load the planner would otherwise
    # take every table for empty.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
if args.explain:
    explain()
if args.profile:
    for code in (CITY, f"{CITY[:4]}91100001"):
        profile(code)
town = AdminArea.objects.filter(level="town").order_by("code").first()
village = AdminArea.objects.filter(level="village", parent=town).order_by("code").first()
results = {}
for label, code in (
    ("city", CITY),
    (f"town {town.code}", town.code),
    (f"village {village.code}", village.code),
):
    figures, samples = in_process(code)
    p50, p95 = percentiles(samples)
    _, proc = as_process(code)
    q50, q95 = percentiles(proc)
    results[label] = figures
    print(
        f"stats {label}: call_command p50 {p50:.3f} s p95 {p95:.3f} s; "
        f"civicgrid process p50 {q50:.3f} s p95 {q95:.3f} s ({args.runs} runs each)"
    )
print(f"uptime after: {os.popen('uptime').read().strip()}")
for label, figures in results.items():
    print(f"{label} figures:", json.dumps(figures, ensure_ascii=False, sort_keys=True))
