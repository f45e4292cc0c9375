"""Gathering a briefing's figures from real tickets: the period, the previous period and the same period a year
earlier, the area, the leagues by kind of unit (too few rated left out), the key list, overdue units, the party
side and the year end."""

from datetime import date, timedelta
from fractions import Fraction

import pytest

from civicgrid.assessment.leagues import last_year_period, previous_period
from civicgrid.assessment.selectors import three_rates, totals
from civicgrid.briefings.gather import gather
from civicgrid.core.actors import SYSTEM
from civicgrid.tickets.models import Status
from tests.assessment.factories import make_assignment, make_rated
from tests.briefings.conftest import local, make_ticket

NOV = (date(2026, 11, 1), date(2026, 11, 30))


def rated(world, unit, n, *, day=20, solved="solved", satisfaction="satisfied", **fields):
    fields.setdefault("town", world.town)
    fields.setdefault("community", world.community)
    return [
        make_rated(
            unit,
            local(2026, 11, day, 10),
            received_at=local(2026, 9, 20, 10),  # before both compared periods: counted only as rated
            solved=solved,
            satisfaction=satisfaction,
            **fields,
        )
        for _ in range(n)
    ]


@pytest.fixture
def fixture(world):
    # This period: 10 received in 嘉积镇 (2 of them dispatched, 4 closed, 3 on time) and 3 in 博鳌镇.
    here = [make_ticket(received_at=local(2026, 11, 5, 9), town=world.town) for _ in range(10)]
    for ticket in here[:2]:
        ticket.dispatched_at = local(2026, 11, 5, 10)
        ticket.lead_unit = world.housing
        ticket.save()
    for index, ticket in enumerate(here[2:6]):
        ticket.closed_at, ticket.closed_on_time = local(2026, 11, 20, 10), index < 3
        ticket.save()
    for _ in range(3):
        make_ticket(received_at=local(2026, 11, 6, 9), town=world.boao)
    # Rated this period: 住建局 6 (5 solved; 4 satisfied, 1 basic, 1 unsatisfied), 水务局 5 (all very satisfied),
    # a grid team 1 (too few to rank).
    rated(world, world.housing, 4)
    rated(world, world.housing, 1, satisfaction="basic")
    rated(world, world.housing, 1, solved="unsolved", satisfaction="unsatisfied")
    rated(world, world.water, 5, satisfaction="very_satisfied")
    rated(world, world.grid_team, 1)
    # The previous period (October, the month before): 5 received; last year's November: 8 received.
    for _ in range(5):
        make_ticket(received_at=local(2026, 10, 10, 9), town=world.town)
    for _ in range(8):
        make_ticket(received_at=local(2025, 11, 10, 9), town=world.town)
    return world


def test_the_comparison_periods():
    assert previous_period(*NOV) == (date(2026, 10, 1), date(2026, 10, 31))
    assert last_year_period(*NOV) == (date(2025, 11, 1), date(2025, 11, 30))
    assert last_year_period(date(2028, 2, 1), date(2028, 2, 29)) == (date(2027, 2, 1), date(2027, 2, 28))


def test_the_overview_against_the_fixture(fixture):
    data = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1])
    c = data.current
    assert (c.received, c.dispatched, c.closed, c.closed_on_time) == (13, 2, 4, 3)
    assert c.on_time_rate == 0.75
    assert c.rated == 12
    assert c.response_rate == 1
    assert c.resolution_rate == pytest.approx(11 / 12)
    satisfaction = Fraction(4 + 5 + 1) + Fraction("0.9")  # satisfied + very satisfied + 0.9 × basic
    assert c.satisfaction_rate == pytest.approx(float(satisfaction / 12))
    composite = Fraction("0.1") + Fraction("0.5") * Fraction(11, 12) + Fraction("0.4") * satisfaction / 12
    assert c.composite == pytest.approx(float(composite))
    # One definition: the same figures as the league table's total.
    total = totals(three_rates(user=SYSTEM, date_from=NOV[0], date_to=NOV[1], by="unit"))
    assert (c.rated, c.composite) == (total.rated, pytest.approx(total.composite))
    assert (data.previous.received, data.previous.rated) == (5, 0)
    assert data.previous.composite is None
    assert data.last_year.received == 8


def test_an_area_counts_its_own_subtree(fixture):
    data = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.town)
    assert data.scope_name == "嘉积镇"
    assert data.current.received == 10  # 博鳌镇's 3 left out
    assert data.current.rated == 12
    community = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.community)
    assert (community.current.received, community.current.rated) == (0, 12)  # the 10 name no community
    boao = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.boao)
    assert (boao.current.received, boao.current.rated) == (3, 0)
    # Units are ranked on the area's tickets: the county departments that handled 嘉积镇's, none in 博鳌镇.
    assert {league.title: league.ranked for league in data.leagues}["职能部门"] == 2
    assert all(not league.ranked for league in boao.leagues)
    assert [league.insufficient for league in data.leagues if league.title == "网格工作组"] == [1]


def test_league_tables_by_kind_praise_and_name_only_on_enough_evidence(fixture):
    data = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1])
    leagues = {league.title: league for league in data.leagues}
    departments = leagues["职能部门"]
    assert departments.ranked == 2 and departments.insufficient == 0
    # 5 and 6 rated tickets cannot tell either department from the city mean: no praise, no naming.
    assert (departments.top, departments.bottom) == ([], [])
    grid_teams = leagues["网格工作组"]
    assert (grid_teams.ranked, grid_teams.insufficient, grid_teams.top) == (0, 1, [])
    assert "热线中心" not in " ".join(leagues)  # the centre is never ranked

    rated(fixture, fixture.water, 40, satisfaction="very_satisfied")
    rated(fixture, fixture.housing, 40, solved="unsolved", satisfaction="unsatisfied")
    departments = {
        league.title: league
        for league in gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1]).leagues
    }["职能部门"]
    assert [(row.rank, row.label, row.rated) for row in departments.top] == [(1, "琼海市水务局", 45)]
    assert [(row.rank, row.label, row.rated) for row in departments.bottom] == [
        (2, "琼海市住房和城乡建设局", 46)
    ]
    assert "高于全市平均" in departments.top[0].verdict


def test_the_key_list_and_the_overdue_units(fixture):
    listed = make_ticket(
        received_at=local(2026, 9, 1, 9),
        town=fixture.town,
        title="小区电梯停运",
        requester_name="张三",
        requester_phone="13800000000",
        on_key_list=True,
        lead_unit=fixture.housing,
        status=Status.IN_PROGRESS,
    )
    elsewhere = make_ticket(received_at=local(2026, 8, 1, 9), town=fixture.boao, on_key_list=True)
    for unit, n in ((fixture.housing, 2), (fixture.water, 1)):
        for _ in range(n):
            ticket = make_ticket(received_at=local(2026, 11, 1, 9), town=fixture.town)
            make_assignment(ticket, unit, local(2026, 11, 1, 10), overdue_issued_at=local(2026, 11, 8, 10))
    late = make_ticket(received_at=local(2026, 12, 1, 9), town=fixture.town)
    make_assignment(late, fixture.water, local(2026, 12, 1, 10), overdue_issued_at=local(2026, 12, 8, 10))

    data = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.county)
    assert [(t.number, t.title, t.unit, t.state) for t in data.key_list] == [
        (listed.number, "小区电梯停运", "琼海市住房和城乡建设局", "办理中"),
        (elsewhere.number, elsewhere.title, "未派单", "已受理"),
    ]
    assert [(row.unit, row.count) for row in data.overdue_units] == [
        ("琼海市住房和城乡建设局", 2),
        ("琼海市水务局", 1),
    ]
    town = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.town)
    assert [t.number for t in town.key_list] == [listed.number]


def test_hot_issues_and_alerts_come_from_the_hotspot_reads(fixture, monkeypatch):
    calls = []

    def hot(**kwargs):
        calls.append(("hot", kwargs))
        return ["hot"]

    def alerts(**kwargs):
        calls.append(("alerts", kwargs))
        return ["alert"]

    monkeypatch.setattr("civicgrid.briefings.gather.hot_issues", hot)
    monkeypatch.setattr("civicgrid.briefings.gather.early_alerts", alerts)
    data = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.town)
    assert (data.hot_issues, data.alerts) == (["hot"], ["alert"])
    assert calls[0][1] == dict(
        user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.town, top=10
    )
    assert calls[1][1] == dict(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.town)


def test_the_party_side_through_the_apps_stats(fixture):
    from tests.party.factories import member, org

    branch = org("P-YH", fixture.community)
    member(org=branch)
    data = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1])
    groups = {group.title: dict(group.lines) for group in data.party}
    assert groups["党组织和党员"]["党组织（个）"] == "1"
    assert groups["党组织和党员"]["党员（人）"] == "1"
    empty = gather(user=fixture.leader, date_from=NOV[0], date_to=NOV[1], area=fixture.boao)
    assert empty.party == []


def test_the_year_end_period_compares_with_last_december(world):
    december = (date(2026, 12, 1), date(2026, 12, 31))
    assert previous_period(*december) == (date(2026, 11, 1), date(2026, 11, 30))
    assert last_year_period(*december) == (date(2025, 12, 1), date(2025, 12, 31))
    make_ticket(received_at=local(2026, 12, 31, 23, 30), town=world.town)  # the last evening counts
    make_ticket(received_at=local(2027, 1, 1, 0, 10), town=world.town)  # the new year does not
    for _ in range(2):
        make_ticket(received_at=local(2026, 11, 15, 9), town=world.town)
    for _ in range(3):
        make_ticket(received_at=local(2025, 12, 15, 9), town=world.town)
    make_ticket(received_at=local(2025, 12, 1, 0, 0) - timedelta(minutes=1), town=world.town)
    data = gather(user=world.leader, date_from=december[0], date_to=december[1])
    assert (data.current.received, data.previous.received, data.last_year.received) == (1, 2, 3)
