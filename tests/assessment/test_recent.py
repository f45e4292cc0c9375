"""The dashboard's recent windows (RecentCount): the worker's counts plus a live tail give the live figures on
the same data; a stale count, a scope or an area they cannot honour is counted live; the job and its lease."""

import random
from datetime import date, timedelta

import pytest
import time_machine

from civicgrid.assessment import aggregates, selectors
from civicgrid.assessment.dashboard import shown_periods
from civicgrid.assessment.leagues import league_table
from civicgrid.assessment.models import RecentCount
from civicgrid.assessment.selectors import RECENT_GROUPINGS, period_counts, three_rates, uncovered
from civicgrid.core import leases, periodic
from civicgrid.core.actors import SYSTEM
from civicgrid.registry.models import Role
from civicgrid.tickets.models import Event, Ticket
from tests.assessment.factories import local, make_rated, make_staff, make_ticket
from tests.assessment.test_aggregates import city, live, same_league, same_rows  # noqa: F401

NOW = local(2026, 3, 10, 9)
MINUTE = timedelta(minutes=1)


def at(moment):
    return time_machine.travel(moment, tick=False)


def this_month(by="unit", user=SYSTEM, **more):
    return {"user": user, "date_from": date(2026, 3, 1), "date_to": date(2026, 3, 10), "by": by, **more}


def recent(fn, **kwargs):
    return fn(**kwargs, recent=True)


def where(place, grid):
    return {
        "grid": grid,
        "community": grid.community,
        "town": grid.community.parent,
        "category": place.categories.property,
        "category_code": place.categories.property.code,
    }


@pytest.fixture
def counted(city):  # noqa: F811
    """The city with March's tickets so far, and the worker's recent counts made at NOW."""
    place = city
    rng = random.Random(11)
    for _ in range(30):
        received = local(2026, 3, 1) + timedelta(minutes=rng.randrange(9 * 24 * 60))
        make_rated(
            rng.choice([place.units.housing, place.units.environment]),
            received + timedelta(hours=2),
            received_at=received,
            closed_at=received + timedelta(hours=1),
            solved=rng.choice(["solved", "unsolved"]),
            satisfaction=rng.choice(["satisfied", "basic", "unsatisfied"]),
            **where(place, rng.choice([place.grids.yinhai, place.grids.binhai])),
        )
    with at(NOW):
        assert aggregates.refresh_recent(NOW) == len(aggregates.recent_windows(date(2026, 3, 10))) * 3
    return place


@pytest.mark.parametrize("by", RECENT_GROUPINGS)
def test_the_recent_counts_give_the_live_figures(counted, by):
    with at(NOW + 2 * MINUTE):
        for date_from, date_to in shown_periods(date(2026, 3, 10)):
            period = {"user": SYSTEM, "date_from": date_from, "date_to": date_to, "by": by}
            counts = recent(period_counts, **period)
            # Every part outside the stored whole months is read from its recent count.
            assert counts.recent_windows == uncovered(date_from, date_to, counts.stored_months)
            assert counts.recent_at == (NOW if counts.recent_windows else None)
            same_rows(recent(three_rates, **period), live(three_rates, **period))
        league = recent(league_table, **this_month(by))
        same_league(league, live(league_table, **this_month(by)))
        assert league.recent_at == NOW
        # Without `recent` (the full league page, the export, briefings) nothing recent is read.
        assert league_table(**this_month(by)).recent_at is None


def test_tickets_rated_or_received_after_the_count_come_from_the_live_tail(counted):
    place = counted
    before = recent(three_rates, **this_month())
    make_rated(
        place.units.transport,
        NOW + MINUTE,
        received_at=NOW + timedelta(seconds=20),
        closed_at=NOW + timedelta(seconds=40),
        **where(place, place.grids.binhai),
    )
    make_ticket(received_at=NOW + 2 * MINUTE, **where(place, place.grids.yinhai))
    with at(NOW + 3 * MINUTE):
        after = recent(three_rates, **this_month())
        same_rows(after, live(three_rates, **this_month()))
        counts = recent(period_counts, **this_month())
    assert sum(row.rated for row in after) == sum(row.rated for row in before) + 1
    assert counts.recent_windows == [(date(2026, 3, 1), date(2026, 3, 10))]


def test_a_change_to_a_counted_ticket_shows_at_the_next_count(counted):
    ticket = Ticket.objects.filter(rated_at__gte=local(2026, 3, 1), excluded_from_rating=False).first()
    ticket.excluded_from_rating = True  # 不参评 approved after the count
    ticket.save()
    Event.objects.create(ticket=ticket, at=NOW + MINUTE, action="rated")
    with at(NOW + 2 * MINUTE):
        rated = sum(row.rated for row in recent(three_rates, **this_month()))
        assert rated == sum(row.rated for row in live(three_rates, **this_month())) + 1
        assert aggregates.refresh_recent(NOW + 2 * MINUTE) == 0  # not due yet
    with at(NOW + 5 * MINUTE):
        assert aggregates.refresh_recent(NOW + 5 * MINUTE) > 0
        same_rows(recent(three_rates, **this_month()), live(three_rates, **this_month()))


def test_a_stale_count_or_one_from_a_moved_clock_is_counted_live(counted):
    with at(NOW + selectors.RECENT_MAX_AGE + MINUTE):  # the worker has stopped
        counts = recent(period_counts, **this_month())
        assert counts.recent_windows == [] and counts.recent_at is None
        same_rows(recent(three_rates, **this_month()), live(three_rates, **this_month()))
    with at(NOW - MINUTE):  # counted "after now"
        assert recent(period_counts, **this_month()).recent_windows == []


def test_scopes_and_areas_the_recent_counts_cannot_honour_are_counted_live(counted):
    place = counted
    clerk = make_staff("clerk", [Role.UNIT_HANDLER], [place.units.housing])
    with at(NOW + MINUTE):
        mine = this_month("unit", clerk)
        assert recent(period_counts, **mine).recent_windows  # a unit sees its own rows
        same_rows(recent(three_rates, **mine), live(three_rates, **mine))
        assert {row.key for row in recent(three_rates, **mine)} == {place.units.housing.pk}
        for period in (this_month("grid", clerk), this_month("unit", area=place.towns.jiaji)):
            assert recent(period_counts, **period).recent_windows == []
            same_rows(recent(three_rates, **period), live(three_rates, **period))


def test_a_grouping_the_worker_does_not_count_is_counted_live(counted):
    with at(NOW + MINUTE):
        assert recent(period_counts, **this_month("category")).recent_windows == []


def test_the_job_counts_when_due_and_drops_the_windows_of_other_days(counted):
    windows = aggregates.recent_windows(date(2026, 3, 10))
    assert RecentCount.objects.count() == len(windows) * 3
    with at(NOW + 4 * MINUTE):
        assert aggregates.refresh_recent(NOW + 4 * MINUTE) == 0
    with at(NOW + 5 * MINUTE):
        assert aggregates.refresh_recent(NOW + 5 * MINUTE) == len(windows) * 3
    tomorrow = local(2026, 3, 11, 0, 1)
    with at(tomorrow):
        # Just after midnight, before the job: the new day's windows are not counted yet, so read live.
        assert recent(period_counts, **this_month(date_to=date(2026, 3, 11))).recent_windows == []
        aggregates.refresh_recent(tomorrow)
    kept = set(RecentCount.objects.values_list("date_from", "date_to").distinct())
    assert kept == set(aggregates.recent_windows(date(2026, 3, 11)))
    assert (date(2026, 3, 1), date(2026, 3, 10)) not in kept


def test_the_job_runs_in_one_worker_at_a_time(counted):
    job = next(job for job in periodic.jobs() if job.name == "assessment.recent_counts")
    assert job.lease is not None
    later = NOW + 10 * MINUTE
    holder = leases.take(job.name, now=later, length=job.lease)
    with at(later):
        assert "看板近期计数" not in periodic.run_registered(later)
        leases.release(job.name, holder)
        assert (
            periodic.run_registered(later)["看板近期计数"]
            == len(aggregates.recent_windows(date(2026, 3, 10))) * 3
        )


def test_the_windows_across_the_year_end():
    january = aggregates.recent_windows(date(2026, 1, 5))
    assert (date(2026, 1, 1), date(2026, 1, 5)) in january  # this month to date
    assert (date(2025, 12, 1), date(2025, 12, 5)) in january  # 环比: the same days of December
    assert (date(2025, 1, 1), date(2025, 1, 5)) in january  # 同比
    assert (date(2025, 10, 8), date(2025, 10, 31)) in january  # the 90 days' first edge
    # Whole finished months are the monthly counts' and never a window.
    assert all(not (first.day == 1 and last == selectors.month_end_day(first)) for first, last in january)
    # On the last day the month to date is whole but not finished: still a window; the month before is whole.
    december = aggregates.recent_windows(date(2025, 12, 31))
    assert (date(2025, 12, 1), date(2025, 12, 31)) in december
    assert (date(2025, 11, 1), date(2025, 11, 30)) not in december


def test_the_last_day_of_december_reads_its_window_and_the_first_of_january_starts_again(place):
    make_rated(place.units.housing, local(2025, 12, 30, 10), received_at=local(2025, 12, 29, 9))
    december = this_month(date_from=date(2025, 12, 1), date_to=date(2025, 12, 31))
    with at(local(2025, 12, 31, 20)):
        aggregates.refresh_recent(local(2025, 12, 31, 20))
        counts = recent(period_counts, **december)
        assert counts.recent_windows == [(date(2025, 12, 1), date(2025, 12, 31))]
        same_rows(recent(three_rates, **december), live(three_rates, **december))
    new_year = local(2026, 1, 1, 0, 10)
    with at(new_year):
        aggregates.refresh_recent(new_year)
        january = this_month(date_from=date(2026, 1, 1), date_to=date(2026, 1, 1))
        assert recent(period_counts, **january).recent_windows == []  # nothing received yet: read live
        same_rows(recent(three_rates, **january), live(three_rates, **january))
        assert not RecentCount.objects.filter(
            date_from=date(2025, 12, 1), date_to=date(2025, 12, 31)
        ).exists()
