"""Duplicate detection on real messages: how well the text score separates near-duplicates, and how fast.

Run: `./scripts/bench duplicates` or `.venv/bin/python bench/bench_duplicates.py [--data FILE]`. The data
is the TeddyCup 2020 hotspot file (留言编号,留言用户,留言主题,留言时间,留言详情,反对数,点赞数), by default
../shared/data/teddy2020/hotspot_messages.csv next to the project; without it the bench says so and
stops. Nothing from the file is written anywhere; the speed test uses a fresh SQLite database in a
temporary directory.

Ground truth, by rules that do not use the score being measured:
- duplicates: pairs whose details, reduced to letters, digits and ideographs, have a rapidfuzz `ratio`
  (edit distance) of at least 80. That is the same text posted twice, by the same user or copied by
  another, under the same or a different title. "identical" pairs have equal details.
- random pairs: 20,000 pairs drawn at random among the rest.
- same-topic pairs: two users' messages whose titles share one topic word from a fixed list (噪音,
  停车, 物业, 拆迁...) but no other key word, and whose details have a ratio below 50: same kind of
  matter, different place or case. Some are in fact the same hot spot told differently (that is what
  the file was collected for), so their "false positives" are partly true; the eyeball list shows them.
Each pair is scored as the later message (the new request) against the earlier one (the open ticket),
three ways: the whole text typed, the title only, and the title with the first 40 characters of detail
(what the operator has typed a few seconds in).
"""

import argparse
import atexit
import csv
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--data",
    type=Path,
    default=ROOT.parent / "shared" / "data" / "teddy2020" / "hotspot_messages.csv",
    help="hotspot_messages.csv (default: %(default)s)",
)
parser.add_argument("--eyeball", type=int, default=20, help="top-scoring non-duplicate pairs to print")
parser.add_argument("--seed", type=int, default=7)
args = parser.parse_args()
if not args.data.is_file():
    print(f"skipped: {args.data} not found (give the TeddyCup 2020 hotspot_messages.csv with --data)")
    sys.exit(0)

DATA_DIR = tempfile.mkdtemp(prefix="civicgrid-bench-")
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
os.environ["DJANGO_SETTINGS_MODULE"] = "civicgrid.settings"
os.environ["CIVICGRID_DATA_DIR"] = DATA_DIR
os.environ.pop("DATABASE_URL", None)  # never touch someone's real database from a benchmark
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from civicgrid.core import chinese  # noqa: E402
from civicgrid.registry import locate  # noqa: E402
from civicgrid.registry.models import AdminArea, Grid  # noqa: E402
from civicgrid.tickets import duplicates  # noqa: E402
from civicgrid.tickets.models import Status, Ticket  # noqa: E402

DUPLICATE_RATIO = 80
SAME_TOPIC_MAX_RATIO = 50
RANDOM_PAIRS = 20_000
SAME_TOPIC_PER_WORD = 200
PARTIAL_CHARS = 40
TOPIC_WORDS = (
    "噪音 停车 物业 拆迁 学校 公交 垃圾 违建 违章 油烟 医保 社保 房产证 学位 地铁 路灯 漏水 扰民 施工 "
    "搅拌站 渣土 养老 补贴 公积金 车位 绿化 电梯 污染 占道 幼儿园 教师 医院 征地 户口 落户"
).split()
# "A市", "A7县", "西地省": the file's stand-ins for place names, shared by every message.
PLACEHOLDER = re.compile(r"^[a-z]\d*[市区县]?$|^.{0,3}[省市区县]$")
SPEED_TICKETS = 2000


def parse_time(text: str) -> datetime | None:
    text = text.strip().replace("-", "/")
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    messages = []
    for row in rows:
        messages.append(
            {
                "user": row["留言用户"].strip(),
                "title": row["留言主题"].strip(),
                "detail": row["留言详情"].strip(),
                "at": parse_time(row["留言时间"]),
            }
        )
    return messages


def duplicate_pairs(messages) -> dict[tuple[int, int], int]:
    details = [chinese.compact(m["detail"]) for m in messages]
    ratios = process.cdist(
        details, details, scorer=fuzz.ratio, score_cutoff=DUPLICATE_RATIO, dtype=np.uint8, workers=-1
    )
    first, second = np.nonzero(np.triu(ratios, 1))
    return {(int(a), int(b)): int(ratios[a, b]) for a, b in zip(first, second, strict=True)}


def random_pairs(n: int, positives, rng) -> list[tuple[int, int]]:
    pairs = set()
    while len(pairs) < RANDOM_PAIRS:
        pair = tuple(sorted(rng.sample(range(n), 2)))
        if pair not in positives:
            pairs.add(pair)
    return sorted(pairs)


def same_topic_pairs(messages, positives, rng) -> list[tuple[int, int]]:
    title_words = [
        {w for w in duplicates.key_words(m["title"]) if not PLACEHOLDER.match(w)} for m in messages
    ]
    details = [chinese.compact(m["detail"]) for m in messages]
    by_word = defaultdict(list)
    for i, m in enumerate(messages):
        for word in TOPIC_WORDS:
            if word in m["title"]:
                by_word[word].append(i)
    pairs = set()
    for word, ids in by_word.items():
        found = tries = 0
        while found < SAME_TOPIC_PER_WORD and tries < 25 * SAME_TOPIC_PER_WORD and len(ids) > 1:
            tries += 1
            a, b = sorted(rng.sample(ids, 2))
            if (a, b) in positives or (a, b) in pairs or messages[a]["user"] == messages[b]["user"]:
                continue
            if (title_words[a] & title_words[b]) - {word}:
                continue
            if fuzz.ratio(details[a], details[b]) >= SAME_TOPIC_MAX_RATIO:
                continue
            pairs.add((a, b))
            found += 1
    return sorted(pairs)


def later_first(messages, a: int, b: int) -> tuple[int, int]:
    """(new request, open ticket): the later message asks about the earlier one."""
    at_a, at_b = messages[a]["at"], messages[b]["at"]
    if at_a is not None and at_b is not None and at_a < at_b:
        return b, a
    return a, b


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """Probability that a duplicate outscores a non-duplicate (ties count half)."""
    neg = np.sort(neg)
    below = np.searchsorted(neg, pos, side="left")
    not_above = np.searchsorted(neg, pos, side="right")
    return float((below + 0.5 * (not_above - below)).sum() / (len(pos) * len(neg)))


def best_f1(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    best = (0.0, 0.0)
    for threshold in np.unique(np.concatenate([pos, neg])):
        tp, fp = (pos >= threshold).sum(), (neg >= threshold).sum()
        f1 = 2 * tp / (tp + fp + len(pos))
        best = max(best, (float(f1), float(threshold)))
    return best


def evaluate(messages, positives, randoms, topics):
    min_score = duplicates.MIN_SCORE
    tickets = [
        duplicates.ticket_profiles(m["title"], m["detail"][: duplicates.CONTENT_CHARS]) for m in messages
    ]
    queries = {
        "whole text": [
            duplicates.profile(f"{m['title']} {m['detail']}"[: duplicates.QUERY_CHARS]) for m in messages
        ],
        "title only": [t for t, _ in tickets],
        f"title + {PARTIAL_CHARS} chars": [
            duplicates.profile(f"{m['title']} {m['detail'][:PARTIAL_CHARS]}") for m in messages
        ],
    }
    identical = {pair for pair, ratio in positives.items() if ratio == 100}

    def scores(query_profiles, pairs):
        out = []
        for a, b in pairs:
            new, old = later_first(messages, a, b)
            out.append(duplicates.text_scores(query_profiles[new], [tickets[old]])[0])
        return np.array(out)

    print(
        f"\nText score at MIN_SCORE {min_score} (duplicates: {len(positives)} pairs, {len(identical)} with "
        f"identical details; negatives: {len(randoms):,} random, {len(topics):,} same-topic)"
    )
    for name, query_profiles in queries.items():
        pos = scores(query_profiles, positives)
        near = scores(query_profiles, [p for p in positives if p not in identical])
        rand, topic = scores(query_profiles, randoms), scores(query_profiles, topics)
        neg = np.concatenate([rand, topic])
        tp, fp = (pos >= min_score).sum(), (neg >= min_score).sum()
        f1, threshold = best_f1(pos, neg)
        print(
            f"  {name:18s} ROC-AUC {auc(pos, neg):.4f} (vs same-topic {auc(pos, topic):.4f}) | "
            f"recall {tp / len(pos):.1%} (non-identical {np.mean(near >= min_score):.1%}) | "
            f"precision {tp / max(1, tp + fp):.1%} | false positives: random {np.mean(rand >= min_score):.3%}, "
            f"same-topic {np.mean(topic >= min_score):.2%} | best F1 {f1:.3f} at {threshold:.0f}"
        )
        print(
            f"  {'':18s} median score: duplicates {np.median(pos):.0f}, random {np.median(rand):.0f}, "
            f"same-topic {np.median(topic):.0f}"
        )
    gaps = [
        abs((messages[a]["at"] - messages[b]["at"]).days)
        for a, b in positives
        if messages[a]["at"] and messages[b]["at"]
    ]
    window = duplicates.WINDOW_DAYS
    print(
        f"  days between duplicates: median {statistics.median(gaps):.0f}, within 1 day "
        f"{np.mean(np.array(gaps) <= 1):.0%}, within {window} days {np.mean(np.array(gaps) <= window):.0%}"
    )
    return queries["whole text"], tickets


def eyeball(messages, positives, queries, tickets, count: int) -> None:
    """Score every message against every earlier one; show the best pairs not labelled duplicates."""
    min_score = duplicates.MIN_SCORE
    order = sorted(range(len(messages)), key=lambda i: (messages[i]["at"] or datetime.min, i))
    started = time.perf_counter()
    high = []
    for rank in range(1, len(order)):
        new, earlier = order[rank], order[:rank]
        scored = duplicates.text_scores(queries[new], [tickets[j] for j in earlier])
        for k in np.flatnonzero(scored >= min_score):
            high.append((float(scored[k]), new, earlier[k]))
    elapsed = time.perf_counter() - started
    pairs = len(order) * (len(order) - 1) // 2
    labelled = sum(tuple(sorted((a, b))) in positives for _, a, b in high)
    print(
        f"\nAll {pairs:,} pairs scored in {elapsed:.1f} s ({pairs / elapsed:,.0f} pairs/s, vectorised): "
        f"{len(high)} at or above {min_score}, {labelled} of them labelled duplicates; "
        f"labelled duplicates found: {labelled}/{len(positives)}"
    )
    others = sorted((h for h in high if tuple(sorted(h[1:])) not in positives), reverse=True)
    rng = random.Random(args.seed)
    near_threshold = [h for h in others if h[0] < min_score + 10]
    for heading, shown in (
        (f"Top {count} pairs above the threshold that are not labelled duplicates", others[:count]),
        (
            f"{count} of the {len(near_threshold)} unlabelled pairs scoring {min_score}-{min_score + 10}",
            sorted(rng.sample(near_threshold, min(count, len(near_threshold))), reverse=True),
        ),
    ):
        print(f"{heading} (judge by eye):")
        for score, new, old in shown:
            a, b = messages[new], messages[old]
            days = (a["at"] - b["at"]).days if a["at"] and b["at"] else "?"
            same_user = "same user" if a["user"] == b["user"] else "other user"
            words = "、".join(duplicates.shared_words(f"{a['title']} {a['detail']}", b["title"], b["detail"]))
            print(f"  {score:5.1f} {same_user}, {days} days | {a['title']}  ⟷  {b['title']} | {words}")
            print(f"        {chinese.compact(a['detail'])[:50]}  ⟷  {chinese.compact(b['detail'])[:50]}")


def pair_speed(messages, pairs) -> None:
    sample = pairs[:5000]
    texts = [f"{m['title']} {m['detail']}"[: duplicates.QUERY_CHARS] for m in messages[:2000]]
    started = time.perf_counter()
    for text in texts:
        duplicates.profile(text)
    tokenise = len(texts) / (time.perf_counter() - started)
    duplicates.ticket_profiles.cache_clear()
    started = time.perf_counter()
    for a, b in sample:
        duplicates.similarity(
            f"{messages[a]['title']} {messages[a]['detail']}", messages[b]["title"], messages[b]["detail"]
        )
    from_text = len(sample) / (time.perf_counter() - started)
    queries = {a: duplicates.profile(f"{messages[a]['title']} {messages[a]['detail']}") for a, _ in sample}
    tickets = {
        b: duplicates.ticket_profiles(messages[b]["title"], messages[b]["detail"][: duplicates.CONTENT_CHARS])
        for _, b in sample
    }
    started = time.perf_counter()
    for a, b in sample:
        duplicates.text_scores(queries[a], [tickets[b]])
    tokenised = len(sample) / (time.perf_counter() - started)
    print(
        f"\nTokenising (jieba + bigrams, up to {duplicates.QUERY_CHARS} characters): {tokenise:,.0f} texts/s. "
        f"similarity() from raw texts: {from_text:,.0f} pairs/s; text_scores() on tokenised texts, one pair "
        f"a call: {tokenised:,.0f} pairs/s (vectorised over many candidates: see above)"
    )


def call_speed(messages) -> None:
    """duplicate_candidates over SPEED_TICKETS open tickets in one grid and its neighbours."""
    call_command("migrate", verbosity=0)
    province = AdminArea.objects.create(code="460000", name="海南省", level="province")
    county = AdminArea.objects.create(code="469002", name="琼海市", level="county", parent=province)
    town = AdminArea.objects.create(code="469002100", name="嘉积镇", level="town", parent=county)
    community = AdminArea.objects.create(code="469002100001", name="银海社区", level="village", parent=town)
    grids = []
    for seq in range(3):
        lon = 110.40 + 0.01 * seq
        ring = [[lon, 19.2], [lon + 0.01, 19.2], [lon + 0.01, 19.21], [lon, 19.21], [lon, 19.2]]
        grids.append(
            Grid.objects.create(
                code=f"469002100001{seq + 1:03d}",
                name=f"银海第{seq + 1}网格",
                community=community,
                geometry={"type": "Polygon", "coordinates": [ring]},
            )
        )
    locate.invalidate()
    now = timezone.now()
    rng = random.Random(args.seed)
    stored, asked = messages[:SPEED_TICKETS], messages[SPEED_TICKETS:]
    Ticket.objects.bulk_create(
        [
            Ticket(
                number=f"D{i:013d}",
                channel="web",
                received_at=now - timedelta(days=rng.uniform(0, duplicates.WINDOW_DAYS - 1)),
                request_type="TS",
                title=m["title"][:100],
                content=m["detail"],
                grid=grids[i % 3],
                community=community,
                town=town,
                status=Status.PENDING_DISPATCH,
            )
            for i, m in enumerate(stored)
        ],
        batch_size=1000,
    )
    texts = [f"{m['title']} {m['detail']}" for m in rng.sample(asked, 200)]
    grid = grids[1]  # the middle one: both others are neighbours, so all tickets are candidates

    duplicates.ticket_profiles.cache_clear()
    started = time.perf_counter()
    duplicates.duplicate_candidates(text=texts[0], grid=grid, now=now)
    cold = time.perf_counter() - started
    times, shown = [], 0
    for text in texts:
        started = time.perf_counter()
        found = duplicates.duplicate_candidates(text=text, grid=grid, now=now)
        times.append(time.perf_counter() - started)
        shown += len(found)
    times.sort()
    typed = [text[:n] for text in texts[:50] for n in (8, 16, 32, 64)]
    typed_times = []
    for text in typed:
        started = time.perf_counter()
        duplicates.duplicate_candidates(text=text, grid=grid, now=now)
        typed_times.append(time.perf_counter() - started)
    typed_times.sort()
    profiles = [
        duplicates.ticket_profiles(m["title"][:100], m["detail"][: duplicates.CONTENT_CHARS]) for m in stored
    ]
    query = duplicates.profile(texts[0])
    started = time.perf_counter()
    for _ in range(20):
        duplicates.text_scores(query, profiles)
    scoring = (time.perf_counter() - started) / 20
    print(
        f"\nduplicate_candidates over {SPEED_TICKETS} open tickets (SQLite, 3 grids): first call "
        f"{cold * 1000:.0f} ms (tokenising every ticket), then median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {times[int(0.95 * len(times))] * 1000:.1f} ms for whole messages, median "
        f"{statistics.median(typed_times) * 1000:.1f} ms for 8-64 typed characters; of which scoring "
        f"{scoring * 1000:.1f} ms; {shown / len(texts):.2f} candidates shown a call"
    )


def main() -> None:
    started = time.perf_counter()
    messages = load(args.data)
    chinese.tokenizer()
    positives = duplicate_pairs(messages)
    rng = random.Random(args.seed)
    randoms = random_pairs(len(messages), positives, rng)
    topics = same_topic_pairs(messages, positives, rng)
    same_user = sum(messages[a]["user"] == messages[b]["user"] for a, b in positives)
    print(
        f"{len(messages):,} messages from {args.data.name}; ground truth built in "
        f"{time.perf_counter() - started:.1f} s: {len(positives)} duplicate pairs ({same_user} by the same "
        f"user, {sum(messages[a]['title'] == messages[b]['title'] for a, b in positives)} with the same title)"
    )
    queries, tickets = evaluate(messages, positives, randoms, topics)
    eyeball(messages, positives, queries, tickets, args.eyeball)
    pair_speed(messages, randoms)
    call_speed(messages)


if __name__ == "__main__":
    main()
