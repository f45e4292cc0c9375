"""`civicgrid weakorgs scan` over a province-sized party register with a year of 12345 tickets.

`.venv/bin/python bench/bench_weakorgs.py [--orgs 5000] [--members 5] [--tickets 100000] [--runs 5] [--seed 41]
[--postgres URL]` builds, on a fresh SQLite database in a temporary directory (or on PostgreSQL: `--postgres URL`,
else $DATABASE_URL when set, in a scratch database `bench_weakorgs` dropped at the end; `--name X`: `bench_X`):

- a city with 20 towns and 250 villages / communities, a 村/社区 unit per village, a 乡镇 unit per town and 60
  departments;
- `--orgs` party organisations: a branch per village, one per department (a 机关 branch), the rest 两新 branches under the
  towns (no unit: the 12345 criteria do not apply to them); `--members` members each; a current term per
  organisation (elected 2019-2024, so some are overdue), a 书记 post (8 % left without a successor), and the
  meetings of the last seven months (三会一课 and 主题党日 meetings; 10 % of the organisations skip some);
- `--tickets` rated tickets over 2026, led by the units (one department in ten does badly).

Data come from `random.Random(--seed)`; the default 41 is not a seed any test uses. Everything is written with
bulk_create; on PostgreSQL the tables are then analysed. It times, `--runs` times, the scan as of 2027-01-02 (the
first run creates the candidates, the others update them) and the criteria alone, printing p50 and p95 in seconds,
the machine's load (`uptime`) and the counts found.
"""

import argparse
import math
import os
import random
import statistics
import time
from datetime import date, datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_weakorgs database)")
parser.add_argument("--orgs", type=int, default=5_000)
parser.add_argument("--members", type=int, default=5)
parser.add_argument("--tickets", type=int, default=100_000)
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--seed", type=int, default=41, help="not a seed the tests use (held out)")
parser.add_argument(
    "--name", default="weakorgs", help="scratch database bench_<name> (one per concurrent run)"
)
args = parser.parse_args()
postgres = args.postgres or os.environ.get("DATABASE_URL") or None

from _setup import django_setup  # noqa: E402

django_setup(args.name, postgres=postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

call_command("migrate", verbosity=0)

from django.utils import timezone  # noqa: E402

from civicgrid.core.actors import SYSTEM  # noqa: E402
from civicgrid.party.models import CommitteeTerm, Meeting, PartyMember, PartyOrg, Post, rebuild_paths  # noqa: E402
from civicgrid.registry.models import AdminArea, Unit  # noqa: E402
from civicgrid.tickets.models import Ticket  # noqa: E402
from civicgrid.weakorgs.criteria import evaluate  # noqa: E402
from civicgrid.weakorgs.models import Criterion  # noqa: E402
from civicgrid.weakorgs.services import scan  # noqa: E402

AS_OF = date(2027, 1, 2)  # the day measured: a window across the year end
rng = random.Random(args.seed)


def build():
    tz = timezone.get_current_timezone()
    city = AdminArea.objects.create(code="469099", name="演示市", level="city")
    towns = [
        AdminArea.objects.create(code=f"469099{t:03d}", name=f"第{t}镇", level="town", parent=city)
        for t in range(20)
    ]
    villages = AdminArea.objects.bulk_create(
        AdminArea(code=f"{towns[v % 20].code}{v:03d}", name=f"第{v}村", level="village", parent=towns[v % 20])
        for v in range(250)
    )
    units = Unit.objects.bulk_create(
        [
            Unit(code=f"V{v:03d}", name=f"第{v}村委会", kind="community", area=a)
            for v, a in enumerate(villages)
        ]
        + [Unit(code=f"T{t:03d}", name=f"第{t}镇政府", kind="town", area=a) for t, a in enumerate(towns)]
        + [Unit(code=f"D{d:03d}", name=f"第{d}局", kind="department", area=city) for d in range(60)]
    )
    village_units, departments = units[:250], units[270:]
    orgs = []
    for i in range(args.orgs):
        if i < 250:
            orgs.append(
                PartyOrg(
                    code=f"O{i:05d}", name=f"第{i}村党支部", kind="branch", setup="village", area=villages[i]
                )
            )
        elif i < 310:
            orgs.append(
                PartyOrg(
                    code=f"O{i:05d}",
                    name=f"第{i - 250}局机关党支部",
                    kind="branch",
                    setup="organ",
                    area=city,
                    unit=departments[i - 250],
                )
            )
        else:
            orgs.append(
                PartyOrg(
                    code=f"O{i:05d}",
                    name=f"两新党支部{i}",
                    kind="branch",
                    setup="two_new",
                    area=towns[i % 20],
                )
            )
    orgs = PartyOrg.objects.bulk_create(orgs, batch_size=2000)
    rebuild_paths()
    members, terms, meetings = [], [], []
    n = 0
    for org in orgs:
        for _ in range(args.members):
            n += 1
            members.append(
                PartyMember(
                    name="张三",
                    id_encrypted=f"x{n}",
                    id_hash=f"{n:064d}",
                    id_masked="460***********0000",
                    sex="male",
                    birth_date=date(1980, 1, 1),
                    category="full",
                    joined_on=date(2005, 7, 1),
                    full_on=date(2006, 7, 1),
                    org=org,
                )
            )
        elected = date(rng.randint(2019, 2024), rng.randint(1, 12), 1)
        terms.append(
            CommitteeTerm(
                org=org,
                number=1,
                elected_on=elected,
                term_years=3,
                due_on=CommitteeTerm.compute_due_on(elected, 3),
                is_current=True,
            )
        )
        skips = rng.random() < 0.1
        for month in range(6, 13):
            for kind in ("committee", "theme_day"):
                if not (skips and rng.random() < 0.5):
                    meetings.append(
                        Meeting(
                            org=org,
                            kind=kind,
                            held_on=date(2026, month, 10),
                            topic="会议",
                            expected=5,
                            present=5,
                        )
                    )
        for quarter_month in (8, 11):
            for kind in ("general_assembly", "lecture"):
                meetings.append(
                    Meeting(
                        org=org,
                        kind=kind,
                        held_on=date(2026, quarter_month, 12),
                        topic="会议",
                        expected=5,
                        present=5,
                    )
                )
        meetings.append(
            Meeting(
                org=org, kind="life_meeting", held_on=date(2026, 1, 20), topic="会议", expected=5, present=5
            )
        )
    PartyMember.objects.bulk_create(members, batch_size=5000)
    terms = CommitteeTerm.objects.bulk_create(terms, batch_size=5000)
    Post.objects.bulk_create(
        (
            Post(
                term=term,
                person_name="书记",
                post="secretary",
                from_date=term.elected_on,
                to_date=date(2026, rng.randint(1, 11), 28) if rng.random() < 0.08 else None,
            )
            for term in terms
        ),
        batch_size=5000,
    )
    Meeting.objects.bulk_create(meetings, batch_size=5000)
    bad = set(departments[::10])
    rated_units = village_units + departments
    tickets = []
    start = datetime(2026, 1, 1, 8, tzinfo=tz)
    for i in range(args.tickets):
        unit = rated_units[i % len(rated_units)]
        poor = unit in bad
        at = start + timedelta(minutes=rng.randrange(0, 364 * 24 * 60))
        tickets.append(
            Ticket(
                number=f"W{i:013d}",
                channel="phone",
                received_at=at - timedelta(days=3),
                request_type="TS",
                urgency="normal",
                title="测试诉求标题",
                content="测试诉求内容",
                status="CLOSED",
                lead_unit=unit,
                closed_at=at,
                rated_at=at,
                rated_unit=unit,
                rated_contacted_in_time=rng.random() < (0.6 if poor else 0.95),
                rated_solved="solved" if rng.random() < (0.4 if poor else 0.85) else "unsolved",
                rated_satisfaction="satisfied" if rng.random() < (0.45 if poor else 0.9) else "unsatisfied",
            )
        )
        if len(tickets) == 5000:
            Ticket.objects.bulk_create(tickets)
            tickets = []
    Ticket.objects.bulk_create(tickets)
    print(
        f"orgs: {PartyOrg.objects.count()}, members: {PartyMember.objects.count()}, "
        f"meetings: {Meeting.objects.count()}, tickets: {Ticket.objects.count()}"
    )


def timed(label, fn):
    wall = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - wall:.2f} s")
    return result


def percentiles(samples):
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def repeat(fn):
    samples, result = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return result, samples


print(f"database: {connection.vendor}; seed {args.seed}; uptime before: {os.popen('uptime').read().strip()}")
timed("build", build)
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
found, samples = repeat(lambda: evaluate(PartyOrg.objects.all(), AS_OF))
p50, p95 = percentiles(samples)
print(
    f"criteria (in process): p50 {p50:.3f} s p95 {p95:.3f} s ({args.runs} runs, {len(found)} organisations found)"
)
result, samples = repeat(lambda: scan(actor=SYSTEM, as_of=AS_OF))
p50, p95 = percentiles(samples)
print(f"scan with candidates written (in process): p50 {p50:.3f} s p95 {p95:.3f} s ({args.runs} runs)")
counts = {}
for finding in found.values():
    for reason in finding.flagged:
        counts[reason.code] = counts.get(reason.code, 0) + 1
labels = dict(Criterion.Code.choices)
by_label = "，".join(
    f"{labels.get(code, code)} {n}" for code, n in sorted(counts.items(), key=lambda kv: -kv[1])
)
print(f"candidates: {len(result.candidates)}; by criterion: {by_label}")
print(f"uptime after: {os.popen('uptime').read().strip()}")
