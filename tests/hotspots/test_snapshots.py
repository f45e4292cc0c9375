"""Stored clusters: a covered period is merged from snapshots (members filtered by the reader's scope), an
uncovered one is clustered live; the page says when the data were computed."""

from datetime import date, timedelta
from unittest import mock

import time_machine
from django.urls import reverse

from civicgrid.hotspots import selectors
from civicgrid.hotspots.jobs import raise_alerts, store_period
from civicgrid.hotspots.models import Snapshot
from civicgrid.hotspots.selectors import hot_issue, hot_issues, hot_issues_as_of
from tests.hotspots.factories import moment, ticket
from tests.hotspots.test_selectors import _two_hotspots

MARCH = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31)}
APRIL_5 = moment(2026, 4, 5, 10)


def _no_live_clustering():
    return mock.patch.object(selectors, "cluster", side_effect=AssertionError("clustered live"))


def _view(issues):
    return [(i.key, i.label, i.size, i.callers, i.heat, i.examples, i.ticket_ids, i.daily) for i in issues]


def test_a_closed_period_seen_whole_is_kept_and_read_back_the_same(world):
    _two_hotspots(world)
    with time_machine.travel(APRIL_5, tick=False):
        live, as_of = hot_issues_as_of(user=world["supervisor"], **MARCH)
        assert as_of is None and Snapshot.objects.count() == 1
        with _no_live_clustering():
            stored, as_of = hot_issues_as_of(user=world["supervisor"], **MARCH)
            detail = hot_issue(user=world["supervisor"], key=live[0].key, **MARCH)
    assert _view(stored) == _view(live)
    assert as_of is not None and detail is not None and detail.examples == live[0].examples
    assert "王小明" not in repr(stored) and "13900001111" not in repr(stored)


def test_stored_members_are_filtered_by_the_readers_scope(world):
    _two_hotspots(world)
    with time_machine.travel(APRIL_5, tick=False):
        hot_issues(user=world["supervisor"], **MARCH)
        with _no_live_clustering():
            mine = hot_issues(user=world["swj"], **MARCH)  # the water bureau: only its three tickets
            housing = hot_issues(user=world["zjj"], **MARCH)
        Snapshot.objects.all().delete()
        live = hot_issues(user=world["zjj"], **MARCH)
    assert [i.size for i in mine] == [3] and "滨海路" in mine[0].label
    assert _view(housing) == _view(live) and [i.size for i in live] == [4]


def test_an_uncovered_period_is_clustered_live(world):
    _two_hotspots(world)
    with time_machine.travel(APRIL_5, tick=False):
        hot_issues(user=world["supervisor"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 15))
        with mock.patch.object(selectors, "cluster", wraps=selectors.cluster) as live:
            _, as_of = hot_issues_as_of(user=world["supervisor"], **MARCH)  # 16 to 31 March not covered
        assert live.call_count == 1 and as_of is None


def test_snapshots_of_slices_chain_over_a_long_period(world):
    for k in range(6):  # one hotspot across the slices' seam, two a week apart
        ticket(
            world,
            moment(2026, 1, 20) + timedelta(days=3 * k),
            title="滨海路自来水停水",
            address="滨海路12号",
            unit=world["water"],
        )
    period = {"date_from": date(2026, 1, 1), "date_to": date(2026, 6, 30)}
    with time_machine.travel(moment(2026, 7, 2, 10), tick=False):
        assert store_period(period["date_from"], period["date_to"], now=moment(2026, 7, 2, 9)) > 4
        live = selectors.clusters_of(
            selectors.period_tickets(user=world["supervisor"], **period), today=period["date_to"]
        )
        with _no_live_clustering():
            stored, as_of = hot_issues_as_of(user=world["supervisor"], **period)
    assert [i.size for i in stored] == [i.size for i in live] == [6]
    assert as_of == moment(2026, 7, 1, 0)  # every day complete: the period's end


def test_the_worker_keeps_its_clusters_and_the_page_says_as_of_when(client, world):
    for k in range(4):
        ticket(world, moment(2026, 3, 20 + k, 9), title="椰林花园小区烧烤摊油烟扰民", unit=world["housing"])
    with time_machine.travel(moment(2026, 3, 31, 20), tick=False):
        raise_alerts(moment(2026, 3, 31, 20), force=True)
        store_period(date(2026, 3, 1), date(2026, 3, 30), now=moment(2026, 3, 31, 20))
        client.force_login(world["leader"])
        with _no_live_clustering():
            page = client.get(reverse("console:hotspots") + "?from=2026-03-01&to=2026-03-31")
    text = page.content.decode()
    assert "椰林花园" in text and "数据截至 2026年3月31日 20:00" in text
    assert Snapshot.objects.filter(date_to=date(2026, 3, 31)).exists()


def test_old_snapshots_are_not_used_for_a_period_still_running(world):
    _two_hotspots(world)
    with time_machine.travel(moment(2026, 3, 10, 8), tick=False):
        raise_alerts(moment(2026, 3, 10, 8), force=True)
    with time_machine.travel(moment(2026, 3, 10, 8) + timedelta(hours=5), tick=False):
        with mock.patch.object(selectors, "cluster", wraps=selectors.cluster) as live:
            hot_issues(user=world["supervisor"], date_from=date(2026, 3, 1), date_to=date(2026, 3, 10))
    assert live.call_count == 1


def test_a_scoped_reader_gets_no_word_from_tickets_outside_her_scope(world):
    for k in range(4):  # one hotspot; only the housing bureau's two tickets speak of the kindergarten
        ticket(
            world,
            moment(2026, 3, 2 + k),
            title="滨海路自来水停水",
            content="滨海路自来水停水，幼儿园无法做饭" if k % 2 else "滨海路自来水停水",
            unit=world["housing"] if k % 2 else world["water"],
            address="滨海路12号",
        )
    with time_machine.travel(APRIL_5, tick=False):
        whole = hot_issues(user=world["supervisor"], **MARCH)
        with _no_live_clustering():
            water = hot_issues(user=world["swj"], **MARCH)
            housing = hot_issues(user=world["zjj"], **MARCH)
    assert [i.size for i in whole] == [4] and "幼儿园" in whole[0].keywords
    assert [i.size for i in water] == [2] and "幼儿园" not in repr(water)
    assert "幼儿园" in housing[0].keywords


def test_covering_chain_keeps_the_fewest_rows_that_hold_every_day():
    from civicgrid.hotspots.jobs import covering_chain

    d = date(2026, 1, 1)
    # One alert snapshot a day, each of the 30 days before: [d-29+n, d+n] for n in 0..59.
    rows = [(n, d + timedelta(days=n - 29), d + timedelta(days=n)) for n in range(60)]
    keep = covering_chain(rows, overlap=7)
    kept = sorted((row for row in rows if row[0] in keep), key=lambda row: row[1])
    assert kept[0][1] == rows[0][1] and kept[-1][2] == rows[-1][2]
    assert all(b[1] <= a[2] - timedelta(days=6) for a, b in zip(kept, kept[1:], strict=False))
    assert len(kept) == 4  # 89 days in chunks of 30 overlapping by 7
    # A gap no row bridges starts a new chain; a row inside another's days is dropped.
    rows = [(1, d, d + timedelta(days=10)), (2, d + timedelta(days=2), d + timedelta(days=5))]
    rows.append((3, d + timedelta(days=20), d + timedelta(days=25)))
    assert covering_chain(rows, overlap=7) == {1, 3}


def test_old_snapshots_are_thinned_and_recent_periods_still_read_from_the_chain(world):
    from civicgrid.hotspots.jobs import thin_snapshots

    _two_hotspots(world)
    for n in range(40):  # the alert check's daily snapshots through February to early April
        with time_machine.travel(moment(2026, 2, 25, 23) + timedelta(days=n), tick=False):
            raise_alerts(moment(2026, 2, 25, 23) + timedelta(days=n), force=True)
    with time_machine.travel(moment(2026, 6, 10, 9), tick=False), _no_live_clustering():
        before, _ = hot_issues_as_of(user=world["supervisor"], **MARCH)
    total = Snapshot.objects.count()
    Snapshot.objects.create(
        version="other", date_from=date(2026, 1, 1), date_to=date(2026, 1, 31), computed_at=APRIL_5
    )
    with time_machine.travel(moment(2026, 6, 10, 9), tick=False):
        deleted = thin_snapshots(moment(2026, 6, 10, 9))
        assert thin_snapshots(moment(2026, 6, 10, 10)) == 0  # once a day
        with _no_live_clustering():
            stored, as_of = hot_issues_as_of(user=world["supervisor"], **MARCH)
    assert not Snapshot.objects.filter(version="other").exists()
    # The 40 daily snapshots (16 days each, overlapping by 15) became three slices of 29 days.
    assert deleted == total + 1 and Snapshot.objects.count() == 3
    assert as_of is not None and _view(stored) == _view(before) and stored
