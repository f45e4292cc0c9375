"""The city-sized path of the quota figures (more members than fit one IN list) gives what the small path gives,
and the rule of the nearest area is found for many communities at once."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import quota, services, volunteer_link
from civicgrid.engagement.models import QuotaRule
from civicgrid.volunteering.models import Project
from civicgrid.volunteering.services import records
from civicgrid.volunteering.services.volunteers import link_party_member
from tests.engagement.conftest import in_service, moment
from tests.engagement.test_stats import END, counted  # noqa: F401 (a fixture)
from tests.volunteering.factories import project, volunteer

pytestmark = pytest.mark.django_db


def _figures(world, members):
    return (
        quota.wishes_done([m.pk for m in members], 2026),
        volunteer_link.member_totals([m.pk for m in members], 2026),
        {k: (p.wishes, p.activities, p.hours, p.quota.pk) for k, p in quota.progress_many(
            {m.pk: world["yinhai"] for m in members}, 2026, date(2026, 12, 31)
        ).items()},
    )  # fmt: skip


def test_many_members_give_the_same_figures(world, monkeypatch):
    a, b, c = in_service(world, name="甲一"), in_service(world, name="乙二"), in_service(world, name="丙三")
    p = project(world["yinhai"], state=Project.State.RUNNING)
    for i, m in enumerate((a, b)):
        v = volunteer(world["yinhai"], name=m.name)
        link_party_member(actor=SYSTEM, volunteer=v, party_member_id=m.pk)
        for day in (1, 2, 3):
            start = moment(2026, 5, day + i * 3, 9)
            r = records.record_manual(
                actor=None, volunteer=v, project=p, area=None, started_at=start,
                ended_at=start + timedelta(hours=day), content="巡河", now=moment(2026, 6, 1),
            )  # fmt: skip
            records.confirm(actor=None, record=r)
    w = services.wish_collect(
        actor=None, community=world["yinhai"], source="resident", title="送米", at=moment(2026, 3, 1)
    )
    services.wish_verify(actor=SYSTEM, wish=w, at=moment(2026, 3, 1))
    services.wish_publish(actor=SYSTEM, wish=w, at=moment(2026, 3, 1))
    services.wish_claim(actor=None, wish=w, member=a, at=moment(2026, 3, 1))
    services.wish_fulfil(actor=None, wish=w, member=a, evidence="完成", at=moment(2026, 3, 2))
    small = _figures(world, [a, c])
    assert small[1] == ({a.pk: Decimal("6.00")}, {})  # manual records are no activities
    assert small[0] == {a.pk: 1}
    monkeypatch.setattr(volunteer_link, "MANY", 0)
    monkeypatch.setattr(quota, "MANY", 0)
    assert _figures(world, [a, c]) == small  # b's records and claims are left out on both paths


def test_the_nearest_rule_for_many_communities(world):
    county = QuotaRule.objects.create(
        version="琼海2026",
        effective_from=date(2026, 1, 1),
        area=world["areas"]["469002"],
        wishes=2,
        activities=3,
        hours=10,
    )
    m, n = in_service(world, name="甲一"), in_service(world, name="乙二")
    many = quota.progress_many({m.pk: world["yinhai"], n.pk: None}, 2026, date(2026, 6, 1))
    assert many[m.pk].quota == county == quota.quota_for(world["yinhai"], date(2026, 6, 1))
    assert many[n.pk].quota == quota.quota_for(None, date(2026, 6, 1)) != county


def test_the_city_path_of_the_figures_gives_the_hand_counted_ones(counted, monkeypatch):  # noqa: F811
    from civicgrid.engagement import stats

    small = stats.engagement_stats(counted["areas"]["469002"], 2026, today=END)
    for module in (stats, quota, volunteer_link):
        monkeypatch.setattr(module, "MANY", 0)
    assert stats.engagement_stats(counted["areas"]["469002"], 2026, today=END) == small
    assert small["registered_members"] == 2 and small["members_meeting_quota"] == 1
