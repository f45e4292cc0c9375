"""Possible duplicates of a request being registered (重复件识别, candidates for 并单).

A candidate is an open ticket received within the window, in the same grid as the new request or in an
adjacent one (`registry.locate.adjacent_grid_ids`: touching or within a few metres, whichever community
it belongs to), that reads like the new request. Each comes with a score (0-100) and a reason in Chinese
naming the text score, the shared words, the place, the category and the age.

Text score (`text_scores`): each text is reduced to two sets of tokens, its key words (jieba words
without one-character words, numbers and hotline boilerplate such as 您好/请相关部门处理/反映) and the
ideograph bigrams of what is left once the boilerplate words are cut out; only the title and the first
CONTENT_CHARS characters of the content are read. Bigrams still match where jieba cuts the same phrase
differently (路面积水 → 路面/积水 or 路/面积/水). For each set, the score is the share of the
smaller side found in the other (overlap coefficient): against the candidate's title, and against its
title and content. The title says what the matter is, so it gets TITLE_WEIGHT of the score although it
is much shorter; a title typed alone already finds a ticket with the same title. On the TeddyCup 2020
messages, down-weighting words by how many tickets of the pool use them (IDF) did no better than the
boilerplate list, so there is none: a score does not depend on which other tickets are open.

The problem's words weigh above the address's: a request's own address (the 事发地址 field) names the
place, not the matter, and "新民椰城花园小区" shared by two tickets about a blocked drain and a noisy
neighbour made them 72-point "duplicates". So the tokens of each side's address are taken out of its text
before the text score (the problem score); where both sides give an address, the score is
(1 - ADDRESS_WEIGHT) × problem score + ADDRESS_WEIGHT × how much the addresses share. The place is
weighed again by the grid filter. Without addresses (the bench's messages) nothing changes.

The text score is multiplied by a recency factor (1 for a ticket received now, 1 - RECENCY_DECAY at the
far end of the window) and a category factor (SAME_CATEGORY_FACTOR, capped at 100, or
OTHER_CATEGORY_FACTOR: the same landmark often hosts different matters).

Settings, defaulting to the constants below (bench/bench_duplicates.py measures them on real messages):
    CIVICGRID_DUPLICATE_WINDOW_DAYS            30    how many days back candidates were received
    CIVICGRID_DUPLICATE_MIN_SCORE              60    lowest final score shown
    CIVICGRID_DUPLICATE_TITLE_WEIGHT           0.5   share of the text score from the candidate's title
    CIVICGRID_DUPLICATE_WORD_WEIGHT            0.5   share from jieba words (the rest from bigrams)
    CIVICGRID_DUPLICATE_ADDRESS_WEIGHT         0.2   share from the addresses, when both sides give one
    CIVICGRID_DUPLICATE_RECENCY_DECAY          0.2   share of the score lost at the far end of the window
    CIVICGRID_DUPLICATE_SAME_CATEGORY_FACTOR   1.1
    CIVICGRID_DUPLICATE_OTHER_CATEGORY_FACTOR  0.75
    CIVICGRID_DUPLICATE_MAX_ROWS               2000  most recent candidates compared per call
    CIVICGRID_ADJACENT_GRID_METRES             30    (registry.locate) a gap still counted as adjacent

Candidates' tokens are cached per process by text, as hashed ids in numpy arrays (a few kB a ticket):
jieba reads ~300k characters a second, so only the first call over a busy community pays for it
(about 1.5 s for 2,000 tickets; later calls take ~30 ms, see the bench).
"""

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models.functions import Left
from django.utils import timezone

from civicgrid.core import chinese
from civicgrid.registry import locate
from civicgrid.registry.models import Grid
from civicgrid.routing.models import Category
from civicgrid.tickets.models import OPEN_STATUSES, Ticket
from civicgrid.tickets.selectors import tickets_for

WINDOW_DAYS = 30
MIN_SCORE = 60
TITLE_WEIGHT = 0.5
WORD_WEIGHT = 0.5
ADDRESS_WEIGHT = 0.2
RECENCY_DECAY = 0.2
SAME_CATEGORY_FACTOR = 1.1
# Same place, different category is usually a different matter at the same landmark.
OTHER_CATEGORY_FACTOR = 0.75
# Enough rows to cover a community's open tickets for a month; bounds the work per keystroke.
MAX_ROWS = 2000

# Fewer characters than this say too little to compare ("漏水" matches half the city).
MIN_TEXT_CHARS = 4
# The opening of a request says what it is about; long petitions go on with history and argument.
CONTENT_CHARS = 300
QUERY_CHARS = 100 + CONTENT_CHARS  # a title is at most 100 characters
SHARED_WORDS_SHOWN = 4
_PROFILE_CACHE_SIZE = 4096

# What every request says whatever its matter: greetings, addressees, verbs of asking, fillers.
BOILERPLATE = (
    "您好 你好 尊敬的领导 领导 书记 市长 局长 主任 请相关部门处理 相关部门 有关部门 职能部门 政府 部门 "
    "反映 反应 投诉 举报 咨询 建议 请问 请求 恳请 希望 尽快 及时 解决 处理 落实 问题 情况 事情 "
    "谢谢 感谢 麻烦 辛苦 现在 目前 一直 多次 已经 仍然 我们 本人 他们 你们 大家 市民 群众 "
    "是否 能否 可以 能够 什么 怎么 如何 为什么 一下 这个 那个 这样 因为 所以 但是 而且 如果 就是 还是 "
    "不是 没有 要求 进行 存在 有关 相关 给予 予以 关于 严重 影响 造成 导致 我要 我家 家里 求助 诉求 来电"
).split()

_HAS_LETTER = re.compile(r"[a-z\u3400-\u4dbf\u4e00-\u9fff]")
# Tokens are compared as 22-bit hashes: a stray collision moves a score by well under a point.
_HASH_MASK = (1 << 22) - 1


def _setting(name: str, default):
    return getattr(settings, f"CIVICGRID_DUPLICATE_{name}", default)


@lru_cache(maxsize=1)
def _boilerplate() -> frozenset[str]:
    words = set(BOILERPLATE)
    for phrase in BOILERPLATE:
        words.update(chinese.words(phrase))
    return frozenset(words)


def _tokens(text: str) -> tuple[list[str], list[str]]:
    """Key words (each once, in order), and the ideograph bigrams of the text with its boilerplate cut out."""
    stop_words = _boilerplate()
    words, kept = [], []
    for token in chinese.tokenizer().lcut(chinese.normalise(text), HMM=True):
        if token in stop_words:
            kept.append(" ")
            continue
        kept.append(token)
        if len(token) >= 2 and _HAS_LETTER.search(token):
            words.append(token)
    return list(dict.fromkeys(words)), chinese.han_bigrams("".join(kept))


def key_words(text: str) -> list[str]:
    """The words that say what a text is about: no boilerplate, numbers or one-character words."""
    return _tokens(text)[0]


@dataclass(frozen=True, slots=True)
class Profile:
    """A text's key words and ideograph bigrams, as sorted unique hashed ids."""

    words: np.ndarray
    bigrams: np.ndarray


def _ids(tokens: Iterable[str]) -> np.ndarray:
    return np.unique(np.fromiter((zlib.crc32(t.encode()) & _HASH_MASK for t in tokens), dtype=np.int32))


def profile(text: str) -> Profile:
    words, bigrams = _tokens(text)
    return Profile(_ids(words), _ids(bigrams))


EMPTY = Profile(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))


def without(text: Profile, address: Profile) -> Profile:
    """The text's tokens that are not the address's: what the matter is, not where."""
    if not (len(address.words) or len(address.bigrams)):
        return text
    return Profile(
        np.setdiff1d(text.words, address.words, assume_unique=True),
        np.setdiff1d(text.bigrams, address.bigrams, assume_unique=True),
    )


@lru_cache(maxsize=_PROFILE_CACHE_SIZE)
def address_profile(address: str) -> Profile:
    return profile(address) if address and address.strip() else EMPTY


@lru_cache(maxsize=_PROFILE_CACHE_SIZE)
def ticket_profiles(title: str, content: str, address: str = "") -> tuple[Profile, Profile]:
    """Profiles of a ticket's title and of its title and content (pass content already cut to CONTENT_CHARS),
    without the tokens of its address."""
    head, body = profile(title), profile(content)
    whole = Profile(np.union1d(head.words, body.words), np.union1d(head.bigrams, body.bigrams))
    place = address_profile(address)
    return without(head, place), without(whole, place)


def _overlap(query: np.ndarray, docs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per doc, the share of the smaller of query and doc found in the other, and whether both had tokens."""
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    smaller = np.minimum(lengths, len(query))
    defined = smaller > 0
    if not defined.any():
        return np.zeros(len(docs)), defined
    hits = np.isin(np.concatenate(docs), query, kind="table")
    running = np.concatenate(([0], np.cumsum(hits)))
    ends = np.cumsum(lengths)
    shared = running[ends] - running[ends - lengths]
    return np.divide(shared, smaller, out=np.zeros(len(docs)), where=defined), defined


def _blend(query: Profile, docs: list[Profile], word_weight: float) -> tuple[np.ndarray, np.ndarray]:
    words, has_words = _overlap(query.words, [d.words for d in docs])
    bigrams, has_bigrams = _overlap(query.bigrams, [d.bigrams for d in docs])
    # A side without key words (all boilerplate, or one-character words) is judged on bigrams alone.
    both = word_weight * words + (1 - word_weight) * bigrams
    score = np.where(has_words & has_bigrams, both, np.where(has_words, words, bigrams))
    return score, has_words | has_bigrams


def text_scores(query: Profile, candidates: Sequence[tuple[Profile, Profile]]) -> np.ndarray:
    """0-100 for each candidate (title profile, title-and-content profile): how much it reads like the query."""
    if not candidates:
        return np.zeros(0)
    title_weight = _setting("TITLE_WEIGHT", TITLE_WEIGHT)
    word_weight = _setting("WORD_WEIGHT", WORD_WEIGHT)
    title, has_title = _blend(query, [c[0] for c in candidates], word_weight)
    whole, _ = _blend(query, [c[1] for c in candidates], word_weight)
    # A title of boilerplate only ("咨询问题") says nothing: the whole text decides.
    title = np.where(has_title, title, whole)
    return 100.0 * (title_weight * title + (1 - title_weight) * whole)


def similarity(text: str, title: str, content: str = "") -> float:
    """0-100: how much `text` reads like a ticket with this title and content."""
    query = profile(text[:QUERY_CHARS])
    return float(text_scores(query, [ticket_profiles(title, content[:CONTENT_CHARS])])[0])


def shared_words(
    text: str, title: str, content: str, limit: int = SHARED_WORDS_SHOWN, place: str = ""
) -> list[str]:
    """Key words both texts use, those of the ticket's title first, then the longer; words of `place` (the
    addresses) are left out, since they name where and not what.

    Topped up with dictionary words both contain as bigrams: jieba may read 路面积水 as 路/面积/水.
    """
    where = set(key_words(place)) | set(chinese.han_bigrams(place)) if place else set()
    theirs = set(key_words(f"{title} {content}")) - where
    in_title = set(key_words(title))
    found = [w for w in key_words(text) if w in theirs]
    found.sort(key=lambda w: (w not in in_title, -len(w)))
    if len(found) < limit:
        stop_words = _boilerplate()
        frequency = chinese.tokenizer().FREQ
        their_bigrams = set(chinese.han_bigrams(f"{title} {content}"))
        for bigram in dict.fromkeys(chinese.han_bigrams(text)):
            if (
                bigram in their_bigrams
                and bigram not in where
                and frequency.get(bigram)
                and bigram not in stop_words
                and not any(bigram in w for w in found)
            ):
                found.append(bigram)
    return found[:limit]


def probable_grid(*, lat=None, lon=None, address: str = "") -> Grid | None:
    """The grid a new request will most likely be placed in: by the point, else by a trusted, unambiguous address."""
    if lat is not None and lon is not None:
        try:
            return locate.locate_point(lat, lon).grid
        except ValueError:
            return None
    if address.strip():
        # A road through several grids says nothing about which one: search everywhere instead.
        return locate.place_address(address).grid
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
    address: str = "",
) -> list[tuple[Ticket, float, str]]:
    """Open tickets received within the window in the same or an adjacent grid that read like `text`, best first.

    Each is returned with its score (0-100) and a reason in Chinese. Without a grid, every place counts.
    With `user`, only tickets that user may see. `address` is the new request's 事发地址: its words count
    as the place, not as the problem.
    """
    text = (text or "")[:QUERY_CHARS]
    if len(chinese.compact(text)) < MIN_TEXT_CHARS:
        return []
    place = address_profile((address or "")[:200])
    query = without(profile(text), place)
    if not (len(query.words) or len(query.bigrams)):
        return []
    now = now or timezone.now()
    window = timedelta(days=_setting("WINDOW_DAYS", WINDOW_DAYS))
    rows = (tickets_for(user) if user is not None else Ticket.objects.all()).filter(
        status__in=OPEN_STATUSES, received_at__gte=now - window, received_at__lte=now, is_historical=False
    )
    if grid is not None:
        rows = rows.filter(grid_id__in={grid.pk, *locate.adjacent_grid_ids(grid.pk)})
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    rows = list(
        rows.annotate(head=Left("content", CONTENT_CHARS))
        .order_by("-received_at")
        .values_list("pk", "title", "head", "received_at", "category_id", "address")[
            : _setting("MAX_ROWS", MAX_ROWS)
        ]
    )
    if not rows:
        return []

    text_score = text_scores(query, [ticket_profiles(row[1], row[2] or "", row[5]) for row in rows])
    if len(place.words) or len(place.bigrams):
        weight = _setting("ADDRESS_WEIGHT", ADDRESS_WEIGHT)
        places = [address_profile(row[5]) for row in rows]
        shared, both = _blend(place, places, _setting("WORD_WEIGHT", WORD_WEIGHT))
        text_score = np.where(both, (1 - weight) * text_score + weight * 100.0 * shared, text_score)
    age = np.array([(now - row[3]) / window for row in rows])
    factor = 1.0 - _setting("RECENCY_DECAY", RECENCY_DECAY) * np.clip(age, 0.0, 1.0)
    if category is not None:
        category_ids = [row[4] for row in rows]
        same = np.array([c == category.pk for c in category_ids])
        other = np.array([c is not None and c != category.pk for c in category_ids])
        factor *= np.where(same, _setting("SAME_CATEGORY_FACTOR", SAME_CATEGORY_FACTOR), 1.0)
        factor *= np.where(other, _setting("OTHER_CATEGORY_FACTOR", OTHER_CATEGORY_FACTOR), 1.0)
    score = np.round(np.minimum(100.0, text_score * factor), 1)

    kept = np.flatnonzero(score >= _setting("MIN_SCORE", MIN_SCORE))
    kept = sorted(kept, key=lambda i: (-score[i], -rows[i][3].timestamp()))[:limit]
    tickets = Ticket.objects.select_related("grid", "category").in_bulk([rows[i][0] for i in kept])
    found = []
    for i in kept:
        ticket = tickets.get(rows[i][0])
        if ticket is None:  # deleted since
            continue
        reasons = [f"文字相似度 {text_score[i]:.0f}"]
        if shared := shared_words(text, rows[i][1], rows[i][2] or "", place=f"{address} {rows[i][5]}"):
            reasons.append("共同词：" + "、".join(shared))
        if grid is None:
            reasons.append("事发位置未定")
        elif ticket.grid_id == grid.pk:
            reasons.append("同一网格")
        else:
            reasons.append(f"相邻网格（{ticket.grid.name}）")
        if category is not None and ticket.category_id == category.pk:
            reasons.append("同一业务分类")
        elif category is not None and ticket.category_id is not None:
            reasons.append("业务分类不同")
        reasons.append(_days_ago(ticket.received_at, now))
        reasons.append(ticket.get_status_display())
        found.append((ticket, float(score[i]), ",".join(reasons)))
    return found
