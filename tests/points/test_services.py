from datetime import date, timedelta

import pytest

from civicgrid.core.models import AuditEvent
from civicgrid.points import ledger, services
from civicgrid.points.errors import PointsRefusal
from civicgrid.points.models import PointsEntry, Redemption, RewardItem
from civicgrid.points.verify import verify

from .conftest import T0, at

S = PointsEntry.State


def test_claim_review_publicise_post_moves_the_balance_only_when_posted(world):
    entry = services.claim(account=world.account, rule=world.rules["P04"], now=T0, evidence="事迹材料")
    assert entry.state == S.CLAIMED and entry.points == 10
    assert ledger.balance_of(world.account) == 0
    services.review(entry=entry, now=T0)
    entry = services.publicise(entry=entry, now=T0)
    assert entry.publicity_until == T0 + timedelta(days=3)
    with pytest.raises(PointsRefusal, match="公示期至"):
        services.post(entry=entry, now=T0 + timedelta(days=1))
    services.post(entry=entry, now=T0 + timedelta(days=3))
    entry.refresh_from_db()
    assert entry.state == S.POSTED and entry.expires_on == date(2027, 12, 31)
    assert ledger.balance_of(world.account) == 10
    world.account.refresh_from_db()
    assert world.account.balance == 10
    assert AuditEvent.objects.filter(action__startswith="points.").count() >= 5
    assert verify().ok


def test_claim_is_idempotent_per_source_and_account(world):
    first = services.claim(
        account=world.account,
        rule=world.rules["P01"],
        quantity=3,
        source_kind="volunteer",
        source_id=7,
        now=T0,
    )
    again = services.claim(
        account=world.account,
        rule=world.rules["P01"],
        quantity=3,
        source_kind="volunteer",
        source_id=7,
        now=T0,
    )
    assert first.pk == again.pk and first.key == f"volunteer:7:{world.account.pk}"
    other = world.open("李四", "13800000002")
    third = services.claim(
        account=other, rule=world.rules["P01"], source_kind="volunteer", source_id=7, now=T0
    )
    assert third.pk != first.pk


def test_cap_per_period_clips_then_refuses(world):
    # P01: 2 points an hour, at most 40 a month
    first = services.claim(account=world.account, rule=world.rules["P01"], quantity=15, now=T0)
    second = services.claim(account=world.account, rule=world.rules["P01"], quantity=15, now=T0)
    assert (first.points, second.points) == (30, 10)
    with pytest.raises(PointsRefusal, match="已达上限"):
        services.claim(account=world.account, rule=world.rules["P01"], quantity=1, now=T0)
    services.reject(entry=second, reason="时长有误", now=T0)
    assert services.claim(account=world.account, rule=world.rules["P01"], quantity=1, now=T0).points == 2


def test_deduction_cannot_overdraw_without_an_overdraft_rule(world):
    entry = services.claim(account=world.account, rule=world.rules["M01"], now=T0)
    services.review(entry=entry, now=T0)
    entry = services.publicise(entry=entry, now=T0)
    with pytest.raises(PointsRefusal, match="不允许透支"):
        services.post(entry=entry, now=entry.publicity_until)
    result = services.post_due(now=entry.publicity_until)
    assert result.posted == 0 and result.refused == [entry.pk]
    world.scheme.overdraft = 10
    world.scheme.save()
    assert services.post_due(now=entry.publicity_until).posted == 1
    assert ledger.balance_of(world.account) == -5
    assert verify().ok


def test_reversal_is_a_new_entry_and_only_once(world):
    entry = world.earned(world.account)
    reversal = services.reverse(entry=entry, reason="重复申报", now=T0 + timedelta(days=5))
    assert reversal.points == -10 and reversal.reverses_id == entry.pk and reversal.state == S.POSTED
    entry.refresh_from_db()
    assert entry.points == 10 and entry.state == S.POSTED
    assert ledger.balance_of(world.account) == 0
    with pytest.raises(PointsRefusal, match="已冲正"):
        services.reverse(entry=entry, reason="again", now=T0 + timedelta(days=5))
    with pytest.raises(PointsRefusal, match="不能再冲正"):
        services.reverse(entry=reversal, reason="again", now=T0 + timedelta(days=5))
    assert verify().ok


def test_expiry_is_fifo_over_lots_and_an_entry(world):
    world.scheme.validity = "days"
    world.scheme.validity_days = 90
    world.scheme.save()
    first = world.earned(world.account, now=at(2026, 1, 5))  # posted 01-08, lasts to 04-08
    world.earned(world.account, now=at(2026, 3, 1))  # posted 03-04, lasts to 06-02
    item = services.add_item(area=world.area, name="洗衣液", cost=12, stock=5)
    services.redeem(
        account=world.account, item=item, now=at(2026, 3, 10)
    )  # takes 10 from the first, 2 from the second
    assert services.expire_due(at(2026, 4, 8)) == 0
    assert services.expire_due(at(2026, 4, 9)) == 0  # the first lot is used up
    assert services.expire_due(at(2026, 6, 3)) == 1
    expiry = PointsEntry.objects.get(kind="expiry")
    assert expiry.points == -8 and expiry.lot_id != first.pk
    assert ledger.balance_of(world.account) == 0
    assert services.expire_due(at(2026, 6, 4)) == 0
    assert verify().ok


def test_redeem_reserve_fulfil_and_cancel(world):
    world.earned(world.account)
    item = services.add_item(area=world.area, name="就餐优惠券", cost=4, stock=2, kind=RewardItem.Kind.MEAL)
    redemption = services.redeem(account=world.account, item=item, quantity=2, now=T0 + timedelta(days=4))
    assert redemption.state == Redemption.State.RESERVED and len(redemption.pickup_code) == 8
    item.refresh_from_db()
    assert item.stock == 0 and ledger.balance_of(world.account) == 2
    with pytest.raises(PointsRefusal, match="库存不足|积分不足"):
        services.redeem(account=world.account, item=item, now=T0 + timedelta(days=4))
    services.cancel_redemption(redemption=redemption, reason="不需要了", now=T0 + timedelta(days=5))
    item.refresh_from_db()
    assert item.stock == 2 and ledger.balance_of(world.account) == 10
    again = services.redeem(account=world.account, item=item, now=T0 + timedelta(days=6))
    services.fulfil(redemption=again, now=T0 + timedelta(days=6))
    with pytest.raises(PointsRefusal, match="不能取消"):
        services.cancel_redemption(redemption=again, reason="x", now=T0 + timedelta(days=6))
    assert verify().ok


def test_redeem_refuses_without_enough_points(world):
    item = services.add_item(area=world.area, name="大米", cost=50, stock=1)
    with pytest.raises(PointsRefusal, match="积分不足"):
        services.redeem(account=world.account, item=item, now=T0)
    item.refresh_from_db()
    assert item.stock == 1


def test_expired_points_are_not_spendable(world):
    world.scheme.validity = "days"
    world.scheme.validity_days = 10
    world.scheme.save()
    world.earned(world.account, now=at(2026, 1, 5))
    item = services.add_item(area=world.area, name="大米", cost=5, stock=1)
    with pytest.raises(PointsRefusal, match="积分不足"):
        services.redeem(account=world.account, item=item, now=at(2026, 2, 1))
    # the refusal rolls the clearing back with it; the worker's expire_due books it
    assert services.expire_due(at(2026, 2, 1)) == 1
    assert ledger.balance_of(world.account) == 0


def test_earn_posts_after_the_window_via_post_due(world):
    entry = services.earn(
        account=world.account, rule=world.rules["P03"], source_kind="micro_wish", source_id=11, now=T0
    )
    assert entry.state == S.PUBLICISED
    assert services.post_due(T0 + timedelta(days=2)).posted == 0
    assert services.post_due(T0 + timedelta(days=3)).posted == 1
    assert ledger.balance_of(world.account) == 5
    world.scheme.publicity_days = 0
    world.scheme.save()
    other = services.earn(
        account=world.account, rule=world.rules["P03"], source_kind="micro_wish", source_id=12, now=T0
    )
    assert other.state == S.POSTED


def test_no_scheme_no_points(db):
    from .conftest import make_area

    area = make_area("469099100002", "椰风村")
    with pytest.raises(PointsRefusal, match="尚未通过积分方案"):
        services.open_account(area=area, holder_name="张三", phone="13800000009", now=T0)


def test_earn_says_whether_it_wrote_the_entry_so_a_second_worker_counts_nothing(world):
    first = services.earn(
        account=world.account, rule=world.rules["P03"], source_kind="micro_wish", source_id=21, now=T0
    )
    again = services.earn(
        account=world.account, rule=world.rules["P03"], source_kind="micro_wish", source_id=21, now=T0
    )
    assert first.newly_claimed and not again.newly_claimed and again.pk == first.pk
