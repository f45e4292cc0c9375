"""Engagement's jobs in the worker's pass (core.periodic): points for newly confirmed hours once, reading only what
is past the watermark, and wishes past their deadline expired."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from civicgrid.core import periodic
from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import Watermark
from civicgrid.engagement import jobs, services
from civicgrid.points.models import PointsEntry
from tests.engagement.conftest import moment
from tests.volunteering.factories import volunteer, worker
from tests.volunteering.helpers import confirmed

pytestmark = pytest.mark.django_db


def worker_pass(when) -> str:
    out = StringIO()
    with time_machine.travel(when, tick=False):
        call_command("worker", "--once", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_worker_posts_points_for_confirmed_hours_once(linked):
    account = linked["account"]
    hours = PointsEntry.objects.filter(account=account, source_kind="volunteering.record")
    line = worker_pass(moment(2026, 6, 7))
    assert hours.count() == 1 and "志愿服务积分 1" in line
    mark = Watermark.objects.get(name=jobs.POINTS_MARK).value
    assert mark == moment(2026, 6, 7)
    again = worker_pass(moment(2026, 6, 7, 11))
    assert (
        hours.count() == 1 and "志愿服务积分" not in again
    )  # the same record is neither posted nor counted twice


def test_a_pass_reads_only_records_confirmed_since_the_last_one(linked, django_assert_max_num_queries):
    worker_pass(moment(2026, 6, 7))
    yh = linked["world"]["yinhai"]
    other = volunteer(yh, name="李四", phone="13800000002")
    confirmed(yh, worker("org2", yh), other, start="2026-06-08 09:00", end="2026-06-08 11:00")
    with time_machine.travel(moment(2026, 6, 8, 12), tick=False):
        assert jobs.post_points(moment(2026, 6, 8, 12)) == 0  # no account for 李四: nothing, but read
    with time_machine.travel(moment(2026, 6, 9), tick=False), django_assert_max_num_queries(3):
        assert jobs.post_points(moment(2026, 6, 9)) == 0  # nothing new since the mark: one read, one upsert


def test_a_lost_watermark_means_a_full_and_harmless_rerun(linked):
    worker_pass(moment(2026, 6, 7))
    Watermark.objects.all().delete()
    assert "志愿服务积分" not in worker_pass(moment(2026, 6, 8))
    assert (
        PointsEntry.objects.filter(account=linked["account"], source_kind="volunteering.record").count() == 1
    )


def test_the_worker_expires_unclaimed_wishes(world):
    with time_machine.travel(moment(2026, 4, 1), tick=False):
        wish = services.wish_collect(actor=None, community=world["yinhai"], source="resident", title="修门锁")
        services.wish_verify(actor=SYSTEM, wish=wish)
        services.wish_publish(actor=SYSTEM, wish=wish, expires_on=date(2026, 4, 30))
    worker_pass(moment(2026, 4, 30, 23))
    wish.refresh_from_db()
    assert wish.state == "published"
    line = worker_pass(moment(2026, 5, 1, 0) + timedelta(minutes=1))
    wish.refresh_from_db()
    assert wish.state == "expired" and "过期微心愿 1" in line


def test_a_failing_job_does_not_stop_the_others(monkeypatch):
    ran = []
    monkeypatch.setattr(periodic, "_jobs", {})
    periodic.register("a", "坏任务", lambda now: 1 / 0)
    periodic.register("b", "好任务", lambda now: ran.append(now) or 2)
    assert periodic.run_registered(moment(2026, 6, 1)) == {"好任务": 2}
    assert ran == [moment(2026, 6, 1)]
