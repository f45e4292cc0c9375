"""Danzhou's figures (report 004) as civicgrid counts them: 328 mediation committees with 1,775 mediators on their
rolls, and 1,852 disputes accepted in the year, over a city and every area below it."""

import json
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

from django.core.management import call_command

from civicgrid.core.idnumbers import FEMALE, MALE
from civicgrid.mediation.models import Case, Committee, Mediator
from civicgrid.registry.models import AdminArea
from tests.registry.factories import make_area

SH = ZoneInfo("Asia/Shanghai")
COMMITTEES, MEDIATORS, CASES = 328, 1775, 1852


def test_328_committees_1775_mediators_1852_disputes(db):
    province = make_area("460000", "海南省", AdminArea.Level.PROVINCE)
    city = make_area("460400", "儋州市", AdminArea.Level.CITY, province)
    towns = [make_area(f"460400{t:03d}", f"第{t}镇", AdminArea.Level.TOWN, city) for t in range(100, 117)]
    villages = [
        make_area(
            f"{towns[i % len(towns)].code}{200 + i // len(towns):03d}",
            f"第{i}村",
            AdminArea.Level.VILLAGE,
            towns[i % len(towns)],
        )
        for i in range(COMMITTEES)
    ]
    committees = Committee.objects.bulk_create(
        Committee(area=v, name=f"{v.name}人民调解委员会", established_on=date(2015, 3, 1)) for v in villages
    )
    # A committee dissolved during the year and a mediator who left before its end are not on the year-end roll.
    gone = Committee.objects.create(
        area=villages[0], name="旧调解委员会", established_on=date(2010, 1, 1), dissolved_on=date(2026, 6, 30)
    )
    Mediator.objects.bulk_create(
        Mediator(
            committee=committees[i % COMMITTEES],
            name=f"调解员{i}",
            gender=FEMALE if i % 3 else MALE,
            post=Mediator.Post.CHAIR if i < COMMITTEES else Mediator.Post.MEDIATOR,
            joined_on=date(2020, 1, 1),
        )
        for i in range(MEDIATORS)
    )
    Mediator.objects.create(
        committee=committees[1],
        name="离任者",
        gender=MALE,
        joined_on=date(2020, 1, 1),
        left_on=date(2026, 5, 1),
    )
    Mediator.objects.create(committee=gone, name="旧委员", gender=MALE, joined_on=date(2010, 1, 1))
    at = datetime(2026, 3, 2, 9, tzinfo=SH)
    Case.objects.bulk_create(
        Case(
            number=f"TJ2026{i:05d}",
            committee=committees[i % COMMITTEES],
            dispute_type=Case.DisputeType.NEIGHBOUR,
            title="邻里纠纷",
            facts="排水沟堵塞",
            source=Case.Source.SCREENING,
            state=Case.State.MEDIATING,
            registered_at=at,
            accepted_on=date(2026, 3, 2),
        )
        for i in range(CASES)
    )
    Case.objects.create(
        number="TJ2025",
        committee=committees[0],
        dispute_type=Case.DisputeType.LAND,
        title="上年",
        facts="宅基地",
        source=Case.Source.APPLICATION,
        state=Case.State.CLOSED,
        registered_at=at.replace(year=2025),
        accepted_on=date(2025, 12, 31),
    )
    out = StringIO()
    call_command("mediation", "stats", "--area", city.code, "--year", "2026", "--format", "json", stdout=out)
    figures = json.loads(out.getvalue())
    assert (figures["committees"], figures["mediators"], figures["cases_accepted"]) == (
        COMMITTEES,
        MEDIATORS,
        CASES,
    )
