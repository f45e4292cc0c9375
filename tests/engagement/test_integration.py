"""Engagement with volunteering and points: quota progress and figures from confirmed hours, points posted by
rule from a fulfilled wish and from confirmed hours, each once (idempotent by key)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.points_link import post_for_volunteer_records, post_for_wish
from civicgrid.engagement.quota import progress
from civicgrid.engagement.stats import engagement_stats
from civicgrid.points import services as points_services
from civicgrid.points.models import PointsEntry, PointsScheme
from tests.engagement.conftest import in_service, moment
from tests.volunteering.factories import volunteer, worker
from tests.volunteering.helpers import confirmed

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(world):
    yh = world["yinhai"]
    scheme = points_services.adopt_scheme(
        area=yh,
        template=PointsScheme.objects.get(area__isnull=True, version="三亚参考模板"),
        decision_date=date(2026, 1, 5),
        decision_body="居民代表会议",
        decision_document="银海社区决议（2026）1号",
        effective_from=date(2026, 1, 1),
    )
    scheme.publicity_days = 0
    scheme.save()
    rules = {r.source_kind: r for r in scheme.rules.exclude(source_kind="")}
    m = in_service(world, name="王小明")
    services.register_member(actor=SYSTEM, member=m, community=yh, on=date(2026, 1, 10))
    account = points_services.open_account(
        area=yh, holder_name="王小明", phone="13800000001", party_member_id=m.pk, now=moment(2026, 1, 10)
    )
    v = volunteer(yh, name="王小明", party_member_id=m.pk)
    confirmed(yh, worker("org1", yh), v, start="2026-06-06 09:00", end="2026-06-06 12:00")
    return dict(world=world, member=m, account=account, rules=rules)


def test_points_from_a_fulfilled_wish_once(linked):
    world, m = linked["world"], linked["member"]
    with time_machine.travel(moment(2026, 7, 1), tick=False):
        wish = services.wish_collect(
            actor=None, community=world["yinhai"], source="resident", title="修水龙头"
        )
        services.wish_verify(actor=SYSTEM, wish=wish)
        services.wish_publish(actor=SYSTEM, wish=wish)
        services.wish_claim(actor=None, wish=wish, member=m)
        wish = services.wish_fulfil(actor=None, wish=wish, member=m, evidence="修好了")
        post_for_wish(wish)  # again: nothing new
    entries = PointsEntry.objects.filter(account=linked["account"], source_kind="engagement.wish")
    assert entries.count() == 1
    assert entries.get().points == linked["rules"]["micro_wish"].points


def test_points_from_confirmed_hours_once_and_figures(linked):
    world = linked["world"]
    with time_machine.travel(moment(2026, 7, 2), tick=False):
        post_for_volunteer_records()
        post_for_volunteer_records()
    entries = PointsEntry.objects.filter(account=linked["account"], source_kind="volunteering.record")
    assert entries.count() == 1
    hourly = linked["rules"]["volunteer_hours"]
    done = progress(linked["member"], world["yinhai"], 2026)
    assert (done.hours, done.activities) == (Decimal("3"), 1)
    with time_machine.travel(moment(2026, 12, 31, 20), tick=False):
        figures = engagement_stats(world["areas"]["469002"], 2026)
    assert (figures["volunteer_activities"], figures["volunteer_hours"]) == (1, 3.0)
    expected = entries.get().points
    assert expected == min(hourly.points * 3, hourly.cap_points or 10**9)
    assert figures["points_posted"] == expected and figures["points_balance"] == expected
