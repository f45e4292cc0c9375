"""Knowledge-base search and intake suggestions: latency over 40,000 generated entries.

`.venv/bin/python bench/bench_kb.py [--entries 40000] [--queries 300]` runs on a fresh SQLite database in a
temporary directory; with `--postgres postgres://postgres@127.0.0.1:5432/test` it creates a database
`bench_kb` on that server instead and drops it at the end. Entries are written through the import
service (jieba segmentation, bulk insert, index triggers). Their text mixes answer templates about the
seeded categories with words drawn from jieba's dictionary by frequency, so that the index holds a
realistic spread of common and rare words.
"""

import argparse
import random
import statistics
import time
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (a bench_kb database is created)")
parser.add_argument("--entries", type=int, default=40_000)
parser.add_argument("--queries", type=int, default=300)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("kb", postgres=args.postgres)

import jieba  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from civicgrid.core.chinese import tokenizer  # noqa: E402
from civicgrid.demo import names, texts  # noqa: E402
from civicgrid.knowledge import selectors  # noqa: E402
from civicgrid.knowledge.services import ImportRow, entries_import  # noqa: E402
from civicgrid.registry.models import Unit  # noqa: E402
from civicgrid.routing.models import Category  # noqa: E402

QUESTIONS = [
    "{kw}怎么办理?",
    "{kw}找哪个部门?",
    "{kw}需要什么材料?",
    "{place}{kw}怎么反映?",
    "关于{name}的政策规定",
    "{kw}的受理渠道和办理时限",
    "{road}{kw}问题如何处理?",
    "{name}常见问题:{kw}",
]
SENTENCES = [
    "{kw}问题由{unit}负责处理,可拨打12345热线或到政务服务中心窗口咨询。",
    "办理{name}相关事项,请携带身份证、户口簿和相关证明材料。",
    "根据有关规定,{kw}应在{days}个工作日内办结,办理结果将通过短信告知。",
    "{place}及周边居民反映{kw}的,可先联系物业或社区网格员,也可向{unit}反映。",
    "{unit}将在接到反映后安排工作人员到{road}现场核实。",
    "涉及{name}的政策以{unit}最新发布的通知为准。",
]


def dictionary_words(limit: int = 30_000) -> tuple[list[str], list[int]]:
    """jieba's most frequent multi-character Chinese words and their frequencies."""
    rows = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word, freq, *_ = line.split()
            if len(word) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                rows.append((int(freq), word))
    rows.sort(reverse=True)
    rows = rows[:limit]
    return [w for _, w in rows], [f for f, _ in rows]


def keywords_of(category: Category) -> list[str]:
    return [k for k in category.keywords.split(",") if k] or [category.name]


def build_entries(count: int, leaves, units, rng) -> list[ImportRow]:
    words, freqs = dictionary_words()
    rows = []
    for line in range(count):
        category = rng.choice(leaves)
        kw = rng.choice(keywords_of(category))
        slots = {
            "kw": kw,
            "name": category.name,
            "place": rng.choice(names.COMPOUNDS),
            "road": rng.choice(names.ROADS),
            "unit": rng.choice(units).name,
            "days": rng.choice([3, 5, 7, 10, 15]),
        }
        question = rng.choice(QUESTIONS).format(**slots) + f"({line})"
        parts = [s.format(**slots) for s in rng.sample(SENTENCES, rng.randint(2, 4))]
        for _ in range(rng.randint(2, 4)):
            parts.append("".join(rng.choices(words, weights=freqs, k=rng.randint(6, 12))) + "。")
        rng.shuffle(parts)
        rows.append(
            ImportRow(
                line=line,
                question=question,
                answer="".join(parts),
                keywords=",".join(rng.sample(keywords_of(category), min(2, len(keywords_of(category))))),
                category=category,
                unit=rng.choice(units),
            )
        )
    return rows


def intake_text(category: Category, rng) -> str:
    templates = texts.BY_ROOT.get(category.code[:2], []) + texts.GENERIC
    slots = {
        "when": rng.choice(texts.WHEN),
        "dur": rng.choice(texts.DURATION),
        "closer": rng.choice(texts.CLOSERS),
        "place": rng.choice(names.COMPOUNDS),
        "road": rng.choice(names.ROADS),
        "kw": rng.choice(keywords_of(category)),
        "name": category.name,
    }
    return rng.choice(texts.TITLES).format(**slots) + " " + rng.choice(templates).format(**slots)


def timed(label: str, calls) -> None:
    times, found = [], 0
    for call in calls:
        started = time.perf_counter()
        hits = call()
        times.append(1000 * (time.perf_counter() - started))
        found += bool(hits)
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(
        f"{label}: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms "
        f"({len(times)} queries, {found / len(times):.0%} with hits)"
    )


def main() -> None:
    call_command("migrate", verbosity=0)
    tokenizer()
    rng = random.Random(1)
    leaves = [c for c in Category.objects.filter(version="2026.1") if not c.children.exists()]
    units = [
        Unit.objects.create(code=f"U{i:02d}", name=f"琼台市{name}", kind=Unit.Kind.DEPARTMENT)
        for i, (_, name, _, _) in enumerate(names.DEPARTMENTS)
    ]
    rows = build_entries(args.entries, leaves, units, rng)
    started = time.perf_counter()
    result = entries_import(rows=rows, actor=None, batch_size=2000)
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does shortly after a large import
            cursor.execute("ANALYZE knowledge_entry")
    print(
        f"database: {connection.vendor}; imported {result.created:,} entries in {elapsed:.1f} s "
        f"({result.created / elapsed:,.0f} /s, segmentation and index included)"
    )

    queries = [rng.choice(keywords_of(rng.choice(leaves))) for _ in range(args.queries)]
    two_words = [f"{rng.choice(keywords_of(c))} {c.name}" for c in rng.choices(leaves, k=args.queries)]
    intake = [(intake_text(c, rng), c) for c in rng.choices(leaves, k=args.queries)]
    print(f"intake texts: {statistics.mean(len(t) for t, _ in intake):.0f} characters on average")
    for text, category in intake[:20]:  # warm the caches
        selectors.suggest_for_intake(text, category=category)

    timed("search, one keyword (limit 10)", (lambda q=q: selectors.search(q) for q in queries))
    timed("search, two words (limit 10)", (lambda q=q: selectors.search(q) for q in two_words))
    timed("search, console page (limit 200)", (lambda q=q: selectors.search(q, limit=200) for q in queries))
    timed(
        "suggest_for_intake, title + content",
        (lambda t=t: selectors.suggest_for_intake(t) for t, _ in intake),
    )
    timed(
        "suggest_for_intake, with category boost",
        (lambda t=t, c=c: selectors.suggest_for_intake(t, category=c) for t, c in intake),
    )
    connections.close_all()


main()
