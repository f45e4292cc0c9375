"""The clustering engine: pure functions from records (text, time, place, grid, caller, urgency) to hotspots.

Steps, none of which compares all pairs:

1. Words: the project's jieba tokenizer (`civicgrid.core.chinese.words`), stop words and single characters dropped.
2. Named places: every word ending in a place suffix (小区, 花园, 路, 街, 河, 村, 学校, 市场 ...) is extended to the
   left over the name-like words before it (nouns and unknown words by jieba's dictionary tags, stopping at verbs,
   function words and administrative prefixes such as 「A3区」), then normalised to a key: generic tails
   (小区, 社区, 片区, 项目 ...) are cut so that 「魅力之城小区」 and 「魅力之城」 are one place. A second pass finds the
   keys seen elsewhere in texts that name them without a suffix. A record's main place is the one it names most
   (the earliest on a tie); a given place column wins.
3. Blocks: records with a place are compared only with records of the same main place key (and, when both have
   one, the same area key, e.g. the same town); records naming no place, with those of the same or an adjacent
   grid (`grid`, `neighbours`) or else the same community (`fallback_place`) when known; records without a place only with records sharing one of
   their three rarest words (document frequency >= 2). Big blocks are cut into time slices.
4. Links: two records of a block are linked when their times are at most `window_days` apart and the cosine of
   their tf-idf vectors reaches `threshold` (a lower threshold inside a named place: sharing the place is evidence
   already). Clusters are the connected components (union-find).

Heat index of a cluster (documented here and shown on the page):

    heat = 10 · √n · (1 + g / 3) · √(c / n) · (1 + u)

- n: members in the period;
- g = max(0, log2((r_recent + 0.1) / (r_base + 0.1))): growth of the last `recent_days` daily rate against the
  cluster's own rate before them (capped at 3, so growth at most doubles the heat: a big steady hotspot stays above
  a small new one, and the early alert, not the heat, is what catches the small one growing);
- c: distinct callers (n when callers are unknown), so one person calling twenty times is not twenty people;
- u: share of urgent members (紧急 counts 0.5, 特急 1).
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from civicgrid.core.chinese import normalise, tokenizer

SUFFIXES = (
    "小区",
    "花园",
    "家园",
    "公寓",
    "苑",
    "庭",
    "府",
    "城",
    "公馆",
    "大厦",
    "广场",
    "社区",
    "新村",
    "村",
    "镇",
    "乡",
    "街道",
    "路",
    "街",
    "巷",
    "大道",
    "桥",
    "河",
    "湖",
    "江",
    "港",
    "湾",
    "码头",
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "学院",
    "大学",
    "医院",
    "卫生院",
    "市场",
    "商场",
    "公园",
    "公司",
    "工厂",
    "厂",
    "酒店",
    "宾馆",
    "车站",
    "地铁站",
    "园区",
    "工业园",
    "景区",
    "农场",
)
_SUFFIX_RE = re.compile("(?:" + "|".join(sorted(SUFFIXES, key=len, reverse=True)) + ")$")
# Tails cut when making a key, so that 「魅力之城小区」 and 「魅力之城」 are one place.
GENERIC_TAILS = ("小区", "社区", "片区", "项目", "楼盘", "一期", "二期", "三期", "四期", "五期")
# Cores that make a word ending in a suffix a common noun, not a name (水泥路, 马路, 这个小区 ...).
GENERIC_CORES = {
    "水泥", "马", "道", "公", "小", "大", "铁", "线", "网", "电", "思", "出", "门", "该", "本", "此", "这个", "我们",
    "我", "附近", "周边", "周围", "所在", "整个", "各", "每个", "全", "城", "农", "乡", "进", "上", "下", "回",
    "走", "过", "一", "这", "那", "同", "其他", "其它", "各个", "所有", "老", "新", "旧", "私立", "民办", "公办",
    "我们村", "本村", "我村", "该村", "街", "路", "河", "马路", "道路", "公路", "城市", "县城", "商", "垃圾",
    "自己", "入", "学", "村", "拆迁", "安置", "物业", "开发商", "施工", "建筑", "运输", "租赁", "装修",
    "普惠性", "普惠", "公立", "培训", "教育", "幼儿", "民营", "国有", "有限", "责任", "集团", "我们小区", "市委市政",
    "委市政", "市政", "政", "派出", "居委", "村委", "管委", "交警", "城管", "商品", "商品房", "分", "子",
}  # fmt: skip
# jieba dictionary tags of words a place name may be made of; words jieba does not know count as names.
_NAME_TAGS = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "j", "eng", "s"}
_NAME_WORDS = {
    "之",
    "东",
    "西",
    "南",
    "北",
    "中",
    "新",
    "大",
    "小",
    "老",
    "金",
    "银",
    "国际",
    "一",
    "二",
    "三",
}
_STOP_IN_NAME = {
    "市", "区", "县", "省", "投诉", "反映", "举报", "问题", "居民", "业主", "住户", "小区", "社区", "附近",
    "旁边", "周边", "对面", "门口", "楼下", "位置", "地址", "情况", "部门", "政府", "领导", "单位",
}  # fmt: skip
_ADMIN_CODE = re.compile(r"^[a-z]\d*$")
# Offices are who is asked, not where the problem is.
_INSTITUTION = re.compile(r"(?:政府|市委|党委|委员会|派出所|公安局|分局|管理局|法院|检察院|办公室)$")
_ADMIN_HEAD = re.compile(r"^(?:[a-z]\d*)?[省市区县]")
STOP_WORDS = set(
    "的 了 是 在 和 与 及 或 也 都 就 还 又 而 但 并 对 把 被 从 向 到 给 为 以 于 由 等 啊 吗 呢 吧 呀 哦 "
    "我 我们 你 你们 他 他们 她 它 其 该 此 这 那 这个 那个 这些 那些 这样 一个 一些 有 没有 无 不 没 很 非常 "
    "请 请问 希望 要求 反映 投诉 举报 咨询 建议 关于 问题 情况 相关 部门 领导 政府 处理 解决 进行 现在 目前 "
    "已经 一直 多次 今年 去年 月 日 年 号 时 至今 什么 怎么 如何 为什么 是否 能否 可以 能 会 要 应该 谢谢 "
    "您好 你好 尊敬 市长 书记 网友 留言 回复 a市 严重 存在 造成 导致 给予 予以 希望 尽快 及时 市民 居民 "
    "业主 住户 我家 家里 自己 大家 没人 管 有关 所以 因为 如果 但是 而且 以及 并且 还有 已 于是 只 才 再 更 "
    "最 太 特别 真的 实在 十分 得到 知道 看到 发现 表示 认为 觉得 说 讲 问 答复 回应 其中 当时 每天 经常 "
    "还是 之前 之后 以后 以来 期间 时候 地方 方面 工作 人员 部分 可能 已于 对此 此事 事情 事 人 家 里 "
    "上 下 中 内 外 前 后 多 少 个 次 件 条 位 名 元 万 米 栋 楼 层 室 单元 号楼 "
    # How people complain, not what about: 「严重影响生活」「多次反映无果」「意见很大」「请核实」
    "影响 生活 正常 多日 持续 意见 很大 核实 无果 多次 长期 长时间 一直 反映 尽快 处理 希望 居民 群众".split()
)


@dataclass
class Record:
    """One request: what the engine needs of a ticket or a file row."""

    ref: object  # ticket id or row index: returned in the cluster's members
    text: str
    time: datetime
    place: str = ""  # a place given outside the text (a column, a ticket's address)
    area: str = ""  # grid / community key: records of two different areas are never linked
    caller: str = ""  # a hash of the caller, never the phone itself
    urgency: float = 0.0  # 0 normal, 0.5 urgent, 1 critical
    title: str = ""  # shown among the examples
    fallback_place: str = ""  # where the text names no place: the grid or community, shown as the place
    words: list[str] | None = None  # `tokens(text)` when already known (stored for tickets)
    grid: str = ""  # grid key: a record naming no place is compared with those of its grid and adjacent grids


@dataclass
class Cluster:
    members: list[int]  # positions in the records given
    label: str = ""
    keywords: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    main_place: str = ""
    place_share: float = 0.0  # share of members naming the main place
    first: datetime | None = None
    last: datetime | None = None
    callers: int = 0
    urgency: float = 0.0
    growth: float = 0.0
    heat: float = 0.0
    daily: list[tuple[date, int]] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Params:
    window_days: int = 14
    threshold: float = 0.30  # cosine between two records without a shared place
    place_threshold: float = 0.12  # cosine between two records naming the same place
    recent_days: int = 7
    max_block: int = 3000  # a bigger block is cut into time slices of `window_days`


# ----------------------------------------------------------------------------- words and places


_TAGS = None


def _tags() -> dict:
    global _TAGS
    if _TAGS is None:
        import jieba.posseg

        _TAGS = jieba.posseg.POSTokenizer(tokenizer()).word_tag_tab
    return _TAGS


def tokens(text: str) -> list[str]:
    """jieba words of a normalised text, punctuation kept out (HMM on, so unknown names stay whole)."""
    return [w for w in tokenizer().lcut(normalise(text), HMM=True) if w.strip()]


def _is_name_part(word: str) -> bool:
    if word in _NAME_WORDS:
        return True
    if word in _STOP_IN_NAME or word in STOP_WORDS or _ADMIN_CODE.match(word):
        return False
    if not re.fullmatch(r"[\u4e00-\u9fff]+", word):
        return False
    tag = _tags().get(word)
    return tag is None or tag in _NAME_TAGS


def place_key(name: str) -> str:
    """Normalised place: generic tails cut while a name of two or more characters remains."""
    key = normalise(name)
    key = _ADMIN_HEAD.sub("", key) if len(_ADMIN_HEAD.sub("", key)) >= 3 else key
    changed = True
    while changed:
        changed = False
        for tail in GENERIC_TAILS:
            if key.endswith(tail) and len(key) - len(tail) >= 2:
                key = key[: -len(tail)]
                changed = True
    return key


def places_in(words: list[str]) -> list[str]:
    """Named places in a text's words, in order of appearance (keys, see `place_key`)."""
    out = []
    for i, word in enumerate(words):
        suffix = _SUFFIX_RE.search(word)
        if not suffix:
            continue
        core_in_word = word[: suffix.start()]
        # A word that is only a suffix (小区) or a dictionary noun (步行街) is a tail: extend to the left.
        chain, length, j = [], 0, i - 1
        while j >= 0 and len(chain) < 4 and length < 8:
            prev = words[j]
            if _SUFFIX_RE.search(prev) and len(prev) > 1 and prev not in _NAME_WORDS:
                break  # the previous word is a place itself (春华镇|金鼎村)
            if not _is_name_part(prev):
                break
            chain.insert(0, prev)
            length += len(prev)
            j -= 1
        core = "".join(chain) + core_in_word
        if len(core) < 2 or core in GENERIC_CORES or core_in_word in GENERIC_CORES and not chain:
            continue
        name = core + word[len(core_in_word) :]
        if not chain and tokenizer().FREQ.get(word, 0) >= 50:
            continue  # a common noun such as 公路, 学校 or 市场 on its own
        key = place_key(name)
        if len(key) >= 3 and not _INSTITUTION.search(key):
            out.append(key)
    return out


class _PlaceFinder:
    """Finds known place keys in a text that names them without a suffix (by their first two characters)."""

    def __init__(self, keys):
        self.by_head = defaultdict(list)
        for key in sorted(keys, key=len, reverse=True):
            if len(key) >= 3:
                self.by_head[key[:2]].append(key)

    def find(self, text: str, limit: int = 400) -> list[str]:
        found = []
        text = text[:limit]
        for i in range(len(text) - 2):
            for key in self.by_head.get(text[i : i + 2], ()):
                if text.startswith(key, i):
                    found.append(key)
                    break
        return found


def canonical_places(counts: Counter) -> dict[str, str]:
    """Variant -> place: a key ending in another key named at least as often is that place
    (「区丽发新城」, 「商品房伊景园滨河」 -> 「丽发新城」, 「伊景园滨河」)."""
    out = {}
    for key in counts:
        best = key
        for start in range(1, len(key) - 2):
            tail = key[start:]
            if counts.get(tail, 0) >= counts[key]:
                best = tail
                break
        out[key] = best
    return out


def main_place(keys: list[str]) -> str:
    if not keys:
        return ""
    counts = Counter(keys)
    best = max(counts.values())
    return next(k for k in keys if counts[k] == best)


# ----------------------------------------------------------------------------- clustering


class _UnionFind:
    def __init__(self, n):
        self.parent = list(range(n))

    def find(self, a):
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a, b):
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _content_words(words: list[str]) -> list[str]:
    return [
        w
        for w in words
        if len(w) > 1 and w not in STOP_WORDS and not w.isdigit() and not _ADMIN_CODE.match(w)
    ]


def _link_block(idx, matrix, days, threshold, params, uf):
    """Union the pairs of `idx` (a block) within the time window and above the threshold."""
    idx = np.asarray(sorted(idx, key=lambda i: days[i]))
    if len(idx) < 2:
        return
    # Cut a big block into overlapping time slices so the similarity matrix stays small.
    step = max(params.max_block // 2, 1)
    for start in range(0, len(idx), step):
        part = idx[start : start + params.max_block]
        sub = matrix[part]
        sims = (sub @ sub.T).toarray()
        d = days[part]
        close = np.abs(d[:, None] - d[None, :]) <= params.window_days
        a, b = np.nonzero(np.triu((sims >= threshold) & close, k=1))
        if len(a):
            _join_components(part, a, b, uf)
        if start + params.max_block >= len(idx):
            break


def _join_components(part, a, b, uf) -> None:
    """Union the records linked by the edges (a[k], b[k]) of a slice. Similar requests link nearly every pair of
    a busy block, so each connected component is joined once instead of union-ing every pair."""
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(part), len(part)))
    _, labels = connected_components(graph, directed=False)
    first: dict[int, int] = {}
    for local in np.unique(np.concatenate([a, b])):
        label = int(labels[local])
        if label in first:
            uf.union(first[label], int(part[local]))
        else:
            first[label] = int(part[local])


def cluster(
    records: list[Record],
    params: Params = Params(),
    *,
    today: date | None = None,
    growth_on: bool = True,
    progress: Callable[[str], None] | None = None,
    neighbours: dict[str, set[str]] | None = None,
) -> list[Cluster]:
    """Cluster the records; returns every cluster of two or more members, hottest first. Without growth (a file
    read for evaluation has no "today"), the heat is the size weighed by callers and urgency."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(records)
    if n == 0:
        return []
    word_lists = []
    for done, r in enumerate(records, start=1):
        word_lists.append(r.words if r.words is not None else tokens(r.text))
        if progress is not None and (done % 500 == 0 or done == n):
            progress(f"分词 {done}/{n}")
    own_places = []
    for r, words in zip(records, word_lists, strict=True):
        given = place_key(r.place) if r.place else ""
        found = places_in(words)
        own_places.append(([given] if given else []) + found)
    canon = canonical_places(Counter(k for ps in own_places for k in set(ps)))
    own_places = [list(dict.fromkeys(canon.get(k, k) for k in ps)) for ps in own_places]
    finder = _PlaceFinder(set(canon.values()))
    all_places, mains = [], []
    for r, ps in zip(records, own_places, strict=True):
        more = [canon.get(k, k) for k in finder.find(normalise(r.text))]
        keys = ps + [k for k in dict.fromkeys(more) if k not in ps]
        all_places.append(keys)
        given = place_key(r.place) if r.place else ""
        mains.append(canon.get(given, given) or main_place(ps + more))
    named = [bool(m) for m in mains]
    mains = [m or r.fallback_place for m, r in zip(mains, records, strict=True)]
    # The place is already the block: similarity is about what the request says, so its place words are left out.
    docs = [
        [w for w in _content_words(words) if not any(w in p for p in places)]
        for words, places in zip(word_lists, all_places, strict=True)
    ]
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, min_df=1, norm="l2")
    matrix = vectorizer.fit_transform(docs).tocsr()
    idf = dict(zip(vectorizer.get_feature_names_out(), vectorizer.idf_, strict=True))
    df = Counter(w for d in docs for w in set(d))
    t0 = min(r.time for r in records)
    days = np.array([(r.time - t0).total_seconds() / 86400 for r in records])

    if progress is not None:
        progress(f"比对相似诉求（{len(records)} 条）")
    uf = _UnionFind(n)
    blocks = defaultdict(list)
    rare_blocks = defaultdict(list)
    neighbours = neighbours or {}
    for i, r in enumerate(records):
        if not named[i] and r.grid:
            # Its grid, and each pair of its grid with an adjacent one (so only grids that touch are compared).
            blocks[(("grid", r.grid), r.area, False)].append(i)
            for other in neighbours.get(r.grid, ()):
                blocks[(("grids", *sorted((r.grid, other))), r.area, False)].append(i)
        elif mains[i]:
            blocks[(mains[i], r.area, named[i])].append(i)
        else:
            rare = sorted((w for w in set(docs[i]) if df[w] >= 2), key=lambda w: -idf[w])[:3]
            for w in rare:
                rare_blocks[(w, r.area)].append(i)
    for (_place, _area, is_named), idx in blocks.items():
        # Naming the same place is evidence already; sharing a grid or community is not.
        _link_block(idx, matrix, days, params.place_threshold if is_named else params.threshold, params, uf)
    for idx in rare_blocks.values():
        _link_block(idx, matrix, days, params.threshold, params, uf)

    groups = defaultdict(list)
    for i in range(n):
        groups[uf.find(i)].append(i)
    today = today or max(r.time for r in records).date()
    out = [
        _explain(members, records, docs, all_places, mains, idf, params, today if growth_on else None)
        for members in groups.values()
        if len(members) >= 2
    ]
    out.sort(key=lambda c: (-c.heat, -c.size, c.members[0]))
    return out


def _explain(members, records, docs, all_places, mains, idf, params, today) -> Cluster:
    members = sorted(members, key=lambda i: (records[i].time, i))
    c = Cluster(members=members)
    place_counts = Counter(p for i in members for p in set(all_places[i]) | {mains[i]} if p)
    main_counts = Counter(mains[i] for i in members if mains[i])
    c.main_place = main_counts.most_common(1)[0][0] if main_counts else ""
    c.places = [p for p, _ in place_counts.most_common(5)]
    c.place_share = (place_counts[c.main_place] / len(members)) if c.main_place else 0.0
    place_set = set(c.places)
    term_counts = Counter(w for i in members for w in set(docs[i]) if w not in place_set)
    # Words most members use, the rarer in the whole set the better.
    scored = sorted(term_counts.items(), key=lambda kv: (-(kv[1] ** 2) * idf.get(kv[0], 1.0), kv[0]))
    named = place_set | {p for p, k in place_counts.items() if k >= 2}
    c.keywords = [w for w, k in scored if not place_fragment(w, named)][:6]
    c.first, c.last = records[members[0]].time, records[members[-1]].time
    callers = {records[i].caller for i in members if records[i].caller}
    c.callers = len(callers) if callers else len(members)
    c.urgency = sum(records[i].urgency for i in members) / len(members)
    per_day = Counter(records[i].time.date() for i in members)
    first_day = c.first.date()
    c.daily = [
        (first_day + timedelta(d), per_day.get(first_day + timedelta(d), 0))
        for d in range((c.last.date() - first_day).days + 1)
    ]
    c.growth = growth(per_day, today, params.recent_days) if today else 0.0
    c.heat = heat_index(len(members), c.growth, c.callers, c.urgency)
    head = c.main_place or (c.keywords[0] if c.keywords else "")
    c.label = head + ("：" + "、".join(c.keywords[:3]) if c.keywords else "")
    return c


def heat_index(n: int, growth_: float, callers: int, urgency: float) -> float:
    """The heat of a cluster of n members (see the module's text)."""
    return round(10 * math.sqrt(n) * (1 + growth_ / 3) * math.sqrt(callers / n) * (1 + urgency), 2)


def place_fragment(word: str, places: set[str]) -> bool:
    """A word cut out of a place name rather than a word of the problem: it is part of a place, it holds a place's
    first two characters (「区丽发」 of 「A区丽发新城」), or it is a word the dictionary does not know that starts
    with an administrative character (「县星」 of 「长沙县星沙」). Only the head counts: a shared generic part
    (「集团」 of 「广铁集团」 and 「广州局集团公司」) does not make a word a place."""
    if any(word in p for p in places):
        return True
    heads = {p[:2] for p in places if len(p) >= 3}
    if any(word[i : i + 2] in heads for i in range(len(word) - 1)):
        return True
    return word[0] in "省市区县" and len(word) > 1 and word not in _tags()


def growth(per_day: dict, today: date, recent_days: int = 7) -> float:
    """log2 of the last `recent_days` daily rate over the cluster's own rate before them (0 to 3)."""
    if not per_day:
        return 0.0
    start = min(per_day)
    recent_from = today - timedelta(days=recent_days - 1)
    recent = sum(k for d, k in per_day.items() if recent_from <= d <= today)
    base_days = (recent_from - start).days
    base = sum(k for d, k in per_day.items() if d < recent_from)
    if base_days <= 0:
        return 0.0
    ratio = (recent / recent_days + 0.1) / (base / base_days + 0.1)
    return round(min(3.0, max(0.0, math.log2(ratio))), 3)
