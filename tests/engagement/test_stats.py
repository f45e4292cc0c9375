"""`engagement stats` against a hand-counted fixture; over nothing every figure is 0 and the command exits 0."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from django.db import connections

from civicgrid.__main__ import main
from civicgrid.core.actors import SYSTEM
from civicgrid.engagement import services
from civicgrid.engagement.models import QuotaRule
from civicgrid.engagement.stats import KEYS, engagement_stats, engagement_stats_by_area
from civicgrid.registry.models import AdminArea
from tests.engagement.conftest import in_service, moment
from tests.party.factories import unit

pytestmark = pytest.mark.django_db
END = date(2026, 12, 31)


def wish(
    world,
    community,
    title,
    published_on,
    *,
    claim=None,
    fulfil=False,
    close=False,
    expire=False,
    cancel=False,
):
    at = moment(published_on.year, published_on.month, published_on.day)
    w = services.wish_collect(actor=None, community=community, source="resident", title=title, at=at)
    w = services.wish_verify(actor=SYSTEM, wish=w, at=at)
    w = services.wish_publish(actor=SYSTEM, wish=w, at=at)
    if claim is not None:
        services.wish_claim(actor=None, wish=w, member=claim, at=at)
    if fulfil:
        w = services.wish_fulfil(actor=None, wish=w, member=claim, evidence="完成", at=at)
    if close:
        w = services.wish_close(actor=SYSTEM, wish=w, at=at)
    if cancel:
        w = services.wish_cancel(actor=SYSTEM, wish=w, reason="居民撤回", at=at)
    if expire:
        w.expires_on = published_on
        w.save()
        services.wish_expire_due(today=date(published_on.year, 12, 31))
    return w


@pytest.fixture
def counted(world):
    yh, jh = world["yinhai"], world["jinhai"]
    QuotaRule.objects.update(activities=0, hours=0)  # volunteering is not wired in here: quota by wishes
    m1 = in_service(world, name="一号")
    m2 = in_service(world, name="二号")
    m3 = in_service(world, name="三号", grid=world["jh_grid"])
    in_service(world, name="四号", grid=None)  # organised in the county: counted there, not in 银海
    m5 = in_service(world, name="五号")
    m5.in_service = False
    m5.save()
    services.register_member(actor=SYSTEM, member=m1, community=yh, on=date(2026, 2, 1))
    r2 = services.register_member(actor=SYSTEM, member=m2, community=yh, on=date(2025, 3, 1))
    services.registration_end(
        actor=SYSTEM, registration=r2, state="withdrawn", reason="调离", on=date(2025, 12, 1)
    )
    services.register_member(actor=SYSTEM, member=m3, community=jh, on=date(2026, 5, 1))
    services.register_org(actor=SYSTEM, org=world["tax_org"], community=yh, on=date(2026, 1, 15))

    wish(world, yh, "w1", date(2026, 3, 1), claim=m1, fulfil=True, close=True)
    wish(world, yh, "w2", date(2026, 4, 1), claim=m3)
    wish(world, yh, "w3", date(2026, 5, 1), expire=True)
    wish(world, yh, "w4", date(2025, 6, 1), claim=m1, fulfil=True)
    services.wish_collect(actor=None, community=yh, source="grid", title="w5", at=moment(2026, 6, 1))
    wish(world, jh, "w6", date(2026, 7, 1), cancel=True)

    edu = unit("U-EDU", world["areas"]["469002"], name="琼海市教育局")
    p1 = services.pairing_create(actor=SYSTEM, year=2026, scheme="shuanglian", unit=world["bureau"], area=yh)
    p2 = services.pairing_create(actor=SYSTEM, year=2026, scheme="jiedui", unit=world["bureau"], area=jh)
    services.pairing_create(actor=SYSTEM, year=2026, scheme="one_to_one", unit=edu, area=yh)
    services.pairing_create(actor=SYSTEM, year=2026, scheme="guagou", leader_name="张副市长", area=jh)
    p5 = services.pairing_create(actor=SYSTEM, year=2025, scheme="shuanglian", unit=edu, area=jh)
    for day in (date(2026, 3, 4), date(2026, 3, 7), date(2026, 3, 9)):  # Wed, Sat, Mon
        services.visit_record(actor=SYSTEM, pairing=p1, visited_on=day)
    services.visit_record(actor=SYSTEM, pairing=p2, visited_on=date(2026, 5, 7))  # Thu
    services.visit_record(actor=SYSTEM, pairing=p5, visited_on=date(2025, 6, 4))  # another year
    return world


def test_county(counted):
    figures = engagement_stats(counted["areas"]["469002"], 2026, today=END)
    assert list(figures) == list(KEYS)
    assert figures == {
        "registered_orgs": 1,
        "registered_members": 2,  # 一号, 三号 (二号 withdrew in 2025)
        "in_service_members": 4,  # 一号 二号 三号 四号 (五号 is not in service)
        "registration_share": 0.5,
        "members_meeting_quota": 1,  # 一号: w1 fulfilled in 2026
        "micro_wishes_published": 4,  # w1 w2 w3 w6
        "micro_wishes_claimed": 2,  # w1 w2
        "micro_wishes_fulfilled": 1,  # w1 (closed)
        "volunteer_activities": 0,
        "volunteer_hours": 0.0,
        "pairing_units": 2,
        "pairing_villages": 2,
        "pairing_visits": 4,
        "visits_on_wed_or_sat_share": 0.5,
        "points_posted": 0,
        "points_redeemed": 0,
        "points_expired": 0,
        "points_balance": 0,
    }


def test_community(counted):
    figures = engagement_stats(counted["yinhai"], 2026, today=END)
    assert (figures["in_service_members"], figures["registered_members"], figures["registration_share"]) == (
        2,
        1,
        0.5,
    )
    assert (
        figures["micro_wishes_published"],
        figures["micro_wishes_claimed"],
        figures["micro_wishes_fulfilled"],
    ) == (3, 2, 1)
    assert (figures["pairing_units"], figures["pairing_villages"], figures["pairing_visits"]) == (2, 1, 3)
    assert figures["visits_on_wed_or_sat_share"] == round(2 / 3, 4)
    last_year = engagement_stats(counted["areas"]["469002"], 2025, today=END)
    assert (
        last_year["registered_members"],
        last_year["micro_wishes_published"],
        last_year["pairing_visits"],
    ) == (1, 1, 1)


def test_over_nothing_every_figure_is_zero(world):
    empty = AdminArea.objects.create(
        code="469005", name="文昌市", level="county", parent=world["areas"]["460000"]
    )
    figures = engagement_stats(empty, 2026, today=END)
    assert all(value == 0 for value in figures.values()) and list(figures) == list(KEYS)


@pytest.mark.parametrize(("year", "today"), [(2026, END), (2025, END), (2026, date(2026, 4, 1))])
def test_many_areas_at_once_equal_one_by_one(counted, year, today):
    empty = AdminArea.objects.create(
        code="469005", name="文昌市", level="county", parent=counted["areas"]["460000"]
    )
    chosen = [counted["areas"][code] for code in ("460000", "469002")]
    chosen += [counted["areas"]["469002"].children.get(), counted["yinhai"], counted["jinhai"], empty]
    together = engagement_stats_by_area(chosen, year, today=today)
    assert set(together) == {a.pk for a in chosen}
    for area in chosen:
        assert together[area.pk] == engagement_stats(area, year, today=today), area.name
    assert all(value == 0 for value in together[empty.pk].values())
    assert engagement_stats_by_area([], year) == {}


class TestCommand:
    @pytest.fixture(autouse=True)
    def keep_the_test_connection(self, monkeypatch):
        monkeypatch.setattr(connections, "close_all", lambda: None)

    def test_json_only_on_stdout(self, counted, capsys):
        main(["civicgrid", "engagement", "stats", "--area", "469002", "--year", "2026", "--format", "json"])
        figures = json.loads(capsys.readouterr().out)
        assert list(figures) == list(KEYS) and figures["pairing_visits"] == 4

    def test_unknown_area_is_nothing_and_exits_zero(self, world, capsys):
        main(["civicgrid", "engagement", "stats", "--area", "000000", "--year", "2026", "--format", "json"])
        out, err = capsys.readouterr()
        assert all(v == 0 for v in json.loads(out).values()) and "不存在" in err

    def test_table(self, counted):
        from io import StringIO

        out = StringIO()
        call_command("engagement", "stats", "--area", "469002", "--year", "2026", stdout=out)
        assert "在职党员报到率：50.0%" in out.getvalue()


def test_expire_and_post_points_commands(world):
    from io import StringIO

    out = StringIO()
    call_command("engagement", "expire-wishes", stdout=out)
    call_command("engagement", "post-points", "--since", "2026-01-01", stdout=out)
    assert "过期微心愿：0 个" in out.getvalue() and "志愿服务积分：处理 0 条" in out.getvalue()
