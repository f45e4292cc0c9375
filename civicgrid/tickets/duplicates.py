"""Possible duplicates of a request being registered (重复件识别): open, recent, nearby, textually similar.

Chinese has no spaces, so texts are compared as sets of character bigrams with rapidfuzz's
token_set_ratio: a short title whose bigrams all occur in the new text scores 100, unrelated texts
sharing only boilerplate ("请相关部门处理") score low.
"""

import re
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from rapidfuzz import fuzz

from civicgrid.registry import locate
from civicgrid.registry.models import Grid
from civicgrid.routing.models import Category
from civicgrid.tickets.models import OPEN_STATUSES, Ticket
from civicgrid.tickets.selectors import tickets_for
from civicgrid.tickets.services.intake import ADDRESS_TRUST_SCORE

WINDOW_DAYS = 30
MIN_SCORE = 60
# Fewer characters than this say too little to compare ("漏水" matches half the city).
MIN_TEXT_CHARS = 4
# The title says what the matter is; the content adds detail but also boilerplate.
TITLE_WEIGHT = 0.6
# Same place, different category is usually a different matter at the same landmark.
OTHER_CATEGORY_FACTOR = 0.75
# Enough rows to cover a community's open tickets for a month; bounds the work per keystroke.
MAX_ROWS = 2000

_NOISE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")


def _bigrams(text: str) -> str:
    text = _NOISE.sub("", (text or "").lower())
    if len(text) < 2:
        return text
    return " ".join(text[i : i + 2] for i in range(len(text) - 1))


def similarity(text: str, ticket: Ticket) -> float:
    """0-100: how much `text` reads like this ticket's title and content."""
    query = _bigrams(text)
    title = fuzz.token_set_ratio(query, _bigrams(ticket.title))
    whole = fuzz.token_set_ratio(query, _bigrams(f"{ticket.title}{ticket.content}"))
    return TITLE_WEIGHT * title + (1 - TITLE_WEIGHT) * whole


def probable_grid(*, lat=None, lon=None, address: str = "") -> Grid | None:
    """The grid a new request will most likely be placed in: by the point, else by a trusted, unambiguous address."""
    if lat is not None and lon is not None:
        try:
            return locate.locate_point(lat, lon).grid
        except ValueError:
            return None
    if address.strip():
        matches = locate.locate_address(address, limit=3)
        best = matches[0] if matches else None
        if best is None or best.score < ADDRESS_TRUST_SCORE:
            return None
        # A road through several grids says nothing about which one: search everywhere instead.
        if any(m.score == best.score and m.grid != best.grid for m in matches[1:]):
            return None
        return best.grid
    return None


def _days_ago(at: datetime, now: datetime) -> str:
    days = (timezone.localdate(now) - timezone.localdate(at)).days
    return "今天受理" if days <= 0 else f"{days} 天前受理"


def duplicate_candidates(
    *,
    text: str,
    grid: Grid | None = None,
    category: Category | None = None,
    now: datetime | None = None,
    limit: int = 5,
    user=None,
    exclude: Ticket | None = None,
) -> list[tuple[Ticket, float, str]]:
    """Open tickets of the last 30 days in the same grid or community that read like `text`, best first.

    Each is returned with its score (0-100) and a reason in Chinese. Without a grid, every place counts.
    With `user`, only tickets that user may see.
    """
    if len(_NOISE.sub("", (text or "").lower())) < MIN_TEXT_CHARS:
        return []
    now = now or timezone.now()
    rows = (tickets_for(user) if user is not None else Ticket.objects.all()).filter(
        status__in=OPEN_STATUSES, received_at__gte=now - timedelta(days=WINDOW_DAYS), received_at__lte=now
    )
    if grid is not None:
        rows = rows.filter(Q(grid=grid) | Q(community_id=grid.community_id))
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    rows = rows.select_related("grid", "category").order_by("-received_at")[:MAX_ROWS]

    found = []
    for ticket in rows:
        score = similarity(text, ticket)
        same_category = category is not None and ticket.category_id == category.pk
        if category is not None and ticket.category_id is not None and not same_category:
            score *= OTHER_CATEGORY_FACTOR
        if score < MIN_SCORE:
            continue
        reasons = [f"文字相似度 {score:.0f}"]
        if grid is None:
            reasons.append("事发位置未定")
        elif ticket.grid_id == grid.pk:
            reasons.append("同一网格")
        else:
            reasons.append(f"同社区相邻网格({ticket.grid.name if ticket.grid else '未定位'})")
        if same_category:
            reasons.append("同一业务分类")
        reasons.append(_days_ago(ticket.received_at, now))
        reasons.append(ticket.get_status_display())
        found.append((ticket, round(score, 1), ",".join(reasons)))
    found.sort(key=lambda row: (-row[1], -row[0].received_at.timestamp()))
    return found[:limit]
