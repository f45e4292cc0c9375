"""The stored monthly counts give exactly the live figures: random periods, scopes and late changes."""

import random
from datetime import date, timedelta

import pytest
import time_machine

from civicgrid.assessment import aggregates, selectors
from civicgrid.assessment.leagues import league_table
from civicgrid.assessment.models import MonthlyCount, MonthStamp
from civicgrid.assessment.selectors import period_counts, rated_by_category, three_rates, whole_months
from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import Role
from civicgrid.tickets.models import Event
from tests.assessment.factories import (
    local,
    make_assignment,
    make_rated,
    make_return,
    make_staff,
    make_supervision,
    make_ticket,
)

NOW = local(2026, 3, 10, 9)
ANSWERS = ["very_satisfied", "satisfied", "basic", "unsatisfied", "very_unsatisfied"]


@pytest.fixture
def city(place):
    """About 400 tickets from November 2024 to February 2026 over both towns, three units, both categories:
    rated, closed, undispatched, excluded from rating, with returns, overdue notices and supervisions."""
    rng = random.Random(7)
    units = [place.units.housing, place.units.environment, place.units.transport]
    grids = [place.grids.yinhai, place.grids.binhai]
    categories = [place.categories.property, place.categories.noise]
    first = local(2024, 11, 1)
    for _ in range(400):
        received = first + timedelta(minutes=rng.randrange(480 * 24 * 60))
        grid = rng.choice(grids)
        unit = rng.choice(units)
        category = rng.choice(categories)
        where = {
            "grid": grid,
            "community": grid.community,
            "town": grid.community.parent,
            "category": category,
            "category_code": category.code,
        }
        roll = rng.random()
        if roll < 0.1:
            make_ticket(received_at=received, **where)  # not dispatched
            continue
        closed = received + timedelta(hours=rng.randrange(1, 400))
        if roll < 0.2:
            ticket = make_ticket(received_at=received, lead_unit=unit, **where)
        else:
            ticket = make_rated(
                unit,
                closed + timedelta(hours=rng.randrange(1, 60)),
                received_at=received,
                closed_at=closed,
                closed_on_time=rng.random() < 0.8,
                redo_count=int(rng.random() < 0.1),
                contacted=rng.random() < 0.9,
                solved=rng.choice(["solved", "solved", "partly", "unsolved"]),
                satisfaction=rng.choice(ANSWERS),
                excluded_from_rating=rng.random() < 0.05,
                **where,
            )
        if rng.random() < 0.3:
            assignment = make_assignment(
                ticket,
                rng.choice(units),
                received + timedelta(hours=1),
                overdue_issued_at=received + timedelta(days=rng.randrange(1, 40)),
            )
            if rng.random() < 0.5:
                make_return(
                    assignment, received + timedelta(hours=3), rng.choice(["approved", "rejected", "pending"])
                )
        if rng.random() < 0.1:
            make_supervision(ticket, received + timedelta(days=2), rng.choice([None, unit]))
    with time_machine.travel(NOW, tick=False):
        counted = aggregates.refresh(NOW, limit=None)
    assert counted == 16  # November 2024 to February 2026
    return place


def live(fn, **kwargs):
    selectors.USE_STORED = False
    try:
        return fn(**kwargs)
    finally:
        selectors.USE_STORED = True


def same_rows(a, b):
    assert [vars(row) for row in a] == [vars(row) for row in b]


def same_league(a, b):
    assert a.tables.keys() == b.tables.keys()
    for code in a.tables:
        same_rows(a.tables[code], b.tables[code])
    assert vars(a.total) == vars(b.total)
    assert a.outside == b.outside
    assert a.praise == b.praise


def random_periods(rng: random.Random, n: int):
    periods = [
        (date(2025, 12, 1), date(2025, 12, 31)),  # a month
        (date(2025, 1, 1), date(2025, 12, 31)),  # a year
        (date(2025, 11, 15), date(2026, 2, 10)),  # partial edges across the year end
        (date(2025, 2, 3), date(2025, 2, 20)),  # inside one month
        (date(2026, 2, 1), date(2026, 3, 9)),  # up to today: the current month is never stored
    ]
    for _ in range(n):
        first = date(2024, 11, 1) + timedelta(days=rng.randrange(480))
        periods.append((first, first + timedelta(days=rng.randrange(1, 200))))
    return periods


@pytest.mark.parametrize("by", ["unit", "grid", "town", "category"])
def test_the_stored_months_give_the_live_figures(city, by):
    rng = random.Random(hash(by) % 1000)
    for date_from, date_to in random_periods(rng, 6):
        period = {"user": SYSTEM, "date_from": date_from, "date_to": date_to, "by": by}
        same_rows(three_rates(**period), live(three_rates, **period))
        assert rated_by_category(**period) == live(rated_by_category, **period)
        same_league(league_table(**period), live(league_table, **period))


def test_a_year_reads_twelve_stored_months():
    counts_year = whole_months(date(2025, 1, 1), date(2025, 12, 31))
    assert len(counts_year) == 12
    assert whole_months(date(2025, 1, 2), date(2025, 3, 30)) == [date(2025, 2, 1)]
    assert whole_months(date(2024, 12, 1), date(2025, 1, 31)) == [date(2024, 12, 1), date(2025, 1, 1)]


def test_a_league_says_when_its_stored_months_were_counted(city):
    league = league_table(user=SYSTEM, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31))
    assert league.counts["current"].stored_months == whole_months(date(2025, 1, 1), date(2025, 12, 31))
    assert league.counted_at == NOW


def test_scopes_the_stored_rows_cannot_honour_are_counted_live(city):
    place = city
    year = {"date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)}
    community = place.grids.yinhai.community
    assert period_counts(user=SYSTEM, area=community, **year).stored_months == []
    assert period_counts(user=SYSTEM, area=place.towns.jiaji, **year).stored_months
    clerk = make_staff("clerk", [Role.UNIT_HANDLER], [place.units.housing])
    assert period_counts(user=clerk, by="grid", **year).stored_months == []
    assert period_counts(user=clerk, by="unit", **year).stored_months


@pytest.mark.parametrize("by", ["unit", "grid"])
def test_scoped_figures_are_the_live_ones(city, by):
    place = city
    clerk = make_staff("clerk", [Role.UNIT_HANDLER], [place.units.housing, place.units.transport])
    for date_from, date_to in random_periods(random.Random(3), 3):
        for user, area in [
            (clerk, None),
            (SYSTEM, place.towns.jiaji),
            (SYSTEM, place.towns.jiaji.parent),
            (SYSTEM, place.grids.binhai.community),
            (clerk, place.towns.boao),
        ]:
            period = {"user": user, "date_from": date_from, "date_to": date_to, "by": by, "area": area}
            same_rows(three_rates(**period), live(three_rates, **period))
            same_league(league_table(**period), live(league_table, **period))


def test_a_late_change_to_a_past_month_is_read_live_until_counted_again(city):
    december = {"user": SYSTEM, "date_from": date(2025, 12, 1), "date_to": date(2025, 12, 31)}
    year = {"user": SYSTEM, "date_from": date(2025, 1, 1), "date_to": date(2025, 12, 31)}
    before = three_rates(**december)
    # A rating of December corrected in March (不参评 approved), and a December closure reopened: both write
    # a ticket event, as every ticket service does.
    rated = (
        selectors.Ticket.objects.filter(rated_at__gte=local(2025, 12, 1), rated_at__lt=local(2026, 1, 1))
        .filter(excluded_from_rating=False)
        .order_by("pk")
        .first()
    )
    rated.excluded_from_rating = True
    rated.rated_satisfaction = "very_unsatisfied"
    rated.save()
    Event.objects.create(ticket=rated, at=NOW, action="rated")
    reopened = (
        selectors.Ticket.objects.filter(closed_at__gte=local(2025, 12, 1), closed_at__lt=local(2026, 1, 1))
        .order_by("-pk")
        .first()
    )
    reopened.closed_at = None
    reopened.redo_count += 1
    reopened.save()
    Event.objects.create(ticket=reopened, at=NOW, action="reopened")

    after = three_rates(**december)
    assert sum(row.rated for row in after) == sum(row.rated for row in before) - 1
    same_rows(after, live(three_rates, **december))
    same_league(league_table(**year), live(league_table, **year))
    assert date(2025, 12, 1) not in period_counts(**december).stored_months

    with time_machine.travel(NOW, tick=False):
        due = aggregates.months_due(NOW)
        assert due[0] == date(2026, 2, 1)  # newest first; months before the tickets' receipt stay exact
        assert date(2025, 12, 1) in due
        assert aggregates.refresh(NOW, limit=None) == len(due)
    assert period_counts(**december).stored_months == [date(2025, 12, 1)]
    same_rows(three_rates(**december), live(three_rates, **december))
    same_league(league_table(**year), live(league_table, **year))


def test_the_worker_counts_only_finished_months(place):
    make_rated(place.units.housing, local(2026, 3, 2, 10), received_at=local(2026, 2, 27, 9))
    with time_machine.travel(NOW, tick=False):
        assert aggregates.months_due(NOW) == [date(2026, 2, 1)]
        assert aggregates.refresh(NOW) == 1
        assert aggregates.months_due(NOW) == []
    assert MonthStamp.objects.get().month == date(2026, 2, 1)
    assert MonthlyCount.objects.filter(month=date(2026, 2, 1), by="unit").exists()


def test_a_pass_moves_the_watermark_of_months_still_exact(place):
    old = make_rated(place.units.housing, local(2026, 1, 20, 10), received_at=local(2026, 1, 10, 9))
    with time_machine.travel(NOW, tick=False):
        aggregates.refresh(NOW, limit=None)
    new = make_rated(place.units.housing, local(2026, 3, 2, 10), received_at=local(2026, 2, 27, 9))
    Event.objects.create(ticket=new, at=NOW, action="rated")
    with time_machine.travel(NOW, tick=False):
        assert aggregates.months_due(NOW) == [date(2026, 2, 1)]  # February: the new ticket was received in it
    assert MonthStamp.objects.get(month=date(2026, 1, 1)).last_event == Event.objects.get().pk
    Event.objects.create(ticket=old, at=NOW, action="reopened")
    assert date(2026, 1, 1) not in selectors.fresh_months([date(2026, 1, 1)])
