"""Reads of the knowledge base: full-text search, suggestions while an operator types, who may maintain."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from civicgrid.core.chinese import compact
from civicgrid.knowledge import fts
from civicgrid.knowledge.models import Entry
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import has_role, units_acted_for
from civicgrid.routing.models import Category

SNIPPET_CHARS = 90
# Suggestions rank this many text matches, then lift those in the ticket's category (and below).
SUGGEST_CANDIDATES = 40
SUGGEST_MAX_TERMS = 12
SEARCH_MAX_TERMS = 24
CATEGORY_BOOST = 1.5
MIN_MEANINGFUL_CHARS = 2


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float
    question_html: SafeString
    snippet: SafeString
    in_category: bool = False


def _day(at) -> date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, datetime):
        return timezone.localtime(at).date() if timezone.is_aware(at) else at.date()
    return at


def category_subtree_ids(category: Category) -> tuple[int, ...]:
    """The category and everything below it (codes extend their parent's code within a version)."""
    return tuple(
        Category.objects.filter(version=category.version, code__startswith=category.code).values_list(
            "pk", flat=True
        )
    )


def can_maintain(user, unit) -> bool:
    """Administrators maintain every entry; a unit's handlers maintain the entries their unit owns."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if has_role(user, Role.ADMINISTRATOR):
        return True
    return unit is not None and has_role(user, Role.UNIT_HANDLER) and unit.pk in units_acted_for(user)


def may_add_entries(user) -> bool:
    return has_role(user, Role.ADMINISTRATOR) or (
        has_role(user, Role.UNIT_HANDLER) and bool(units_acted_for(user))
    )


def entries(*, category=None, unit=None, at=None, include_retired=False):
    """Entries for a list without a query: current and valid on `at`, or with retired and expired ones."""
    rows = Entry.objects.select_related("category", "unit")
    if include_retired:
        rows = rows.exclude(status=Entry.Status.SUPERSEDED)
    else:
        rows = rows.valid_on(_day(at))
    if category is not None:
        rows = rows.filter(category_id__in=category_subtree_ids(category))
    if unit is not None:
        rows = rows.filter(unit=unit)
    return rows.order_by("-updated_at", "-id")


def search(query: str, *, category=None, unit=None, at=None, limit=10, include_retired=False) -> list[Hit]:
    """Entries matching `query`, best first; `category` (with its sub-categories) and `unit` filter.

    By default only current entries valid on `at` (today); `include_retired` adds retired and expired
    ones (never superseded versions, which are reached through their entry's history).
    """
    parsed = fts.build_query(query, max_terms=SEARCH_MAX_TERMS)
    filters = fts.Filters(
        day=None if include_retired else _day(at),
        statuses=("active", "retired") if include_retired else ("active",),
        category_ids=category_subtree_ids(category) if category is not None else None,
        unit_id=unit.pk if unit is not None else None,
    )
    ranked = fts.ranked_ids(parsed, filters, limit=limit)
    return _hits(ranked, parsed)


def suggest_for_intake(text: str, *, category=None, at=None, limit=3) -> list[Hit]:
    """Entries that may answer what the operator is typing (title + content), for 即时办结.

    Only current entries valid on `at`. A `category` lifts entries filed under it or below it; it does not
    exclude the others, since the operator may not have chosen the right one yet.
    """
    if len(compact(text)) < MIN_MEANINGFUL_CHARS:
        return []
    parsed = fts.build_query(text, max_terms=SUGGEST_MAX_TERMS)
    ranked = fts.ranked_ids(parsed, fts.Filters(day=_day(at)), limit=max(SUGGEST_CANDIDATES, limit))
    if not ranked:
        return []
    boosted: set[int] = set()
    if category is not None:
        subtree = category_subtree_ids(category)
        in_category = set(
            Entry.objects.filter(pk__in=[pk for pk, _ in ranked], category_id__in=subtree).values_list(
                "pk", flat=True
            )
        )
        ranked = sorted(
            ((pk, score * CATEGORY_BOOST if pk in in_category else score) for pk, score in ranked),
            key=lambda row: (-row[1], -row[0]),
        )
        boosted = in_category
    return _hits(ranked[:limit], parsed, boosted)


def _hits(ranked, parsed: fts.Query, boosted=frozenset()) -> list[Hit]:
    by_id = Entry.objects.select_related("category", "unit").in_bulk([pk for pk, _ in ranked])
    pattern = _highlight_pattern(parsed.words)
    return [
        Hit(
            entry=by_id[pk],
            score=score,
            question_html=highlight(by_id[pk].question, pattern),
            snippet=snippet(by_id[pk].answer, pattern),
            in_category=pk in boosted,
        )
        for pk, score in ranked
        if pk in by_id
    ]


def _highlight_pattern(words) -> re.Pattern | None:
    """Query words, and the bigrams of the longer ones, longest first so that 公积金 wins over 公积."""
    parts = set(words)
    for word in words:
        if len(word) > 2 and not word.isascii():
            parts.update(word[i : i + 2] for i in range(len(word) - 1))
    if not parts:
        return None
    alternation = "|".join(re.escape(p) for p in sorted(parts, key=lambda p: (-len(p), p)))
    return re.compile(alternation, re.IGNORECASE)


def highlight(text: str, pattern: re.Pattern | None) -> SafeString:
    """`text` HTML-escaped, with the query's words in <mark>."""
    if pattern is None:
        return mark_safe(escape(text))
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))


def snippet(text: str, pattern: re.Pattern | None, *, width: int = SNIPPET_CHARS) -> SafeString:
    """The stretch of `text` (whitespace collapsed) of about `width` characters with the most matches."""
    flat = " ".join(text.split())
    starts = [m.start() for m in pattern.finditer(flat)] if pattern is not None else []
    begin = 0
    if starts and len(flat) > width:
        best = max(starts, key=lambda s: sum(1 for t in starts if s <= t < s + width - 10))
        begin = max(0, min(best - 10, len(flat) - width))
    piece = flat[begin : begin + width]
    html = highlight(piece, pattern)
    prefix = "…" if begin > 0 else ""
    suffix = "…" if begin + width < len(flat) else ""
    return mark_safe(f"{prefix}{html}{suffix}")
