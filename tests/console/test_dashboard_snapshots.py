"""The dashboard's ready-made views built by the worker (`assessment.snapshots`): the same figures as counted for
the request, read from one row while fresh, rebuilt after each recent count, never read stale or for other dates."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from civicgrid.assessment import aggregates, snapshots
from civicgrid.assessment.models import DashboardSnapshot
from civicgrid.console.views.dashboard import Period, _ready_made
from civicgrid.core import periodic
from tests.console.test_dashboard import NOW, june  # noqa: F401
from tests.tickets.helpers import register

PRESET_QUERIES = [
    {"period": preset, "by": by}
    for preset in ("month", "last_month", "90d")
    for by in ("unit", "town", "grid")
]
PAGE_FIGURES = ("tables", "total", "city", "received_all", "outside_note", "counted_note", "overdue_now")


@pytest.fixture(autouse=True)
def _june(world):
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def worker_pass(at):
    """What a worker pass does for the dashboard: the recent counts, then the ready-made views."""
    aggregates.refresh_recent(at)
    return snapshots.refresh(at)


def page(client, **params):
    cache.clear()  # the minute's page cache would hide which path answered
    response = client.get(reverse("console:dashboard"), params)
    assert response.status_code == 200
    return response.context


def chart(client, **params):
    cache.clear()
    response = client.get(reverse("console:dashboard_data"), params)
    assert response.status_code == 200
    return response.json()


def test_the_worker_builds_every_ready_made_view_and_they_show_what_the_request_would_count(
    client,
    world,
    june,  # noqa: F811
):
    client.force_login(world.user("leader"))
    aggregates.refresh_recent(NOW)
    counted = {str(query): (page(client, **query), chart(client, **query)) for query in PRESET_QUERIES}
    assert not DashboardSnapshot.objects.exists()

    assert snapshots.refresh(NOW) == 9
    assert DashboardSnapshot.objects.count() == 9
    for query in PRESET_QUERIES:
        stored_page, stored_chart = page(client, **query), chart(client, **query)
        live_page, live_chart = counted[str(query)]
        for name in PAGE_FIGURES:
            assert stored_page[name] == live_page[name], (query, name)
        assert stored_chart == live_chart, query


def test_a_fresh_view_is_read_from_one_row(client, world, june, django_assert_max_num_queries):  # noqa: F811
    client.force_login(world.user("leader"))
    worker_pass(NOW)
    before = page(client)["received_all"]
    register(world, NOW)  # after the worker's pass: not in its view yet
    with django_assert_max_num_queries(20) as queries:
        assert page(client)["received_all"] == before
    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert "assessment_dashboardsnapshot" in read
    assert not any(
        table in read for table in ("tickets_ticket", "assessment_monthlycount", "assessment_recentcount")
    )
    assert chart(client)["totals"]["received_all"] == before
    # Nothing is rebuilt before the next recent count; after it, the new ticket shows.
    assert snapshots.refresh(NOW + timedelta(minutes=1)) == 0
    later = NOW + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert worker_pass(later) == 9
        assert page(client)["received_all"] == before + 1
        assert page(client)["counted_note"] == "统计截至 12:05，每 5 分钟更新"
        assert chart(client)["totals"]["received_all"] == before + 1


def test_a_stale_view_is_not_read(client, world, june):  # noqa: F811
    client.force_login(world.user("leader"))
    worker_pass(NOW)
    before = page(client)["received_all"]
    register(world, NOW)
    # The worker has stopped: a quarter of an hour on, the page counts for itself.
    with time_machine.travel(NOW + snapshots.SNAPSHOT_MAX_AGE + timedelta(seconds=1), tick=False):
        assert page(client)["received_all"] == before + 1
        assert chart(client)["totals"]["received_all"] == before + 1


def test_a_view_built_for_other_dates_is_not_read(client, world, june):  # noqa: F811
    client.force_login(world.user("leader"))
    worker_pass(NOW)
    register(world, NOW)
    DashboardSnapshot.objects.update(date_to=NOW.date() - timedelta(days=1))  # as built yesterday
    before = DashboardSnapshot.objects.get(preset="month", by="unit").page["received_all"]
    assert page(client)["received_all"] == chart(client)["totals"]["received_all"] == before + 1
    assert chart(client)["trend"]["received"][-1] == 1  # today's new ticket, counted for the request


def test_a_custom_period_is_counted_for_the_request(client, world, june):  # noqa: F811
    client.force_login(world.user("leader"))
    worker_pass(NOW)
    before = page(client)["received_all"]
    register(world, NOW)
    custom = {"period": "custom", "from": "2026-06-01", "to": "2026-06-20"}
    assert page(client, **custom)["received_all"] == before + 1


def test_only_a_reader_with_no_unit_scope_reads_them(world, june):  # noqa: F811
    worker_pass(NOW)
    period = Period(NOW.date().replace(day=1), NOW.date(), "month")
    request = RequestFactory().get("/")
    request.user = world.user("leader")
    assert _ready_made(request, period, "unit", "page") is not None
    request.user = world.user("zjj")  # a department's handler: her own unit's figures only
    assert _ready_made(request, period, "unit", "page") is None


def test_the_job_runs_after_the_recent_counts():
    names = [job.name for job in periodic.jobs()]
    assert names.index("assessment.recent_counts") < names.index("assessment.dashboard_snapshots")


def test_the_full_league_page_reads_the_same_view(client, world, june):  # noqa: F811
    client.force_login(world.user("leader"))
    aggregates.refresh_recent(NOW)
    query = {"period": "month", "by": "unit"}
    counted = client.get(reverse("console:dashboard_league"), query).context
    snapshots.refresh(NOW)
    register(world, NOW)  # after the worker's pass: in neither the dashboard nor its full league yet
    stored = client.get(reverse("console:dashboard_league"), query).context
    for name in PAGE_FIGURES:
        assert stored[name] == counted[name], name
    assert stored["received_all"] == page(client, **query)["received_all"]
