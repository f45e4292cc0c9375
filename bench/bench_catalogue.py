"""Village service catalogue search: latency over 2,000 villages' catalogues of about 60 items each.

`.venv/bin/python bench/bench_catalogue.py [--villages 2000] [--items 60] [--queries 400]` runs on a fresh SQLite
database in a temporary directory; with `--postgres postgres://postgres@127.0.0.1:5432/test` it creates a database
`bench_catalogue` on that server instead and drops it at the end. Every village has a version in force and one in
four an older, historical one, so a quarter of the rows must be filtered out. Item names are drawn (seed 1) from a
pool of real village matters with local variants; queries are residents' phrasings from a held-out list written
apart from the item pool and never used to tune the search (HELD_OUT below), timed everywhere (the portal's search
box, the intake panel without a location) and within one village and the areas above it.
"""

import argparse
import random
import statistics
import time
from datetime import date

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument(
    "--postgres", metavar="URL", help="PostgreSQL server (a bench_catalogue database is created)"
)
parser.add_argument("--villages", type=int, default=2000)
parser.add_argument("--items", type=int, default=60)
parser.add_argument("--queries", type=int, default=400)
args = parser.parse_args()

from _setup import django_setup  # noqa: E402

django_setup("catalogue", postgres=args.postgres)

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402

from civicgrid.catalogue import selectors  # noqa: E402
from civicgrid.catalogue.models import Catalogue, CatalogueItem, ListKind, TimeUnit  # noqa: E402
from civicgrid.core.chinese import search_text, tokenizer  # noqa: E402
from civicgrid.registry.models import AdminArea  # noqa: E402

DUTY = [
    "村民委员会选举登记",
    "村务公开查询",
    "村规民约修订",
    "民事纠纷调解",
    "宅基地建房申请",
    "土地承包经营权流转备案",
    "开具居住证明",
    "开具亲属关系证明",
    "集体经济收益分配",
    "村民代表会议召开",
    "集体资产租赁",
    "红白理事登记",
    "农村危房改造申请",
    "村级公益事业一事一议",
    "村民小组长推选",
    "土地确权登记",
    "林地承包登记",
    "外出务工登记",
    "流动人口登记",
    "新建住房选址审查",
]
ASSIST = [
    "最低生活保障申请",
    "特困人员供养申请",
    "临时救助申请",
    "城乡居民医疗保险参保缴费",
    "城乡居民养老保险参保登记",
    "残疾人证申领",
    "残疾人两项补贴申请",
    "高龄老人长寿补贴申领",
    "生育登记",
    "独生子女父母奖励",
    "耕地地力保护补贴申报",
    "渔船出海报备",
    "渔业油价补贴申报",
    "退役军人优待证申领",
    "义务兵家庭优待金申领",
    "农村五保供养",
    "医疗救助申请",
    "教育资助申请",
    "就业失业登记",
    "职业技能培训报名",
    "农业保险投保",
    "动物防疫登记",
    "生猪养殖备案",
    "农机购置补贴申请",
    "殡葬惠民补贴申请",
    "大病保险二次报销",
    "孤儿基本生活费申领",
    "困境儿童保障",
    "农村户口迁移证明",
    "身份证办理预约",
]
KEY_WORK = [
    "人居环境整治",
    "防返贫动态监测",
    "防溺水安全巡查",
    "红树林保护巡护",
    "森林防火巡查",
    "禁毒宣传",
    "矛盾纠纷排查",
    "防台风安全转移",
    "秸秆禁烧巡查",
    "河长制巡河",
    "疫苗接种动员",
    "乡村振兴项目推进",
]
PLACES = ["东", "西", "南", "北", "上", "下", "新", "老", "大", "小"]
KEYWORDS = {
    "最低生活保障申请": "低保，困难补助",
    "城乡居民医疗保险参保缴费": "医保，新农合",
    "宅基地建房申请": "盖房，建房",
    "残疾人证申领": "残疾证",
    "城乡居民养老保险参保登记": "社保，养老金",
    "生育登记": "准生，生育服务证",
    "民事纠纷调解": "邻里纠纷，矛盾",
    "人居环境整治": "垃圾，卫生",
    "临时救助申请": "急难救助",
}
MATERIALS = [
    "身份证",
    "户口簿",
    "申请表",
    "银行卡",
    "近期免冠照片",
    "结婚证",
    "房产证明",
    "收入证明",
    "医疗票据",
]
# Residents' phrasings, written apart from the item pool; never used to tune the search.
HELD_OUT = [
    "我家困难想吃低保怎么弄",
    "新农合今年怎么交",
    "想在自家地上盖房子要什么手续",
    "残疾证在哪里办",
    "老人高龄补贴怎么领",
    "生二胎要登记吗",
    "出海打鱼要报备吗",
    "邻居占了我家地吵架了找谁",
    "怎么开居住证明",
    "孩子上学有没有补助",
    "养老保险怎么参保",
    "退伍军人优待证",
    "种地有补贴吗",
    "我想学个技术有培训吗",
    "家里老人去世了殡葬补贴",
    "看病花了很多钱能报销吗",
    "户口迁出去要开什么证明",
    "村里垃圾没人清理",
    "河边有人游泳很危险",
    "山上有人烧东西",
    "台风来了要转移吗",
    "村里的账目能查吗",
    "土地流转要备案吗",
    "失业了怎么登记",
    "孤儿生活费",
    "买农机有补贴吗",
    "养猪要备案吗",
    "身份证丢了补办",
    "危房改造怎么申请",
    "村民代表会议什么时候开",
    "低保",
    "医保缴费",
    "宅基地",
    "五保户",
    "临时救助",
    "义务兵优待金",
    "农业保险",
    "大病报销",
    "教育资助",
    "亲属关系证明",
]


def build(villages: int, per_village: int, rng) -> int:
    city = AdminArea.objects.create(code="469099", name="琼台市", level="city")
    towns = AdminArea.objects.bulk_create(
        AdminArea(code=f"469099{t:03d}", name=f"第{t}镇", level="town", parent=city)
        for t in range(1, villages // 100 + 2)
    )
    areas = AdminArea.objects.bulk_create(
        AdminArea(
            code=f"{towns[v // 100].code}{v % 100 + 1:03d}",
            name=f"{rng.choice(PLACES)}{v}村",
            level="village",
            parent=towns[v // 100],
        )
        for v in range(villages)
    )
    pool = (
        [(ListKind.DUTY, n) for n in DUTY]
        + [(ListKind.ASSIST, n) for n in ASSIST]
        + [(ListKind.KEY_WORK, n) for n in KEY_WORK]
    )
    # Index text per distinct (name, keywords, materials): items repeat across villages as in life.
    cache: dict[tuple, str] = {}
    total = 0
    for area in areas:
        versions = [(1, date(2025, 1, 1), date(2025, 12, 31)), (2, date(2026, 1, 1), None)]
        if rng.random() >= 0.25:
            versions = [(1, date(2026, 1, 1), None)]
        for version, start, end in versions:
            cat = Catalogue.objects.create(
                area=area, version=version, published=True, effective_from=start, effective_to=end
            )
            items = []
            chosen = rng.sample(pool, min(len(pool), per_village - rng.randint(0, 10)))
            for order, (kind, name) in enumerate(chosen, 1):
                if rng.random() < 0.2:
                    name = f"{name}（{area.name}）"
                materials = "\n".join(rng.sample(MATERIALS, rng.randint(1, 4)))
                keywords = KEYWORDS.get(name, "")
                key = (name, keywords, materials)
                if key not in cache:
                    item = CatalogueItem(name=name, keywords=keywords, materials=materials)
                    item.refresh_index()
                    cache[key] = item.search_text
                items.append(
                    CatalogueItem(
                        catalogue=cat,
                        list_kind=kind,
                        order=order,
                        name=name,
                        materials=materials,
                        keywords=keywords,
                        post="村委会文书",
                        steps="提交申请\n审核\n办结",
                        time_limit=5,
                        time_unit=TimeUnit.WORKING_DAYS,
                        search_text=cache[key],
                    )
                )
            CatalogueItem.objects.bulk_create(items, batch_size=2000)
            total += len(items)
    return total


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
    search_text("预热")
    rng = random.Random(1)
    started = time.perf_counter()
    total = build(args.villages, args.items, rng)
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalogue_catalogueitem")
            cursor.execute("ANALYZE catalogue_catalogue")
    print(
        f"database: {connection.vendor}; {args.villages:,} villages, {total:,} items "
        f"({Catalogue.objects.count():,} versions) written in {elapsed:.1f} s"
    )
    day = date(2026, 6, 1)
    villages = list(AdminArea.objects.filter(level="village").select_related("parent__parent"))
    queries = [rng.choice(HELD_OUT) for _ in range(args.queries)]
    places = [rng.choice(villages) for _ in range(args.queries)]
    for q in queries[:20]:  # warm the caches
        selectors.search_items(q, day=day)
    timed("search everywhere (limit 10)", (lambda q=q: selectors.search_items(q, day=day) for q in queries))
    timed(
        "search in a village and above (limit 10)",
        (
            lambda q=q, a=a: selectors.search_items(q, area=a, day=day)
            for q, a in zip(queries, places, strict=True)
        ),
    )
    timed(
        "village page search (limit 30)",
        (
            lambda q=q, a=a: selectors.search_items(q, area=a, with_above=False, limit=30, day=day)
            for q, a in zip(queries, places, strict=True)
        ),
    )
    timed(
        "intake panel, no location (limit 5)",
        (lambda q=q: selectors.search_items(q, limit=5, day=day) for q in queries),
    )
    connections.close_all()


main()
