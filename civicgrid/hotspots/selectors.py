"""Reads of hotspots (热点问题) and early alerts (预警) for pages and briefings, scoped to the user.

Interface agreed between the hotspot and briefing work. A hotspot is computed on demand from the tickets the user
may see (see `civicgrid.hotspots.engine` for the clustering and the heat index); alerts are rows the worker raised.
"""

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone

from civicgrid.assessment.selectors import area_filter, period_bounds
from civicgrid.core.actors import SYSTEM
from civicgrid.hotspots.engine import Params, Record, cluster
from civicgrid.hotspots.models import Alert, HotspotConfig
from civicgrid.hotspots.words import fill_words
from civicgrid.party.selectors import area_subtree_ids
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import has_role, sees_everything
from civicgrid.tickets.models import Ticket
from civicgrid.tickets.selectors import tickets_for

# Who sees every ticket's hotspots; everyone else sees hotspots among their units' tickets.
ALL_TICKETS_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER, Role.ADMINISTRATOR)
URGENCY_WEIGHT = {"critical": 1.0, "urgent": 0.5}
_LONG_DIGITS = re.compile(r"\d{7,}")


@dataclass
class HotIssue:
    """A cluster of similar requests in a place and a time window, explained."""

    label: str
    keywords: list[str]
    places: list[str]
    first: datetime
    last: datetime
    size: int
    callers: int
    heat: float
    daily: list[tuple[date, int]] = field(default_factory=list)
    # (ticket number, title) of a few members, most recent first
    examples: list[tuple[str, str]] = field(default_factory=list)
    growth: float = 0.0
    key: str = ""  # stable: the earliest member's number and the main place
    ticket_ids: list[int] = field(default_factory=list)
    urgency: float = 0.0
    area_id: int | None = None  # the town most members are in
    example_ids: list[int] = field(default_factory=list)  # the examples' ticket ids, same order


@dataclass
class EarlyAlert:
    """An alert raised by the worker: a cluster growing beyond what its baseline explains."""

    label: str
    raised_at: datetime
    keywords: list[str]
    places: list[str]
    size: int
    observed: int
    expected: float
    explanation: str
    pk: int = 0
    p_value: float = 1.0


def config_at(day: date) -> HotspotConfig:
    """The parameters in force on `day` (an unsaved default when none is)."""
    return HotspotConfig.objects.effective_at(day).order_by(
        "-effective_from", "-pk"
    ).first() or HotspotConfig(version="默认", effective_from=day)


def params_of(config: HotspotConfig) -> Params:
    return Params(
        window_days=config.window_days,
        threshold=config.threshold,
        place_threshold=config.place_threshold,
        recent_days=config.recent_days,
    )


def visible_tickets(user):
    """Every ticket for the system and the supervisor, leader, dispatcher and administrator; else their units'."""
    if user is SYSTEM or sees_everything(user) or has_role(user, *ALL_TICKETS_ROLES):
        return Ticket.objects.all()
    return tickets_for(user)


def caller_hash(phone: str) -> str:
    """Distinct callers are counted on a hash: the phone itself never leaves the ticket."""
    digits = re.sub(r"\D", "", phone or "")
    return hashlib.sha256(f"civicgrid-hotspot:{digits}".encode()).hexdigest()[:16] if digits else ""


def ticket_records(tickets) -> tuple[list[Record], dict[int, dict]]:
    """Engine records of the tickets (text = address + title + content), and per id what the explanation shows."""
    rows = tickets.values(
        "pk",
        "number",
        "title",
        "content",
        "address",
        "received_at",
        "requester_phone",
        "requester_name",
        "urgency",
        "town_id",
        "community__name",
        "grid__name",
    ).order_by("received_at", "pk")
    records, info = [], {}
    for row in rows.iterator(chunk_size=2000):
        local = timezone.localtime(row["received_at"]).replace(tzinfo=None)
        records.append(
            Record(
                ref=row["pk"],
                text=f"{row['address']}。{row['title']}。{row['content'][:500]}",
                time=local,
                area=f"t{row['town_id']}" if row["town_id"] else "",
                caller=caller_hash(row["requester_phone"]),
                urgency=URGENCY_WEIGHT.get(row["urgency"], 0.0),
                title=row["title"],
                fallback_place=row["grid__name"] or row["community__name"] or "",
            )
        )
        info[row["pk"]] = {
            "number": row["number"],
            "title": row["title"],
            "name": row["requester_name"],
            "town": row["town_id"],
        }
    fill_words(records)
    return records, info


def _clean(words: list[str], private: set[str]) -> list[str]:
    return [w for w in words if w not in private and not _LONG_DIGITS.search(w)]


def _scrub(text: str, private: set[str]) -> str:
    for word in private:
        if len(word) >= 2:
            text = text.replace(word, "*" * len(word))
    return _LONG_DIGITS.sub("****", text)


def clusters_of(tickets, *, today: date, config: HotspotConfig | None = None) -> list[HotIssue]:
    """Every hotspot among `tickets`, hottest first, explained without personal data."""
    config = config or config_at(today)
    records, info = ticket_records(tickets)
    out = []
    for c in cluster(records, params_of(config), today=today):
        ids = [records[i].ref for i in c.members]
        private = {info[pk]["name"] for pk in ids if info[pk]["name"]}
        keywords, places = _clean(c.keywords, private), _clean(c.places, private)
        head = c.main_place if c.main_place not in private else (keywords[0] if keywords else "")
        label = head + ("：" + "、".join(keywords[:3]) if keywords else "")
        recent = ids[::-1][:5]
        towns = Counter(info[pk]["town"] for pk in ids if info[pk]["town"])
        out.append(
            HotIssue(
                label=label,
                keywords=keywords,
                places=places,
                first=timezone.make_aware(c.first),
                last=timezone.make_aware(c.last),
                size=c.size,
                callers=c.callers,
                heat=c.heat,
                daily=c.daily,
                examples=[(info[pk]["number"], _scrub(info[pk]["title"], private)) for pk in recent],
                growth=c.growth,
                key=f"{info[ids[0]]['number']}:{c.main_place}"[:64],
                ticket_ids=ids,
                urgency=c.urgency,
                area_id=towns.most_common(1)[0][0] if towns else None,
                example_ids=recent,
            )
        )
    return out


def period_tickets(*, user, date_from: date, date_to: date, area=None):
    start, end = period_bounds(date_from, date_to)
    tickets = visible_tickets(user).filter(received_at__gte=start, received_at__lt=end)
    return tickets.filter(area_filter(area)) if area is not None else tickets


def hot_issues(*, user, date_from: date, date_to: date, area=None, top: int = 10) -> list[HotIssue]:
    """The period's top hotspots among the tickets `user` may see, hottest first (area: an AdminArea or None)."""
    tickets = period_tickets(user=user, date_from=date_from, date_to=date_to, area=area)
    return clusters_of(tickets, today=date_to)[:top]


def hot_issue(*, user, date_from: date, date_to: date, key: str, area=None) -> HotIssue | None:
    """One hotspot of the period by its key (the detail page)."""
    tickets = period_tickets(user=user, date_from=date_from, date_to=date_to, area=area)
    return next((h for h in clusters_of(tickets, today=date_to) if h.key == key), None)


def alerts_for(user, *, date_from: date | None = None, date_to: date | None = None, area=None):
    """Alert rows the user may see: any of their tickets is in the alert."""
    alerts = Alert.objects.all()
    if not (user is SYSTEM or sees_everything(user) or has_role(user, *ALL_TICKETS_ROLES)):
        alerts = alerts.filter(tickets__in=tickets_for(user)).distinct()
    if date_from is not None:
        alerts = alerts.filter(day__gte=date_from)
    if date_to is not None:
        alerts = alerts.filter(day__lte=date_to)
    if area is not None:
        alerts = alerts.filter(area_id__in=area_subtree_ids([area]))
    return alerts.order_by("-raised_at", "-pk")


def early_alerts(*, user, date_from: date, date_to: date, area=None) -> list[EarlyAlert]:
    """Early alerts raised in the period for tickets `user` may see, newest first."""
    return [
        EarlyAlert(
            label=a.label,
            raised_at=a.raised_at,
            keywords=a.keywords,
            places=a.places,
            size=a.size,
            observed=a.observed,
            expected=a.expected,
            explanation=a.explanation,
            pk=a.pk,
            p_value=a.p_value,
        )
        for a in alerts_for(user, date_from=date_from, date_to=date_to, area=area)
    ]
