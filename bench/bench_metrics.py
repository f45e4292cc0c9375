"""Time the three rates and the league tables over a city's tickets: `.venv/bin/python bench/bench_metrics.py`.

Builds a fresh SQLite database in a temporary directory (or, with `--postgres URL`, a database
`bench_metrics` on that server, dropped afterwards), fills it with ~1,000,000 tickets spread over
2024 and 2025 (≈85 % rated; so the previous period and the year before of any 2025 period hold
tickets too) plus returns, overdue flags and supervisions, then times `three_rates` by unit, grid,
town and category, and `league_table` (leagues by kind, fair ranking, 环比 and 同比 comparisons) for a month and a
year, `--runs` times each, with p50 / p95 and the machine's load. Data generation is timed separately.

League tables are timed twice: counted live from the tickets (`--live-runs` times), then, after the worker's
job has counted every finished month (`assessment.aggregates.refresh`, timed), from the stored monthly counts,
each checked to give the same tables as live. The data build takes minutes: `--keep DIR --build-only` builds a
SQLite database once and `--reuse DIR` times against it (`--leagues-only` skips the separate three_rates runs).
"""

import argparse
import math
import os
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from itertools import islice

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets to generate (default 1,000,000)")
parser.add_argument("--postgres", metavar="URL", help="run against PostgreSQL: postgres://user@host:port/db")
parser.add_argument(
    "--keep", metavar="DIR", help="keep the SQLite database in DIR (for EXPLAIN) instead of a temp dir"
)
parser.add_argument(
    "--analyze",
    action="store_true",
    help="SQLite: run ANALYZE after loading (PostgreSQL always gets VACUUM ANALYZE)",
)
parser.add_argument(
    "--reuse",
    metavar="DIR",
    help="SQLite: time against the database a `--keep DIR` run built (migrated, not rebuilt)",
)
parser.add_argument("--build-only", action="store_true", help="build the data and stop (with --keep)")
parser.add_argument(
    "--leagues-only", action="store_true", help="skip the separate three_rates timings (league tables only)"
)
parser.add_argument(
    "--live-runs", type=int, default=2, help="timed runs of each live league table (default 2)"
)
parser.add_argument("--runs", type=int, default=5, help="timed runs of each league table (default 5)")
parser.add_argument("--seed", type=int, default=20250101, help="random seed (no test uses 20250101)")
ARGS = parser.parse_args()

from _setup import django_setup  # noqa: E402

if ARGS.reuse:
    # The database a `--keep` run built; _setup would refuse an existing directory.
    os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
    os.environ["CIVICGRID_DATA_DIR"] = os.path.abspath(ARGS.reuse)
    os.environ.pop("DATABASE_URL", None)
    import sys  # noqa: E402

    from _setup import ROOT  # noqa: E402

    sys.path.insert(0, str(ROOT))
    import django  # noqa: E402

    django.setup()
else:
    django_setup("metrics", postgres=ARGS.postgres, data_dir=ARGS.keep)

from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.db.models import DateTimeField  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.assessment import aggregates, selectors  # noqa: E402
from civicgrid.assessment.leagues import league_table  # noqa: E402
from civicgrid.assessment.models import MonthlyCount  # noqa: E402
from civicgrid.assessment.selectors import three_rates, totals  # noqa: E402
from civicgrid.core.actors import SYSTEM  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid, Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.tickets.models import Assignment, ReturnRequest, Supervision, Ticket  # noqa: E402

YEAR = 2025
FIRST_YEAR = YEAR - 1  # tickets from 1 January of the year before, for the comparisons
TOWNS, COMMUNITIES_PER_TOWN, GRIDS_PER_COMMUNITY = 6, 5, 2  # 60 grids
DEPARTMENTS = 28  # plus one unit per town, the 6 grid teams, 5 communities, 4 companies and the centre: 50
GRID_TEAMS = 6
CATEGORIES = ["城乡建设", "环境保护", "交通运输", "市场监管", "劳动保障", "教育", "卫生健康", "公共安全",
              "水电气", "物业管理", "农业农村", "民政", "住房保障", "旅游文化", "其他"]  # fmt: skip
BATCH = 50_000


def build_registry(rng: random.Random):
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code="469002", name="琼海市", level="county", parent=province)
    towns = AdminArea.objects.bulk_create(
        AdminArea(code=f"469002{100 + t:03d}", name=f"第{t + 1}镇", level="town", parent=county)
        for t in range(TOWNS)
    )
    communities = AdminArea.objects.bulk_create(
        AdminArea(
            code=f"{town.code}{c + 1:03d}", name=f"{town.name}第{c + 1}社区", level="village", parent=town
        )
        for town in towns
        for c in range(COMMUNITIES_PER_TOWN)
    )
    grids = Grid.objects.bulk_create(
        Grid(code=f"{community.code}{g + 1:03d}", name=f"{community.name}第{g + 1}网格", community=community)
        for community in communities
        for g in range(GRIDS_PER_COMMUNITY)
    )
    units = Unit.objects.bulk_create(
        [Unit(code=f"D{d:02d}", name=f"职能部门{d:02d}", kind="department") for d in range(DEPARTMENTS)]
        + [Unit(code=f"T{t.code}", name=f"{t.name}人民政府", kind="town", area=t) for t in towns]
        + [
            Unit(code=f"G{g.code}", name=f"{g.name}工作组", kind="grid_team", grid=g)
            for g in rng.sample(grids, GRID_TEAMS)
        ]
        + [Unit(code=f"C{c.code}", name=f"{c.name}居委会", kind="community", area=c) for c in communities[:5]]
        + [Unit(code=f"E{e}", name=f"企业{e}", kind="enterprise") for e in range(2)]
        + [Unit(code=f"P{e}", name=f"物业公司{e}", kind="property") for e in range(2)]
        # The centre closes some tickets itself; it must stay out of every league.
        + [Unit(code="12345", name="12345热线中心", kind="hotline_centre")]
    )
    # Use the seeded category tree when there is one; a bare database gets a flat list of its own.
    categories = list(Category.objects.filter(parent__isnull=True)) or Category.objects.bulk_create(
        Category(code=f"{i + 1:02d}", name=name, level=1) for i, name in enumerate(CATEGORIES)
    )
    town_of = {c.pk: c.parent_id for c in communities}
    return grids, units, categories, town_of


def insert(model, columns: list[str], rows) -> int:
    """Bulk insert tuples for `columns`; every other column gets its model default (computed once)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    rest = [name for name, field in fields.items() if name not in columns and not field.primary_key]
    constants = tuple(fields[name].get_db_prep_save(fields[name].get_default(), connection) for name in rest)
    datetimes = [i for i, name in enumerate(columns) if isinstance(fields[name], DateTimeField)]
    adapt = connection.ops.adapt_datetimefield_value
    names = ", ".join(connection.ops.quote_name(fields[name].column) for name in [*columns, *rest])
    table = connection.ops.quote_name(model._meta.db_table)
    placeholders = ", ".join(["%s"] * (len(columns) + len(rest)))
    postgres = connection.vendor == "postgresql"
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in batched(rows, BATCH):
            values = []
            for row in batch:
                row = list(row)
                for i in datetimes:
                    if row[i] is not None:
                        row[i] = adapt(row[i])
                values.append((*row, *constants))
            if postgres:
                # COPY is several times faster than INSERT on PostgreSQL, even pipelined.
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", values)
            count += len(values)
    return count


def batched(rows, size: int):
    rows = iter(rows)
    while batch := list(islice(rows, size)):
        yield batch


def moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def ticket_rows(n: int, rng: random.Random, grids, units, categories, town_of, now: datetime):
    tz = timezone.get_default_timezone()
    start = datetime(FIRST_YEAR, 1, 1, tzinfo=tz).timestamp()
    span = datetime(YEAR + 1, 1, 1, tzinfo=tz).timestamp() - start
    # Each unit has its own standard of work, so the league table is not flat.
    quality = {unit.pk: rng.uniform(0.75, 0.98) for unit in units}
    unit_ids = [unit.pk for unit in units]
    satisfaction_levels = ["very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied"]
    day = 86400
    # Numbers rise with time, as they do in production; it also keeps the date indexes' inserts local.
    receipts = sorted(start + rng.random() * span for _ in range(n))
    for i, received in enumerate(receipts, start=1):
        grid = rng.choice(grids)
        unit = rng.choice(unit_ids)
        q = quality[unit]
        category = rng.choice(categories)
        closed = received + rng.uniform(0.2, 15) * day if rng.random() < 0.93 else None
        rated = closed is not None and rng.random() < 0.915  # ≈ 85 % of all tickets
        if rated:
            solved = "solved" if rng.random() < q else rng.choice(["partly", "unsolved"])
            r = rng.random()
            satisfaction = (
                satisfaction_levels[0] if r < q * 0.5
                else satisfaction_levels[1] if r < q * 0.85
                else satisfaction_levels[2] if r < q
                else rng.choice(satisfaction_levels[3:])
            )  # fmt: skip
        yield (
            i,
            f"B{i:09d}",
            "phone",
            moment(received),
            f"诉求{i}",
            "内容",
            grid.pk,
            grid.community_id,
            town_of[grid.community_id],
            "TS",
            category.pk,
            f"{category.code}01",
            "CLOSED" if closed else "IN_PROGRESS",
            unit,
            1 if rng.random() < 0.03 else 0,
            moment(closed) if closed else None,
            rng.random() < q + 0.05 if closed else None,
            moment(closed + rng.uniform(0.1, 2) * day) if rated else None,
            unit if rated else None,
            (rng.random() < q + 0.1) if rated else None,
            solved if rated else "",
            satisfaction if rated else "",
            rated and rng.random() < 0.02,
            now,
        )


TICKET_COLUMNS = [
    "id", "number", "channel", "received_at", "title", "content", "grid_id", "community_id", "town_id",
    "request_type", "category_id", "category_code", "status", "lead_unit_id", "redo_count", "closed_at",
    "closed_on_time", "rated_at", "rated_unit_id", "rated_contacted_in_time", "rated_solved",
    "rated_satisfaction", "excluded_from_rating", "updated_at",
]  # fmt: skip


def side_rows(n: int, rng: random.Random, units):
    """Lead assignments for a tenth of the tickets; a third flagged overdue, some returned or supervised."""
    tz = timezone.get_default_timezone()
    start = datetime(FIRST_YEAR, 1, 1, tzinfo=tz)
    unit_ids = [unit.pk for unit in units]
    assignments, returns, supervisions = [], [], []
    for a_id, ticket in enumerate(rng.sample(range(1, n + 1), n // 10), start=1):
        unit = rng.choice(unit_ids)
        dispatched = start + timedelta(seconds=rng.randrange(731 * 86400))
        due = dispatched + timedelta(days=5)
        overdue = due + timedelta(hours=1) if rng.random() < 0.3 else None
        assignments.append(
            (a_id, ticket, 1, unit, "lead", "in_progress", dispatched, dispatched + timedelta(hours=2),
             dispatched + timedelta(days=1), due, due, due - timedelta(days=1), due - timedelta(hours=4),
             overdue)
        )  # fmt: skip
        if rng.random() < 0.2:
            decision = rng.choice(["approved", "rejected", "pending"])
            returns.append(
                (a_id, dispatched + timedelta(hours=3), "非本单位职责", "三定方案", "in_progress", decision)
            )
        if rng.random() < 0.1:
            supervisions.append(
                (ticket, unit if rng.random() < 0.8 else None, dispatched + timedelta(days=4), "请加快办理")
            )
    return assignments, returns, supervisions


# Covering indexes proposed for tickets.Ticket: each period query reads only its index, for every
# grouping; the first replaces Index(fields=["rated_at", "rated_unit"]), which is its prefix.
PROPOSED_INDEXES = [
    models.Index(
        fields=["rated_at", "rated_unit", "excluded_from_rating", "grid", "town", "category_code",
                "rated_contacted_in_time", "rated_solved", "rated_satisfaction"],
        name="ticket_rated_cover_idx",
    ),
    models.Index(fields=["received_at", "lead_unit", "grid", "town", "category_code"], name="ticket_received_cover_idx"),
    models.Index(
        fields=["closed_at", "lead_unit", "grid", "town", "category_code", "closed_on_time", "redo_count"],
        name="ticket_closed_cover_idx",
    ),
]  # fmt: skip


def timed(label: str, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    rows = three_rates(user=SYSTEM, **kwargs)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    total = totals(rows)
    print(
        f"  {label}: {wall:.2f} s (cpu {cpu:.2f} s)  [{len(rows)} rows; rated {total.rated:,}, "
        f"received {total.received:,}, closed {total.closed:,}, returns {total.returns:,}, "
        f"overdue {total.overdue:,}, supervised {total.supervised:,}]"
    )
    return rows, total, wall


def timings() -> tuple[list, object, float]:
    year = {"date_from": date(YEAR, 1, 1), "date_to": date(YEAR, 12, 31)}
    rows, total, elapsed = timed("by unit, one year", by="unit", **year)
    timed("by unit, one year (again)", by="unit", **year)
    timed("by unit, one month", by="unit", date_from=date(YEAR, 3, 1), date_to=date(YEAR, 3, 31))
    timed("by grid, one year", by="grid", **year)
    timed("by town, one year", by="town", **year)
    timed("by category, one year", by="category", **year)
    verdict = "ok" if elapsed < 3 else "SLOW"
    print(f"  aim: by unit over a year < 3 s -> {verdict} ({elapsed:.2f} s)")
    return rows, total, elapsed


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def league_timings() -> None:
    """league_table with comparisons (3 periods × the counts, the category mix, the fair ranking): counted live
    from the tickets, then from the stored monthly counts (`assessment.aggregates`) after counting every
    month, with the two checked to give the same tables."""
    cases = [
        ("unit, December", dict(date_from=date(YEAR, 12, 1), date_to=date(YEAR, 12, 31))),
        ("unit, whole year", dict(date_from=date(YEAR, 1, 1), date_to=date(YEAR, 12, 31))),
        ("grid, December", dict(date_from=date(YEAR, 12, 1), date_to=date(YEAR, 12, 31), by="grid")),
        ("unit, 15 Nov to 20 Dec", dict(date_from=date(YEAR, 11, 15), date_to=date(YEAR, 12, 20))),
    ]
    selectors.USE_STORED = False
    print(f"league_table counted live, {ARGS.live_runs} runs each; load {os.getloadavg()}")
    live = {label: time_league(label, kwargs, ARGS.live_runs) for label, kwargs in cases}
    selectors.USE_STORED = True
    t0 = time.perf_counter()
    months = aggregates.refresh(timezone.now(), limit=None)
    print(
        f"counting the stored monthly counts: {months} months, {MonthlyCount.objects.count():,} rows, "
        f"{time.perf_counter() - t0:.1f} s"
    )
    print(f"league_table from the stored months, {ARGS.runs} runs each; load {os.getloadavg()}")
    for label, kwargs in cases:
        league = time_league(label, kwargs, ARGS.runs)
        same = (
            all(
                [vars(r) for r in league.tables[code]] == [vars(r) for r in live[label].tables[code]]
                for code in league.tables
            )
            and league.tables.keys() == live[label].tables.keys()
        )
        print(
            f"    stored months {len(league.counts['current'].stored_months)}; same figures as live: {same}"
        )
    print(f"  load after: {os.getloadavg()}")
    for code, rows in league.tables.items():
        top = rows[0]
        print(
            f"  {league.title(code)} first: {top.label} 综合 {top.composite * 100:.1f} 修正 "
            f"{top.composite_shrunk * 100:.1f} (下限 {top.composite_lower * 100:.1f}) 结构调整 "
            f"{top.composite_adjusted * 100:.1f}  {top.rank_move}"
        )


def time_league(label: str, kwargs: dict, runs: int):
    samples, league = [], None
    for _ in range(runs):
        wall = time.perf_counter()
        league = league_table(user=SYSTEM, **kwargs)
        samples.append(time.perf_counter() - wall)
    p50, p95 = percentiles(samples)
    rows = league.rows
    compared = sum(row.composite_prev is not None for row in rows)
    last_year = sum(row.composite_last_year is not None for row in rows)
    print(
        f"  {label}: p50 {p50:.2f} s  p95 {p95:.2f} s  [{len(league.tables)} tables, {len(rows)} rows, "
        f"rated {league.total.rated:,}; {compared} with a 环比 row, {last_year} with a 同比 row; previous "
        f"{league.previous[0]}..{league.previous[1]}, a year earlier {league.last_year[0]}..{league.last_year[1]}]"
    )
    return league


def load(rng: random.Random) -> None:
    grids, units, categories, town_of = build_registry(rng)
    now = timezone.now()
    count = insert(
        Ticket, TICKET_COLUMNS, ticket_rows(ARGS.tickets, rng, grids, units, categories, town_of, now)
    )
    assignments, returns, supervisions = side_rows(ARGS.tickets, rng, units)
    insert(
        Assignment,
        ["id", "ticket_id", "round", "unit_id", "role", "state", "dispatched_at", "sign_due_at",
         "first_contact_due_at", "due_at", "original_due_at", "yellow_at", "red_at", "overdue_issued_at"],
        assignments,
    )  # fmt: skip
    insert(
        ReturnRequest,
        ["assignment_id", "requested_at", "reason", "legal_basis", "state_before", "decision"],
        returns,
    )
    insert(Supervision, ["ticket_id", "unit_id", "at", "note"], supervisions)
    print(
        f"  {count:,} tickets, {len(assignments):,} assignments, {len(returns):,} returns, "
        f"{len(supervisions):,} supervisions; {len(units)} units, {len(grids)} grids, "
        f"{len(categories)} first-level categories"
    )


def main() -> None:
    print(
        f"database: {connection.vendor}; tickets: {ARGS.tickets:,}; seed {ARGS.seed}; load {os.getloadavg()}"
    )
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t0:.2f} s")

    if not ARGS.reuse:
        build()
    if ARGS.build_only:
        return
    measure()


def build() -> None:
    rng = random.Random(ARGS.seed)
    t0 = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    if sqlite:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            # Loading only: a crash loses nothing worth keeping, and a big cache keeps index pages hot.
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
    load(rng)
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA cache_size=-2000")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if connection.vendor == "postgresql":
            # What autovacuum does after a bulk load: statistics, and the visibility map index-only scans need.
            cursor.execute("VACUUM ANALYZE")
        elif ARGS.analyze:
            cursor.execute("ANALYZE")
    print(f"data generation: {time.perf_counter() - t0:.1f} s")


def measure() -> None:
    if ARGS.leagues_only:
        league_timings()
        return
    selectors.USE_STORED = False
    print("three_rates with the current schema (counted live):")
    rows, total, _ = timings()

    existing = {tuple(index.fields) for index in Ticket._meta.indexes}
    missing = [index for index in PROPOSED_INDEXES if tuple(index.fields) not in existing]
    if missing:
        t0 = time.perf_counter()
        with connection.schema_editor() as editor:
            for index in missing:
                editor.add_index(Ticket, index)
        print(f"creating the {len(missing)} proposed covering indexes: {time.perf_counter() - t0:.1f} s")
        print("three_rates with the proposed indexes:")
        rows, total, _ = timings()
    league_timings()
    selectors.USE_STORED = False

    print(
        f"\nwhole city {YEAR}: 响应率 {total.response_rate:.1%}  解决率 {total.resolution_rate:.1%}  "
        f"满意率 {total.satisfaction_rate:.1%}  综合 {total.composite * 100:.1f}  "
        f"按时办结率 {total.on_time_rate:.1%}"
    )
    print("top 3 / bottom 3 units:")
    for row in rows[:3] + rows[-3:]:
        print(
            f"  {row.rank:>2}. {row.label}: 参评 {row.rated:,}  响应 {row.response_rate:.1%}  "
            f"解决 {row.resolution_rate:.1%}  满意 {row.satisfaction_rate:.1%}  综合 {row.composite * 100:.1f}"
        )


if __name__ == "__main__":
    main()
