"""Two workers counting the months at the same moment on PostgreSQL: the recount runs under its lease, so every
month's rows are stored once (a recount deletes and re-inserts the month; two at once would store it twice)."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from civicgrid.assessment import aggregates
from civicgrid.assessment.models import MonthlyCount, MonthStamp
from civicgrid.core import periodic
from civicgrid.core.models import Lease
from tests.assessment.factories import local, make_rated, make_ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

NOW = local(2026, 3, 10, 9)
JOB = "assessment.monthly_counts"


def _rows():
    return Counter(
        MonthlyCount.objects.values_list(
            "month", "by", "key", "town", "code", "rated", "received", "closed", "satisfied"
        )
    )


def test_two_workers_store_each_month_once(place, monkeypatch):
    where = {"grid": place.grids.yinhai, "community": place.grids.yinhai.community, "town": place.towns.jiaji}
    where |= {"category": place.categories.property, "category_code": place.categories.property.code}
    for day in range(0, 80, 2):  # December 2025 to February 2026
        received = local(2025, 12, 1, 9) + timedelta(days=day)
        make_ticket(received_at=received, **where)
        make_rated(
            place.units.housing,
            received + timedelta(days=1),
            received_at=received,
            closed_at=received + timedelta(hours=20),
            satisfaction="satisfied",
            **where,
        )
    # Only the job under test: the other apps' jobs are tested in their apps.
    monkeypatch.setattr(periodic, "_jobs", {JOB: periodic._jobs[JOB]})
    assert periodic._jobs[JOB].lease is not None
    barrier = threading.Barrier(2)
    results, errors = [None, None], []

    def worker(i):
        try:
            with time_machine.travel(NOW, tick=False):
                barrier.wait()
                results[i] = periodic.run_registered(NOW)
        except Exception as error:  # reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert sum(result.get("月度考评计数", 0) for result in results) == 3
    stored = _rows()
    assert stored and set(stored.values()) == {1}
    assert MonthStamp.objects.count() == 3
    assert not Lease.objects.exists()
    # Exactly what one worker alone stores.
    for stamp in MonthStamp.objects.all():
        aggregates.count_month(stamp.month, NOW)
    assert _rows() == stored
