"""Two residents redeeming the last item at the same moment: one gets it, the other is told it is gone."""

import threading

import pytest
from django.db import connection

from civicgrid.points import services
from civicgrid.points.errors import PointsRefusal
from civicgrid.points.models import Redemption, RewardItem
from civicgrid.points.verify import verify

from .conftest import World


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
