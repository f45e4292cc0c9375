"""`civicgrid engagement stats` for a city-sized year.

`.venv/bin/python bench/bench_engagement_stats.py [--members 30000] [--wishes 20000] [--visits 16000]` builds, on a
fresh SQLite database in a temporary directory (or with `--postgres URL` a scratch database
`bench_engagement_stats`, dropped at the end), a city of 5 counties × 10 towns × 10 villages with 5 grids each,
`--members` in-service party members spread over the grids (85 % registered with their community, 5 % of those
lapsed), `--wishes` micro-wishes published through the year in every state, 1,150 pairings and `--visits` visits,
then times `engagement_stats` for the city (cold and warm) and for one county. Volunteering and points tables are
empty here (their figures have their own benchmarks). Wall and CPU time are printed.
"""

import argparse
import random
import time
from datetime import date, datetime, timedelta

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_engagement_stats database)")
parser.add_argument("--members", type=int, default=30_000)
parser.add_argument("--wishes", type=int, default=20_000)
parser.add_argument("--visits", type=int, default=16_000)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("engagement_stats", postgres=args.postgres)

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from django.utils import timezone  # noqa: E402

from civicgrid.core.idnumbers import check_digit  # noqa: E402
from civicgrid.engagement.models import MicroWish, Pairing, PairingVisit, Registration, WishClaim  # noqa: E402
from civicgrid.engagement.stats import engagement_stats  # noqa: E402
from civicgrid.party.models import PartyMember, PartyOrg  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid, Unit  # noqa: E402

YEAR = 2026
rng = random.Random(12)
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


def timed(label, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")
    return result


timed("build", build)
city = AdminArea.objects.get(code=CITY)
figures = timed("stats city (cold)", lambda: engagement_stats(city, YEAR, today=date(YEAR, 12, 31)))
timed("stats city (warm)", lambda: engagement_stats(city, YEAR, today=date(YEAR, 12, 31)))
county = AdminArea.objects.get(code="469091")
timed("stats county", lambda: engagement_stats(county, YEAR, today=date(YEAR, 12, 31)))
print(
    {
        k: figures[k]
        for k in (
            "in_service_members",
            "registered_members",
            "members_meeting_quota",
            "micro_wishes_published",
            "pairing_visits",
        )
    }
)
