"""Engagement with volunteering and points: quota progress and figures from confirmed hours, points posted by
rule from a fulfilled wish and from confirmed hours, each once (idempotent by key)."""

from decimal import Decimal

import pytest
import time_machine

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.points_link import post_for_volunteer_records, post_for_wish
from civicgrid.engagement.quota import progress
from civicgrid.engagement.stats import engagement_stats
from civicgrid.points.models import PointsEntry
from tests.engagement.conftest import moment

pytestmark = pytest.mark.django_db


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
