from dataclasses import dataclass
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from civicgrid.registry.models import Unit
from civicgrid.routing.models import DirectDispatchRule
from civicgrid.routing.route import (
    RouteDecision,
    RoutingError,
    check_lead_allowed,
    department_owner,
    route_many,
    ticket_area,
)
from civicgrid.routing.route import route as route_alone
from civicgrid.routing.vocabulary import DispatchMode
from civicgrid.tickets.models import Ticket
from tests.registry.factories import COMMUNITY, COUNTY, OTHER_COMMUNITY, TOWN, make_grid, make_hierarchy
from tests.routing.factories import (
    SINCE,
    local,
    make_category,
    make_entry,
    make_rule,
    make_team,
    make_ticket,
    make_unit,
)

pytestmark = pytest.mark.django_db

SIMPLE, JOINT = DirectDispatchRule.Mode.SIMPLE, DirectDispatchRule.Mode.JOINT


def route(ticket, *, at=None) -> RouteDecision:
    """Every proposal of these tests made both ways: alone, and on a page with every other ticket of the test
    (`route_many`, the dispatcher's queue, reads the rules and areas once for all of them); they must agree."""
    alone = route_alone(ticket, at=at)
    page = [other for other in Ticket.objects.exclude(pk=ticket.pk).order_by("pk")] + [ticket]
    together = route_many(page, at=at)[-1]
    assert (alone.mode, alone.lead, alone.co_units, alone.rule, alone.reason) == (
        together.mode,
        together.lead,
        together.co_units,
        together.rule,
        together.reason,
    )
    return alone


AT = local(2026, 3, 2, 10)


@dataclass
class World:
    areas: dict
    grid: object  # 银海社区第1网格, with a team
    bare_grid: object  # 银海社区第2网格, without a team
    other_grid: object  # 金海社区第1网格, with a team
    team: Unit
    other_team: Unit
    zjj: Unit
    zf: Unit
    sc: Unit
    community: Unit
    cat: dict


@pytest.fixture
def w() -> World:
    areas = make_hierarchy()
    grid = make_grid(f"{COMMUNITY}001", areas[COMMUNITY], None, name="银海社区第1网格")
    bare_grid = make_grid(f"{COMMUNITY}002", areas[COMMUNITY], None, name="银海社区第2网格")
    other_grid = make_grid(f"{OTHER_COMMUNITY}001", areas[OTHER_COMMUNITY], None, name="金海社区第1网格")
    cat = {}
    for code, name in [
        ("01", "城乡建设"),
        ("0101", "物业管理"),
        ("010101", "物业服务质量"),
        ("02", "社区治理"),
        ("0201", "邻里纠纷"),
        ("0202", "环境卫生"),
        ("020201", "卫生死角"),
        ("03", "城市管理"),
        ("0301", "占道经营"),
    ]:
        cat[name] = make_category(code, name)
    return World(
        areas=areas,
        grid=grid,
        bare_grid=bare_grid,
        other_grid=other_grid,
        team=make_team(grid),
        other_team=make_team(other_grid),
        zjj=make_unit("ZJJ", "琼海市住房和城乡建设局"),
        zf=make_unit("ZHZFJ", "琼海市综合行政执法局"),
        sc=make_unit("SCJGJ", "琼海市市场监督管理局"),
        community=make_unit("C1", "银海社区居民委员会", Unit.Kind.COMMUNITY, area=areas[COMMUNITY]),
        cat=cat,
    )


class TestDirectTable:
    def test_a_simple_matter_goes_to_the_grid_team(self, w):
        rule = make_rule(w.cat["邻里纠纷"], SIMPLE)

        decision = route(make_ticket(w.cat["邻里纠纷"], w.grid), at=AT)

        assert (decision.mode, decision.lead, decision.co_units, decision.rule) == (
            DispatchMode.DIRECT_TO_GRID,
            w.team,
            [],
            rule,
        )
        assert (
            decision.reason
            == "网格办件直派表「第一批(暂行)」：邻里纠纷 → 直接办，由事发网格 银海社区第1网格工作组 办理。"
        )
        assert decision.rule_ref == f"直派表 第一批(暂行) #{rule.pk}"

    def test_a_joint_matter_has_a_lead_department_and_the_grid_as_co_unit(self, w):
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, co_units=[w.sc])

        decision = route(make_ticket(w.cat["占道经营"], w.grid), at=AT)

        assert (decision.mode, decision.lead, decision.co_units) == (DispatchMode.JOINT, w.zf, [w.sc, w.team])
        assert "联合办，由 琼海市综合行政执法局 主办" in decision.reason
        assert "琼海市市场监督管理局、银海社区第1网格工作组 协办" in decision.reason

    def test_a_joint_rule_can_leave_the_grid_out(self, w):
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, co_units=[w.sc], include_grid=False)

        assert route(make_ticket(w.cat["占道经营"], w.grid), at=AT).co_units == [w.sc]

    def test_a_joint_matter_without_a_grid_says_the_grid_is_not_a_co_unit(self, w):
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf)

        decision = route(make_ticket(w.cat["占道经营"], community=w.areas[COMMUNITY]), at=AT)

        assert (decision.mode, decision.lead, decision.co_units) == (DispatchMode.JOINT, w.zf, [])
        assert "网格未列为协办" in decision.reason

    def test_a_sub_category_uses_its_nearest_ancestors_rule(self, w):
        make_rule(w.cat["环境卫生"], SIMPLE)

        decision = route(make_ticket(w.cat["卫生死角"], w.grid), at=AT)

        assert (decision.mode, decision.lead) == (DispatchMode.DIRECT_TO_GRID, w.team)
        assert "卫生死角（按上级分类「环境卫生」）" in decision.reason

    def test_the_most_specific_category_wins_over_a_closer_area(self, w):
        make_rule(w.cat["环境卫生"], JOINT, lead_unit=w.zf, area=w.areas[COMMUNITY])
        specific = make_rule(w.cat["卫生死角"], SIMPLE)

        assert route(make_ticket(w.cat["卫生死角"], w.grid), at=AT).rule == specific

    def test_an_area_scoped_rule_is_preferred_where_it_applies(self, w):
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf)
        town_rule = make_rule(w.cat["占道经营"], JOINT, lead_unit=w.sc, area=w.areas[TOWN])
        community_rule = make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zjj, area=w.areas[COMMUNITY])

        in_community = route(make_ticket(w.cat["占道经营"], w.grid), at=AT)
        elsewhere_in_town = route(make_ticket(w.cat["占道经营"], w.other_grid), at=AT)

        assert (in_community.rule, in_community.lead) == (community_rule, w.zjj)
        assert (elsewhere_in_town.rule, elsewhere_in_town.lead) == (town_rule, w.sc)
        assert "(适用于银海社区)" in in_community.reason

    def test_a_rule_for_another_area_does_not_apply(self, w):
        make_rule(w.cat["邻里纠纷"], SIMPLE, area=w.areas[OTHER_COMMUNITY])

        assert route(make_ticket(w.cat["邻里纠纷"], w.grid), at=AT).mode == ""

    def test_the_county_scope_reaches_tickets_known_only_by_town(self, w):
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, area=w.areas[COUNTY])

        decision = route(make_ticket(w.cat["占道经营"], town=w.areas[TOWN]), at=AT)

        assert decision.lead == w.zf


class TestEffectiveDates:
    def test_a_rule_not_yet_in_force_is_ignored(self, w):
        make_rule(w.cat["邻里纠纷"], SIMPLE, effective_from=date(2026, 4, 1))

        assert route(make_ticket(w.cat["邻里纠纷"], w.grid), at=AT).mode == ""
        assert (
            route(make_ticket(w.cat["邻里纠纷"], w.grid), at=date(2026, 4, 1)).mode
            == DispatchMode.DIRECT_TO_GRID
        )

    def test_an_expired_or_disabled_rule_is_ignored(self, w):
        make_rule(w.cat["邻里纠纷"], SIMPLE, effective_to=date(2026, 3, 1))
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, is_active=False)
        make_entry(w.cat["物业管理"], w.zjj, effective_to=date(2026, 2, 28))

        assert route(make_ticket(w.cat["邻里纠纷"], w.grid), at=AT).mode == ""
        assert route(make_ticket(w.cat["占道经营"], w.grid), at=AT).mode == ""
        assert route(make_ticket(w.cat["物业管理"], w.grid), at=AT).mode == ""
        assert (
            route(make_ticket(w.cat["邻里纠纷"], w.grid), at=date(2026, 3, 1)).mode
            == DispatchMode.DIRECT_TO_GRID
        )

    def test_the_newer_batch_replaces_the_older_one(self, w):
        make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, version="第一批(暂行)")
        second = make_rule(
            w.cat["占道经营"], JOINT, lead_unit=w.sc, version="第二批", effective_from=date(2026, 3, 1)
        )

        assert route(make_ticket(w.cat["占道经营"], w.grid), at=AT).rule == second
        assert route(make_ticket(w.cat["占道经营"], w.grid), at=date(2026, 2, 1)).lead == w.zf

    def test_the_day_is_the_local_day(self, w):
        make_rule(w.cat["邻里纠纷"], SIMPLE, effective_from=date(2026, 3, 1))
        ticket = make_ticket(w.cat["邻里纠纷"], w.grid)

        # 00:30 in Hainan is still the previous day in UTC.
        assert route(ticket, at=local(2026, 3, 1, 0, 30)).mode == DispatchMode.DIRECT_TO_GRID
        assert route(ticket, at=local(2026, 2, 28, 23, 30)).mode == ""


class TestCatalogue:
    def test_a_matter_off_the_direct_table_goes_to_the_catalogues_department(self, w):
        entry = make_entry(w.cat["物业管理"], w.zjj, co_units=[w.sc])

        decision = route(make_ticket(w.cat["物业服务质量"], w.grid), at=AT)

        assert (decision.mode, decision.lead, decision.co_units, decision.rule) == (
            DispatchMode.TO_DEPARTMENT,
            w.zjj,
            [w.sc],
            entry,
        )
        assert decision.reason.startswith(
            "网格办件直派表未列入该事项；派单目录「2026年版」：物业服务质量（按上级分类「物业管理」）"
        )
        assert "由 琼海市住房和城乡建设局 承办" in decision.reason
        assert decision.rule_ref == f"派单目录 2026年版 #{entry.pk}"

    def test_an_area_scoped_entry_is_preferred(self, w):
        make_entry(w.cat["物业管理"], w.zjj)
        make_entry(w.cat["物业管理"], w.sc, area=w.areas[OTHER_COMMUNITY])

        assert route(make_ticket(w.cat["物业管理"], w.grid), at=AT).lead == w.zjj
        assert route(make_ticket(w.cat["物业管理"], w.other_grid), at=AT).lead == w.sc

    def test_nothing_applies_so_a_person_must_dispatch(self, w):
        decision = route(make_ticket(w.cat["卫生死角"], w.grid), at=AT)

        assert (decision.mode, decision.lead, decision.co_units, decision.rule) == ("", None, [], None)
        assert decision.rule_ref == ""
        assert "「社区治理 / 环境卫生 / 卫生死角」在 2026-03-02 有效的规则，请人工派单" in decision.reason

    def test_a_ticket_without_category_cannot_be_routed(self, w):
        decision = route(make_ticket(None, w.grid), at=AT)

        assert decision == RouteDecision(mode="", lead=None, reason=decision.reason)
        assert "尚未选择业务分类" in decision.reason


class TestSimpleRuleWithoutGrid:
    def test_no_grid_falls_back_to_the_catalogue(self, w):
        make_rule(w.cat["环境卫生"], SIMPLE)
        make_entry(w.cat["环境卫生"], w.community)

        decision = route(make_ticket(w.cat["环境卫生"], community=w.areas[COMMUNITY]), at=AT)

        assert (decision.mode, decision.lead) == (DispatchMode.TO_DEPARTMENT, w.community)
        assert "列为直接办，但工单尚未定位到网格，无法直派网格；改按派单目录" in decision.reason

    def test_a_grid_without_team_says_so_and_with_no_catalogue_asks_a_person(self, w):
        make_rule(w.cat["邻里纠纷"], SIMPLE)

        decision = route(make_ticket(w.cat["邻里纠纷"], w.bare_grid), at=AT)

        assert (decision.mode, decision.lead) == ("", None)
        assert "网格 银海社区第2网格 没有在用的网格工作组" in decision.reason
        assert "派单目录中也没有" in decision.reason

    def test_a_disabled_team_does_not_count(self, w):
        make_rule(w.cat["邻里纠纷"], SIMPLE)
        Unit.objects.filter(pk=w.team.pk).update(is_active=False)

        assert route(make_ticket(w.cat["邻里纠纷"], w.grid), at=AT).mode == ""


class TestGuard:
    """Matters that belong to a functional department never go to a grid (国办函〔2025〕66号)."""

    def test_a_simple_rule_for_a_department_matter_is_ignored(self, w):
        make_entry(w.cat["物业管理"], w.zjj)
        make_rule(w.cat["物业服务质量"], SIMPLE)  # planted without full_clean, as an old row might be

        decision = route(make_ticket(w.cat["物业服务质量"], w.grid), at=AT)

        assert (decision.mode, decision.lead) == (DispatchMode.TO_DEPARTMENT, w.zjj)
        assert "规定该事项由职能部门 琼海市住房和城乡建设局 负责" in decision.reason
        assert "不直派网格，该直派规则未采用" in decision.reason
        assert "66号" in decision.reason

    def test_a_catalogue_entry_for_a_non_department_does_not_block_the_grid(self, w):
        make_entry(w.cat["社区治理"], w.zjj)
        make_entry(w.cat["邻里纠纷"], w.community)
        make_rule(w.cat["邻里纠纷"], SIMPLE)

        assert route(make_ticket(w.cat["邻里纠纷"], w.grid), at=AT).lead == w.team

    def test_a_joint_rule_led_by_the_grassroots_is_ignored_for_a_department_matter(self, w):
        make_entry(w.cat["物业管理"], w.zjj)
        make_rule(w.cat["物业管理"], JOINT, lead_unit=w.community)

        decision = route(make_ticket(w.cat["物业管理"], w.grid), at=AT)

        assert decision.lead == w.zjj
        assert "该直派规则未采用" in decision.reason

    def test_the_model_refuses_a_simple_rule_for_a_department_matter(self, w):
        make_entry(w.cat["物业管理"], w.zjj)
        rule = DirectDispatchRule(
            version="第一批(暂行)", effective_from=SINCE, category=w.cat["物业服务质量"], mode=SIMPLE
        )

        with pytest.raises(ValidationError) as caught:
            rule.full_clean()

        assert "属于职能部门 琼海市住房和城乡建设局 的职责，不得直派网格" in str(
            caught.value.message_dict["mode"]
        )

    def test_the_model_accepts_a_simple_rule_for_a_community_matter(self, w):
        make_entry(w.cat["物业管理"], w.zjj)
        DirectDispatchRule(
            version="第一批(暂行)", effective_from=SINCE, category=w.cat["邻里纠纷"], mode=SIMPLE
        ).full_clean()

    def test_check_lead_allowed_refuses_the_grassroots_for_a_department_matter(self, w):
        make_entry(w.cat["物业管理"], w.zjj)

        for lead in (w.team, w.community):
            with pytest.raises(RoutingError, match="不得派给") as caught:
                check_lead_allowed(category=w.cat["物业服务质量"], lead=lead, day=date(2026, 3, 2))
            assert "请改派 琼海市住房和城乡建设局" in caught.value.message
        check_lead_allowed(category=w.cat["物业服务质量"], lead=w.zjj, day=date(2026, 3, 2))
        check_lead_allowed(category=w.cat["邻里纠纷"], lead=w.team, day=date(2026, 3, 2))
        check_lead_allowed(category=None, lead=w.team, day=date(2026, 3, 2))

    def test_check_lead_allowed_follows_area_scoped_ownership(self, w):
        make_entry(w.cat["环境卫生"], w.zf, area=w.areas[TOWN])
        day = date(2026, 3, 2)

        check_lead_allowed(category=w.cat["卫生死角"], lead=w.team, day=day)
        with pytest.raises(RoutingError):
            check_lead_allowed(category=w.cat["卫生死角"], lead=w.team, day=day, area=w.areas[COMMUNITY])


class TestTicketArea:
    def test_the_community_else_the_town_else_the_grids_community(self, w):
        assert ticket_area(make_ticket(None, w.grid)) == w.areas[COMMUNITY]
        assert ticket_area(make_ticket(None, community=None, town=w.areas[TOWN])) == w.areas[TOWN]
        assert ticket_area(make_ticket(None, w.grid, community=None, town=None)) == w.areas[COMMUNITY]
        assert ticket_area(make_ticket(None)) is None

    def test_it_comes_with_the_areas_above_in_one_query(self, w, django_assert_num_queries):
        ticket = make_ticket(None, w.grid)
        with django_assert_num_queries(1):
            area = ticket_area(ticket)
            assert [a.pk for a in area.ancestors()][-2:] == [w.areas[TOWN].pk, w.areas[COMMUNITY].pk]

    def test_the_proposal_and_the_manual_guard_read_the_same_area(self, w):
        # Placed by its town only: a town-scoped catalogue entry binds both.
        make_entry(w.cat["环境卫生"], w.zf, area=w.areas[TOWN])
        ticket = make_ticket(w.cat["卫生死角"], community=None, town=w.areas[TOWN])
        assert route(ticket, at=AT).lead == w.zf
        with pytest.raises(RoutingError, match="琼海市综合行政执法局"):
            check_lead_allowed(category=ticket.category, lead=w.team, day=AT, area=ticket_area(ticket))


class TestDepartmentOwner:
    def test_it_is_the_nearest_catalogue_entrys_functional_department(self, w):
        make_entry(w.cat["城乡建设"], w.zf)
        make_entry(w.cat["物业管理"], w.zjj)

        assert department_owner(w.cat["物业服务质量"], date(2026, 3, 2)) == w.zjj
        assert department_owner(w.cat["城乡建设"], date(2026, 3, 2)) == w.zf
        assert department_owner(w.cat["邻里纠纷"], date(2026, 3, 2)) is None
        assert department_owner(None, date(2026, 3, 2)) is None
        assert department_owner(w.cat["物业管理"], date(2025, 12, 31)) is None

    def test_a_more_specific_entry_for_a_non_department_means_no_owner(self, w):
        make_entry(w.cat["社区治理"], w.zjj)
        make_entry(w.cat["环境卫生"], w.community)

        assert department_owner(w.cat["卫生死角"], date(2026, 3, 2)) is None
        assert department_owner(w.cat["邻里纠纷"], date(2026, 3, 2)) == w.zjj


def test_routing_takes_a_handful_of_queries(w, django_assert_max_num_queries):
    make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, co_units=[w.sc])
    ticket = make_ticket(w.cat["占道经营"], w.grid)
    ticket = type(ticket).objects.select_related("category").get(pk=ticket.pk)

    with django_assert_max_num_queries(4):
        assert route_alone(ticket, at=AT).mode == DispatchMode.JOINT


def test_a_page_of_proposals_reads_the_rules_once(w, django_assert_max_num_queries):
    make_rule(w.cat["占道经营"], JOINT, lead_unit=w.zf, co_units=[w.sc])
    make_rule(w.cat["邻里纠纷"], SIMPLE)
    make_entry(w.cat["物业管理"], w.zjj)
    tickets = [
        make_ticket(w.cat[name], grid)
        for name in ("占道经营", "邻里纠纷", "物业服务质量")
        for grid in (w.grid, w.other_grid)
    ] * 4
    tickets = list(Ticket.objects.select_related("category").filter(pk__in=[t.pk for t in tickets]))
    # The areas, the grid teams, and the two tables with their co-units: whatever the page's length.
    with django_assert_max_num_queries(6):
        decisions = route_many(tickets, at=AT)
    assert [d.mode for d in decisions] == [route_alone(t, at=AT).mode for t in tickets]
