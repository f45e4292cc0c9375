from datetime import UTC, date
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import RateRow, scheme_for, three_rates, totals
from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import Role
from tests.assessment.factories import (
    local,
    make_assignment,
    make_rated,
    make_return,
    make_staff,
    make_supervision,
    make_ticket,
    make_unit,
    make_user,
)

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}

# Ten callbacks for one unit, answers chosen by hand:
# contacted in time 9/10; solved 7 (2 partly, 1 unsolved);
# 3 very satisfied, 3 satisfied, 2 basic, 1 unsatisfied, 1 very unsatisfied.
TEN_ANSWERS = [
    (True, "solved", "very_satisfied"),
    (True, "solved", "very_satisfied"),
    (True, "solved", "very_satisfied"),
    (True, "solved", "satisfied"),
    (True, "solved", "satisfied"),
    (True, "solved", "satisfied"),
    (True, "solved", "basic"),
    (True, "partly", "basic"),
    (True, "partly", "unsatisfied"),
    (False, "unsolved", "very_unsatisfied"),
]


def rate_ten(unit, **fields):
    fields.setdefault("received_at", local(2026, 3, 1, 8))
    for day, (contacted, solved, satisfaction) in enumerate(TEN_ANSWERS, start=1):
        make_rated(
            unit,
            local(2026, 3, day, 10),
            contacted=contacted,
            solved=solved,
            satisfaction=satisfaction,
            **fields,
        )


def rows_by_key(rows: list[RateRow]) -> dict:
    return {row.key: row for row in rows}


class TestFormulas:
    def test_it_computes_every_rate_on_a_hand_worked_example(self, place):
        rate_ten(place.units.housing)

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert (row.key, row.label) == (place.units.housing.pk, "住房和城乡建设局")
        assert (row.rated, row.contacted_in_time, row.solved) == (10, 9, 7)
        assert (row.very_satisfied, row.satisfied, row.basic, row.unsatisfied) == (3, 3, 2, 2)
        assert row.response_rate == pytest.approx(0.9)
        assert row.resolution_rate == pytest.approx(0.7)
        # (3 + 3 + 0.9 × 2) / 10
        assert row.satisfaction_rate == pytest.approx(0.78)
        # 0.1 × 0.9 + 0.5 × 0.7 + 0.4 × 0.78
        assert row.composite == pytest.approx(0.752)
        assert row.rank == 1

    def test_partly_solved_counts_as_not_solved(self, place):
        make_rated(place.units.housing, local(2026, 3, 5, 9), solved="partly")

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert (row.solved, row.resolution_rate) == (0, 0.0)

    def test_a_unit_with_nothing_rated_has_no_rates(self, place):
        make_ticket(received_at=local(2026, 3, 2, 9), lead_unit=place.units.housing)

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert (row.received, row.rated) == (1, 0)
        assert (row.response_rate, row.resolution_rate, row.satisfaction_rate, row.composite) == (
            None,
            None,
            None,
            None,
        )
        assert row.rank is None and row.on_time_rate is None

    def test_excluded_tickets_leave_the_denominator_but_are_still_received_and_closed(self, place):
        rate_ten(place.units.housing)
        make_rated(
            place.units.housing,
            local(2026, 3, 20, 10),
            contacted=False,
            solved="unsolved",
            satisfaction="very_unsatisfied",
            excluded_from_rating=True,
            received_at=local(2026, 3, 18, 9),
            closed_at=local(2026, 3, 19, 9),
        )

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert row.rated == 10
        assert row.composite == pytest.approx(0.752)
        assert row.received == 11
        assert row.closed == 1

    def test_it_counts_the_work_figures_of_the_period(self, place):
        housing, environment = place.units.housing, place.units.environment
        on_time = make_ticket(
            received_at=local(2026, 2, 25, 9),
            lead_unit=housing,
            closed_at=local(2026, 3, 3, 9),
            closed_on_time=True,
        )
        make_ticket(
            received_at=local(2026, 3, 1, 9),
            lead_unit=housing,
            closed_at=local(2026, 3, 20, 9),
            closed_on_time=False,
            redo_count=1,
        )
        make_ticket(received_at=local(2026, 3, 2, 9), lead_unit=housing, closed_at=local(2026, 4, 2, 9))

        lead = make_assignment(
            on_time, housing, local(2026, 2, 25, 10), overdue_issued_at=local(2026, 3, 2, 10)
        )
        make_assignment(
            on_time, environment, local(2026, 2, 25, 10), role="co", overdue_issued_at=local(2026, 2, 28)
        )
        make_return(lead, local(2026, 3, 4, 9), decision="approved")
        make_return(lead, local(2026, 3, 5, 9), decision="rejected")
        make_return(lead, local(2026, 4, 1, 0, 1), decision="approved")
        make_supervision(on_time, local(2026, 3, 10, 9), unit=housing)
        make_supervision(on_time, local(2026, 3, 11, 9))  # no unit named: it presses the lead unit
        make_supervision(on_time, local(2026, 3, 12, 9), unit=environment)

        rows = rows_by_key(three_rates(user=SYSTEM, **MARCH))

        row = rows[housing.pk]
        assert (row.received, row.closed, row.closed_on_time, row.redo) == (2, 2, 1, 1)
        assert row.on_time_rate == pytest.approx(0.5)
        assert (row.returns, row.returns_approved) == (2, 1)
        assert (row.overdue, row.supervised) == (1, 2)
        assert row.rated == 0
        other = rows[environment.pk]
        assert (other.overdue, other.supervised, other.received) == (0, 1, 0)


class TestPeriod:
    def test_a_ticket_rated_late_on_the_last_evening_belongs_to_that_month(self, place):
        late = make_rated(place.units.housing, local(2026, 3, 31, 23, 30))
        late.refresh_from_db()
        assert (late.rated_at.astimezone(UTC).day, late.rated_at.astimezone(UTC).hour) == (31, 15)

        [row] = three_rates(user=SYSTEM, **MARCH)
        assert row.rated == 1
        assert three_rates(user=SYSTEM, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30)) == []

    def test_midnight_local_starts_the_next_day(self, place):
        make_rated(place.units.housing, local(2026, 4, 1, 0, 0))  # 2026-03-31 16:00 UTC
        make_rated(place.units.housing, local(2026, 3, 1, 0, 0))  # 2026-02-28 16:00 UTC
        make_rated(place.units.housing, local(2026, 2, 28, 23, 59, 59))

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert row.rated == 1

    def test_received_and_closed_use_their_own_dates(self, place):
        make_rated(
            place.units.housing,
            local(2026, 4, 2, 10),
            received_at=local(2026, 3, 31, 23, 59),
            closed_at=local(2026, 4, 1, 0, 0),
        )

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert (row.received, row.closed, row.rated) == (1, 0, 0)

    def test_a_single_day_is_a_period(self, place):
        make_rated(place.units.housing, local(2026, 3, 15, 0, 0))
        make_rated(place.units.housing, local(2026, 3, 15, 23, 59, 59))
        make_rated(place.units.housing, local(2026, 3, 16, 0, 0))

        [row] = three_rates(user=SYSTEM, date_from=date(2026, 3, 15), date_to=date(2026, 3, 15))

        assert row.rated == 2

    def test_the_arguments_are_checked(self, place):
        with pytest.raises(ValueError):
            three_rates(user=SYSTEM, date_from=date(2026, 3, 2), date_to=date(2026, 3, 1))
        with pytest.raises(ValueError):
            three_rates(user=SYSTEM, by="street", **MARCH)


class TestGroupings:
    @pytest.fixture
    def tickets(self, place):
        g, c, u = place.grids, place.categories, place.units
        common = {"received_at": local(2026, 3, 1, 9)}
        make_rated(u.housing, local(2026, 3, 2), grid=g.yinhai, town=place.towns.jiaji, category=c.property,
                   category_code="0101", **common)  # fmt: skip
        make_rated(u.environment, local(2026, 3, 3), solved="unsolved", grid=g.yinhai, town=place.towns.jiaji,
                   category=c.noise, category_code="0202", **common)  # fmt: skip
        make_rated(u.environment, local(2026, 3, 4), satisfaction="basic", grid=g.binhai, town=place.towns.boao,
                   category=c.noise, category_code="0202", **common)  # fmt: skip
        make_ticket(lead_unit=u.transport, **common)  # received only: no grid, town or category yet

    def test_by_grid(self, place, tickets):
        rows = rows_by_key(three_rates(user=SYSTEM, by="grid", **MARCH))

        assert set(rows) == {place.grids.yinhai.pk, place.grids.binhai.pk}
        yinhai = rows[place.grids.yinhai.pk]
        assert (yinhai.label, yinhai.rated, yinhai.solved, yinhai.received) == ("银海第一网格", 2, 1, 2)
        assert rows[place.grids.binhai.pk].satisfaction_rate == pytest.approx(0.9)

    def test_by_town(self, place, tickets):
        rows = rows_by_key(three_rates(user=SYSTEM, by="town", **MARCH))

        assert {row.label: row.rated for row in rows.values()} == {"嘉积镇": 2, "博鳌镇": 1}

    def test_by_first_level_category(self, place, tickets):
        rows = three_rates(user=SYSTEM, by="category", **MARCH)

        assert [(row.key, row.label, row.rated) for row in rows] == [
            ("01", "城乡建设", 1),
            ("02", "环境保护", 2),
        ]
        assert rows[1].resolution_rate == pytest.approx(0.5)

    def test_returns_overdue_and_supervisions_follow_their_ticket(self, place, tickets):
        ticket = make_ticket(
            received_at=local(2026, 2, 1, 9), grid=place.grids.binhai, lead_unit=place.units.transport
        )
        assignment = make_assignment(
            ticket, place.units.transport, local(2026, 2, 1, 10), overdue_issued_at=local(2026, 3, 9, 9)
        )
        make_return(assignment, local(2026, 3, 2, 9), decision="approved")
        make_supervision(ticket, local(2026, 3, 10, 9))

        binhai = rows_by_key(three_rates(user=SYSTEM, by="grid", **MARCH))[place.grids.binhai.pk]

        assert (binhai.returns, binhai.returns_approved, binhai.overdue, binhai.supervised) == (1, 1, 1, 1)

    def test_by_unit_uses_the_rated_unit_for_rates_and_the_lead_unit_for_work(self, place):
        make_rated(
            place.units.housing,
            local(2026, 3, 5),
            lead_unit=place.units.environment,
            received_at=local(2026, 3, 1),
        )

        rows = rows_by_key(three_rates(user=SYSTEM, **MARCH))

        assert (rows[place.units.housing.pk].rated, rows[place.units.housing.pk].received) == (1, 0)
        assert (rows[place.units.environment.pk].rated, rows[place.units.environment.pk].received) == (0, 1)


class TestSchemes:
    def test_the_migration_seeds_the_default_scheme(self, db):
        scheme = scheme_for(date(2026, 3, 31))

        assert scheme.version == "默认方案（示例：北京某区 0.1/0.5/0.4）"
        assert scheme.effective_from == date(2004, 1, 1)
        assert (
            scheme.basic_satisfied_weight,
            scheme.weight_response,
            scheme.weight_resolution,
            scheme.weight_satisfaction,
        ) == (Decimal("0.9"), Decimal("0.1"), Decimal("0.5"), Decimal("0.4"))

    def test_the_latest_active_scheme_in_force_wins(self, db):
        default = scheme_for(date(2026, 1, 1))
        newer = AssessmentScheme.objects.create(version="2026版", effective_from=date(2026, 3, 1))
        AssessmentScheme.objects.create(version="草案", effective_from=date(2026, 3, 15), is_active=False)
        ended = AssessmentScheme.objects.create(
            version="试行", effective_from=date(2026, 3, 20), effective_to=date(2026, 3, 25)
        )

        assert scheme_for(date(2026, 2, 28)) == default
        assert scheme_for(date(2026, 3, 1)) == newer
        assert scheme_for(date(2026, 3, 16)) == newer
        assert scheme_for(date(2026, 3, 22)) == ended
        assert scheme_for(date(2026, 3, 26)) == newer
        assert scheme_for(date(2003, 12, 31)) is None

    def test_weights_come_from_the_scheme_in_force_at_the_end_of_the_period(self, place):
        rate_ten(place.units.housing)
        AssessmentScheme.objects.create(
            version="2026年3月起",
            effective_from=date(2026, 3, 31),
            basic_satisfied_weight=Decimal("0.8"),
            weight_response=Decimal("0.3"),
            weight_resolution=Decimal("0.35"),
            weight_satisfaction=Decimal("0.35"),
        )

        [row] = three_rates(user=SYSTEM, **MARCH)
        # (3 + 3 + 0.8 × 2) / 10 = 0.76; 0.3 × 0.9 + 0.35 × 0.7 + 0.35 × 0.76
        assert row.satisfaction_rate == pytest.approx(0.76)
        assert row.composite == pytest.approx(0.781)

        [before] = three_rates(user=SYSTEM, date_from=date(2026, 3, 1), date_to=date(2026, 3, 30))
        assert before.composite == pytest.approx(0.752)

    def test_a_scheme_can_be_given(self, place):
        rate_ten(place.units.housing)
        scheme = AssessmentScheme(
            version="对比",
            effective_from=date(2026, 1, 1),
            basic_satisfied_weight=Decimal("1"),
            weight_response=Decimal("0"),
            weight_resolution=Decimal("0"),
            weight_satisfaction=Decimal("1"),
        )

        [row] = three_rates(user=SYSTEM, scheme=scheme, **MARCH)

        assert row.satisfaction_rate == pytest.approx(0.8)
        assert row.composite == pytest.approx(0.8)

    def test_without_any_scheme_the_model_defaults_apply(self, place):
        AssessmentScheme.objects.all().delete()
        rate_ten(place.units.housing)

        [row] = three_rates(user=SYSTEM, **MARCH)

        assert row.composite == pytest.approx(0.752)


class TestRanking:
    def test_rows_come_best_first_and_ties_share_a_rank(self, place):
        u = place.units
        # Housing: 10 × basic → satisfaction 0.9. Environment: 9 satisfied + 1 unsatisfied → also 0.9.
        for day in range(1, 11):
            make_rated(u.housing, local(2026, 3, day), satisfaction="basic")
            make_rated(
                u.environment, local(2026, 3, day), satisfaction="unsatisfied" if day == 1 else "satisfied"
            )
        make_rated(u.transport, local(2026, 3, 3), satisfaction="very_satisfied")
        make_ticket(received_at=local(2026, 3, 4), lead_unit=make_unit("dag", "档案馆"))

        rows = three_rates(user=SYSTEM, **MARCH)

        assert [(row.label, row.rank) for row in rows] == [
            ("交通运输局", 1),
            ("住房和城乡建设局", 2),
            ("生态环境局", 2),
            ("档案馆", None),
        ]
        assert rows[1].composite == rows[2].composite == pytest.approx(0.96)


class TestTotals:
    def test_totals_recompute_the_rates_over_the_whole_scope(self, place):
        rate_ten(place.units.housing)
        make_rated(place.units.environment, local(2026, 3, 5), satisfaction="basic", received_at=local(2026, 3, 2),
                   closed_at=local(2026, 3, 4), closed_on_time=True)  # fmt: skip
        make_ticket(received_at=local(2026, 3, 6), lead_unit=place.units.transport)

        total = totals(three_rates(user=SYSTEM, **MARCH))

        assert (total.key, total.label, total.rank) == (None, "合计", None)
        assert (total.rated, total.contacted_in_time, total.solved, total.basic) == (11, 10, 8, 3)
        assert total.received == 12
        assert total.response_rate == pytest.approx(10 / 11)
        assert total.resolution_rate == pytest.approx(8 / 11)
        assert total.satisfaction_rate == pytest.approx((3 + 3 + 0.9 * 3) / 11)
        assert total.composite == pytest.approx(0.1 * 10 / 11 + 0.5 * 8 / 11 + 0.4 * (8.7 / 11))
        assert total.on_time_rate == 1.0

    def test_totals_of_nothing_are_empty(self):
        total = totals([])

        assert (total.rated, total.composite, total.on_time_rate) == (0, None, None)


class TestScope:
    @pytest.fixture
    def rated(self, place):
        u, g = place.units, place.grids
        make_rated(u.housing, local(2026, 3, 2), grid=g.yinhai)
        make_rated(u.housing, local(2026, 3, 3), grid=g.binhai, satisfaction="unsatisfied")
        make_rated(u.environment, local(2026, 3, 4), grid=g.yinhai, solved="unsolved")
        make_rated(u.transport, local(2026, 3, 5), grid=g.binhai)

    def test_a_superuser_sees_every_unit(self, place, rated):
        user = make_user("root", superuser=True)

        assert len(three_rates(user=user, **MARCH)) == 3

    @pytest.mark.parametrize(
        "role", [Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.CALLBACK_AGENT, Role.ADMINISTRATOR]
    )
    def test_centre_roles_see_every_unit(self, place, rated, role):
        user = make_staff("centre", [role], units=[place.units.housing])

        assert len(three_rates(user=user, **MARCH)) == 3

    @pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.GRID_LEADER, Role.GRID_WORKER, Role.OPERATOR])
    def test_unit_staff_see_only_their_own_unit(self, place, rated, role):
        user = make_staff("handler", [role], units=[place.units.housing])

        [row] = three_rates(user=user, **MARCH)

        assert (row.key, row.rated) == (place.units.housing.pk, 2)

    def test_unit_staff_see_other_groupings_through_their_own_tickets(self, place, rated):
        user = make_staff("handler", [Role.UNIT_HANDLER], units=[place.units.housing])

        rows = rows_by_key(three_rates(user=user, by="grid", **MARCH))

        assert {key: row.rated for key, row in rows.items()} == {
            place.grids.yinhai.pk: 1,
            place.grids.binhai.pk: 1,
        }
        assert rows[place.grids.binhai.pk].unsatisfied == 1

    def test_unit_staff_see_only_their_units_work_figures(self, place):
        mine = make_ticket(
            received_at=local(2026, 3, 1), lead_unit=place.units.housing, grid=place.grids.yinhai
        )
        theirs = make_ticket(
            received_at=local(2026, 3, 1), lead_unit=place.units.environment, grid=place.grids.yinhai
        )
        for ticket in (mine, theirs):
            assignment = make_assignment(
                ticket, ticket.lead_unit, local(2026, 3, 1, 10), overdue_issued_at=local(2026, 3, 8)
            )
            make_return(assignment, local(2026, 3, 2))
            make_supervision(ticket, local(2026, 3, 9))
        user = make_staff("handler", [Role.UNIT_HANDLER], units=[place.units.housing])

        [row] = three_rates(user=user, by="grid", **MARCH)

        assert (row.received, row.returns, row.overdue, row.supervised) == (1, 1, 1, 1)

    def test_staff_without_units_see_nothing(self, place, rated):
        user = make_staff("nobody", [Role.GRID_WORKER])

        assert three_rates(user=user, **MARCH) == []

    def test_a_user_without_a_staff_profile_is_refused(self, place, rated):
        user = make_user("visitor")

        with pytest.raises(PermissionDenied, match="未登记为工作人员"):
            three_rates(user=user, **MARCH)

    def test_anonymous_and_inactive_users_are_refused(self, place, rated):
        with pytest.raises(PermissionDenied):
            three_rates(user=AnonymousUser(), **MARCH)
        with pytest.raises(PermissionDenied):
            three_rates(user=None, **MARCH)
        user = make_user("gone", superuser=True)
        user.is_active = False
        with pytest.raises(PermissionDenied):
            three_rates(user=user, **MARCH)


def test_it_counts_in_a_fixed_number_of_queries(place, django_assert_max_num_queries):
    for unit in (place.units.housing, place.units.environment, place.units.transport):
        rate_ten(unit)
    user = make_staff("leader", [Role.LEADER])

    # Six counts, the labels, the kinds, the scheme, the user's roles and the stored months' stamps.
    with django_assert_max_num_queries(11):
        rows = three_rates(user=user, **MARCH)

    assert len(rows) == 3


ANSWER = st.tuples(
    st.sampled_from(["housing", "environment", "transport"]),
    st.booleans(),
    st.sampled_from(["solved", "partly", "unsolved"]),
    st.sampled_from(["very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied", ""]),
)


# Each example rolls its rows back, so sharing the `place` fixture between examples is safe.
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(ANSWER, max_size=25))
def test_the_database_counts_agree_with_a_plain_recount(place, answers):
    with transaction.atomic():
        for day, (unit, contacted, solved, satisfaction) in enumerate(answers):
            make_rated(
                getattr(place.units, unit),
                local(2026, 3, 1 + day, 12),
                contacted=contacted,
                solved=solved,
                satisfaction=satisfaction,
            )

        rows = three_rates(user=SYSTEM, **MARCH)
        total = totals(rows)

        for row in rows:
            mine = [a for a in answers if getattr(place.units, a[0]).pk == row.key]
            n = len(mine)
            satisfied = sum(a[3] in ("very_satisfied", "satisfied") for a in mine)
            basic = sum(a[3] == "basic" for a in mine)
            response = sum(a[1] for a in mine) / n
            resolution = sum(a[2] == "solved" for a in mine) / n
            satisfaction = (satisfied + 0.9 * basic) / n
            assert row.rated == n
            assert row.composite == pytest.approx(0.1 * response + 0.5 * resolution + 0.4 * satisfaction)
        n = len(answers)
        if n:
            satisfaction = (
                sum(a[3] in ("very_satisfied", "satisfied") for a in answers)
                + 0.9 * sum(a[3] == "basic" for a in answers)
            ) / n
            response = sum(a[1] for a in answers) / n
            resolution = sum(a[2] == "solved" for a in answers) / n
            assert total.composite == pytest.approx(0.1 * response + 0.5 * resolution + 0.4 * satisfaction)
        ranks = [row.rank for row in rows]
        assert ranks == sorted(ranks)
        transaction.set_rollback(True)
