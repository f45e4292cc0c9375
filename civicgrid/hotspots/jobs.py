"""The worker's share for hotspots (registered in apps.py): early alerts 「未诉先办」.

A cluster alerts when today's count is beyond what its own baseline explains: with λ the cluster's mean daily count
over the `baseline_days` before today (at least `baseline_floor`), it alerts when P(X ≥ observed | Poisson(λ)) <
`alert_p` and observed ≥ `alert_min_count`. Each cluster alerts once: an alert is keyed by the cluster's earliest
ticket and place, and a cluster sharing a ticket with an earlier alert is the same growing cluster.

The clusters of each check are kept (`Snapshot`), so that the pages and the briefing read them instead of
clustering again; `store_period` computes the snapshots of a past period at once (after an import, say).
"""

import math
from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.hotspots.models import Alert, AlertCheck, Snapshot
from civicgrid.hotspots.selectors import (
    HotIssue,
    clusters_of,
    config_at,
    period_tickets,
    snapshot_version,
    store_snapshot,
)
from civicgrid.notify.services import notify
from civicgrid.registry.models import Role

KIND = "hotspot_alert"
CHECK = "alerts"
THIN = "thin"
COMPACTED = "compacted"
# Days clustered again into long slices per daily pass (two months of a large city take a minute or so).
COMPACT_DAYS = 62
# The alert check stores one snapshot a day, each overlapping the day before's by weeks (about 100 MB a year at
# 100,000 tickets): past this age they are thinned to a chain that still covers every day they covered.
THIN_AFTER_DAYS = 60
# Snapshots of another engine or other parameters are never read again; kept this long for a rollback.
OTHER_VERSIONS_DAYS = 7


def poisson_tail(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam)."""
    if k <= 0:
        return 1.0
    term = total = math.exp(-lam)
    for i in range(1, k):
        term *= lam / i
        total += term
    return max(0.0, 1.0 - total)


def assess(issue: HotIssue, today, config) -> tuple[int, float, float]:
    """(observed today, baseline λ, tail probability) of a hotspot on `today`."""
    counts = dict(issue.daily)
    observed = counts.get(today, 0)
    before = sum(k for d, k in counts.items() if today - timedelta(days=config.baseline_days) <= d < today)
    lam = max(before / config.baseline_days, config.baseline_floor)
    return observed, lam, poisson_tail(observed, lam)


def recipients():
    """Supervisors and leaders (the people who act before a hotspot peaks)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff__roles__code__in=(Role.SUPERVISOR, Role.LEADER))
        .distinct()
    )


def raise_alerts(now: datetime, *, force: bool = False) -> int:
    """Cluster the last weeks' tickets and raise an alert for every cluster growing beyond its baseline today."""
    today = timezone.localtime(now).date()
    config = config_at(today)
    if not force and not _due(now, config.every_minutes):
        return 0
    date_from = today - timedelta(days=max(config.baseline_days, config.window_days) + 1)
    # Imported history raises no live alert: it is not happening now.
    tickets = period_tickets(user=SYSTEM, date_from=date_from, date_to=today).filter(is_historical=False)
    issues = clusters_of(tickets, today=today, config=config)
    store_snapshot(issues, date_from=date_from, date_to=today, config=config, now=now)
    raised = 0
    for issue in issues:
        observed, lam, p = assess(issue, today, config)
        if observed < config.alert_min_count or p >= config.alert_p:
            continue
        if _alert(issue, today=today, now=now, config=config, observed=observed, lam=lam, p=p):
            raised += 1
    return raised


def store_period(date_from, date_to, *, now: datetime, progress=None) -> int:
    """Snapshots of [date_from, date_to] in slices of twice the time window, each overlapping the next by the
    window (so the pages can chain them); returns how many were stored."""
    config = config_at(date_to)
    span = 2 * config.window_days + 1
    stored, start = 0, date_from
    while True:
        end = min(start + timedelta(days=span), date_to)
        tickets = period_tickets(user=SYSTEM, date_from=start, date_to=end)
        store_snapshot(
            clusters_of(tickets, today=end, config=config),
            date_from=start,
            date_to=end,
            config=config,
            now=now,
        )
        stored += 1
        if progress is not None:
            progress(f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d}")
        if end >= date_to:
            return stored
        start = end - timedelta(days=config.window_days)


def thin_snapshots(now: datetime, *, force: bool = False) -> int:
    """Once a day: delete snapshots no reading can use (other versions) and, of those older than
    `THIN_AFTER_DAYS`, every one a chain of the others makes redundant. Returns how many were deleted."""
    if not force and not _due(now, 24 * 60, name=THIN):
        return 0
    today = timezone.localtime(now).date()
    config = config_at(today)
    version = snapshot_version(config)
    deleted = (
        Snapshot.objects.exclude(version=version)
        .filter(computed_at__lt=now - timedelta(days=OTHER_VERSIONS_DAYS))
        .delete()[0]
    )
    limit = today - timedelta(days=THIN_AFTER_DAYS)
    _compact(now, limit, config)
    old = Snapshot.objects.filter(version=version, date_to__lt=limit)
    rows = [
        (pk, start, _complete_to(end, computed_at))
        for pk, start, end, computed_at in old.values_list("pk", "date_from", "date_to", "computed_at")
    ]
    keep = covering_chain(rows, overlap=config.window_days)
    return deleted + old.exclude(pk__in=keep).delete()[0]


def _compact(now: datetime, limit, config) -> None:
    """Cluster again, in `store_period`'s long slices, the next `COMPACT_DAYS` of the days before `limit` that only
    the daily alert snapshots hold (their 14-day overlap leaves no daily one redundant); the chain then keeps the
    slices and drops the dailies. Moves the mark (an AlertCheck row) so each day is clustered again once."""
    mark, _ = AlertCheck.objects.get_or_create(name=COMPACTED, defaults={"ran_at": now})
    first = Snapshot.objects.filter(version=snapshot_version(config)).order_by("date_from").first()
    if first is None:
        return
    done_to = timezone.localtime(mark.ran_at).date() if mark.ran_at < now else None
    start = (
        first.date_from if done_to is None else max(first.date_from, done_to - timedelta(config.window_days))
    )
    end = min(limit - timedelta(days=1), start + timedelta(days=COMPACT_DAYS))
    if end - start < timedelta(days=2 * config.window_days):
        return
    store_period(start, end, now=now)
    AlertCheck.objects.filter(pk=mark.pk).update(
        ran_at=datetime.combine(end, time(12), tzinfo=timezone.get_default_timezone())
    )


def _complete_to(date_to, computed_at):
    """The last day a snapshot holds whole: a day counts once the snapshot was computed after it ended (the
    alert check's snapshot of today was computed during today)."""
    return min(date_to, timezone.localtime(computed_at).date() - timedelta(days=1))


def covering_chain(rows, *, overlap: int) -> set:
    """The fewest of `rows` (pk, first day, last whole day) whose union holds every day the rows hold, consecutive
    ones overlapping by at least `overlap` days (so linked requests across a seam fall in one snapshot)."""
    rows = sorted((row for row in rows if row[2] >= row[1]), key=lambda row: (row[1], -row[2].toordinal()))
    keep, reach, i = set(), None, 0
    while i < len(rows):
        if reach is None or rows[i][1] > reach - timedelta(days=overlap - 1):
            # A new chain (the first, or after a gap no row bridges with the overlap): its earliest row.
            pk, _, end = rows[i]
            if reach is not None and end <= reach:
                i += 1
                continue
            keep.add(pk)
            reach = end
            i += 1
            continue
        best = None
        while i < len(rows) and rows[i][1] <= reach - timedelta(days=overlap - 1):
            if rows[i][2] > reach and (best is None or rows[i][2] > best[2]):
                best = rows[i]
            i += 1
        if best is not None:
            keep.add(best[0])
            reach = best[2]
    return keep


def _due(now, every_minutes, *, name: str = CHECK) -> bool:
    """Claim the check (a conditional update, so two workers never both run it)."""
    check, created = AlertCheck.objects.get_or_create(name=name, defaults={"ran_at": now})
    if created:
        return True
    return bool(
        AlertCheck.objects.filter(pk=check.pk, ran_at__lte=now - timedelta(minutes=every_minutes)).update(
            ran_at=now
        )
    )


def _alert(issue, *, today, now, config, observed, lam, p) -> Alert | None:
    with transaction.atomic():
        if Alert.objects.filter(key=issue.key).exists():
            return None
        if Alert.objects.filter(tickets__in=issue.ticket_ids).exists():
            return None  # the same cluster, grown since its alert
        explanation = (
            f"{today:%m月%d日}受理{observed}件，此前{config.baseline_days}天日均{lam:.1f}件；"
            f"按泊松分布，出现不少于{observed}件的概率为{p:.3f}，低于{config.alert_p:g}。累计{issue.size}件。"
        )
        alert = Alert.objects.create(
            key=issue.key,
            label=issue.label[:200],
            keywords=issue.keywords,
            places=issue.places,
            day=today,
            raised_at=now,
            size=issue.size,
            observed=observed,
            expected=round(lam, 3),
            p_value=p,
            explanation=explanation[:400],
            area_id=issue.area_id,
            config=config if config.pk else None,
        )
        alert.tickets.set(issue.ticket_ids)
        record_event(
            actor=SYSTEM, action="hotspots.alert", target=alert, summary=f"热点预警：{issue.label}"[:300]
        )
        notify(
            recipients=recipients(),
            kind=KIND,
            title=f"热点预警：{issue.label}"[:200],
            body=explanation + "请及早研判处置（未诉先办）。",
            at=now,
        )
        return alert
