"""The village service catalogue and one village ladder in the demo city: two villages' 三张清单 with their 操作手册
(the first published, then a second version in force; the other village copied from it, with a draft in progress),
and a Shamei-style 四级化事法 for the first village (联系户党员 → 村民小组 → 村委会 → 云化解) whose levels are units
with a handler each, so that a matter can be held and escalated there; past 云化解 it goes on up the city's ladder.
Rows are written in bulk (two catalogues of about twenty items, four units, three handlers): well under 2 s.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from civicgrid.catalogue.models import Catalogue, CatalogueItem, ListKind, TimeUnit
from civicgrid.registry.models import AdminArea, Role, Staff, Unit
from civicgrid.sla.models import Duration, EscalationLadder, EscalationLevel

LADDER_VERSION = "示范：四级化事法"

# (list, name, legal basis, materials, post, steps, limit, unit, fees, keywords)
ITEMS = [
    (
        ListKind.DUTY,
        "村民委员会选举登记",
        "《中华人民共和国村民委员会组织法》第十三条",
        "身份证\n户口簿",
        "村委会文书",
        "核对选民资格\n登记并张榜公布选民名单",
        5,
        TimeUnit.WORKING_DAYS,
        "",
        "选民，选举",
    ),
    (
        ListKind.DUTY,
        "村务公开查询",
        "《中华人民共和国村民委员会组织法》第三十条",
        "身份证",
        "村务监督委员会主任",
        "提出查询事项\n查阅村务公开栏或台账\n对有疑问的事项书面提出",
        3,
        TimeUnit.WORKING_DAYS,
        "",
        "财务公开，账目",
    ),
    (
        ListKind.DUTY,
        "村规民约修订建议",
        "《中华人民共和国村民委员会组织法》第二十七条",
        "书面建议",
        "村党支部书记",
        "提交建议\n两委会商议\n村民代表会议讨论表决\n公布",
        30,
        TimeUnit.DAYS,
        "",
        "村规民约",
    ),
    (
        ListKind.DUTY,
        "民事纠纷调解申请",
        "《中华人民共和国人民调解法》第十七条",
        "身份证\n纠纷相关证明材料",
        "人民调解委员会",
        "提出申请\n受理登记\n组织调解\n达成协议或告知其他途径",
        30,
        TimeUnit.DAYS,
        "",
        "邻里纠纷，矛盾，吵架",
    ),
    (
        ListKind.DUTY,
        "宅基地建房申请",
        "《中华人民共和国土地管理法》第六十二条；《海南省农村宅基地管理试点办法》",
        "身份证\n户口簿\n宅基地申请表\n建房设计图",
        "村委会主任",
        "提交申请\n村民小组讨论\n村委会审查并公示\n报乡镇审批",
        15,
        TimeUnit.WORKING_DAYS,
        "",
        "盖房，建房，宅基地",
    ),
    (
        ListKind.DUTY,
        "集体土地承包经营权流转备案",
        "《中华人民共和国农村土地承包法》第三十六条",
        "流转合同\n承包合同\n身份证",
        "村委会文书",
        "提交合同\n审核\n登记备案",
        5,
        TimeUnit.WORKING_DAYS,
        "",
        "土地流转，承包地",
    ),
    (
        ListKind.DUTY,
        "开具居住证明",
        "《海南省居住证管理办法》",
        "身份证\n户口簿或租房合同",
        "村委会文书",
        "提出申请\n核实居住情况\n出具证明",
        None,
        TimeUnit.ON_THE_SPOT,
        "",
        "证明，住址证明",
    ),
    (
        ListKind.ASSIST,
        "最低生活保障申请",
        "《社会救助暂行办法》第十一条",
        "身份证\n户口簿\n家庭收入和财产情况说明\n银行卡",
        "村委会民政专干",
        "提交申请\n入户调查\n民主评议并公示\n报乡镇审核、县民政局审批",
        30,
        TimeUnit.WORKING_DAYS,
        "",
        "低保，困难补助，生活困难",
    ),
    (
        ListKind.ASSIST,
        "城乡居民医疗保险参保缴费",
        "《海南省城乡居民基本医疗保险办法》",
        "身份证\n户口簿",
        "网格员",
        "核对参保信息\n通过海南医保小程序或村代收点缴费\n领取缴费凭证",
        None,
        TimeUnit.ON_THE_SPOT,
        "按当年缴费标准",
        "医保，新农合，合作医疗，缴费",
    ),
    (
        ListKind.ASSIST,
        "城乡居民养老保险参保登记",
        "《国务院关于建立统一的城乡居民基本养老保险制度的意见》",
        "身份证\n户口簿",
        "村委会社保协理员",
        "填写参保登记表\n选择缴费档次\n录入系统",
        3,
        TimeUnit.WORKING_DAYS,
        "",
        "养老保险，社保，养老金",
    ),
    (
        ListKind.ASSIST,
        "残疾人证申领初审",
        "《中华人民共和国残疾人证管理办法》",
        "身份证\n户口簿\n近期免冠照片两张",
        "村委会残协专干",
        "提交申请\n村委会初审\n报乡镇残联\n到指定医院评定",
        10,
        TimeUnit.WORKING_DAYS,
        "",
        "残疾证，残疾人",
    ),
    (
        ListKind.ASSIST,
        "高龄老人长寿补贴申领",
        "《海南省高龄老人长寿补贴发放管理办法》",
        "身份证\n户口簿\n银行卡",
        "村委会民政专干",
        "提交材料\n村委会核实\n报乡镇审核",
        10,
        TimeUnit.WORKING_DAYS,
        "",
        "老人补贴，长寿金，高龄",
    ),
    (
        ListKind.ASSIST,
        "生育登记",
        "《海南省人口与计划生育条例》",
        "夫妻双方身份证\n结婚证\n户口簿",
        "村委会计生专干",
        "提交材料\n核对信息\n网上登记",
        1,
        TimeUnit.WORKING_DAYS,
        "",
        "生孩子，生育服务证，准生",
    ),
    (
        ListKind.ASSIST,
        "耕地地力保护补贴申报",
        "《财政部 农业农村部关于实施农业支持保护补贴政策的通知》",
        "身份证\n承包地面积证明\n一卡通",
        "村委会农业专干",
        "核实种植面积\n公示\n报乡镇汇总",
        20,
        TimeUnit.WORKING_DAYS,
        "",
        "种粮补贴，农业补贴",
    ),
    (
        ListKind.ASSIST,
        "渔船出海报备",
        "《海南省渔船管理办法》",
        "渔船证书\n船员名单",
        "村委会渔业协管员",
        "填报出海计划\n村委会登记\n报渔港监督",
        None,
        TimeUnit.ON_THE_SPOT,
        "",
        "出海，渔船，渔民",
    ),
    (
        ListKind.KEY_WORK,
        "人居环境整治",
        "《农村人居环境整治提升五年行动方案》",
        "",
        "网格员",
        "每周一次环境卫生检查\n发现问题登记并限期整改\n结果在村务公开栏公示",
        7,
        TimeUnit.DAYS,
        "",
        "垃圾，卫生，环境",
    ),
    (
        ListKind.KEY_WORK,
        "防返贫动态监测",
        "《关于健全防止返贫动态监测和帮扶机制的指导意见》",
        "",
        "驻村第一书记",
        "网格员入户排查\n村两委研判\n报乡镇认定并落实帮扶",
        15,
        TimeUnit.DAYS,
        "",
        "返贫，帮扶，脱贫",
    ),
    (
        ListKind.KEY_WORK,
        "防溺水安全巡查",
        "《海南省预防中小学生溺水工作方案》",
        "",
        "村委会安全员",
        "暑期每日巡查重点水域\n劝离下水人员\n记录巡查台账",
        None,
        TimeUnit.ON_THE_SPOT,
        "",
        "溺水，游泳，安全",
    ),
    (
        ListKind.KEY_WORK,
        "红树林保护巡护",
        "《海南省红树林保护规定》",
        "",
        "护林员",
        "每周巡护\n发现破坏行为及时制止并报告",
        1,
        TimeUnit.DAYS,
        "",
        "红树林，生态，护林",
    ),
]
SECOND_VERSION_EXTRA = (
    ListKind.ASSIST,
    "退役军人优待证申领",
    "《退役军人优待证管理办法》",
    "身份证\n退役证件\n近期免冠照片",
    "村委会退役军人服务站",
    "提交申请\n村服务站初审\n报乡镇服务站",
    10,
    TimeUnit.WORKING_DAYS,
    "",
    "退役军人，优待证",
)
OFFICE_HOURS = "工作日 8:00-12:00，14:30-17:30"
# 四级化事法: (order, name, unit kind or the platform, limit, unit of the limit)
LADDER = [
    (1, "户联系", Unit.Kind.HOUSEHOLD_CONTACT, Decimal(1), Duration.NATURAL_DAYS),
    (2, "组协调", Unit.Kind.VILLAGER_GROUP, Decimal(2), Duration.NATURAL_DAYS),
    (3, "村处理", Unit.Kind.COMMUNITY, Decimal(3), Duration.WORKING_DAYS),
    (4, "云化解", None, Decimal(2), Duration.WORKING_DAYS),
]


@dataclass
class CatalogueDemoResult:
    created: bool
    counts: dict = field(default_factory=dict)
    accounts: list = field(default_factory=list)


def _villages(city: AdminArea) -> list[AdminArea]:
    ids, frontier = {city.pk}, {city.pk}
    while frontier:
        frontier = set(AdminArea.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    villages = list(AdminArea.objects.filter(pk__in=ids, level=AdminArea.Level.VILLAGE).order_by("code"))
    # Prefer villages (村) to communities (社区): the 三张清单 and 四级化事法 are village practice.
    return sorted(villages, key=lambda a: (not a.is_village, a.code))


def _items(catalogue: Catalogue, unit: Unit | None, rows, keys=None) -> list[CatalogueItem]:
    out, orders = [], {}
    for i, (kind, name, basis, materials, post, steps, limit, tunit, fees, keywords) in enumerate(rows):
        orders[kind] = orders.get(kind, 0) + 1
        item = CatalogueItem(
            catalogue=catalogue,
            list_kind=kind,
            order=orders[kind],
            name=name,
            legal_basis=basis,
            materials=materials,
            unit=unit,
            post=post,
            office_hours=OFFICE_HOURS,
            steps=steps,
            time_limit=limit,
            time_unit=tunit,
            fees=fees or "免费",
            keywords=keywords,
        )
        if keys is not None and i < len(keys):
            item.key = keys[i]
        item.refresh_index()
        out.append(item)
    return out


def _handler(username: str, name: str, unit: Unit, password_hash: str) -> None:
    user = get_user_model().objects.create(username=username, password=password_hash)
    staff = Staff.objects.create(user=user, name=name)
    staff.roles.set(Role.objects.filter(code=Role.UNIT_HANDLER))
    staff.units.set([unit])


def build(*, city: AdminArea, log=print) -> CatalogueDemoResult:
    """Nothing when the demo city already has catalogues."""
    villages = _villages(city)
    if len(villages) < 2:
        log("示范城市的村（社区）不足两个，不生成服务清单。")
        return CatalogueDemoResult(created=False)
    first, second = villages[:2]
    if Catalogue.objects.filter(area__in=[first, second]).exists():
        log("服务清单已存在，不重复生成。")
        return CatalogueDemoResult(created=False, counts=counts(first, second), accounts=accounts(first))
    today = timezone.localdate()
    now = timezone.now()
    units = {u.area_id: u for u in Unit.objects.filter(kind=Unit.Kind.COMMUNITY, area__in=[first, second])}
    password_hash = (
        Staff.objects.filter(user__username__in=["orgstaff1", "admin"])
        .order_by("user__username")
        .values_list("user__password", flat=True)
        .last()
    ) or "!"
    with transaction.atomic():
        # The first village: version 1 since the start of the year, version 2 in force since last month.
        start = date(today.year, 1, 1)
        switch = max(start + timedelta(days=1), today - timedelta(days=30))
        v1 = Catalogue.objects.create(
            area=first,
            version=1,
            published=True,
            effective_from=start,
            effective_to=switch - timedelta(days=1),
            published_at=now,
            note="首次发布",
        )
        v2 = Catalogue.objects.create(
            area=first,
            version=2,
            published=True,
            effective_from=switch,
            published_at=now,
            based_on=v1,
            note="新增退役军人优待证申领",
        )
        first_items = _items(v1, units.get(first.pk), ITEMS)
        CatalogueItem.objects.bulk_create(first_items)
        CatalogueItem.objects.bulk_create(
            _items(v2, units.get(first.pk), [*ITEMS, SECOND_VERSION_EXTRA], keys=[i.key for i in first_items])
        )
        # The second village copied the first one's list, and is drafting its next version.
        w1 = Catalogue.objects.create(
            area=second,
            version=1,
            published=True,
            effective_from=switch,
            published_at=now,
            based_on=v2,
            note="参照邻村清单编制",
        )
        rows = [r for r in ITEMS if "渔船" not in r[1] and "红树林" not in r[1]]
        own = _items(w1, units.get(second.pk), rows)
        CatalogueItem.objects.bulk_create(own)
        w2 = Catalogue.objects.create(area=second, version=2, based_on=w1, note="修订中")
        CatalogueItem.objects.bulk_create(_items(w2, units.get(second.pk), rows, keys=[i.key for i in own]))
        _ladder(first, units.get(first.pk), password_hash)
    found = counts(first, second)
    log(f"服务清单：{first.name}、{second.name}，事项 {found['items']} 项；{first.name}四级化事法阶梯 1 个")
    return CatalogueDemoResult(created=True, counts=found, accounts=accounts(first))


def _ladder(area: AdminArea, village_unit: Unit | None, password_hash: str) -> None:
    if village_unit is None or EscalationLadder.objects.filter(version=LADDER_VERSION, area=area).exists():
        return
    code = village_unit.code
    group = Unit.objects.create(
        code=f"{code}-G1",
        name=f"{area.name}第一村民小组",
        kind=Unit.Kind.VILLAGER_GROUP,
        parent=village_unit,
        area=area,
    )
    member = Unit.objects.create(
        code=f"{code}-H1",
        name=f"{area.name}联系户党员（第一村民小组）",
        kind=Unit.Kind.HOUSEHOLD_CONTACT,
        parent=group,
        area=area,
    )
    cloud = Unit.objects.create(
        code=f"{code}-Y",
        name=f"智慧{area.name.removesuffix('村')}党建平台",
        kind=Unit.Kind.OTHER,
        parent=village_unit,
        area=area,
    )
    _handler("household01", "邓海燕", member, password_hash)
    _handler("villagegroup01", "王家明", group, password_hash)
    _handler("cloudplatform01", "符云", cloud, password_hash)
    ladder = EscalationLadder.objects.create(
        version=LADDER_VERSION,
        name=f"{area.name}四级化事法",
        area=area,
        effective_from=date(2020, 1, 1),
        note="户联系、组协调、村处理、云化解；云化解仍未解决的转入全市直通联办阶梯",
    )
    EscalationLevel.objects.bulk_create(
        EscalationLevel(
            ladder=ladder,
            order=order,
            name=name,
            unit_kind=kind or "",
            unit=None if kind else cloud,
            limit=limit,
            limit_unit=limit_unit,
        )
        for order, name, kind, limit, limit_unit in LADDER
    )


def counts(first: AdminArea, second: AdminArea) -> dict:
    return {
        "catalogues": Catalogue.objects.filter(area__in=[first, second]).count(),
        "items": CatalogueItem.objects.filter(catalogue__area__in=[first, second]).count(),
        "ladders": EscalationLadder.objects.filter(version=LADDER_VERSION).count(),
    }


def accounts(first: AdminArea) -> list[tuple[str, str, str, str]]:
    rows = []
    for username, role in (
        ("household01", "联系户党员：四级化事法第一级，办理或提级本户联系的群众诉求"),
        ("villagegroup01", "村民小组长：四级化事法第二级"),
        ("cloudplatform01", "云平台值守：四级化事法第四级，未化解的转入全市直通联办"),
    ):
        staff = Staff.objects.filter(user__username=username).prefetch_related("units").first()
        if staff is not None:
            rows.append((username, staff.name, role, first.name))
    return rows
