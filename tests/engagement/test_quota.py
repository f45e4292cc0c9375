"""The yearly quota (versioned rows, nearest area wins, seeded Sanya values) and a member's progress."""

from datetime import date
from decimal import Decimal

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import QuotaRule
from civicgrid.engagement.quota import progress, quota_for
from tests.engagement.conftest import in_service, moment

pytestmark = pytest.mark.django_db


def test_seeded_sanya_values(world):
    rule = quota_for(world["yinhai"], date(2026, 6, 1))
    assert (rule.wishes, rule.activities, rule.hours, rule.area_id) == (1, 2, Decimal("8"), None)


def test_nearest_area_rule_wins_and_versions_apply_by_date(world):
    QuotaRule.objects.create(
        version="琼海2026",
        effective_from=date(2026, 1, 1),
        effective_to=date(2026, 12, 31),
        area=world["areas"]["469002"],
        wishes=2,
        activities=3,
        hours=10,
    )
    assert quota_for(world["yinhai"], date(2026, 6, 1)).wishes == 2
    assert quota_for(world["yinhai"], date(2027, 6, 1)).wishes == 1  # back to the general rule


def test_progress_counts_wishes_fulfilled_in_the_year(world):
    m = in_service(world)
    services.register_member(actor=SYSTEM, member=m, community=world["yinhai"], on=date(2026, 1, 10))
    QuotaRule.objects.update(activities=0, hours=0)  # wishes only, until volunteering is wired in
    for day, title in ((moment(2025, 12, 30), "去年"), (moment(2026, 3, 1), "今年")):
        w = services.wish_collect(
            actor=None, community=world["yinhai"], source="resident", title=title, at=day
        )
        services.wish_verify(actor=SYSTEM, wish=w, at=day)
        services.wish_publish(actor=SYSTEM, wish=w, at=day)
        services.wish_claim(actor=None, wish=w, member=m, at=day)
        services.wish_fulfil(actor=None, wish=w, member=m, evidence="完成", at=day)
    done = progress(m, world["yinhai"], 2026)
    assert (done.wishes, done.activities, done.hours, done.meets, done.wishes_percent) == (1, 0, 0, True, 100)
    assert progress(m, world["yinhai"], 2024).wishes == 0
