"""The monthly scan the worker runs: once a month on or after the schedule's day, across the year end; it stores
candidates only and tells the 组织部 staff in scope of new ones."""

from datetime import date

import time_machine

from civicgrid.core import periodic
from civicgrid.notify.models import Notification
from civicgrid.weakorgs.jobs import monthly_scan
from civicgrid.weakorgs.models import Candidate, MonthlyScan, RectificationPlan, ScanSchedule
from tests.weakorgs.conftest import moment


def run(at):
    with time_machine.travel(at, tick=False):
        return monthly_scan(at)


def told(user) -> int:
    return Notification.objects.filter(recipient=user, kind="weakorgs_candidates").count()


def test_registered_with_the_worker(db):
    assert "weakorgs.monthly_scan" in {job.name for job in periodic.jobs()}


def test_once_a_month_across_the_year_end(world):
    # 银海's term was due on 2026-07-01 and its 书记 left on 2026-07-31: a candidate by December.
    created = run(moment(2026, 12, 1))
    assert created >= 1
    open_orgs = set(Candidate.objects.filter(state="open").values_list("org__code", flat=True))
    assert "YH" in open_orgs
    assert MonthlyScan.objects.get().month == date(2026, 12, 1)
    assert not RectificationPlan.objects.exists()  # a scan never decides
    assert set(Candidate.objects.values_list("state", flat=True)) == {"open"}
    assert told(world["organiser"]) == 1 and told(world["outsider"]) == 0
    note = Notification.objects.get(recipient=world["organiser"], kind="weakorgs_candidates")
    assert "新增候选组织" in note.title

    scanned = Candidate.objects.get(org__code="YH").scanned_at
    assert run(moment(2026, 12, 15)) == 0
    assert run(moment(2026, 12, 31, 23)) == 0
    assert Candidate.objects.get(org__code="YH").scanned_at == scanned  # not scanned again in December
    assert MonthlyScan.objects.count() == 1

    # Past midnight on 1 January (local time) the new month's scan runs: nothing new, no one told again.
    assert run(moment(2027, 1, 1, 0)) == 0
    assert list(MonthlyScan.objects.order_by("month").values_list("month", flat=True)) == [
        date(2026, 12, 1),
        date(2027, 1, 1),
    ]
    assert Candidate.objects.get(org__code="YH").scanned_at == moment(2027, 1, 1, 0)
    assert told(world["organiser"]) == 1
    assert run(moment(2027, 1, 2)) == 0 and MonthlyScan.objects.count() == 2


def test_day_of_month_from_the_schedule_in_force(world):
    ScanSchedule.objects.create(version="每月5日", effective_from=date(2027, 2, 1), day_of_month=5)
    assert run(moment(2027, 1, 1)) >= 1  # the default (the 1st) still in force in January
    assert run(moment(2027, 2, 1)) == 0 and run(moment(2027, 2, 4)) == 0
    assert not MonthlyScan.objects.filter(month=date(2027, 2, 1)).exists()
    run(moment(2027, 2, 5))
    assert MonthlyScan.objects.filter(month=date(2027, 2, 1)).exists()
    # a worker down on the day catches up on its next pass in the month
    run(moment(2027, 3, 9))
    assert MonthlyScan.objects.filter(month=date(2027, 3, 1)).exists()


def test_switched_off(world):
    ScanSchedule.objects.create(version="停用", effective_from=date(2026, 1, 1), enabled=False)
    assert run(moment(2026, 12, 1)) == 0
    assert not MonthlyScan.objects.exists() and not Candidate.objects.exists()
