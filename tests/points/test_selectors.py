from datetime import timedelta

from django.contrib.auth import get_user_model

from civicgrid.points import selectors, services
from civicgrid.registry.models import Role, Staff, Unit

from .conftest import at


def test_totals_over_a_year(world):
    world.scheme.validity = "days"
    world.scheme.validity_days = 30
    world.scheme.effective_from = at(2025, 1, 1).date()
    world.scheme.save()
    e1 = world.earned(world.account, now=at(2025, 12, 1))  # posted 2025-12-04, not this year's
    e2 = world.earned(world.account, now=at(2026, 2, 1))
    services.expire_due(at(2026, 1, 10))  # e1's 10 points expire in 2026
    item = services.add_item(area=world.area, name="油", cost=3, stock=5)
    r1 = services.redeem(account=world.account, item=item, now=at(2026, 2, 5))
    services.redeem(account=world.account, item=item, now=at(2026, 2, 5))
    services.cancel_redemption(redemption=r1, reason="改天", now=at(2026, 2, 6))
    figures = selectors.totals([world.area.pk], 2026, now=at(2026, 12, 31, 20))
    assert figures == {"points_posted": 10, "points_redeemed": 3, "points_expired": 10, "points_balance": 7}
    assert selectors.totals([world.area.pk], 2025, now=at(2026, 12, 31))["points_balance"] == 10
    assert selectors.totals([], 2026) == dict.fromkeys(figures, 0)
    assert e1.pk and e2.pk


def test_ranking_masks_names_and_follows_the_scheme(world):
    other = world.open("欧阳春华", "13800000002")
    world.earned(world.account, now=at(2026, 3, 2))
    world.earned(other, now=at(2026, 3, 2))
    world.earned(other, now=at(2026, 3, 3))
    rows = selectors.monthly_ranking(world.area.pk, 2026, 3)
    assert [(r.rank, r.name, r.points) for r in rows] == [(1, "欧**华", 20), (2, "王*明", 10)]
    world.scheme.public_ranking = False
    world.scheme.save()
    assert selectors.monthly_ranking(world.area.pk, 2026, 3) is None


def test_worker_scope(world):
    user = get_user_model().objects.create_user("sq", password="x")
    staff = Staff.objects.create(user=user, name="社区干部")
    staff.roles.add(Role.objects.get(code=Role.UNIT_HANDLER))
    unit = Unit.objects.create(code="SQ1", name="椰林社区居委会", kind=Unit.Kind.COMMUNITY, area=world.area)
    staff.units.add(unit)
    assert selectors.worker_area_ids(user) == {world.area.pk}
    assert list(selectors.accounts_in_scope(user)) == [world.account]
    assert list(selectors.accounts_in_scope(user, "0001")) == [world.account]
    dept = get_user_model().objects.create_user("dept", password="x")
    other = Staff.objects.create(user=dept, name="局里")
    other.roles.add(Role.objects.get(code=Role.UNIT_HANDLER))
    other.units.add(Unit.objects.create(code="D1", name="住建局", kind=Unit.Kind.DEPARTMENT, area=world.area))
    assert list(selectors.accounts_in_scope(dept)) == []
    assert timedelta(0) == timedelta(0)
