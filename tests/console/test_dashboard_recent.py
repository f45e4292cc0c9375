"""The dashboard at province scale: the worker's recent counts read and said, each league's first and last rows
with the full league page, the page's figures kept a minute."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from civicgrid.assessment import aggregates
from civicgrid.assessment.models import AssessmentScheme
from civicgrid.assessment.selectors import RateRow
from civicgrid.assessment.snapshots import shown_rows
from tests.console.test_dashboard import NOW, june  # noqa: F401
from tests.tickets.helpers import register


@pytest.fixture(autouse=True)
def _june(world):
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


def test_with_the_workers_counts_the_page_says_when_they_were_counted(client, world, june):  # noqa: F811
    client.force_login(world.user("leader"))
    live = client.get(reverse("console:dashboard")).context
    assert live["counted_note"] == ""
    aggregates.refresh_recent(NOW - timedelta(minutes=2))
    cache.clear()
    page = client.get(reverse("console:dashboard"))
    body = page.content.decode()
    assert (
        "统计截至 11:58，每 5 分钟更新" in body
        and "「查看完整排名」读取同一次统计；「导出 Excel」按打开时的实时数据统计" in body
    )
    # The same figures as counted live on the same data.
    for name in ("tables", "total", "received_all", "outside_note", "city"):
        assert page.context[name] == live[name], name


def test_the_page_keeps_its_figures_a_minute(client, world, june):  # noqa: F811
    client.force_login(world.user("leader"))
    june_ticket_count = client.get(reverse("console:dashboard")).context["received_all"]
    register(world, NOW - timedelta(hours=1))
    assert client.get(reverse("console:dashboard")).context["received_all"] == june_ticket_count
    with time_machine.travel(NOW + timedelta(seconds=61), tick=False):
        assert client.get(reverse("console:dashboard")).context["received_all"] == june_ticket_count + 1


def test_the_full_league_page_shows_one_league_whole_from_the_dashboards_counts(client, world, june):  # noqa: F811
    AssessmentScheme.objects.update(naming_min_rated=1)
    aggregates.refresh_recent(NOW)
    client.force_login(world.user("leader"))
    page = client.get(
        reverse("console:dashboard_league"), {"period": "month", "by": "unit", "table": "department"}
    )
    assert page.status_code == 200
    assert [table["code"] for table in page.context["tables"]] == ["department"]
    assert page.context["counted_note"] == "统计截至 12:00，每 5 分钟更新"  # the dashboard's figures
    assert "本页与领导看板读取后台同一次统计" in page.content.decode()
    custom = {"period": "custom", "from": "2026-06-02", "to": "2026-06-19", "table": "department"}
    counted = client.get(reverse("console:dashboard_league"), custom)
    assert counted.context["counted_note"] == ""  # a period the worker does not count: live, as the export
    assert "本页与「导出 Excel」一样按实时数据统计" in counted.content.decode()
    body = page.content.decode()
    assert "完整排名" in body and "住建局" in body and "返回领导看板" in body
    # An unknown league shows them all.
    every = client.get(reverse("console:dashboard_league"), {"table": "nope"}).context["tables"]
    assert [table["code"] for table in every] == ["department", "grid_team"]


@pytest.mark.parametrize("name", ["zjj", "worker1", "dispatcher"])
def test_the_full_league_page_is_for_the_dashboards_readers(client, world, name):
    client.force_login(world.user(name))
    assert client.get(reverse("console:dashboard_league")).status_code == 403


def rows(ranked: int, unranked: int) -> list[RateRow]:
    return [RateRow(key=i, label=str(i), rank=i + 1) for i in range(ranked)] + [
        RateRow(key=ranked + i, label="少", rank=None) for i in range(unranked)
    ]


def test_a_long_league_shows_its_first_and_last_ranked_rows():
    head, tail = shown_rows(rows(30, 5), 10)
    assert [r.rank for r in head] == list(range(1, 11)) and [r.rank for r in tail] == list(range(21, 31))
    # A short table whole; too few ranked rows for both ends: every ranked row, the unranked on the full page.
    assert shown_rows(rows(12, 8), 10) == (rows(12, 8), [])
    head, tail = shown_rows(rows(15, 10), 10)
    assert len(head) == 15 and tail == []
    assert shown_rows(rows(30, 5), None) == (rows(30, 5), [])


def test_each_league_links_to_its_full_page_keeping_the_period_and_grouping(client, world, june):  # noqa: F811
    AssessmentScheme.objects.update(naming_min_rated=1)
    client.force_login(world.user("leader"))
    tables = client.get(reverse("console:dashboard"), {"period": "month"}).context["tables"]
    department = next(table for table in tables if table["code"] == "department")
    assert department["league_url"] == (
        reverse("console:dashboard_league") + "?by=unit&period=month&table=department"
    )
