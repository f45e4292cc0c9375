"""Two residents redeeming the last item at the same moment: one gets it, the other is told it is gone; two
workers posting due entries at the same moment: each entry is posted once."""

import threading

import pytest
from django.db import connection

from civicgrid.core.models import AuditEvent
from civicgrid.points import ledger, services
from civicgrid.points.errors import PointsRefusal
from civicgrid.points.models import PointsEntry, Redemption, RewardItem
from civicgrid.points.verify import verify

from .conftest import T0, World


def _race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait()
            action()
            outcomes[index] = "ok"
        except PointsRefusal as exc:
            outcomes[index] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_residents_redeem_the_last_item_at_once():
    world = World()
    other = world.open("李四", "13800000002")
    world.earned(world.account)
    last = world.earned(other)
    item = services.add_item(area=world.area, name="最后一袋大米", cost=5, stock=1)
    now = last.posted_at

    outcomes = _race(
        [
            lambda: services.redeem(account=world.account, item=item, now=now),
            lambda: services.redeem(account=other, item=item, now=now),
        ]
    )

    assert sorted(outcomes) == sorted(["ok", "「最后一袋大米」库存不足，已兑完"])
    assert RewardItem.objects.get(pk=item.pk).stock == 0
    assert Redemption.objects.filter(item=item, state="reserved").count() == 1
    assert verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_account_redeeming_twice_at_once_never_overdraws():
    world = World()
    world.earned(world.account)  # 10 points
    item = services.add_item(area=world.area, name="毛巾", cost=6, stock=10)
    now = world.account.entries.get().posted_at

    outcomes = _race([lambda: services.redeem(account=world.account, item=item, now=now) for _ in range(4)])

    assert outcomes.count("ok") == 1
    assert all(o == "ok" or "积分不足" in o for o in outcomes)
    assert verify().ok


def _publicised(world, account):
    entry = services.claim(account=account, rule=world.rules["P04"], now=T0)
    services.review(entry=entry, now=T0)
    return services.publicise(entry=entry, now=T0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_posting_at_once_post_each_entry_once():
    world = World()
    accounts = [world.account] + [world.open(f"居民{i}", f"1390000{i:04d}") for i in range(1, 12)]
    entries = [_publicised(world, account) for account in accounts for _ in range(3)]
    due = max(entry.publicity_until for entry in entries)
    results = [None, None]

    def post(i):
        results[i] = services.post_due(now=due, batch=5)

    outcomes = _race([lambda: post(0), lambda: post(1)])

    assert outcomes == ["ok", "ok"]
    assert results[0].posted + results[1].posted == len(entries)
    assert results[0].refused == results[1].refused == []  # what the other worker posted is not "refused"
    assert PointsEntry.objects.filter(pk__in=[e.pk for e in entries], state="posted").count() == len(entries)
    for account in accounts:
        assert ledger.balance_of(account) == 3 * entries[0].points
    posted_rows = AuditEvent.objects.filter(action="points.post_due").values_list("payload", flat=True)
    assert sum(payload["posted"] for payload in posted_rows) == len(entries)
    assert verify().ok
