"""hot_issues and early_alerts: scoped to the user, explained without personal data."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.hotspots.selectors import caller_hash, early_alerts, hot_issues
from tests.hotspots.factories import moment, ticket


def _two_hotspots(world):
    for k in range(4):
        ticket(
            world,
            moment(2026, 3, 2 + k),
            title="椰林花园小区烧烤摊油烟扰民",
            content=f"我是王小明，电话13900001111，椰林花园小区烧烤摊油烟扰民第{k}次",
            name="王小明",
            phone="13900001111",
            unit=world["housing"],
        )
    for k in range(3):
        ticket(
            world, moment(2026, 3, 3 + k), title="滨海路自来水停水", unit=world["water"], address="滨海路12号"
        )


def test_supervisor_sees_all_hottest_first_without_personal_data(world):
    _two_hotspots(world)
    issues = hot_issues(user=world["supervisor"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    # one caller four times is less hot than three callers
    assert [i.size for i in issues] == [3, 4]
    assert issues[0].heat > issues[1].heat
    repeated = issues[1]
    assert repeated.label.startswith("椰林花园")
    assert repeated.callers == 1
    assert repeated.examples[0][0].startswith("HS")
    text = repr(issues)
    assert "王小明" not in text and "13900001111" not in text


def test_a_handler_sees_only_his_units_tickets(world):
    _two_hotspots(world)
    issues = hot_issues(user=world["swj"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert [i.size for i in issues] == [3]
    assert "滨海路" in issues[0].label


def test_area_and_period_filters(world):
    _two_hotspots(world)
    assert hot_issues(user=world["leader"], date_from=date(2026, 4, 1), date_to=date(2026, 4, 30)) == []
    from civicgrid.registry.models import AdminArea

    other = AdminArea.objects.get(code="469002100002")
    assert (
        hot_issues(user=world["leader"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 31), area=other)
        == []
    )


def test_anonymous_is_refused(world):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        hot_issues(user=AnonymousUser(), date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))


def test_caller_hash_is_not_the_phone():
    assert caller_hash("139-0000-1111") == caller_hash("13900001111")
    assert "1111" not in caller_hash("13900001111")
    assert caller_hash("") == ""


def test_early_alerts_are_scoped(world):
    from civicgrid.hotspots.models import Alert

    _two_hotspots(world)
    from civicgrid.tickets.models import Ticket

    alert = Alert.objects.create(
        key="k1", label="滨海路：停水", day=date(2026, 3, 5), raised_at=moment(2026, 3, 5, 20), size=3,
        observed=3, expected=0.5, p_value=0.01, explanation="说明",
    )  # fmt: skip
    alert.tickets.set(Ticket.objects.filter(title="滨海路自来水停水"))
    period = dict(date_from=date(2026, 3, 1), date_to=date(2026, 3, 31))
    assert [a.label for a in early_alerts(user=world["leader"], **period)] == ["滨海路：停水"]
    assert [a.label for a in early_alerts(user=world["swj"], **period)] == ["滨海路：停水"]
    assert early_alerts(user=world["zjj"], **period) == []
