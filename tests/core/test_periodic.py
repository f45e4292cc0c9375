"""core.periodic and core.leases: a job registered with a lease runs in one worker at a time; a dead worker's lease
runs out; a job without one runs in every worker (it claims its own rows)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from civicgrid.core import leases, periodic
from civicgrid.core.models import Lease

NOW = datetime(2026, 5, 4, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MINUTE = timedelta(minutes=1)


@pytest.fixture
def registry(monkeypatch):
    """The registered jobs replaced by the test's own (the apps' jobs are tested in their apps)."""
    monkeypatch.setattr(periodic, "_jobs", {})
    return periodic


@pytest.mark.django_db
def test_a_lease_is_held_until_released_or_run_out():
    holder = leases.take("job", now=NOW, length=10 * MINUTE)
    assert holder
    assert leases.take("job", now=NOW + 9 * MINUTE, length=10 * MINUTE) is None
    assert leases.take("other", now=NOW, length=10 * MINUTE)  # one lease per job name
    # The holder died: after the lease's length another worker takes it, and the old holder's release is void.
    late = leases.take("job", now=NOW + 10 * MINUTE, length=10 * MINUTE)
    assert late and late != holder
    leases.release("job", holder)
    assert Lease.objects.get(name="job").holder == late
    leases.release("job", late)
    assert leases.take("job", now=NOW + 11 * MINUTE, length=10 * MINUTE)


@pytest.mark.django_db
def test_a_leased_job_gives_its_lease_back_also_when_it_fails(registry):
    calls = []

    def fails(now):
        calls.append(now)
        raise RuntimeError("boom")

    registry.register("fails", "会失败的任务", fails, lease=10 * MINUTE)
    registry.register("counts", "计数任务", lambda now: 3)
    assert registry.run_registered(NOW) == {"计数任务": 3}
    assert registry.run_registered(NOW + MINUTE) == {"计数任务": 3}
    assert len(calls) == 2
    assert not Lease.objects.exists()


@pytest.mark.django_db
def test_a_leased_job_is_skipped_while_another_worker_holds_it(registry):
    registry.register("recount", "重新统计", lambda now: 1, lease=10 * MINUTE)
    assert leases.take("recount", now=NOW, length=10 * MINUTE)
    assert registry.run_registered(NOW + MINUTE) == {}
    assert registry.run_registered(NOW + 10 * MINUTE) == {"重新统计": 1}


def _two_workers(registry, calls) -> list[dict]:
    """Worker 1 starts the leased job and stays inside it until worker 2 has finished its own pass."""
    inside, second_done = threading.Event(), threading.Event()
    results = [None, None]

    def recount(now):
        calls.append(threading.get_ident())
        inside.set()
        assert second_done.wait(60)
        return 1

    registry.register("recount", "重新统计", recount, lease=10 * MINUTE)

    def worker(i):
        try:
            if i == 1:
                assert inside.wait(60)
            results[i] = registry.run_registered(NOW)
        finally:
            if i == 1:
                second_done.set()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_run_a_leased_job_once(registry):
    calls = []
    results = _two_workers(registry, calls)
    assert len(calls) == 1
    assert results == [{"重新统计": 1}, {}]
    assert not Lease.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_taking_a_free_lease_at_the_same_moment_get_it_once():
    barrier = threading.Barrier(4)
    holders = []

    def take():
        try:
            barrier.wait()
            holders.append(leases.take("recount", now=NOW, length=10 * MINUTE))
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len([h for h in holders if h]) == 1 and len(holders) == 4
    assert Lease.objects.get().holder in holders
