"""The demo city's dispatch catalogue (派单目录) and first direct-dispatch table (第一批网格办件直派表).

Rows name categories of the seeded taxonomy (version 2026.1) by code and name, and units by the code
suffixes that civicgrid.demo.city gives them ("469099-ZJJ"). Building twice changes nothing.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from civicgrid.registry.models import AdminArea, Unit
from civicgrid.routing.models import Category, DirectDispatchRule
from civicgrid.routing.services import catalogue_entry_upsert, direct_rule_upsert

TAXONOMY_VERSION = "2026.1"
CATALOGUE_VERSION = "2026年版"
DIRECT_VERSION = "第一批（暂行）"

# (category code, category name, handling unit, co-units). An entry covers the sub-categories
# too, unless a more specific entry says otherwise. 社区治理 (10) is left out on purpose: those
# matters have no functional-department owner and go to the grid through the direct table.
CATALOGUE = [
    ("0101", "物业管理", "ZJJ", []),
    ("0102", "违章建筑", "ZHZFJ", ["ZRZYJ"]),
    ("0103", "建筑施工", "ZJJ", []),
    ("0104", "房屋安全", "ZJJ", []),
    ("010501", "商品房交付", "ZJJ", []),
    ("010502", "不动产登记", "ZRZYJ", []),
    ("02", "环境保护", "STHJJ", []),
    ("020202", "商业经营噪音", "ZHZFJ", []),
    ("020203", "娱乐场所噪音", "GAJ", []),
    ("03", "交通运输", "JTYSJ", []),
    ("0304", "道路破损", "ZJJ", []),
    ("0305", "交通设施", "GAJ", []),
    ("0306", "停车管理", "GAJ", ["ZHZFJ"]),
    ("04", "市场监管", "SCJGJ", []),
    ("05", "劳动和社会保障", "RSJ", []),
    ("0505", "医保报销", "YBJ", []),
    ("06", "教育文体", "JYJ", []),
    ("0605", "文体设施", "LWJ", []),
    ("07", "卫生健康", "WJW", []),
    ("0801", "供水", "SWJT", []),
    ("0802", "供电", "GDJ", []),
    ("0803", "燃气", "RQGS", []),
    ("080302", "燃气安全", "RQGS", ["ZJJ"]),
    ("09", "城市管理", "ZHZFJ", []),
    ("0905", "园林绿化", "ZJJ", []),
    ("090601", "井盖缺失", "ZJJ", []),
    ("090602", "排水内涝", "SWJ", []),
    ("11", "民政服务", "MZJ", []),
    ("12", "农业农村", "NYNCJ", []),
    ("1201", "农村饮水", "SWJ", ["NYNCJ"]),
    ("1203", "农村宅基地", "NYNCJ", ["ZRZYJ"]),
    ("13", "公共安全", "YJJ", []),
    ("1303", "治安问题", "GAJ", []),
    ("1304", "户籍证件", "GAJ", []),
    ("1305", "防汛防台", "YJJ", ["SWJ"]),
    ("14", "旅游文化", "LWJ", []),
    ("1401", "旅游投诉", "LWJ", ["SCJGJ"]),
    # The demo city has no 政务服务管理局: the government office takes these, the hotline its own.
    ("15", "政务服务", "GOV", []),
    ("1504", "热线服务", "12345", []),
    ("16", "其他", "GOV", []),
]

GRID_CRITERIA = "网格员到场核实并处置或调解，上传现场照片，回复诉求人"
JOINT_CRITERIA = "主办单位牵头现场处置，协办单位和网格配合，附处置前后照片"


@dataclass(frozen=True)
class DirectItem:
    code: str
    name: str
    lead: str | None = None
    co: tuple[str, ...] = ()

    @property
    def mode(self) -> str:
        return DirectDispatchRule.Mode.JOINT if self.lead else DirectDispatchRule.Mode.SIMPLE


DIRECT_TABLE = [
    DirectItem("1001", "邻里纠纷"),
    DirectItem("1002", "小区设施"),
    DirectItem("1003", "楼道堆物"),
    DirectItem("1004", "环境卫生"),
    DirectItem("1005", "犬只管理"),
    DirectItem("1006", "社区事务"),
    DirectItem("0901", "占道经营", lead="ZHZFJ", co=("SCJGJ",)),
    DirectItem("0902", "垃圾清运", lead="ZHZFJ"),
    DirectItem("0201", "餐饮油烟", lead="STHJJ", co=("ZHZFJ",)),
    DirectItem("0102", "违章建筑", lead="ZHZFJ", co=("ZJJ",)),
]


def _category(code: str, name: str) -> Category:
    category = Category.objects.filter(version=TAXONOMY_VERSION, code=code).first()
    if category is None or category.name != name:
        found = f"「{category.name}」" if category else "不存在"
        raise ValueError(f"业务分类 {TAXONOMY_VERSION} 中编码 {code} 应为「{name}」，实际{found}")
    return category


def _units(city: AdminArea) -> dict[str, Unit]:
    prefix = f"{city.code}-"
    return {u.code.removeprefix(prefix): u for u in Unit.objects.filter(code__startswith=prefix)}


def _unit(units: dict[str, Unit], city: AdminArea, suffix: str) -> Unit:
    if suffix not in units:
        raise ValueError(f"示范城市缺少单位 {city.code}-{suffix}，无法生成派单目录")
    return units[suffix]


@transaction.atomic
def build_routing_tables(*, city: AdminArea, effective_from: date) -> dict[str, int]:
    """Create or update the demo catalogue and direct table; returns how many rows each has."""
    units = _units(city)
    for code, name, unit, co in CATALOGUE:
        catalogue_entry_upsert(
            version=CATALOGUE_VERSION,
            category=_category(code, name),
            unit=_unit(units, city, unit),
            co_units=[_unit(units, city, s) for s in co],
            effective_from=effective_from,
        )
    # After the catalogue: the direct table's guard checks each simple item against it.
    for item in DIRECT_TABLE:
        joint = item.mode == DirectDispatchRule.Mode.JOINT
        direct_rule_upsert(
            version=DIRECT_VERSION,
            category=_category(item.code, item.name),
            mode=item.mode,
            lead_unit=_unit(units, city, item.lead) if joint else None,
            co_units=[_unit(units, city, s) for s in item.co],
            include_grid=True,
            effective_from=effective_from,
            completion_criteria=JOINT_CRITERIA if joint else GRID_CRITERIA,
        )
    return {"catalogue": len(CATALOGUE), "direct": len(DIRECT_TABLE)}
