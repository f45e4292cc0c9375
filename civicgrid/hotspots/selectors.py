"""Reads of hotspots (热点问题) and early alerts (预警) for pages and briefings, scoped to the user.

Interface agreed between the hotspot and briefing work; the hotspot work fills in the bodies.
"""

from dataclasses import dataclass, field
from datetime import date, datetime


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


def hot_issues(*, user, date_from: date, date_to: date, area=None, top: int = 10) -> list[HotIssue]:
    """The period's top hotspots among the tickets `user` may see, hottest first (area: an AdminArea or None)."""
    return []


def early_alerts(*, user, date_from: date, date_to: date, area=None) -> list[EarlyAlert]:
    """Early alerts raised in the period for tickets `user` may see, newest first."""
    return []
