"""Time `party_stats` over a province-sized register: `.venv/bin/python bench/bench_party_stats.py`.

Builds a fresh SQLite database in a temporary directory (or, with `--postgres URL`, a database
`bench_party_stats` on that server, dropped afterwards) holding a province: 4 cities × 5 counties × 10 towns ×
20 villages (4,224 areas), 2 basic grids per village plus a few dedicated ones, 50,000 organisations (a 党委 per
county and town, a 党工委 per city, per village a 党总支 with 11 党支部, temporary and 两新 branches under the
towns, some dissolved or founded later), party grids over the villages, 1,000,000 members (about 10 %
probationary, 2 % removed, 1 % without an organisation), a term per standing organisation, pioneer posts, shock
teams and deployments. Bulk inserts only; the members' ID numbers are FAKE (an unencrypted placeholder and a
made-up hash), which the statistics never read. Then times `party_stats` for the province root, a city and a
town: the median and p95 of `--runs` runs each. Data generation is timed separately.

Generation uses COPY on PostgreSQL and, on SQLite, big transactions with journalling off (bench only). To time
again without regenerating: `--keep DIR --reuse` (SQLite: DIR/civicgrid.sqlite3, made on the first run) or
`--postgres URL --reuse` (database `bench_party_stats_kept`, made on the first run and never dropped; drop it
by hand when done). A kept database made with other `--members`/`--orgs` is rebuilt.
"""

import argparse
import os
import random
import statistics
import time
from datetime import date, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--members", type=int, default=1_000_000, help="members to generate (default 1,000,000)")
parser.add_argument("--orgs", type=int, default=50_000, help="organisations (default 50,000)")
parser.add_argument("--runs", type=int, default=7, help="runs per scope (default 7)")
parser.add_argument("--postgres", metavar="URL", help="run against PostgreSQL: postgres://user@host:port/db")
parser.add_argument("--keep", metavar="DIR", help="keep the SQLite database in DIR instead of a temp dir")
parser.add_argument(
    "--reuse", action="store_true", help="reuse the database of an earlier --reuse/--keep run (see above)"
)
ARGS = parser.parse_args()
SIGNATURE = f"party_stats members={ARGS.members} orgs={ARGS.orgs} v1"
KEPT_PG = "bench_party_stats_kept"

from _setup import django_setup  # noqa: E402


def kept_setup() -> bool:
    """Set Django up on the kept database; True when it already holds a complete register of this size."""
    import sys
    from pathlib import Path
    from urllib.parse import urlsplit, urlunsplit

    if ARGS.postgres:
        import psycopg
        from psycopg import sql

        parts = urlsplit(ARGS.postgres)
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [KEPT_PG]
            ).fetchone()
            complete = bool(row) and row[0] == SIGNATURE
            if not complete:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(KEPT_PG))
                )
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(KEPT_PG)))
        data_dir = Path(ARGS.keep or tempfile_dir())
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{KEPT_PG}"))
    else:
        if not ARGS.keep:
            parser.error("--reuse on SQLite needs --keep DIR")
        data_dir = Path(ARGS.keep)
        data_dir.mkdir(parents=True, exist_ok=True)
        marker = data_dir / "bench_party_stats.signature"
        complete = marker.exists() and marker.read_text() == SIGNATURE
        if not complete:
            marker.unlink(missing_ok=True)
            for name in ("civicgrid.sqlite3", "civicgrid.sqlite3-wal", "civicgrid.sqlite3-shm"):
                (data_dir / name).unlink(missing_ok=True)
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
    os.environ["CIVICGRID_DATA_DIR"] = str(data_dir)
    os.environ.pop("CIVICGRID_PG_TEST_DB", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    return complete


def tempfile_dir() -> str:
    import atexit
    import shutil
    import tempfile

    path = tempfile.mkdtemp(prefix="civicgrid-bench-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def mark_complete() -> None:
    if not ARGS.reuse:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE {KEPT_PG} IS %s", [SIGNATURE])
    else:
        from pathlib import Path

        (Path(os.environ["CIVICGRID_DATA_DIR"]) / "bench_party_stats.signature").write_text(SIGNATURE)


if ARGS.reuse:
    REUSED = kept_setup()
else:
    REUSED = False
    django_setup("party_stats", postgres=ARGS.postgres, data_dir=ARGS.keep)

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.party.models import (  # noqa: E402
    CommitteeTerm,
    Deployment,
    PartyGrid,
    PartyMember,
    PartyOrg,
    PioneerPost,
    ShockTeam,
)
from civicgrid.party.stats import party_stats  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid  # noqa: E402

AT = date(2026, 3, 15)
CITIES, COUNTIES, TOWNS, VILLAGES = 4, 5, 10, 20
BATCH = 5_000
Kind, Setup = PartyOrg.Kind, PartyOrg.Setup


def build_areas():
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    cities = AdminArea.objects.bulk_create(
        AdminArea(code=f"46{c + 1:02d}00", name=f"第{c + 1}市", level="city", parent=province)
        for c in range(CITIES)
    )
    counties = AdminArea.objects.bulk_create(
        AdminArea(
            code=f"{city.code[:4]}{k + 1:02d}", name=f"{city.name}第{k + 1}县", level="county", parent=city
        )
        for city in cities
        for k in range(COUNTIES)
    )
    towns = AdminArea.objects.bulk_create(
        AdminArea(
            code=f"{county.code}{t + 100:03d}", name=f"{county.name}第{t + 1}镇", level="town", parent=county
        )
        for county in counties
        for t in range(TOWNS)
    )
    villages = AdminArea.objects.bulk_create(
        (
            AdminArea(
                code=f"{town.code}{v + 1:03d}", name=f"{town.name}第{v + 1}村", level="village", parent=town
            )
            for town in towns
            for v in range(VILLAGES)
        ),
        batch_size=BATCH,
    )
    grids = Grid.objects.bulk_create(
        (
            Grid(code=f"{village.code}{g + 1:03d}", name=f"第{g + 1}网格", community=village)
            for village in villages
            for g in range(2)
        ),
        batch_size=BATCH,
    )
    Grid.objects.bulk_create(
        (
            Grid(
                code=f"{village.code}900",
                name="专属网格",
                community=village,
                kind="dedicated",
                dedicated_type="market",
            )
            for village in villages[::10]
        ),
        batch_size=BATCH,
    )
    return province, cities, counties, towns, villages, grids


def org_row(code, kind, area, parent=None, setup=Setup.COMMUNITY, rng=None, **fields) -> PartyOrg:
    roll = rng.random() if rng else 1.0
    if roll < 0.02:
        fields.setdefault("founded_on", date(2010, 1, 1))
        fields.setdefault("dissolved_on", date(2024, 6, 30))
    elif roll < 0.03:
        fields.setdefault("founded_on", date(2026, 9, 1))
    else:
        fields.setdefault("founded_on", date(2000 + int(roll * 25), 7, 1))
    return PartyOrg(code=code, name=code, kind=kind, area=area, parent=parent, setup=setup, **fields)


def build_orgs(rng, cities, counties, towns, villages):
    tops = PartyOrg.objects.bulk_create(
        [org_row(f"W{c.code}", Kind.WORKING_COMMITTEE, c, setup=Setup.PARK) for c in cities]
        + [org_row(f"K{k.code}", Kind.COMMITTEE, k, setup=Setup.ORGAN) for k in counties]
    )
    by_area = {org.area_id: org for org in tops}
    town_orgs = PartyOrg.objects.bulk_create(
        org_row(f"K{t.code}", Kind.COMMITTEE, t, by_area[t.parent_id], setup=Setup.ORGAN) for t in towns
    )
    by_area.update({org.area_id: org for org in town_orgs})
    generals = PartyOrg.objects.bulk_create(
        (org_row(f"Z{v.code}", Kind.GENERAL_BRANCH, v, by_area[v.parent_id], rng=rng) for v in villages),
        batch_size=BATCH,
    )
    branches_per_village = 11
    branches = PartyOrg.objects.bulk_create(
        (
            org_row(f"B{g.code}{b:02d}", Kind.BRANCH, g.area, g, setup=Setup.VILLAGE, rng=rng)
            for g in generals
            for b in range(branches_per_village)
        ),
        batch_size=BATCH,
    )
    extra = max(ARGS.orgs - len(tops) - len(town_orgs) - len(generals) - len(branches), 0)
    extras = []
    for i in range(extra):
        town = towns[i % len(towns)]
        temporary = i % 3 == 0
        extras.append(
            org_row(
                f"X{town.code}{i:05d}",
                Kind.BRANCH,
                town,
                by_area[town.pk],
                setup=Setup.PROJECT if temporary else Setup.TWO_NEW,
                rng=rng,
                is_temporary=temporary,
                founded_on=date(2026, 1 + i % 3, 1) if temporary else None,
            )
        )
    extras = PartyOrg.objects.bulk_create(extras, batch_size=BATCH)
    everything = tops + town_orgs + generals + branches + extras
    paths: dict[int, str] = {}
    for org in everything:  # parents come before children in this list
        paths[org.pk] = f"{paths[org.parent_id] if org.parent_id else '/'}{org.pk}/"
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {PartyOrg._meta.db_table} SET path = %s WHERE id = %s",
            [(path, pk) for pk, path in paths.items()],
        )
    return everything, branches + extras


def build_links(rng, villages, grids, branches):
    grids_by_village: dict[int, list[Grid]] = {}
    for grid in grids:
        grids_by_village.setdefault(grid.community_id, []).append(grid)
    branches_by_village: dict[int, list[PartyOrg]] = {}
    for org in branches:
        branches_by_village.setdefault(org.area_id, []).append(org)
    OrgGrid, PgGrid, PgOrg = PartyOrg.grids.through, PartyGrid.grids.through, PartyGrid.orgs.through
    org_grids, pg_grids, pg_orgs, party_grids = [], [], [], []
    for village in villages:
        local, orgs = grids_by_village[village.pk], branches_by_village.get(village.pk, [])
        for grid, org in zip(local, orgs, strict=False):
            if rng.random() < 0.9:  # about 10 % of grids without a linked organisation
                org_grids.append(OrgGrid(partyorg_id=org.pk, grid_id=grid.pk))
        party_grids.append(PartyGrid(name=f"{village.name}党建网格", area=village))
    party_grids = PartyGrid.objects.bulk_create(party_grids, batch_size=BATCH)
    for village, party_grid in zip(villages, party_grids, strict=True):
        pg_grids += [PgGrid(partygrid_id=party_grid.pk, grid_id=g.pk) for g in grids_by_village[village.pk]]
        pg_orgs += [
            PgOrg(partygrid_id=party_grid.pk, partyorg_id=o.pk) for o in branches_by_village[village.pk][:2]
        ]
    OrgGrid.objects.bulk_create(org_grids, batch_size=BATCH)
    PgGrid.objects.bulk_create(pg_grids, batch_size=BATCH)
    PgOrg.objects.bulk_create(pg_orgs, batch_size=BATCH)


def raw_insert(model, rows) -> None:
    """INSERT `rows` (dicts of attribute name → value): COPY on PostgreSQL, executemany on SQLite; no model
    instances for a million rows. Fields left out get their default, prepared once."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    constant = {}
    for f in fields:
        default = (
            now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        )
        constant[f.attname] = f.get_db_prep_save(default, connection)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    names = [f.attname for f in fields]
    if connection.vendor == "postgresql":
        copy_sql = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
            for row in rows:
                copy.write_row(tuple(row[name] if name in row else constant[name] for name in names))
        return
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            batch.append(tuple(row[name] if name in row else constant[name] for name in names))
            if len(batch) >= BATCH * 4:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def member_rows(rng, grid_ids, org_ids):
    for i in range(ARGS.members):
        roll = rng.random()
        joined = date(1970, 1, 1) + timedelta(days=rng.randrange(20_000))
        probationary = roll < 0.08 or (roll < 0.10 and joined.year >= 2025)
        yield {
            "name": f"党员{i}",
            "id_encrypted": "FAKE",  # not a real ciphertext: the statistics never read it
            "id_hash": f"fake{i:040d}",
            "id_masked": "46**************",
            "sex": "male" if i % 2 else "female",
            "birth_date": joined - timedelta(days=9000),
            "category": "probationary" if probationary else "full",
            "full_on": None if probationary else joined + timedelta(days=400),
            "joined_on": joined,
            "status": "removed" if 0.10 <= roll < 0.12 else "active",
            "status_changed_on": date(2025, 6, 1) if 0.10 <= roll < 0.12 else None,
            "org_id": None if 0.12 <= roll < 0.13 else org_ids[i % len(org_ids)],
            "residence_grid_id": grid_ids[rng.randrange(len(grid_ids))],
            "in_service": roll > 0.5,
        }


def build_members(rng, grids, member_orgs):
    raw_insert(PartyMember, member_rows(rng, [g.pk for g in grids], [o.pk for o in member_orgs]))


def build_activities(rng, orgs):
    standing = [org for org in orgs if not org.is_temporary]
    terms = []
    for org in standing:
        elected = date(2019, 1, 1) + timedelta(days=rng.randrange(2500))
        years = 5 if org.kind in (Kind.COMMITTEE, Kind.WORKING_COMMITTEE) or org.setup == Setup.VILLAGE else 3
        due = CommitteeTerm.compute_due_on(elected, years)
        terms.append(
            CommitteeTerm(
                org_id=org.pk,
                number=1,
                elected_on=elected,
                term_years=years,
                due_on=due,
                extended_to=due + timedelta(days=200) if rng.random() < 0.05 else None,
            )
        )
    CommitteeTerm.objects.bulk_create(terms, batch_size=BATCH)
    PioneerPost.objects.bulk_create(
        (
            PioneerPost(
                name="先锋岗",
                org_id=rng.choice(standing).pk,
                from_date=date(2024, 1, 1) + timedelta(days=i % 900),
            )
            for i in range(10_000)
        ),
        batch_size=BATCH,
    )
    ShockTeam.objects.bulk_create(
        (
            ShockTeam(
                name="突击队",
                task="任务",
                org_id=rng.choice(standing).pk,
                from_date=date(2025, 1, 1) + timedelta(days=i % 400),
                to_date=date(2025, 1, 1) + timedelta(days=i % 400 + 120),
            )
            for i in range(2_000)
        ),
        batch_size=BATCH,
    )
    Deployment.objects.bulk_create(
        (
            Deployment(
                org_id=rng.choice(standing).pk,
                person_name="下沉党员",
                task="下沉",
                from_date=date(2025, 6, 1) + timedelta(days=rng.randrange(300)),
                days=rng.randrange(1, 60),
            )
            for _ in range(50_000)
        ),
        batch_size=BATCH,
    )


def time_scope(label: str, area: AdminArea) -> None:
    times, result = [], None
    for _ in range(ARGS.runs):
        t0 = time.perf_counter()
        result = party_stats(area, AT)
        times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"  {label:<8} p50 {statistics.median(times) * 1000:8.0f} ms   p95 {p95 * 1000:8.0f} ms   "
        f"(orgs {result['orgs_total']:,}, members {result['members_total']:,}, "
        f"party grids {result['party_grids']:,}, grids {result['grids_total']:,})"
    )


def main() -> None:
    rng = random.Random(20260315)
    print(f"database: {connection.vendor}; organisations: {ARGS.orgs:,}; members: {ARGS.members:,}")
    call_command("migrate", verbosity=0)
    if REUSED:
        print("reusing the kept database (no generation)")
    else:
        generate(rng)
    province = AdminArea.objects.get(code="460000")
    city = AdminArea.objects.filter(parent=province).order_by("code").first()
    town = AdminArea.objects.filter(level="town", parent__parent=city).order_by("code").first()
    print(f"party_stats on {AT:%Y-%m-%d}, {ARGS.runs} runs each (load average {os.getloadavg()[0]:.1f}):")
    time_scope("province", province)
    time_scope("city", city)
    time_scope("town", town)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def generate(rng) -> None:
    sqlite = connection.vendor == "sqlite"
    t0 = time.perf_counter()
    if sqlite:  # a throw-away bench database: no journal, no fsync, a big page cache
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=OFF")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
            cursor.execute("PRAGMA temp_store=MEMORY")
    with transaction.atomic():
        province, cities, counties, towns, villages, grids = build_areas()
        orgs, member_orgs = build_orgs(rng, cities, counties, towns, villages)
        build_links(rng, villages, grids, member_orgs)
    print(f"  areas, grids, organisations, links: {time.perf_counter() - t0:.1f} s")
    with transaction.atomic():
        build_members(rng, grids, member_orgs)
    print(f"  members: {time.perf_counter() - t0:.1f} s")
    with transaction.atomic():
        build_activities(rng, orgs)
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("ANALYZE")
        else:
            cursor.execute("VACUUM ANALYZE")
    mark_complete()
    print(f"data generation: {time.perf_counter() - t0:.1f} s (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
