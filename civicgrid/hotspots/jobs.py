"""The worker's share for hotspots (registered in apps.py): early alerts (未诉先办).

A cluster alerts when today's count is beyond what its own baseline explains: with λ the cluster's mean daily count
over the `baseline_days` before today (at least `baseline_floor`), it alerts when P(X ≥ observed | Poisson(λ)) <
`alert_p` and observed ≥ `alert_min_count`. Each cluster alerts once: an alert is keyed by the cluster's earliest
ticket and place, and a cluster sharing a ticket with an earlier alert is the same growing cluster.

The clusters of each check are kept (`Snapshot`), so that the pages and the briefing read them instead of
clustering again; `store_period` computes the snapshots of a past period at once (after an import, say).
"""

import math
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.core.audit import record_event
from civicgrid.hotspots.models import Alert, AlertCheck
from civicgrid.hotspots.selectors import HotIssue, clusters_of, config_at, period_tickets, store_snapshot
from civicgrid.notify.services import notify
from civicgrid.registry.models import Role

KIND = "hotspot_alert"
CHECK = "alerts"


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


def _due(now, every_minutes) -> bool:
    """Claim the check (a conditional update, so two workers never both run it)."""
    check, created = AlertCheck.objects.get_or_create(name=CHECK, defaults={"ran_at": now})
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
