"""Templates for believable demo requests, and the one function that fills them. Nothing here is a real request."""

import random
import re

from civicgrid.demo import names

WHEN = ["最近一周", "这几天", "近一个月来", "从上个月开始", "每天晚上", "今天上午", "昨天傍晚", "周末"]
DURATION = ["一个多星期", "半个月", "两三天", "一个多月", "好几天", "快两个月"]
CLOSERS = [
    "希望有关部门尽快处理。",
    "请相关部门核实处理，谢谢！",
    "多次反映没有结果，请尽快解决。",
    "严重影响周边居民生活，请予以处理。",
    "希望能给个答复。",
    "请派人到现场看一下。",
]
TITLES = ["{place}{kw}问题", "反映{place}{name}", "{place}附近{kw}", "关于{place}{name}的诉求", "{road}{kw}"]
GENERIC = [
    "{when}{place}附近出现{kw}的情况，已经持续{dur}，{closer}",
    "本人住在{place}，{when}发现{kw}，找过物业和社区，一直没有解决，{closer}",
    "{road}靠近{place}的位置{kw}，来往行人和车辆很多，存在安全隐患，{closer}",
    "反映{place}{name}问题：{kw}，{when}越来越严重，{closer}",
]
BY_ROOT = {
    "01": [
        "{place}{kw}，业主多次向物业反映，物业推诿不管，{closer}",
        "{place}有人{kw}，占用公共空间，{closer}",
    ],
    "02": [
        "{place}周边{kw}，{when}尤其明显，窗户都不敢开，{closer}",
        "{road}一带{kw}，气味很重，孩子老人受不了，{closer}",
    ],
    "03": ["在{road}{kw}，{when}经常这样，{closer}", "{place}站附近{kw}，出行很不方便，{closer}"],
    "04": [
        "在{place}附近一家店铺遇到{kw}，商家态度恶劣，{closer}",
        "{when}在{road}的商店购买商品，发现{kw}，要求退款被拒，{closer}",
    ],
    "05": [
        "我在{place}附近一家公司工作，{kw}，{dur}了还没处理，{closer}",
        "咨询{kw}的办理流程和所需材料，{closer}",
    ],
    "06": ["孩子在{place}附近上学，{kw}，家长很着急，{closer}", "咨询{kw}相关政策，{closer}"],
    "07": ["{place}周边{kw}，{when}蚊子特别多，担心传染病，{closer}", "在医院就诊时遇到{kw}，{closer}"],
    "08": ["{place}{when}{kw}，没有提前通知，生活受到很大影响，{closer}", "{place}{kw}，已经{dur}，{closer}"],
    "09": ["{road}{kw}，晚上出行很危险，{closer}", "{place}门口{kw}，影响市容，{closer}"],
    "10": ["{place}{kw}，邻居之间协商不成，{closer}", "{place}楼道里{kw}，存在消防隐患，{closer}"],
}
# Callers who do not say what the matter is: the classifier cannot tell, and a person must ask and decide.
VAGUE_SHARE = 0.25
VAGUE_TITLES = ["反映{place}的问题", "{place}相关诉求", "关于{place}的反映", "{road}附近的情况"]
VAGUE = [
    "反映{place}附近的问题，{when}一直没解决，{closer}",
    "{place}的情况已经{dur}了还没人处理，{closer}",
    "我住在{place}，有件事想反映一下，之前打过电话，{closer}",
    "{road}那边的事情，{when}跟社区说过，{closer}",
]


def request_text(rng: random.Random, category, place, *, vague: bool | None = None) -> tuple[str, str]:
    """A title and content a caller might give for `category` at `place`: vague if asked, else a
    quarter of them at random."""
    keywords = [k for k in re.split(r"[,，、]", category.keywords) if k] or [category.name]
    fill = dict(
        place=place.name,
        road=rng.choice(names.ROADS),
        kw=rng.choice(keywords),
        name=category.name,
        when=rng.choice(WHEN),
        dur=rng.choice(DURATION),
        closer=rng.choice(CLOSERS),
    )
    if vague is None:
        vague = rng.random() < VAGUE_SHARE
    if vague:
        return rng.choice(VAGUE_TITLES).format(**fill)[:100], rng.choice(VAGUE).format(**fill)
    pool = GENERIC + BY_ROOT.get(category.code[:2], [])
    return rng.choice(TITLES).format(**fill)[:100], rng.choice(pool).format(**fill)


def leaf_categories(version: str = "2026.1") -> list:
    """The categories a request is filed under: active ones without children."""
    from civicgrid.routing.models import Category

    rows = Category.objects.filter(version=version, is_active=True).prefetch_related("children")
    return [c for c in rows if not c.children.exists()]
