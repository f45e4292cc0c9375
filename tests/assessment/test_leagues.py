"""Leagues by kind of unit, the periods compared with, and the comparisons in the tables."""

from datetime import date

import pytest

from civicgrid.assessment.leagues import (
    LEAGUES,
    last_year_period,
    league_of,
    league_table,
    leagues,
    previous_period,
)
from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import Role, Unit
from tests.assessment.factories import local, make_rated, make_staff, make_ticket, make_unit

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
K = Unit.Kind


class TestMapping:
    def test_every_kind_has_one_league_and_the_centre_none(self):
        assert league_of(K.HOTLINE_CENTRE) is None
        assert league_of(K.PROPERTY) == league_of(K.ENTERPRISE) == "enterprise"
        assert league_of(K.VILLAGER_GROUP) == league_of(K.HOUSEHOLD_CONTACT) == "community"
        for kind in K.values:
            if kind != K.HOTLINE_CENTRE:
                assert sum(kind in kinds for _, _, kinds in LEAGUES) == 1, kind


class TestPeriods:
    def test_a_month_compares_with_the_previous_month_across_the_year_end(self):
        assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (date(2026, 2, 1), date(2026, 2, 28))
        assert previous_period(date(2027, 1, 1), date(2027, 1, 31)) == (date(2026, 12, 1), date(2026, 12, 31))

    def test_whole_quarters_and_years_compare_with_the_one_before(self):
        assert previous_period(date(2026, 1, 1), date(2026, 12, 31)) == (date(2025, 1, 1), date(2025, 12, 31))
        assert previous_period(date(2026, 4, 1), date(2026, 6, 30)) == (date(2026, 1, 1), date(2026, 3, 31))

    def test_another_period_compares_with_as_many_days_just_before(self):
        assert previous_period(date(2026, 12, 20), date(2027, 1, 2)) == (
            date(2026, 12, 6),
            date(2026, 12, 19),
        )
        assert previous_period(date(2026, 3, 2), date(2026, 3, 15)) == (date(2026, 2, 16), date(2026, 3, 1))

    def test_a_month_to_date_compares_with_the_same_days_of_the_previous_month(self):
        assert previous_period(date(2026, 3, 1), date(2026, 3, 15)) == (
            date(2026, 3, 1).replace(month=2),
            date(2026, 2, 15),
        )
        assert previous_period(date(2026, 3, 1), date(2026, 3, 30)) == (date(2026, 2, 1), date(2026, 2, 28))
        assert previous_period(date(2027, 1, 1), date(2027, 1, 6)) == (date(2026, 12, 1), date(2026, 12, 6))

    def test_a_year_earlier_keeps_whole_months_whole(self):
        assert last_year_period(date(2026, 12, 1), date(2026, 12, 31)) == (
            date(2025, 12, 1),
            date(2025, 12, 31),
        )
        assert last_year_period(date(2028, 2, 1), date(2028, 2, 29)) == (date(2027, 2, 1), date(2027, 2, 28))
        assert last_year_period(date(2027, 2, 1), date(2027, 2, 28)) == (date(2026, 2, 1), date(2026, 2, 28))


def rate(unit, n, solved, month=3, year=2026):
    for i in range(n):
        day = 1 + i % 27
        make_rated(
            unit,
            local(year, month, day, 10),
            solved="solved" if i < solved else "unsolved",
            received_at=local(year, month, day, 8),
        )


@pytest.fixture
def city(place):
    u = place.units
    team = make_unit("team1", "银海网格工作组", K.GRID_TEAM, grid=place.grids.yinhai)
    town = make_unit("jjz", "嘉积镇人民政府", K.TOWN, area=place.towns.jiaji)
    centre = make_unit("rx", "12345热线中心", K.HOTLINE_CENTRE)
    company = make_unit("wy", "椰城物业", K.PROPERTY)
    rate(u.housing, 12, 11)
    rate(u.environment, 12, 6)
    rate(u.transport, 12, 9)
    rate(team, 1, 1)
    rate(town, 6, 5)
    rate(centre, 8, 8)
    rate(company, 5, 2)
    # February: 环比; March 2025: 同比
    rate(u.environment, 10, 10, month=2)
    rate(u.housing, 10, 5, month=2)
    rate(u.transport, 10, 8, month=3, year=2025)
    make_ticket(received_at=local(2026, 3, 3, 9))  # not dispatched yet
    make_ticket(received_at=local(2026, 3, 3, 9), lead_unit=centre)  # handled by the centre itself
    return dict(team=team, town=town, centre=centre, company=company)


class TestLeagueTable:
    def test_units_are_ranked_within_their_kind_and_the_centre_nowhere(self, place, city):
        league = league_table(user=SYSTEM, **MARCH)
        assert list(league.tables) == ["department", "town", "grid_team", "enterprise"]
        labels = {code: [row.label for row in rows] for code, rows in league.tables.items()}
        assert labels["department"] == ["住房和城乡建设局", "交通运输局", "生态环境局"]
        assert "12345热线中心" not in [row.label for row in league.rows]
        assert [row.rank for row in league.tables["department"]] == [1, 2, 3]
        [team] = league.tables["grid_team"]
        assert (team.rank, team.rankable, team.verdict) == (None, False, "参评 1 件，证据不足，暂不排名")
        # received: every row's ticket plus the two outside any table (undispatched, the centre's own)
        assert league.total.received == 12 * 3 + 1 + 6 + 5
        assert league.outside == 8 + 2

    def test_comparisons_with_the_previous_month_and_a_year_earlier(self, place, city):
        league = league_table(user=SYSTEM, **MARCH)
        assert league.previous == (date(2026, 2, 1), date(2026, 2, 28))
        rows = {row.label: row for row in league.tables["department"]}
        housing, environment, transport = rows["住房和城乡建设局"], rows["生态环境局"], rows["交通运输局"]
        assert housing.resolution_prev == pytest.approx(0.5) and environment.resolution_prev == 1.0
        assert (housing.rank_prev, environment.rank_prev) == (2, 1)
        assert (housing.rank_move, environment.rank_move, transport.rank_move) == ("↑1", "↓2", "新")
        assert transport.resolution_last_year == pytest.approx(0.8) and transport.rank_last_year == 1
        assert housing.composite_last_year is None

    def test_other_groupings_are_one_table_and_the_briefing_form_names_them(self, place, city):
        make_rated(place.units.housing, local(2026, 3, 9, 10), town=place.towns.jiaji)
        assert list(league_table(user=SYSTEM, by="town", compare=False, **MARCH).tables) == ["town"]
        tables = leagues(user=SYSTEM, **MARCH)
        assert list(tables)[:4] == ["职能部门", "乡镇/街道", "网格工作组", "企业与公用事业"]
        assert "乡镇/街道（属地汇总）" in tables and tables["乡镇/街道（属地汇总）"][0].label == "嘉积镇"

    def test_an_area_keeps_only_its_tickets(self, place, city):
        make_rated(place.units.housing, local(2026, 3, 9, 10), town=place.towns.boao)
        league = league_table(user=SYSTEM, area=place.towns.boao, compare=False, **MARCH)
        assert [(row.label, row.rated) for row in league.rows] == [("住房和城乡建设局", 1)]

    def test_a_unit_handler_sees_only_their_unit(self, place, city):
        user = make_staff("handler", [Role.UNIT_HANDLER], units=[place.units.environment])
        league = league_table(user=user, **MARCH)
        assert [row.label for row in league.rows] == ["生态环境局"]


def test_the_schemes_deductions_enter_the_composite(place):
    from civicgrid.assessment.models import AssessmentScheme
    from civicgrid.assessment.selectors import three_rates
    from tests.assessment.factories import make_assignment, make_supervision

    housing = place.units.housing
    tickets = [make_rated(housing, local(2026, 3, day, 10)) for day in range(1, 11)]  # all good: 100
    for ticket in tickets[:2]:
        make_assignment(ticket, housing, local(2026, 3, 1, 9), overdue_issued_at=local(2026, 3, 8))
    make_supervision(tickets[3], local(2026, 3, 9), unit=housing)
    scheme = AssessmentScheme(overdue_deduction=10, supervision_deduction=5)
    [row] = three_rates(user=SYSTEM, scheme=scheme, **MARCH)
    # 100 − 10 × 2 / 10 − 5 × 1 / 10 = 100 − 2 − 0.5 = 97.5
    assert row.composite == pytest.approx(0.975)
    [plain] = three_rates(user=SYSTEM, **MARCH)
    assert plain.composite == pytest.approx(1.0)
