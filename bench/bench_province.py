"""A province on one PostgreSQL: 10,000,000 tickets (15 months of Hainan's 12345), then the pages and scans timed.

`.venv/bin/python bench/bench_province.py [--tickets 10000000] [--url postgres://postgres@127.0.0.1:5432/civicgrid_province]`

Builds (or continues building) its own database: migrate, the demo city (`--grids`) with its staff, then
tickets with their assignments, events (the ticket log) and callbacks, written by INSERT … SELECT over
generate_series inside the server, one calendar month per transaction. A table `bench_province_progress`
records each finished month, so a run that was stopped continues where it left off (same `--tickets`;
`--reset` starts again). Shapes: about 40 % answered at intake, the rest dispatched; a dispatched ticket
is still open with a chance falling with its age (about 9 % of all tickets open, most of them overdue);
units, grids and categories skewed; working days busier than rest days. Progress goes to stderr.

Then, warm, p50/p95 over `--repeat` runs: the dispatcher queue, a unit inbox, the ticket search (a keyword
and a number), the leader dashboard (through the views, as the person who uses them, after the worker's
jobs have made the monthly counts and the dashboard's recent counts; computed for the request, read from the
worker's ready-made view, and as served from the minute's cache), the three rates for a month and a year (counted live, from the stored monthly counts, and
this month to date from the recent counts), the deadline scan over the open
assignments, and a day's registrations through the intake services (`--day-tickets`). `--keep` leaves the
database (the default drops it at the end, after printing its size).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--tickets", type=int, default=10_000_000)
parser.add_argument("--url", default="postgres://postgres@127.0.0.1:5432/civicgrid_province")
parser.add_argument(
    "--grids", type=int, default=600, help="grids of the demo city the tickets are spread over"
)
parser.add_argument(
    "--end", default="2026-11-25", help="the day after the last generated day; 'now' is 09:30 on it"
)
parser.add_argument("--months", type=int, default=15)
parser.add_argument("--repeat", type=int, default=20, help="timed runs per page or query (after one warm-up)")
parser.add_argument("--day-tickets", type=int, default=22_000, help="registrations through the services")
parser.add_argument("--data-dir", default="/tmp/civicgrid-province")
parser.add_argument("--reset", action="store_true", help="drop the database and start again")
parser.add_argument("--generate-only", action="store_true")
parser.add_argument("--measure-only", action="store_true")
parser.add_argument("--keep", action="store_true", help="keep the database at the end")
parser.add_argument(
    "--skip",
    default="",
    help="comma-separated measurements to skip: pages,queues (the pages but the dashboard's),dashboard,computed "
    "(the dashboard counted for the request),rates,live (the "
    "rates counted live),stored,activity (the rates after work on older tickets),scan,intake",
)
args = parser.parse_args()

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _admin(statement: str) -> None:
    import psycopg

    admin_url = urlunsplit(urlsplit(args.url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(statement)


def _database_exists() -> bool:
    import psycopg

    name = urlsplit(args.url).path.lstrip("/")
    admin_url = urlunsplit(urlsplit(args.url)._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


DB_NAME = urlsplit(args.url).path.lstrip("/")
if args.reset and _database_exists():
    _admin(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
if not _database_exists():
    _admin(f'CREATE DATABASE "{DB_NAME}"')
Path(args.data_dir).mkdir(parents=True, exist_ok=True)
os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
os.environ["CIVICGRID_DATA_DIR"] = args.data_dir
os.environ["DATABASE_URL"] = args.url
os.environ.pop("CIVICGRID_PG_TEST_DB", None)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_started  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from civicgrid.registry.models import Grid, Place, Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402
from civicgrid.sla.models import TimeLimitPolicy  # noqa: E402
from civicgrid.tickets.models import Assignment, Ticket, TicketSequence  # noqa: E402
from civicgrid.workcal.models import WorkDay  # noqa: E402

TZ = timezone.get_default_timezone()
END_DAY = date.fromisoformat(args.end)
NOW = datetime.combine(END_DAY, datetime.min.time(), tzinfo=TZ) + timedelta(hours=9, minutes=30)
_back = END_DAY.year * 12 + END_DAY.month - 1 - args.months
START_DAY = date(_back // 12, _back % 12 + 1, min(END_DAY.day, 28))  # `--months` months before END_DAY
PROBLEMS = [
    "路灯不亮", "噪音扰民", "路面积水", "垃圾清运不及时", "占道经营", "楼道堆放杂物", "物业服务差", "停水",
    "拖欠工资", "违章搭建", "油烟扰民", "交通拥堵", "公交班次少", "学位申请咨询", "医保报销咨询",
    "社保缴费咨询", "房屋漏水", "电梯故障", "夜间施工噪音", "犬只扰民", "下水道堵塞", "井盖缺失",
    "绿化带损坏", "共享单车乱停", "出租车拒载", "食品安全", "燃气异味", "停电", "网络信号差", "路面破损",
]  # fmt: skip
NAMES = ["张先生", "李女士", "王先生", "陈女士", "刘先生", "黄女士", "吴先生", "林女士", "符先生", "周女士"]
SAMPLE_NUMBER_ROW = 4321  # the ticket whose number the number search looks up


# ---------------------------------------------------------------------------------------------- progress


class Bar:
    """One line on stderr: steps done of all, rows written, rows/s, time left (by steps)."""

    def __init__(self, total: int, done: int = 0):
        self.total, self.done, self.rows, self.started = total, done, 0, time.perf_counter()
        self.first = done

    def step(self, label: str, rows: int = 0, advance: int = 1) -> None:
        self.done += advance
        self.rows += rows
        spent = time.perf_counter() - self.started
        rate = self.rows / spent if spent else 0
        steps = self.done - self.first
        left = spent / steps * (self.total - self.done) if steps else 0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {label:<22} "
            f"{self.rows:>12,} rows {rate:>9,.0f}/s  left ~{left / 60:.0f} min "
        )
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\n")


def log(message: str) -> None:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{message}  [load {load}]", flush=True)


# ------------------------------------------------------------------------------------------- progress rows


def sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def one(statement: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()


def progress_table() -> None:
    sql(
        "CREATE TABLE IF NOT EXISTS bench_province_progress (step text PRIMARY KEY, info jsonb NOT NULL, "
        "done_at timestamptz NOT NULL DEFAULT now())"
    )


def done_steps() -> dict[str, dict]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT step, info FROM bench_province_progress")
        return {
            step: (info if isinstance(info, dict) else json.loads(info)) for step, info in cursor.fetchall()
        }


def mark(step: str, info: dict) -> None:
    sql(
        "INSERT INTO bench_province_progress (step, info) VALUES (%s, %s) "
        "ON CONFLICT (step) DO UPDATE SET info = EXCLUDED.info, done_at = now()",
        [step, json.dumps(info)],
    )


# ------------------------------------------------------------------------------------------------- set-up


def setup() -> dict:
    """Migrate, the demo city and its staff; returns the pools the SQL draws from (kept in the progress row)."""
    from civicgrid.demo.city import build_city

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    build_city(seed=1, grids=args.grids, log=lambda msg: None)
    departments = list(
        Unit.objects.filter(kind__in=["department", "enterprise"])
        .order_by("code")
        .values_list("pk", flat=True)
    )
    random.Random(7).shuffle(departments)  # the busiest departments are not the first in the code order
    grids = list(Grid.objects.select_related("community").order_by("code"))
    random.Random(8).shuffle(grids)
    teams = dict(Unit.objects.filter(kind="grid_team").values_list("grid_id", "pk"))
    town_units = dict(Unit.objects.filter(kind="town").values_list("area_id", "pk"))
    places = {}
    for grid_id, name, address in Place.objects.exclude(grid=None).values_list("grid_id", "name", "address"):
        places.setdefault(grid_id, (name, address))
    categories = list(Category.objects.filter(version="2026.1", level=2).order_by("code"))
    random.Random(9).shuffle(categories)
    pools = {
        "departments": departments,
        "grids": [g.pk for g in grids],
        "grid_teams": [teams.get(g.pk) for g in grids],
        "grid_towns": [g.community.parent_id for g in grids],
        "grid_town_units": [town_units.get(g.community.parent_id) for g in grids],
        "grid_communities": [g.community_id for g in grids],
        "grid_paths": [" / ".join(a.name for a in g.community.ancestors()) for g in grids],
        "grid_places": [places.get(g.pk, (g.name, g.name))[0][:30] for g in grids],
        "grid_addresses": [places.get(g.pk, (g.name, g.name))[1][:150] for g in grids],
        "categories": [c.pk for c in categories],
        "category_codes": [c.code for c in categories],
        "policy": TimeLimitPolicy.objects.get(request_type="", urgency="", dispatch_mode="").pk,
        "seconds": round(time.perf_counter() - started, 1),
    }
    return pools


def day_counts(total: int) -> list[tuple[date, int]]:
    """Tickets per day: working days busier than rest days, volume growing ~15 % over the period."""
    workdays = dict(
        WorkDay.objects.filter(date__gte=START_DAY, date__lt=END_DAY).values_list("date", "is_workday")
    )
    days = [START_DAY + timedelta(days=i) for i in range((END_DAY - START_DAY).days)]
    weights = [
        (1.0 if workdays.get(d, d.weekday() < 5) else 0.58) * (1 + 0.15 * i / len(days))
        for i, d in enumerate(days)
    ]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in sorted(range(len(days)), key=lambda i: -(weights[i] * scale - counts[i]))[: total - sum(counts)]:
        counts[i] += 1
    return list(zip(days, counts, strict=True))


# --------------------------------------------------------------------------------------- generation (SQL)

TICKET_SQL = """
WITH raw AS (
    SELECT d.day, s.i,
        (d.day::timestamp + make_interval(secs => 3600 * (7 + 15 * (u.u + 0.5 * sin(2 * pi() * u.u) / (2 * pi())))))
            AT TIME ZONE %(tz)s AS received_at,
        random() AS r_kind, random() AS r_open, random() AS r_state, random() AS r_unit, random() AS r_unit2,
        random() AS r_grid, random() AS r_cat, random() AS r_work, random() AS r_disp, random() AS r_type,
        random() AS r_rate, random() AS r_sat, random() AS r_solve, random() AS r_text
    FROM unnest(%(days)s::date[], %(counts)s::int[]) AS d(day, n)
    CROSS JOIN LATERAL generate_series(1, d.n) AS s(i)
    CROSS JOIN LATERAL (SELECT (s.i - 0.5) / d.n AS u) AS u
), aged AS (
    SELECT raw.*,
        extract(epoch FROM (%(now)s::timestamptz - received_at)) / 86400.0 AS age,
        1 + floor(%(n_grids)s * power(r_grid, 1.6))::int AS g,
        1 + floor(%(n_cats)s * power(r_cat, 2))::int AS c,
        CASE WHEN r_kind < 0.40 THEN 'direct' WHEN r_kind < 0.41 THEN 'declined'
             WHEN r_kind < 0.415 THEN 'transferred' ELSE 'dispatch' END AS kind,
        CASE WHEN r_type < 0.25 THEN 'ZX' WHEN r_type < 0.70 THEN 'QZ' WHEN r_type < 0.90 THEN 'TS'
             WHEN r_type < 0.95 THEN 'JB' ELSE 'JY' END AS request_type
    FROM raw
), shaped AS (
    SELECT aged.*,
        kind = 'dispatch' AND r_open < 0.85 * exp(-age / 30) + 0.10 AS is_open,
        CASE request_type WHEN 'ZX' THEN 3 WHEN 'TS' THEN 10 ELSE 7 END AS limit_days,
        -- time from dispatch to the callback that closes it: mostly well inside the limit
        least((0.35 * CASE request_type WHEN 'ZX' THEN 3 WHEN 'TS' THEN 10 ELSE 7 END) * -ln(1 - r_work) + 0.2,
              greatest(age * 0.9, 0.01)) AS work_days,
        least((0.1 + 1.5 * r_disp) / 24.0, age * 0.1) AS dispatch_days
    FROM aged
), final AS (
    SELECT shaped.*,
        CASE WHEN kind = 'direct' THEN 'DIRECT_ANSWERED' WHEN kind = 'declined' THEN 'NOT_ACCEPTED'
             WHEN kind = 'transferred' THEN 'TRANSFERRED' WHEN NOT is_open THEN 'CLOSED'
             WHEN age < 0.75 AND r_state < 0.3 THEN 'PENDING_DISPATCH'
             WHEN r_state < 0.12 AND age < 2 THEN 'DISPATCHED'
             WHEN r_state < 0.75 THEN 'IN_PROGRESS' WHEN r_state < 0.83 THEN 'REPLIED'
             WHEN r_state < 0.92 THEN 'PENDING_CALLBACK' ELSE 'REOPENED' END AS status,
        CASE WHEN r_unit < 0.6 THEN (%(departments)s::int[])[1 + floor(%(n_depts)s * power(r_unit2, 2))::int]
             WHEN r_unit < 0.88 THEN (%(grid_teams)s::int[])[g]
             ELSE (%(grid_town_units)s::int[])[g] END AS lead
    FROM shaped
)
INSERT INTO tickets_ticket ({columns})
SELECT {values} FROM final
ORDER BY received_at
"""

TICKET_VALUES = {
    "number": "to_char(day, 'YYYYMMDD') || '-' || lpad(i::text, 6, '0')",
    "query_code": "upper(substr(md5(r_text::text), 1, 6))",
    "channel": "CASE WHEN r_text < 0.8 THEN 'phone' WHEN r_text < 0.9 THEN 'wechat' ELSE 'web' END",
    "received_at": "received_at",
    "requester_name": "(%(names)s::text[])[1 + floor(10 * r_sat)::int]",
    "requester_phone": "'139' || lpad(floor(r_rate * 100000000)::bigint::text, 8, '0')",
    "address": "(%(grid_addresses)s::text[])[g]",
    "title": "(%(grid_places)s::text[])[g] || (%(problems)s::text[])[1 + floor(30 * r_text)::int]",
    "content": "(%(grid_places)s::text[])[g] || (%(problems)s::text[])[1 + floor(30 * r_text)::int] "
    "|| '，已有一段时间，请有关部门尽快处理。'",
    "grid_id": "(%(grids)s::int[])[g]",
    "community_id": "(%(grid_communities)s::int[])[g]",
    "town_id": "(%(grid_towns)s::int[])[g]",
    "area_path": "(%(grid_paths)s::text[])[g]",
    "request_type": "request_type",
    "urgency": "'normal'",
    "category_id": "(%(categories)s::int[])[c]",
    "category_code": "(%(category_codes)s::text[])[c]",
    "category_version": "'2026.1'",
    "triage_outcome": "CASE kind WHEN 'direct' THEN 'EXPLAIN' WHEN 'declined' THEN 'REDIRECT_LEGAL' "
    "WHEN 'transferred' THEN 'TRANSFER_EMERGENCY' ELSE 'ACCEPT' END",
    "direct_answer": "CASE WHEN kind = 'direct' THEN '已按知识库答复诉求人。' ELSE '' END",
    "status": "status",
    "dispatch_mode": "CASE WHEN kind = 'dispatch' AND status <> 'PENDING_DISPATCH' THEN 'to_department' ELSE '' END",
    "dispatch_round": "CASE WHEN kind = 'dispatch' AND status <> 'PENDING_DISPATCH' THEN 1 ELSE 0 END",
    "lead_unit_id": "CASE WHEN kind = 'dispatch' AND status <> 'PENDING_DISPATCH' THEN lead END",
    "dispatched_at": "CASE WHEN kind = 'dispatch' AND status <> 'PENDING_DISPATCH' "
    "THEN received_at + dispatch_days * interval '1 day' END",
    "redo_count": "CASE WHEN status = 'REOPENED' OR (status = 'CLOSED' AND r_solve > 0.96) THEN 1 ELSE 0 END",
    "warning_level": "CASE WHEN status IN ('DISPATCHED', 'IN_PROGRESS', 'REOPENED') THEN CASE "
    "WHEN age - dispatch_days > limit_days THEN 'overdue' WHEN age - dispatch_days > 0.8 * limit_days THEN 'red' "
    "WHEN age - dispatch_days > 0.5 * limit_days THEN 'yellow' ELSE '' END ELSE '' END",
    "result_code": "CASE WHEN status IN ('CLOSED', 'REPLIED', 'PENDING_CALLBACK') THEN 'solved' ELSE '' END",
    "reply_text": "CASE WHEN status IN ('CLOSED', 'REPLIED', 'PENDING_CALLBACK') THEN '已处理完毕。' ELSE '' END",
    "replied_at": "CASE WHEN status = 'CLOSED' THEN received_at + (dispatch_days + 0.8 * work_days) * interval '1 day' "
    "WHEN status IN ('REPLIED', 'PENDING_CALLBACK') THEN received_at + 0.9 * age * interval '1 day' END",
    "callback_due_at": "CASE WHEN status = 'CLOSED' THEN received_at + (dispatch_days + 0.8 * work_days + 1) * interval '1 day' "
    "WHEN status IN ('REPLIED', 'PENDING_CALLBACK') THEN received_at + (0.9 * age + 1) * interval '1 day' END",
    "closed_at": "CASE WHEN status = 'CLOSED' THEN received_at + (dispatch_days + work_days) * interval '1 day' "
    "WHEN kind <> 'dispatch' THEN received_at + interval '4 minutes' END",
    "callback_exemption": "CASE WHEN status = 'CLOSED' AND r_rate >= 0.92 THEN '回访未接通' ELSE '' END",
    "rated_at": "CASE WHEN status = 'CLOSED' AND r_rate < 0.92 "
    "THEN received_at + (dispatch_days + work_days) * interval '1 day' END",
    "rated_unit_id": "CASE WHEN status = 'CLOSED' AND r_rate < 0.92 THEN lead END",
    "rated_contacted_in_time": "CASE WHEN status = 'CLOSED' AND r_rate < 0.92 THEN r_disp < 0.96 END",
    "rated_solved": "CASE WHEN status = 'CLOSED' AND r_rate < 0.92 THEN "
    "CASE WHEN r_solve < 0.85 THEN 'solved' WHEN r_solve < 0.93 THEN 'partly' ELSE 'unsolved' END ELSE '' END",
    "rated_satisfaction": "CASE WHEN status = 'CLOSED' AND r_rate < 0.92 THEN CASE WHEN r_sat < 0.55 THEN "
    "'very_satisfied' WHEN r_sat < 0.85 THEN 'satisfied' WHEN r_sat < 0.93 THEN 'basic' WHEN r_sat < 0.98 "
    "THEN 'unsatisfied' ELSE 'very_unsatisfied' END ELSE '' END",
    "closed_on_time": "CASE WHEN status = 'CLOSED' THEN 0.8 * work_days <= limit_days END",
    "updated_at": "received_at",
}

# Lead and co-unit assignments of the month's dispatched tickets; deadlines from the request type's limit.
ASSIGNMENT_SQL = """
INSERT INTO tickets_assignment ({columns})
SELECT {values} FROM (
    SELECT t.id AS ticket_id, t.status, t.dispatched_at, t.replied_at, t.closed_at, t.result_code,
        CASE t.request_type WHEN 'ZX' THEN 3 WHEN 'TS' THEN 10 ELSE 7 END * interval '1 day' AS span,
        r.role, r.unit_id, r.r
    FROM tickets_ticket t
    CROSS JOIN LATERAL (
        SELECT 'lead' AS role, t.lead_unit_id AS unit_id, 0.0 AS r
        UNION ALL
        SELECT 'co', (%(departments)s::int[])[1 + floor(%(n_depts)s * random())::int], random()
        WHERE random() < 0.15
    ) AS r
    WHERE t.id > %(lo)s AND t.id <= %(hi)s AND t.dispatched_at IS NOT NULL
    ORDER BY t.id, r.role DESC
) a
"""

# The state of each assignment from its ticket's status; warnings issued for points crossed while it was
# active (before its reply, or before 15 minutes ago for those still active: the scan runs every minute).
_ACTIVE = "a.status IN ('DISPATCHED', 'IN_PROGRESS', 'REOPENED') AND NOT (a.role = 'co' AND a.r < 0.5)"
_UNTIL = f"CASE WHEN {_ACTIVE} THEN %(now)s::timestamptz - interval '15 minutes' ELSE a.replied_at END"
ASSIGNMENT_VALUES = {
    "ticket_id": "a.ticket_id",
    "round": "1",
    "unit_id": "a.unit_id",
    "role": "a.role",
    "state": "CASE WHEN a.status = 'CLOSED' THEN 'done' "
    "WHEN a.status = 'DISPATCHED' THEN 'pending_sign' "
    "WHEN a.status IN ('REPLIED', 'PENDING_CALLBACK') THEN CASE a.role WHEN 'lead' THEN 'replied' ELSE 'co_replied' END "
    "WHEN a.role = 'co' AND a.r < 0.5 THEN 'co_replied' ELSE 'in_progress' END",
    "policy_id": "%(policy)s",
    "dispatched_at": "a.dispatched_at",
    "sign_due_at": "a.dispatched_at + interval '2 hours'",
    "first_contact_due_at": "a.dispatched_at + interval '1 day'",
    "due_at": "a.dispatched_at + a.span",
    "original_due_at": "a.dispatched_at + a.span",
    "yellow_at": "a.dispatched_at + 0.5 * a.span",
    "red_at": "a.dispatched_at + 0.8 * a.span",
    "signed_at": "CASE WHEN a.status = 'DISPATCHED' THEN NULL "
    "WHEN a.replied_at IS NOT NULL THEN a.dispatched_at + 0.1 * (a.replied_at - a.dispatched_at) "
    "ELSE a.dispatched_at + least(interval '2 hours', 0.3 * (%(now)s::timestamptz - a.dispatched_at)) END",
    "replied_at": "CASE WHEN a.replied_at IS NOT NULL THEN a.replied_at - a.r * interval '1 hour' "
    "WHEN a.role = 'co' AND a.r < 0.5 THEN a.dispatched_at + 0.5 * (%(now)s::timestamptz - a.dispatched_at) END",
    "reply_text": "CASE WHEN a.replied_at IS NOT NULL THEN '已处理完毕。' ELSE '' END",
    "result_code": "CASE WHEN a.replied_at IS NOT NULL THEN 'solved' ELSE '' END",
    "yellow_issued_at": f"CASE WHEN a.dispatched_at + 0.5 * a.span <= {_UNTIL} THEN a.dispatched_at + 0.5 * a.span END",
    "red_issued_at": f"CASE WHEN a.dispatched_at + 0.8 * a.span <= {_UNTIL} THEN a.dispatched_at + 0.8 * a.span END",
    "overdue_issued_at": f"CASE WHEN a.dispatched_at + a.span <= {_UNTIL} THEN a.dispatched_at + a.span END",
}

# The log: every ticket registered; then its answer at intake, or dispatch, sign-off, warnings, reply,
# callback and closing as far as it got.
EVENT_SQL = """
INSERT INTO tickets_event (ticket_id, at, actor_id, action, from_status, to_status, assignment_id, note,
    payload, is_public)
SELECT t.id, e.at, NULL, e.action, e.from_status, e.to_status, e.assignment_id, '', '{}', e.is_public
FROM tickets_ticket t
LEFT JOIN tickets_assignment a ON a.ticket_id = t.id AND a.role = 'lead'
CROSS JOIN LATERAL (VALUES
    (1, t.received_at, 'registered', '', 'RECEIVED', NULL::bigint, true),
    (2, CASE WHEN t.status = 'DIRECT_ANSWERED' THEN t.closed_at END, 'answered_directly', 'RECEIVED',
        'DIRECT_ANSWERED', NULL, true),
    (2, CASE WHEN t.status = 'NOT_ACCEPTED' THEN t.closed_at END, 'declined', 'RECEIVED', 'NOT_ACCEPTED', NULL, true),
    (2, CASE WHEN t.status = 'TRANSFERRED' THEN t.closed_at END, 'transferred', 'RECEIVED', 'TRANSFERRED', NULL, true),
    (2, CASE WHEN t.status = 'PENDING_DISPATCH' THEN t.received_at + interval '3 minutes' END, 'accepted',
        'RECEIVED', 'PENDING_DISPATCH', NULL, false),
    (3, a.dispatched_at, 'dispatched', 'RECEIVED', 'DISPATCHED', a.id, true),
    (4, a.signed_at, 'signed', 'DISPATCHED', 'IN_PROGRESS', a.id, true),
    (5, a.yellow_issued_at, 'warning_yellow', '', '', a.id, false),
    (6, a.red_issued_at, 'warning_red', '', '', a.id, false),
    (7, a.overdue_issued_at, 'overdue', '', '', a.id, false),
    (8, t.replied_at, 'replied', 'IN_PROGRESS', 'REPLIED', a.id, true),
    (9, CASE WHEN t.status IN ('CLOSED', 'PENDING_CALLBACK') THEN t.replied_at + interval '2 hours' END,
        'review_passed', 'REPLIED', 'PENDING_CALLBACK', NULL, false),
    (10, CASE WHEN t.status = 'CLOSED' THEN t.closed_at END, 'callback_recorded', 'PENDING_CALLBACK',
        'PENDING_CALLBACK', NULL, false),
    (11, CASE WHEN t.status = 'CLOSED' THEN t.closed_at + interval '1 second' END, 'closed', 'PENDING_CALLBACK',
        'CLOSED', NULL, true),
    (12, CASE WHEN t.status = 'REOPENED' THEN a.signed_at + interval '1 second' END, 'reopened', 'PENDING_CALLBACK',
        'REOPENED', a.id, true)
) AS e(n, at, action, from_status, to_status, assignment_id, is_public)
WHERE t.id > %(lo)s AND t.id <= %(hi)s AND e.at IS NOT NULL
ORDER BY t.id, e.n
"""

# Callbacks: the one that closed the ticket (reached and rated, or the last unreached attempt).
CALLBACK_SQL = """
INSERT INTO tickets_callback (ticket_id, at, by_id, channel, reached, contacted, solved, satisfaction, valid,
    attributable, invalid_reason, notes)
SELECT t.id, t.closed_at, NULL, 'phone', t.rated_at IS NOT NULL, t.rated_contacted_in_time, t.rated_solved,
    t.rated_satisfaction, t.rated_at IS NOT NULL,
    t.rated_satisfaction IN ('unsatisfied', 'very_unsatisfied'), '', ''
FROM tickets_ticket t
WHERE t.id > %(lo)s AND t.id <= %(hi)s AND t.status = 'CLOSED'
ORDER BY t.id
"""


def _literal(field) -> str:
    """The value of a column the SQL does not set: what a new row gets from Django."""
    from django.db import models

    if field.null:
        return "NULL"
    if isinstance(field, models.BooleanField):
        return "false"
    if isinstance(field, models.JSONField):
        return "'[]'" if field.default is list else "'{}'"
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return str(field.default if field.default is not models.NOT_PROVIDED else 0)
    if isinstance(field, (models.CharField, models.TextField)):
        return "''"
    raise ValueError(f"no value for {field.name}")


def _insert_sql(template: str, model, values: dict) -> str:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    exprs = ", ".join(values.get(f.column, values.get(f.name)) or _literal(f) for f in fields)
    return template.format(columns=columns, values=exprs)


def generate_month(month_days: list[tuple[date, int]], pools: dict, seed: float) -> dict:
    """One month in one transaction: tickets, assignments, events, callbacks, the day sequences."""
    params = {
        "tz": str(TZ),
        "now": NOW,
        "days": [d for d, _ in month_days],
        "counts": [n for _, n in month_days],
        "names": NAMES,
        "problems": PROBLEMS,
        "n_grids": len(pools["grids"]),
        "n_cats": len(pools["categories"]),
        "n_depts": len(pools["departments"]),
        **{key: pools[key] for key in pools if isinstance(pools[key], list)},
        "policy": pools["policy"],
    }
    rows = {}
    with transaction.atomic():
        sql("SET LOCAL work_mem = '256MB'")
        sql("SET LOCAL synchronous_commit = off")
        # The rows reference only rows written before them: skip the deferred per-row foreign-key checks
        # (as pg_restore does); needs a superuser, as the bench's own database has.
        sql("SET LOCAL session_replication_role = replica")
        # Hash joins over the month's id range: while the secondary indexes are dropped, a nested loop the
        # planner picks from stale statistics would read the assignments once per ticket.
        sql("SET LOCAL enable_nestloop = off")
        sql("SELECT setseed(%s)", [seed])
        lo = one("SELECT coalesce(max(id), 0) FROM tickets_ticket")[0]
        rows["tickets"] = sql(_insert_sql(TICKET_SQL, Ticket, TICKET_VALUES), params)
        hi = one("SELECT coalesce(max(id), 0) FROM tickets_ticket")[0]
        bounds = {"lo": lo, "hi": hi}
        yield_step("tickets", rows["tickets"])
        rows["assignments"] = sql(
            _insert_sql(ASSIGNMENT_SQL, Assignment, ASSIGNMENT_VALUES), {**params, **bounds}
        )
        yield_step("assignments", rows["assignments"])
        rows["events"] = sql(EVENT_SQL, bounds)
        yield_step("events", rows["events"])
        rows["callbacks"] = sql(CALLBACK_SQL, bounds)
        TicketSequence.objects.bulk_create(
            [TicketSequence(day=d, last=n) for d, n in month_days],
            update_conflicts=True,
            unique_fields=["day"],
            update_fields=["last"],
        )
        yield_step("callbacks", rows["callbacks"])
    return rows


_bar: Bar | None = None


def yield_step(label: str, rows: int) -> None:
    if _bar:
        _bar.step(label, rows)


def generate() -> None:
    global _bar
    progress_table()
    done = done_steps()
    wanted = {"tickets": args.tickets, "end": args.end, "months": args.months, "grids": args.grids}
    if "params" in done and {k: done["params"].get(k) for k in wanted} != wanted:
        sys.exit(f"{DB_NAME} holds a run with {done['params']}; use --reset to start again")
    if "setup" not in done:
        log("set-up: migrate and the demo city …")
        pools = setup()
        mark("params", wanted)
        mark("setup", pools)
        done = done_steps()
        log(
            f"set-up done in {pools['seconds']} s: {args.grids} grids, {len(pools['departments'])} departments"
        )
    pools = done["setup"]
    by_month: dict[str, list] = {}
    for day, n in day_counts(args.tickets):
        by_month.setdefault(f"{day:%Y-%m}", []).append((day, n))
    todo = [m for m in by_month if f"month:{m}" not in done]
    log(
        f"generating {args.tickets:,} tickets {START_DAY} … {END_DAY - timedelta(days=1)} in {len(by_month)} months; "
        f"{len(by_month) - len(todo)} already done"
    )
    if todo:
        drop_indexes(done)
    _bar = Bar(4 * len(by_month), 4 * (len(by_month) - len(todo)))
    for month in todo:
        started = time.perf_counter()
        rows = generate_month(by_month[month], pools, seed=(int(month.replace("-", "")) % 1000) / 1000)
        rows["seconds"] = round(time.perf_counter() - started, 1)
        mark(f"month:{month}", rows)
    _bar.close()
    _bar = None
    done = done_steps()
    if "indexes" in done and "indexes_restored" not in done:
        started = time.perf_counter()
        statements = done["indexes"]["create"]
        for i, statement in enumerate(statements):
            sys.stderr.write(f"\r  rebuilding index {i + 1}/{len(statements)} ")
            sys.stderr.flush()
            sql(statement)
        sys.stderr.write("\n")
        mark(
            "indexes_restored", {"seconds": round(time.perf_counter() - started, 1), "count": len(statements)}
        )
        done = done_steps()
    if "analyze" not in done:
        started = time.perf_counter()
        sql("VACUUM ANALYZE")  # outside a transaction: autocommit
        mark("analyze", {"seconds": round(time.perf_counter() - started, 1)})
        done = done_steps()
    months = [info for step, info in done.items() if step.startswith("month:")]
    seconds = sum(m["seconds"] for m in months)
    totals = {k: sum(m[k] for m in months) for k in ("tickets", "assignments", "events", "callbacks")}
    rebuild = done.get("indexes_restored", {}).get("seconds", 0)
    log(
        "generated: "
        + ", ".join(f"{v:,} {k}" for k, v in totals.items())
        + f" in {seconds:,.0f} s of inserts ({sum(totals.values()) / seconds:,.0f} rows/s) + {rebuild:,.0f} s "
        f"rebuilding {done.get('indexes_restored', {}).get('count', 0)} indexes: "
        f"{totals['tickets'] / (seconds + rebuild):,.0f} tickets/s overall; "
        f"VACUUM ANALYZE {done['analyze']['seconds']} s"
    )
    report_sizes()


BULK_TABLES = ["tickets_ticket", "tickets_assignment", "tickets_event", "tickets_callback"]


def drop_indexes(done: dict) -> None:
    """Drop the secondary indexes of the four big tables while loading (their definitions kept in the progress
    table, rebuilt once at the end): building an index once by sorting is far cheaper than keeping it up to
    date row by row. Indexes backing a constraint (primary keys, unique numbers) stay."""
    if "indexes" in done and "indexes_restored" not in done:
        statements = done["indexes"]["create"]
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = "
                "i.indexrelid) ORDER BY t.relname, i.indexrelid::regclass::text",
                [BULK_TABLES],
            )
            statements = [row[0] for row in cursor.fetchall()]
        mark("indexes", {"create": statements})
        sql("DELETE FROM bench_province_progress WHERE step = 'indexes_restored'")
    for statement in statements:
        name = statement.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
        sql(f"DROP INDEX IF EXISTS {name}")


def report_sizes() -> None:
    size = one("SELECT pg_database_size(current_database())")[0]
    log(f"database size: {size / 2**30:.2f} GiB")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid) FROM pg_class c "
            "WHERE relname IN ('tickets_ticket', 'tickets_assignment', 'tickets_event', 'tickets_callback') "
            "ORDER BY 2 DESC"
        )
        for name, total, heap in cursor.fetchall():
            log(f"  {name}: {total / 2**30:.2f} GiB ({heap / 2**30:.2f} GiB table, the rest indexes)")


# -------------------------------------------------------------------------------------------- measuring


def timed(fn, repeat: int | None = None, setup=None) -> tuple[float, float, float]:
    """(first, p50, p95) in ms: one warm-up run, then `repeat` timed ones; `setup` runs untimed before each."""
    repeat = repeat or args.repeat
    if setup:
        setup()
    started = time.perf_counter()
    fn()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    p95 = statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]
    return first, statistics.median(times), p95


class SqlClock:
    """Time spent waiting for the database per page load (the warm-up left out), to tell a slow sample's SQL
    from its Python: the page's total minus this."""

    def __init__(self):
        self.samples: list[tuple[float, int]] = []

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self._time)
        self._wrapper.__enter__()
        request_started.connect(self._start)
        return self

    def __exit__(self, *exc):
        request_started.disconnect(self._start)
        self._wrapper.__exit__(*exc)

    def _start(self, **kwargs):
        self.samples.append((0.0, 0))

    def _time(self, execute, sql, params, many, context):
        if not self.samples:  # before the first request (the login)
            return execute(sql, params, many, context)
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent, queries = self.samples[-1]
            self.samples[-1] = (spent + (time.perf_counter() - started) * 1000, queries + 1)

    def summary(self) -> str:
        timed_runs = self.samples[1:]
        if len(timed_runs) < 2:
            return "SQL: too few samples"
        spent = [ms for ms, _ in timed_runs]
        p95 = statistics.quantiles(spent, n=20)[18]
        return (
            f"of which SQL p50 {statistics.median(spent):,.0f} ms, p95 {p95:,.0f} ms, max {max(spent):,.0f} ms; "
            f"{timed_runs[0][1]} queries a page"
        )


def show(label: str, figures: tuple[float, float, float], aim: str) -> None:
    first, p50, p95 = figures
    log(f"{label}: first {first:,.0f} ms, p50 {p50:,.0f} ms, p95 {p95:,.0f} ms ({aim})")


def measure_pages() -> None:
    from django.core.cache import cache
    from django.test import Client

    from civicgrid.assessment.models import DashboardSnapshot

    users = get_user_model().objects
    pages = []
    if "queues" not in set(args.skip.split(",")):
        staffed = list(
            Unit.objects.filter(staff__isnull=False, kind="department").values_list("pk", flat=True)
        )
        busiest = (
            Assignment.objects.filter(unit_id__in=staffed)
            .values("unit")
            .order_by()
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()["unit"]
        )
        handler = users.filter(staff__units=busiest).first()
        unit_rows = Assignment.objects.filter(unit_id=busiest).count()
        unit_open = Assignment.objects.filter(unit_id=busiest, state__in=Assignment.ACTIVE_STATES).count()
        log(f"busiest staffed department: {unit_rows:,} assignments, {unit_open:,} active")
        number = Ticket.objects.order_by("pk").values_list("number", flat=True)[SAMPLE_NUMBER_ROW]
        pages += [
            ("dispatcher queue", "dispatcher1", "/console/dispatch/"),
            ("unit inbox (busiest department, in progress)", handler.username, "/console/inbox/?tab=doing"),
            ("unit inbox (overdue tab)", handler.username, "/console/inbox/?tab=overdue"),
            ("ticket search: keyword 积水", "dispatcher1", "/console/tickets/?q=积水"),
            # Not looked at while tuning: a word of other titles, one within this month, a word in no ticket.
            ("ticket search: keyword 噪音 (held out)", "dispatcher1", "/console/tickets/?q=噪音"),
            (
                "ticket search: keyword 物业 + this month (held out)",
                "dispatcher1",
                "/console/tickets/?q=物业&from=2026-11-01&to=2026-11-25",
            ),
            ("ticket search: keyword 无此词 (held out)", "dispatcher1", "/console/tickets/?q=无此词"),
            (f"ticket search: number {number}", "dispatcher1", f"/console/tickets/?q={number}"),
        ]
    pages += [
        ("leader dashboard (this month)", "leader1", "/console/dashboard/"),
        ("leader dashboard (this month, by grid)", "leader1", "/console/dashboard/?by=grid"),
        ("leader dashboard (this month, by town)", "leader1", "/console/dashboard/?by=town"),
        ("leader dashboard data (this month)", "leader1", "/console/dashboard/data/"),
        ("leader dashboard (last month)", "leader1", "/console/dashboard/?period=last_month"),
        (
            "leader dashboard (last month, by grid)",
            "leader1",
            "/console/dashboard/?period=last_month&by=grid",
        ),
        ("leader dashboard (90 days)", "leader1", "/console/dashboard/?period=90d"),
        ("leader dashboard data (90 days)", "leader1", "/console/dashboard/data/?period=90d"),
        ("leader dashboard data (last month)", "leader1", "/console/dashboard/data/?period=last_month"),
        (
            "full league table (this month, departments)",
            "leader1",
            "/console/dashboard/league/?table=department",
        ),
    ]

    def getter(username: str, url: str):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users.get(username=username))

        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    dashboards = [page for page in pages if "/dashboard/" in page[2]]
    if "dashboard" in set(args.skip.split(",")):
        pages, dashboards = [page for page in pages if page not in dashboards], []
    for label, username, url in (page for page in pages if page not in dashboards):
        with SqlClock() as sql_clock:
            figures = timed(getter(username, url))
        show(label, figures, "aim p95 < 300 ms")
        log("  " + sql_clock.summary())
    if not dashboards:
        return
    # As the worker does every pass: count the finished months not counted yet (the whole months of the
    # ready-made periods and their comparisons) and the dashboard's recent windows once they are due.
    worker_monthly_counts()
    worker_recent_counts()
    # Counted for the request (no ready-made view, no page cache) ...
    DashboardSnapshot.objects.all().delete()
    for label, username, url in dashboards if "computed" not in set(args.skip.split(",")) else []:
        show(f"{label}, computed", timed(getter(username, url), setup=cache.clear), "aim p95 < 300 ms")
    # ... then as a leader reads it: from the view the worker builds after each recent count, and as served again
    # within the page cache's minute.
    worker_dashboard_snapshots()
    for label, username, url in dashboards:
        get = getter(username, url)
        show(f"{label}, from the worker's ready-made view", timed(get, setup=cache.clear), "aim p95 < 300 ms")
        show(f"{label}, served from the minute's cache", timed(get), "aim p95 < 300 ms")


def measure_rates() -> None:
    from civicgrid.assessment import selectors

    leader = get_user_model().objects.get(username="leader1")
    month = (END_DAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    year_to = END_DAY.replace(day=1) - timedelta(days=1)
    year_from = year_to.replace(year=year_to.year - 1) + timedelta(days=1)
    periods = [
        ("month", month, selectors.month_end_day(month), "aim < 1 s"),
        ("year", year_from, year_to, "aim < 5 s"),
    ]
    repeat = max(3, args.repeat // 4)
    selectors.USE_STORED = False
    for name, date_from, date_to, aim in periods if "live" not in set(args.skip.split(",")) else []:
        for by in ("unit", "grid"):
            show(
                f"three rates, {name} {date_from} … {date_to} by {by}, counted live",
                timed(
                    partial(selectors.three_rates, user=leader, date_from=date_from, date_to=date_to, by=by),
                    repeat,
                ),
                aim,
            )
    selectors.USE_STORED = True
    if "stored" in set(args.skip.split(",")):
        return
    worker_monthly_counts()
    for name, date_from, date_to, aim in periods:
        show(
            f"three rates, {name} by unit, from the stored monthly counts",
            timed(
                partial(selectors.three_rates, user=leader, date_from=date_from, date_to=date_to, by="unit"),
                repeat,
            ),
            aim,
        )
    worker_recent_counts()
    month_start = timezone.localdate().replace(day=1)
    for by in ("unit", "grid"):
        show(
            f"three rates, this month to date by {by}, from the dashboard's recent counts and a live tail",
            timed(
                partial(
                    selectors.three_rates,
                    user=leader,
                    date_from=month_start,
                    date_to=timezone.localdate(),
                    by=by,
                    recent=True,
                ),
                repeat,
            ),
            "aim < 1 s",
        )


def measure_after_activity() -> None:
    """The stored monthly counts while the work on tickets of earlier months goes on: reviews and callbacks
    (which close and rate them) through the services and a deadline scan, then which months are still exact
    (`fresh_months`: a read of them uses the stored counts) and the three rates timed again. Also how many the
    rule before `tickets.restating` would have kept (any newer event on a ticket received before a month's end
    made the month be counted live)."""
    from django.db.models import Max, Min

    from civicgrid.assessment import selectors
    from civicgrid.tickets import services
    from civicgrid.tickets.models import Event, Status
    from civicgrid.tickets.scan import scan_deadlines

    worker_monthly_counts()
    users = get_user_model().objects
    agent, dispatcher = users.get(username="callback1"), users.get(username="dispatcher1")
    month_start = timezone.localdate().replace(day=1)
    before = datetime.combine(month_start, datetime.min.time(), tzinfo=TZ)
    mark = Event.objects.aggregate(mark=Max("pk"))["mark"]
    count = max(50, args.day_tickets // 100)
    started = time.perf_counter()
    reviewed = called = refused = 0
    old = Ticket.objects.filter(received_at__lt=before).order_by("pk")
    for ticket in old.filter(status=Status.REPLIED)[:count]:
        try:
            services.reply_review(ticket=ticket, actor=dispatcher, passed=True)
            reviewed += 1
        except Exception:
            refused += 1
    for ticket in old.filter(status=Status.PENDING_CALLBACK)[:count]:
        try:
            services.callback_record(
                ticket=ticket,
                actor=agent,
                reached=True,
                contacted=True,
                solved="solved",
                satisfaction="satisfied",
            )
            called += 1
        except Exception:
            refused += 1
    notices = scan_deadlines(now=timezone.now())
    seconds = time.perf_counter() - started
    events = Event.objects.filter(pk__gt=mark)
    months = sorted(selectors.whole_months(START_DAY.replace(day=1), month_start - timedelta(days=1)))
    fresh = selectors.fresh_months(months)
    first = events.aggregate(first=Min("ticket__received_at"))["first"]
    before_rule = [
        m
        for m in months
        if first is None or selectors.period_bounds(m, selectors.month_end_day(m))[1] <= first
    ]
    log(
        f"work on tickets of earlier months through the services: {reviewed} reviews, {called} callbacks, "
        f"{sum(notices.as_dict().values())} deadline notices ({refused} refused; {events.count():,} events, "
        f"{events.filter(restates=True).count()} restating) in {seconds:.1f} s; months still exact: "
        f"{len(fresh)} of {len(months)} (under the rule before `tickets.restating`: {len(before_rule)})"
    )
    leader = users.get(username="leader1")
    repeat = max(3, args.repeat // 4)
    last_month = (month_start - timedelta(days=1)).replace(day=1)
    year_to = month_start - timedelta(days=1)
    for name, date_from, date_to, aim in (
        ("month", last_month, year_to, "aim < 1 s"),
        ("year", year_to.replace(year=year_to.year - 1) + timedelta(days=1), year_to, "aim < 5 s"),
    ):
        show(
            f"three rates, {name} by unit, after that work",
            timed(
                partial(selectors.three_rates, user=leader, date_from=date_from, date_to=date_to, by="unit"),
                repeat,
            ),
            aim,
        )


def worker_monthly_counts() -> None:
    """The worker's monthly counts (`assessment.monthly_counts`), every finished month not counted yet."""
    from civicgrid.assessment import aggregates

    started = time.perf_counter()
    counted = aggregates.refresh(timezone.now(), limit=None)
    if counted:
        log(
            f"stored monthly counts: {counted} months counted by the worker job in {time.perf_counter() - started:.1f} s"
        )


def worker_recent_counts() -> None:
    """The worker's job for the dashboard's recent windows (`assessment.recent_counts`), when due."""
    from civicgrid.assessment import aggregates
    from civicgrid.assessment.models import RecentCount

    started = time.perf_counter()
    counted = aggregates.refresh_recent(timezone.now())
    if counted:
        cells = sum(len(cells) for cells in RecentCount.objects.values_list("cells", flat=True))
        log(
            f"dashboard recent counts: {counted} window counts ({len(aggregates.recent_windows(timezone.localdate()))} "
            f"windows × groupings) by the worker job in {time.perf_counter() - started:.1f} s, {cells:,} cells"
        )


def worker_dashboard_snapshots() -> None:
    """The worker's job that builds the dashboard's ready-made views (`assessment.dashboard_snapshots`)."""
    from civicgrid.assessment import snapshots

    started = time.perf_counter()
    built = snapshots.refresh(timezone.now())
    if built:
        log(
            f"dashboard ready-made views: {built} built by the worker job in {time.perf_counter() - started:.1f} s"
        )


def measure_scan() -> None:
    from civicgrid.tickets.scan import scan_deadlines

    open_rows = Assignment.objects.filter(state__in=Assignment.ACTIVE_STATES).count()
    started = time.perf_counter()
    first = scan_deadlines(now=NOW)
    log(
        f"deadline scan over {open_rows:,} active assignments, first pass at 'now' (15 minutes of crossings "
        f"pending): {time.perf_counter() - started:.2f} s, issued {first}"
    )
    times = []
    for minute in range(1, max(3, args.repeat // 4) + 1):
        started = time.perf_counter()
        scan_deadlines(now=NOW + timedelta(minutes=minute))
        times.append(time.perf_counter() - started)
    log(
        f"deadline scan, one pass a minute after: p50 {statistics.median(times):.2f} s, max {max(times):.2f} s "
        f"over {len(times)} passes"
    )


def measure_intake() -> None:
    from civicgrid.intake import services

    users = get_user_model().objects
    operator, dispatcher = users.get(username="operator1"), users.get(username="dispatcher1")
    places = list(Place.objects.exclude(grid=None).exclude(lat=None)[:500])
    leaves = [c for c in Category.objects.filter(version="2026.1") if not c.children.exists()]
    rng = random.Random(1)
    count = args.day_tickets
    spacing = timedelta(seconds=12 * 3600 / count)
    before = Ticket.objects.count()
    started = time.perf_counter()
    for i in range(count):
        at = NOW + spacing * i
        place, category = rng.choice(places), rng.choice(leaves)
        ticket = services.ticket_intake(
            actor=operator,
            channel="phone",
            request_type=rng.choice(["QZ", "TS", "JB", "ZX"]),
            title=f"{place.name}{category.name}",
            content=f"{place.name}{category.name}问题，请处理。",
            requester_name="王五",
            requester_phone="13900001111",
            lat=place.lat,
            lon=place.lon,
            at=at,
        )
        services.ticket_accept(ticket=ticket, actor=operator, category=category, at=at)
        services.ticket_dispatch(ticket=ticket, actor=dispatcher, at=at + timedelta(minutes=1))
        if (i + 1) % 500 == 0:
            spent = time.perf_counter() - started
            sys.stderr.write(f"\r  registered {i + 1:,}/{count:,} ({(i + 1) / spent:,.1f}/s) ")
            sys.stderr.flush()
    sys.stderr.write("\n")
    seconds = time.perf_counter() - started
    assert Ticket.objects.count() == before + count
    log(
        f"a day's registrations: {count:,} tickets registered, accepted and dispatched through the intake "
        f"services in {seconds:,.0f} s: {count / seconds:,.1f} tickets/s ({1000 * seconds / count:.1f} ms each)"
    )


def measure() -> None:
    import time_machine

    skip = set(filter(None, args.skip.split(",")))
    call_command("migrate", verbosity=0)  # the code measured may bring new tables
    log(f"measuring at {NOW:%Y-%m-%d %H:%M} (frozen clock, ticking); {Ticket.objects.count():,} tickets")
    with time_machine.travel(NOW, tick=True):
        if "pages" not in skip:
            measure_pages()
        if "rates" not in skip:
            measure_rates()
        if "activity" not in skip:
            measure_after_activity()
        if "scan" not in skip:
            measure_scan()
        if "intake" not in skip:
            measure_intake()


def main() -> None:
    if not args.measure_only:
        generate()
    if not args.generate_only:
        measure()
    report_sizes()
    if not args.keep:
        connection.close()
        _admin(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
        log(f"dropped {DB_NAME}")


if __name__ == "__main__":
    main()
