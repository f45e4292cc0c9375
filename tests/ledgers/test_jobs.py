"""The worker's overdue warning: once per item, to the lead unit's staff, through the notify app; never before the
day after the 时限, never for a closed item, and registered with core.periodic."""

from datetime import date

import time_machine

from civicgrid.core import periodic
from civicgrid.ledgers import services
from civicgrid.ledgers.jobs import KIND, warn_overdue
from civicgrid.ledgers.models import ItemEvent
from civicgrid.notify.models import KINDS, Notification
from tests.ledgers.conftest import item_in, moment


def test_registered_with_the_worker():
    assert "ledgers.overdue_warnings" in {job.name for job in periodic.jobs()}
    assert KIND in KINDS


def test_an_overdue_item_is_warned_once(world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        late = item_in(world, "in_progress", deadline=date(2026, 12, 24))
        item_in(world, "closed", deadline=date(2026, 12, 1))
        item_in(world, "taken", deadline=date(2026, 12, 31))
    assert warn_overdue(moment(2026, 12, 24, 23)) == 0  # the 时限 day itself is still in time
    assert warn_overdue(moment(2026, 12, 25, 8)) == 1
    notice = Notification.objects.get(kind=KIND)
    assert notice.recipient == world["zjj"] and late.number in notice.title
    assert warn_overdue(moment(2026, 12, 26, 8)) == 0  # never again
    assert warn_overdue(moment(2027, 1, 1, 8)) == 1  # the one due 31 December, on New Year's Day
    assert Notification.objects.filter(kind=KIND).count() == 2
    assert ItemEvent.objects.filter(action=ItemEvent.Action.OVERDUE_WARN).count() == 2


def test_the_registered_job_runs_in_the_worker_pass(world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        item_in(world, "listed", deadline=date(2026, 12, 1))
    done = periodic.run_registered(moment(2026, 12, 28))
    assert done["问题台账超期提醒"] == 1
    assert periodic.run_registered(moment(2026, 12, 29))["问题台账超期提醒"] == 0


def test_a_suspended_item_is_still_warned_and_an_unled_one_is_not(world):
    with time_machine.travel(moment(2026, 3, 1), tick=False):
        item = item_in(world, "in_progress", deadline=date(2026, 12, 1))
        services.item_suspend(actor=world["organiser"], item=item, reason="等待政策", at=moment(2026, 3, 2))
        unled = services.propose_item(
            actor=world["organiser"],
            campaign=world["campaign"],
            problem="无人揭榜的问题",
            source="self_found",
            deadline=date(2026, 12, 1),
            at=moment(2026, 3, 1),
        )
    assert warn_overdue(moment(2026, 12, 28)) == 1
    unled.refresh_from_db()
    assert unled.overdue_warned_at is None
