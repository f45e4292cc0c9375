"""Server-side time and SQL queries of the 组织部 party-register pages with a city-sized register.

`.venv/bin/python bench/bench_party_pages.py [--orgs 5000] [--members 200000] [--repeat 20]
[--postgres postgres://postgres@127.0.0.1:5432/postgres]` builds areas（省 → 市 → 区 → 镇 → 社区）, a tree of
organisations（市委 → 镇党委 → 社区党委/党总支 → 党支部）with a current committee term each, and members,
all written with bulk inserts (through the services 200,000 members would take hours; ID numbers are fake
placeholders, not encrypted, since no page decrypts them), then renders each page with Django's test client as
a 组织部 user scoped to the first city and as an administrator, printing p50/p95/max over `--repeat`
requests (wall clock, and this process's CPU time, steadier on a shared machine) and the SQL queries of one
request. One city holds 5,000 organisations; `--orgs 50000 --members
1000000` gives ten cities (a province) and the 组织部 user still sees one. Aim: p95 < 500 ms for the tree and
the register's first page at city scale on SQLite.

With `--postgres`, a scratch database `bench_party_pages` is created on that server and dropped at exit.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import django_setup  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--orgs", type=int, default=5_000)
parser.add_argument("--members", type=int, default=200_000)
parser.add_argument("--repeat", type=int, default=20)
parser.add_argument("--export-repeat", type=int, default=3)
parser.add_argument("--postgres", help="server URL; a scratch database is created there and dropped at exit")
parser.add_argument("--only", help="comma-separated page labels to measure (substring match)")
parser.add_argument("--sql", action="store_true", help="print each page's SQL (with times) after its figures")
parser.add_argument(
    "--keep",
    metavar="DIR",
    help="SQLite only: build the data in DIR and keep it; if DIR exists, measure on it",
)
args = parser.parse_args()

REUSE = bool(args.keep and not args.postgres and Path(args.keep).exists())
if REUSE:
    os.environ["CIVICGRID_DATA_DIR"] = args.keep
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
else:
    django_setup("party_pages", postgres=args.postgres, data_dir=None if args.postgres else args.keep)

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from civicgrid.party.models import CommitteeTerm, PartyMember, PartyOrg, rebuild_paths  # noqa: E402
from civicgrid.registry.models import AdminArea, Role, Staff, Unit  # noqa: E402

ORGS_PER_CITY = 5_000
DISTRICTS, TOWNS, COMMUNITIES = 4, 10, 10  # per city, per district, per town
TODAY = date.today()
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余于杜叶程符"
GIVEN = "建国华明丽芳强军伟秀英敏静海燕平刚桂兰志红玉霞云峰文辉春梅成林德"


def build_areas(cities: int):
    """Province → cities → districts → towns → communities; returns [(city, [community, ...]), ...]."""
    province = AdminArea.objects.create(code="460000", name="海南省", level=AdminArea.Level.PROVINCE)
    level = AdminArea.Level
    city_rows = AdminArea.objects.bulk_create(
        AdminArea(code=f"46{c + 1:02d}00", name=f"第{c + 1}市", level=level.CITY, parent=province)
        for c in range(cities)
    )
    districts = AdminArea.objects.bulk_create(
        AdminArea(code=f"46{c + 1:02d}{d + 1:02d}", name=f"第{d + 1}区", level=level.COUNTY, parent=city)
        for c, city in enumerate(city_rows)
        for d in range(DISTRICTS)
    )
    towns = AdminArea.objects.bulk_create(
        AdminArea(code=f"{district.code}{t + 1:03d}", name=f"第{t + 1}镇", level=level.TOWN, parent=district)
        for district in districts
        for t in range(TOWNS)
    )
    communities = AdminArea.objects.bulk_create(
        AdminArea(
            code=f"{town.code}{k + 1:03d}", name=f"{town.name}第{k + 1}社区", level=level.VILLAGE, parent=town
        )
        for town in towns
        for k in range(COMMUNITIES)
    )
    by_city = {city.pk: (city, [], []) for city in city_rows}
    district_city = {d.pk: d.parent_id for d in districts}
    town_city = {t.pk: district_city[t.parent_id] for t in towns}
    for town in towns:
        by_city[town_city[town.pk]][1].append(town)
    for community in communities:
        by_city[town_city[community.parent_id]][2].append(community)
    return list(by_city.values())


def build_orgs(rng, cities, total: int) -> list[int]:
    """Per city: the city committee, a committee per town, a committee or general branch per community, and
    branches under those; returns the ids of the organisations members may sit in (all but the city's)."""
    kind, setup = PartyOrg.Kind, PartyOrg.Setup
    per_city = total // len(cities)
    founded = date(2000, 1, 1)
    roots = PartyOrg.objects.bulk_create(
        PartyOrg(
            code=f"C{c:02d}",
            name=f"{city.name}委",
            kind=kind.COMMITTEE,
            area=city,
            setup=setup.ORGAN,
            founded_on=founded,
        )
        for c, (city, _towns, _communities) in enumerate(cities)
    )
    town_orgs, community_orgs = [], []
    for c, (_city, towns, _communities) in enumerate(cities):
        town_orgs += [
            PartyOrg(
                code=f"C{c:02d}T{t:03d}",
                name=f"{town.parent.name}{town.name}党委",
                kind=kind.COMMITTEE,
                parent=roots[c],
                area=town,
                setup=setup.ORGAN,
                founded_on=founded,
            )
            for t, town in enumerate(towns)
        ]
    town_orgs = PartyOrg.objects.bulk_create(town_orgs)
    town_org = {o.area_id: o for o in town_orgs}
    for c, (_city, _towns, communities) in enumerate(cities):
        community_orgs += [
            PartyOrg(
                code=f"C{c:02d}K{k:04d}",
                name=f"{community.name}党{'委' if k % 3 == 0 else '总支'}",
                kind=kind.COMMITTEE if k % 3 == 0 else kind.GENERAL_BRANCH,
                parent=town_org[community.parent_id],
                area=community,
                setup=setup.COMMUNITY,
                founded_on=founded,
            )
            for k, community in enumerate(communities)
        ]
    community_orgs = PartyOrg.objects.bulk_create(community_orgs)
    by_city = [[o for o in community_orgs if o.code.startswith(f"C{c:02d}")] for c in range(len(cities))]
    branches = []
    for c, parents in enumerate(by_city):
        count = max(per_city - 1 - len(cities[c][1]) - len(parents), 0)
        for b in range(count):
            parent = parents[b % len(parents)]
            temporary = b % 97 == 0
            branches.append(
                PartyOrg(
                    code=f"{parent.code}B{b // len(parents):03d}",
                    name=f"{parent.name[:-2]}第{b // len(parents) + 1}{'临时' if temporary else ''}党支部",
                    kind=kind.BRANCH,
                    parent=parent,
                    area_id=parent.area_id,
                    setup=setup.COMMUNITY,
                    is_temporary=temporary,
                    temp_task="防风抢险" if temporary else "",
                    end_date=TODAY + timedelta(days=rng.randint(-60, 300)) if temporary else None,
                    founded_on=date(2000 + rng.randint(0, 25), rng.randint(1, 12), 1),
                    dissolved_on=date(2024, 6, 30) if b % 211 == 0 else None,
                )
            )
    for start in range(0, len(branches), 5000):
        PartyOrg.objects.bulk_create(branches[start : start + 5000])
    rebuild_paths()
    terms = []
    for pk in PartyOrg.objects.values_list("pk", flat=True):
        years = rng.choice([3, 5])
        elected = TODAY - timedelta(days=rng.randint(0, 365 * years + 200))
        terms.append(
            CommitteeTerm(
                org_id=pk,
                number=rng.randint(1, 8),
                elected_on=elected,
                term_years=years,
                due_on=elected.replace(year=elected.year + years, day=min(elected.day, 28)),
            )
        )
    CommitteeTerm.objects.bulk_create(terms, batch_size=2000)
    return list(PartyOrg.objects.exclude(parent=None).values_list("pk", flat=True))


def build_members(rng, org_ids: list[int], count: int) -> None:
    status = PartyMember.Status
    batch = 10_000
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(count, start + batch)):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
            probationary = rng.random() < 0.04
            joined = date(1970, 1, 1) + timedelta(days=rng.randint(0, 20000))
            if probationary:
                joined = TODAY - timedelta(days=rng.randint(0, 400))
            state = status.ACTIVE if rng.random() < 0.95 else rng.choice(list(status)[1:])
            lost = rng.random() < 0.01
            rows.append(
                PartyMember(
                    name=name,
                    id_encrypted=f"bench-{i}",  # fake: no page decrypts it
                    id_hash=f"{i:064d}",
                    id_masked=f"460{'*' * 11}{i % 10000:04d}",
                    sex=rng.choice(["male", "female"]),
                    birth_date=date(1950, 1, 1) + timedelta(days=rng.randint(0, 18000)),
                    category=PartyMember.Category.PROBATIONARY if probationary else PartyMember.Category.FULL,
                    status=state,
                    status_changed_on=TODAY - timedelta(days=rng.randint(0, 3000))
                    if state != status.ACTIVE
                    else None,
                    joined_on=joined,
                    full_on=None if probationary else joined + timedelta(days=365),
                    org_id=rng.choice(org_ids) if rng.random() > 0.002 else None,
                    in_service=rng.random() < 0.5,
                    retired=rng.random() < 0.3,
                    flowing=(flowing := rng.random() < 0.03),
                    flow_direction=rng.choice(["in", "out"]) if flowing else "",
                    seasonal=rng.random() < 0.02,
                    lost_contact=lost,
                    lost_since=TODAY - timedelta(days=rng.randint(30, 1000)) if lost else None,
                    phone=f"139{rng.randint(0, 99_999_999):08d}",
                )
            )
        insert(PartyMember, rows)
        print(f"  {min(count, start + batch):,} members", file=sys.stderr, flush=True)


def insert(model, objects) -> None:
    """One executemany for the lot: bulk_create on SQLite writes ~25 members a statement (999 parameters)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    params = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objects]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def make_users(city):
    users = get_user_model().objects
    unit = Unit.objects.create(code="ZZB01", name=f"{city.name}委组织部", kind=Unit.Kind.OTHER, area=city)
    org_user = users.create_user(username="zzb", password="x")
    staff = Staff.objects.create(user=org_user, name="组织部干部")
    staff.roles.set(Role.objects.filter(code=Role.ORGANISATION_STAFF))
    staff.units.set([unit])
    admin = users.create_user(username="admin1", password="x")
    record = Staff.objects.create(user=admin, name="系统管理员")
    record.roles.set(Role.objects.filter(code=Role.ADMINISTRATOR))
    return org_user, admin


def percentile(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1] if len(times) > 1 else times[0]


def measure(user, label: str, url: str, repeat: int) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    started = time.perf_counter()
    client.get(url)  # the first request fills this process's caches, as on a running server
    first = (time.perf_counter() - started) * 1000
    times, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    print(
        f"{label:<44} first {first:6.0f} · p50 {statistics.median(times):6.0f} · p95 {percentile(times, 95):6.0f}"
        f" · max {max(times):6.0f} ms (CPU p50 {statistics.median(cpu):5.0f} · p95 {percentile(cpu, 95):5.0f})"
        f" · {len(queries.captured_queries):3d} queries · {len(response.content) / 1024:5.0f} KB",
        flush=True,
    )
    if args.sql:
        for query in queries.captured_queries:
            print(f"    {query['time']}s {query['sql'][:300]}")


def main() -> None:
    rng = random.Random(1)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if REUSE:
        cities = [
            (
                city,
                list(
                    AdminArea.objects.filter(level=AdminArea.Level.TOWN, parent__parent=city).order_by("pk")
                ),
                [],
            )
            for city in AdminArea.objects.filter(level=AdminArea.Level.CITY).order_by("pk")
        ]
        users = get_user_model().objects
        org_user, admin = users.get(username="zzb"), users.get(username="admin1")
    else:
        cities = build_areas(max(1, args.orgs // ORGS_PER_CITY))
        org_ids = build_orgs(rng, cities, args.orgs)
        build_members(rng, org_ids, args.members)
        org_user, admin = make_users(cities[0][0])
    engine = connection.vendor
    print(
        f"data: {PartyOrg.objects.count():,} organisations, {PartyMember.objects.count():,} members, "
        f"{len(cities)} cities, built in {time.perf_counter() - started:.0f} s ({engine}); "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
        flush=True,
    )
    if engine == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    detail = PartyOrg.objects.filter(code="C00K0000").get()  # a community committee with its branches
    name = (
        PartyMember.objects.filter(org__path__startswith=PartyOrg.objects.get(code="C00").path).first().name
    )
    pages = [
        ("tree, 组织部 user, city", org_user, "/console/party/orgs/"),
        ("tree, 组织部 user, one town", org_user, f"/console/party/orgs/?area={cities[0][1][0].code}"),
        ("tree (administrator, everything)", admin, "/console/party/orgs/"),
        ("organisation detail (community committee)", org_user, f"/console/party/orgs/{detail.pk}/"),
        ("register first page (组织部)", org_user, "/console/party/members/"),
        ("register first page (administrator)", admin, "/console/party/members/"),
        ("register 流动=是", org_user, "/console/party/members/?flowing=1"),
        (f"register name search「{name[1:]}」", org_user, f"/console/party/members/?q={name[1:]}"),
        ("register page 50", org_user, "/console/party/members/?page=50"),
        ("register 流动=是, page 3", org_user, "/console/party/members/?flowing=1&page=3"),
        ("export 流动=是 (Excel)", org_user, "/console/party/members/export/?flowing=1"),
        ("export everything (Excel, capped at 50,000)", org_user, "/console/party/members/export/"),
    ]
    wanted = [w.strip() for w in (args.only or "").split(",") if w.strip()]
    for label, user, url in pages:
        if wanted and not any(w in label for w in wanted):
            continue
        measure(user, label, url, args.export_repeat if "export" in url else args.repeat)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


main()
