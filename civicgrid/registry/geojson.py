"""GeoJSON import and export of administrative areas (行政区划) and grids (网格).

Imports validate every feature first and report all problems at once; only a file without
problems is written, in one transaction, with one audit row. Re-importing a file updates the
existing rows by code and never duplicates them.
"""

import json
import math
from dataclasses import dataclass, field

import shapely
from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from civicgrid.core.audit import record_event
from civicgrid.core.refusal import Refusal
from civicgrid.registry import locate
from civicgrid.registry.models import AdminArea, Grid

Level = AdminArea.Level

GRID_CODE_LENGTH = 15
COMMUNITY_CODE_LENGTH = AdminArea.CODE_LENGTHS[Level.VILLAGE]

# make_valid is accepted silently only when it changes the area by less than this fraction: that is
# digitising noise (DataV's 文昌市 has two islands sharing an edge), not a wrongly drawn boundary.
REPAIR_AREA_TOLERANCE = 1e-4
# Two grids of one file sharing less than this fraction of the smaller one are a digitising sliver;
# more is reported as a warning, and beyond the error fraction the file is refused.
OVERLAP_WARNING_FRACTION = 0.01
OVERLAP_ERROR_FRACTION = 0.10

EXPORT_LEVELS = ["grid", *AdminArea.ORDER]

# Level names as they appear in other people's files (DataV uses district/street).
LEVEL_ALIASES = {
    "province": Level.PROVINCE,
    "省": Level.PROVINCE,
    "city": Level.CITY,
    "市": Level.CITY,
    "county": Level.COUNTY,
    "district": Level.COUNTY,
    "县": Level.COUNTY,
    "区": Level.COUNTY,
    "县/区": Level.COUNTY,
    "town": Level.TOWN,
    "street": Level.TOWN,
    "乡镇": Level.TOWN,
    "街道": Level.TOWN,
    "乡镇/街道": Level.TOWN,
    "village": Level.VILLAGE,
    "community": Level.VILLAGE,
    "村": Level.VILLAGE,
    "社区": Level.VILLAGE,
    "村/社区": Level.VILLAGE,
}

GRID_KIND_ALIASES = {
    "basic": (Grid.Kind.BASIC, ""),
    "基础": (Grid.Kind.BASIC, ""),
    "基础网格": (Grid.Kind.BASIC, ""),
    # The category of a plain "dedicated" comes from a dedicated_type property, else stays as it was.
    "dedicated": (Grid.Kind.DEDICATED, None),
    "专属": (Grid.Kind.DEDICATED, None),
    "专属网格": (Grid.Kind.DEDICATED, None),
    **{value: (Grid.Kind.DEDICATED, value) for value in Grid.DedicatedType.values if value},
    **{str(label): (Grid.Kind.DEDICATED, value) for value, label in Grid.DedicatedType.choices if value},
    "市场": (Grid.Kind.DEDICATED, Grid.DedicatedType.MARKET),
    "港口": (Grid.Kind.DEDICATED, Grid.DedicatedType.PORT),
    "渔港": (Grid.Kind.DEDICATED, Grid.DedicatedType.PORT),
    "园区": (Grid.Kind.DEDICATED, Grid.DedicatedType.PARK),
}

_VALIDITY_REASONS = {
    "Self-intersection": "自相交",
    "Ring Self-intersection": "环自相交",
    "Too few points": "点数太少",
    "Hole lies outside shell": "内环（洞）位于外环之外",
    "Nested holes": "内环相互嵌套",
    "Nested shells": "外环相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Invalid Coordinate": "坐标无效",
    "Ring is not closed": "环未闭合",
}


class GeoJSONImportError(Refusal, ValueError):
    """The file cannot be imported; `problems` lists every problem found (nothing was written)."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        header = f"GeoJSON 导入失败，共 {len(self.problems)} 个问题，未写入任何数据："
        super().__init__("\n".join([header, *(f"  - {p}" for p in self.problems)]))


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    codes: list[str] = field(default_factory=list)
    created_parents: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class _Feature:
    index: int
    code: str | None
    name: str | None
    properties: dict
    geometry: dict | None = None
    shape: object = None
    level: str | None = None
    parent_code: str | None = None
    problems: list[str] = field(default_factory=list)
    repair_note: str | None = None

    @property
    def label(self) -> str:
        details = "、".join(
            part for part in (f"代码 {self.code}" if self.code else "", self.name or "") if part
        )
        return f"第 {self.index + 1} 个要素" + (f"（{details}）" if details else "")


def parse_geojson(raw: str | bytes) -> dict:
    """Decode a GeoJSON text (UTF-8, with or without BOM)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise GeoJSONImportError([f"文件不是 UTF-8 编码：{exc}"]) from None
    try:
        return json.loads(raw.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise GeoJSONImportError(
            [f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"]
        ) from None


def _normalise_code(value) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None if value is None else str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _text(value) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _read_features(data, code_field: str, name_field: str) -> list[_Feature]:
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        found = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise GeoJSONImportError([f"不是 GeoJSON FeatureCollection(type 为 {found!r})"])
    raw_features = data.get("features")
    if not isinstance(raw_features, list):
        raise GeoJSONImportError(["FeatureCollection 缺少 features 列表"])
    if not raw_features:
        raise GeoJSONImportError(["文件中没有任何要素（features 为空）"])

    features = []
    for index, raw in enumerate(raw_features):
        if not isinstance(raw, dict) or raw.get("type") != "Feature":
            feature = _Feature(index, None, None, {})
            feature.problems.append("不是 GeoJSON Feature")
            features.append(feature)
            continue
        properties = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
        feature = _Feature(
            index, _normalise_code(properties.get(code_field)), _text(properties.get(name_field)), properties
        )
        if feature.code is None:
            feature.problems.append(f"缺少字段 {code_field}（代码）")
        if feature.name is None:
            feature.problems.append(f"缺少字段 {name_field}（名称）")
        elif len(feature.name) > 100:
            feature.problems.append("名称超过 100 个字符")
        _check_geometry(feature, raw.get("geometry"))
        features.append(feature)

    first_seen: dict[str, _Feature] = {}
    for feature in features:
        if feature.code is None:
            continue
        if feature.code in first_seen:
            feature.problems.append(
                f"代码 {feature.code} 在文件中重复（与{first_seen[feature.code].label}相同）"
            )
        else:
            first_seen[feature.code] = feature
    return features


def _check_geometry(feature: _Feature, geometry) -> None:
    if not isinstance(geometry, dict) or not geometry:
        feature.problems.append("缺少几何图形（geometry）")
        return
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        feature.problems.append(f"几何类型应为 Polygon 或 MultiPolygon，实际为 {kind or '空'}")
        return
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        feature.problems.append(f"几何坐标格式错误，无法解析（{exc}）")
        return
    if geom.is_empty:
        feature.problems.append("几何图形为空（没有坐标）")
        return
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds):
        feature.problems.append("坐标中含有非数字的值")
        return
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        feature.problems.append(
            f"坐标超出经纬度范围（经度 {min_lon:.6g}~{max_lon:.6g}，纬度 {min_lat:.6g}~{max_lat:.6g}），"
            "应为 WGS-84 经纬度：经度 -180~180，纬度 -90~90；是否为投影坐标或经纬度写反？"
        )
        return
    if not geom.is_valid:
        reason = _describe_invalid(geom)
        repaired = shapely.make_valid(geom)
        if repaired.geom_type == "GeometryCollection":
            repaired = shapely.union_all(
                [g for g in repaired.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
            )
        change = abs(repaired.area - geom.area) / geom.area if geom.area > 0 else math.inf
        if (
            repaired.geom_type in ("Polygon", "MultiPolygon")
            and not repaired.is_empty
            and change < REPAIR_AREA_TOLERANCE
        ):
            # Through JSON so that a re-import compares equal to what the database returns.
            feature.geometry, feature.shape = json.loads(json.dumps(mapping(repaired))), repaired
            feature.repair_note = f"几何图形{reason}，差异极小（面积变化 {change:.2e}），已自动修复"
            return
        feature.problems.append(f"几何图形无效：{reason}")
        return
    feature.geometry, feature.shape = geometry, geom


def _describe_invalid(geom) -> str:
    explanation = explain_validity(geom)
    reason, _, where = explanation.partition("[")
    reason = _VALIDITY_REASONS.get(reason.strip(), reason.strip())
    coords = where.rstrip("]").split()
    if len(coords) >= 2:
        try:
            return f"{reason}（位于 {float(coords[0]):.6f}, {float(coords[1]):.6f} 附近）"
        except ValueError:
            pass
    return reason


def _repair_warnings(features: list[_Feature]) -> list[str]:
    return [f"{f.label}：{f.repair_note}" for f in features if f.repair_note]


def _raise_if_problems(features: list[_Feature], extra: list[str] = ()) -> None:
    problems = list(extra) + [f"{f.label}：{p}" for f in features for p in f.problems]
    if problems:
        raise GeoJSONImportError(problems)


def _level_above(level: str, code: str) -> str | None:
    if level == Level.PROVINCE:
        return None
    if level == Level.COUNTY:
        # County-level units directly under the province (省直辖县级市, e.g. 琼海市) hang from a province
        # code (xx0000); the others from a prefecture city.
        return Level.PROVINCE if code.endswith("0000") else Level.CITY
    return AdminArea.ORDER[AdminArea.ORDER.index(level) - 1]


def _rank(level: str) -> int:
    return AdminArea.ORDER.index(level)


def _parse_level(value) -> str | None:
    text = _text(value)
    if text is None:
        return None
    return LEVEL_ALIASES.get(text.lower(), LEVEL_ALIASES.get(text))


def _check_code(code: str, level: str, what: str = "代码") -> str | None:
    expected = AdminArea.CODE_LENGTHS[level]
    if not code.isdigit():
        return f"{what} {code} 应为纯数字"
    if len(code) != expected:
        return f"{what} {code} 应为 {expected} 位（{Level(level).label}），实际 {len(code)} 位"
    return None


def _feature_parent(properties: dict, parent_field: str, code_field: str) -> str | None:
    raw = properties.get(parent_field)
    if isinstance(raw, dict):
        for key in (code_field, "adcode", "code"):
            if raw.get(key) not in (None, ""):
                return _normalise_code(raw[key])
        return None
    return _normalise_code(raw)


def import_areas(
    data: dict,
    *,
    level: str,
    code_field: str = "adcode",
    name_field: str = "name",
    parent_code=None,
    parent_name: str | None = None,
    parent_field: str = "parent",
    level_field: str | None = None,
    actor=None,
) -> ImportResult:
    """Create or update administrative areas from a GeoJSON FeatureCollection, keyed by code.

    `level` applies to every feature (or is the fallback when `level_field` names a property holding
    each feature's level). The parent of each feature is `parent_code` when given (created as
    `parent_name` one level up if it does not exist yet), else the feature's `parent_field` property
    (a code, or a dict such as DataV's {"adcode": 460100}) naming an area in the database or in the
    same file; features without any parent become roots.
    """
    default_level = _parse_level(level)
    if default_level is None:
        raise GeoJSONImportError([f"未知的层级 {level!r}，可选：{'、'.join(AdminArea.ORDER)}"])
    features = _read_features(data, code_field, name_field)
    global_problems: list[str] = []
    warnings: list[str] = []

    for feature in features:
        feature.level = default_level
        if level_field and feature.properties.get(level_field) not in (None, ""):
            feature.level = _parse_level(feature.properties[level_field])
            if feature.level is None:
                feature.problems.append(f"层级 {feature.properties[level_field]!r} 无法识别")
        if feature.code and feature.level and (problem := _check_code(feature.code, feature.level)):
            feature.problems.append(problem)

    in_file = {f.code: f for f in features if f.code}
    existing = {a.code: a for a in AdminArea.objects.filter(code__in=list(in_file)).select_related("parent")}

    explicit_parent = _normalise_code(parent_code)
    parent_to_create = None
    if explicit_parent is None and parent_name:
        global_problems.append("提供了上级区划名称，但没有提供上级区划代码")
    if explicit_parent is not None:
        if explicit_parent not in in_file and not AdminArea.objects.filter(code=explicit_parent).exists():
            above = _level_above(default_level, explicit_parent)
            if not parent_name:
                global_problems.append(
                    f"上级区划 {explicit_parent} 不存在；如需自动创建，请同时提供上级区划名称"
                )
            elif above is None:
                global_problems.append(f"{Level(default_level).label}级区划没有上级，不能指定上级区划")
            elif problem := _check_code(explicit_parent, above, "上级区划代码"):
                global_problems.append(problem)
            else:
                parent_to_create = AdminArea(code=explicit_parent, name=parent_name.strip(), level=above)
        differing = sum(
            1
            for f in features
            if (own := _feature_parent(f.properties, parent_field, code_field)) and own != explicit_parent
        )
        if differing:
            warnings.append(
                f"{differing} 个要素在文件中的上级与指定的上级 {explicit_parent} 不同，已按指定的上级导入"
            )

    referenced = {_feature_parent(f.properties, parent_field, code_field) for f in features}
    if explicit_parent:
        referenced = {explicit_parent}
    db_parents = {a.code: a for a in AdminArea.objects.filter(code__in=[c for c in referenced if c])}

    def level_of(code: str) -> str | None:
        if code in in_file:
            return in_file[code].level
        if parent_to_create is not None and code == parent_to_create.code:
            return parent_to_create.level
        return db_parents[code].level if code in db_parents else None

    for feature in features:
        ref = explicit_parent or _feature_parent(feature.properties, parent_field, code_field)
        feature.parent_code = ref
        if ref is None or feature.level is None or not feature.code:
            continue
        if ref == feature.code:
            feature.problems.append("上级区划不能是自身")
            continue
        parent_level = level_of(ref)
        if parent_level is None:
            if not explicit_parent:
                feature.problems.append(f"上级区划 {ref} 不存在（数据库和本文件中都没有）")
            continue
        if _rank(parent_level) >= _rank(feature.level):
            feature.problems.append(
                f"上级区划 {ref} 的层级为{Level(parent_level).label}，应高于本级（{Level(feature.level).label}）"
            )

    _check_existing_children(features, existing)
    _raise_if_problems(features, global_problems)
    warnings = _repair_warnings(features) + warnings

    with transaction.atomic():
        result = ImportResult(warnings=warnings)
        saved: dict[str, AdminArea] = dict(db_parents)
        if parent_to_create is not None:
            parent_to_create.save()
            saved[parent_to_create.code] = parent_to_create
            result.created_parents.append(parent_to_create.code)
        created, updated = [], []
        for feature in sorted(features, key=lambda f: (_rank(f.level), f.index)):
            parent = saved.get(feature.parent_code) if feature.parent_code else None
            area = existing.get(feature.code)
            if area is None:
                area = AdminArea(code=feature.code)
                created.append(feature.code)
            elif (area.name, area.level, area.parent_id, area.geometry) == (
                feature.name,
                feature.level,
                parent.pk if parent else None,
                feature.geometry,
            ):
                saved[feature.code] = area
                result.unchanged += 1
                result.codes.append(feature.code)
                continue
            else:
                updated.append(feature.code)
            area.name, area.level, area.parent, area.geometry = (
                feature.name,
                feature.level,
                parent,
                feature.geometry,
            )
            area.save()
            saved[feature.code] = area
            result.codes.append(feature.code)
        result.created, result.updated = len(created), len(updated)
        record_event(
            actor=actor,
            action="registry.areas_imported",
            summary=(
                f"导入行政区划（{Level(default_level).label}）：新增 {result.created}，"
                f"更新 {result.updated}，未变 {result.unchanged}"
            ),
            level=default_level,
            created=created,
            updated=updated,
            unchanged=result.unchanged,
            created_parents=result.created_parents,
        )
        transaction.on_commit(locate.invalidate)
    return result


def _check_existing_children(features: list[_Feature], existing: dict) -> None:
    """An area whose level changes must stay above the children it keeps.

    Only province/city/county share a code length, so only they can change level; a village (the
    only level grids hang from) never can.
    """
    changed = {
        f.code: f for f in features if f.code in existing and f.level and existing[f.code].level != f.level
    }
    if not changed:
        return
    in_file = {f.code for f in features}
    for child in AdminArea.objects.filter(parent__code__in=list(changed)).exclude(code__in=list(in_file)):
        feature = changed[child.parent.code]
        if _rank(child.level) <= _rank(feature.level):
            feature.problems.append(
                f"不能改为{Level(feature.level).label}级：其下级区划 {child.name}（{child.code}）"
                f"为{child.get_level_display()}级"
            )


def _parse_grid_kind(value) -> tuple[str, str] | None:
    text = _text(value)
    if text is None:
        return None
    return GRID_KIND_ALIASES.get(text.lower(), GRID_KIND_ALIASES.get(text))


def _grid_kind(properties: dict, kind_field: str, grid: Grid | None) -> tuple[str, str]:
    kind, dedicated_type = _parse_grid_kind(properties[kind_field])
    if dedicated_type is None:
        named = _parse_grid_kind(properties.get("dedicated_type"))
        if named and named[1]:
            dedicated_type = named[1]
        elif grid is not None and grid.dedicated_type:
            dedicated_type = grid.dedicated_type
        else:
            dedicated_type = Grid.DedicatedType.OTHER
    return kind, dedicated_type


def _parse_households(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if value >= 0 else None
    text = _text(value)
    return int(text) if text is not None and text.isdigit() else None


def import_grids(
    data: dict,
    *,
    code_field: str = "code",
    name_field: str = "name",
    community_field: str | None = None,
    kind_field: str | None = None,
    households_field: str | None = None,
    actor=None,
) -> ImportResult:
    """Create or update grids from a GeoJSON FeatureCollection, keyed by their 15-digit code.

    The community is the village-level area whose code is the first 12 digits of the grid code (or
    the `community_field` property, which must agree with it). Kind and households are only changed
    when their field is given. Grids of the file overlapping each other are refused beyond
    OVERLAP_ERROR_FRACTION and reported as warnings above OVERLAP_WARNING_FRACTION.
    """
    features = _read_features(data, code_field, name_field)
    communities_wanted = set()
    for feature in features:
        if feature.code:
            if not feature.code.isdigit() or len(feature.code) != GRID_CODE_LENGTH:
                feature.problems.append(
                    f"网格编码 {feature.code} 应为 {GRID_CODE_LENGTH} 位数字"
                    "（6 位县级 + 3 位乡镇 + 3 位村社区 + 3 位顺序码）"
                )
            else:
                feature.parent_code = feature.code[:COMMUNITY_CODE_LENGTH]
        if community_field:
            community = _normalise_code(feature.properties.get(community_field))
            if community is None:
                feature.problems.append(f"缺少字段 {community_field}（所属村/社区代码）")
            elif feature.parent_code and community != feature.parent_code:
                feature.problems.append(
                    f"网格编码前 {COMMUNITY_CODE_LENGTH} 位 {feature.parent_code} 与所属村/社区代码 {community} 不一致"
                )
            else:
                feature.parent_code = community
        if kind_field and _parse_grid_kind(feature.properties.get(kind_field)) is None:
            labels = "、".join(
                [*(str(label) for _, label in Grid.Kind.choices), "或专属网格类别（市场、学校…）"]
            )
            feature.problems.append(
                f"网格类型 {feature.properties.get(kind_field)!r} 无法识别，可用：{labels}"
            )
        if households_field and _parse_households(feature.properties.get(households_field)) is None:
            feature.problems.append(f"户数应为非负整数，实际为 {feature.properties.get(households_field)!r}")
        if feature.parent_code:
            communities_wanted.add(feature.parent_code)

    communities = {a.code: a for a in AdminArea.objects.filter(code__in=list(communities_wanted))}
    for feature in features:
        if not feature.parent_code:
            continue
        community = communities.get(feature.parent_code)
        if community is None:
            feature.problems.append(f"所属村/社区 {feature.parent_code} 不存在，请先导入行政区划")
        elif community.level != Level.VILLAGE:
            feature.problems.append(
                f"{community.name}（{community.code}）的层级为{community.get_level_display()}，不是村/社区"
            )

    overlap_problems, warnings = _grid_overlaps(features)
    _raise_if_problems(features, overlap_problems)
    warnings = _repair_warnings(features) + warnings + _overlaps_with_existing_grids(features)

    existing = {g.code: g for g in Grid.objects.filter(code__in=[f.code for f in features])}
    with transaction.atomic():
        result = ImportResult(warnings=warnings)
        created, updated = [], []
        for feature in features:
            grid = existing.get(feature.code)
            values = {
                "name": feature.name,
                "community_id": communities[feature.parent_code].pk,
                "geometry": feature.geometry,
            }
            if kind_field:
                values["kind"], values["dedicated_type"] = _grid_kind(feature.properties, kind_field, grid)
            if households_field:
                values["households"] = _parse_households(feature.properties[households_field])
            if grid is None:
                grid = Grid(code=feature.code)
                created.append(feature.code)
            elif all(getattr(grid, key) == value for key, value in values.items()):
                result.unchanged += 1
                result.codes.append(feature.code)
                continue
            else:
                updated.append(feature.code)
            for key, value in values.items():
                setattr(grid, key, value)
            grid.save()
            result.codes.append(feature.code)
        result.created, result.updated = len(created), len(updated)
        record_event(
            actor=actor,
            action="registry.grids_imported",
            summary=f"导入网格：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}",
            created=created,
            updated=updated,
            unchanged=result.unchanged,
            warnings=warnings,
        )
        transaction.on_commit(locate.invalidate)
    return result


def _grid_overlaps(features: list[_Feature]) -> tuple[list[str], list[str]]:
    shaped = [f for f in features if f.shape is not None]
    if len(shaped) < 2:
        return [], []
    geometries = [f.shape for f in shaped]
    tree = shapely.STRtree(geometries)
    left, right = tree.query(geometries, predicate="intersects")
    problems, warnings = [], []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i >= j:
            continue
        a, b = shaped[i], shaped[j]
        smaller = min(a.shape.area, b.shape.area)
        if smaller <= 0:
            continue
        fraction = a.shape.intersection(b.shape).area / smaller
        message = f"{a.label}与{b.label}重叠，占较小者面积的 {fraction:.1%}"
        if fraction > OVERLAP_ERROR_FRACTION:
            problems.append(message)
        elif fraction > OVERLAP_WARNING_FRACTION:
            warnings.append(message)
    return problems, warnings


def _overlaps_with_existing_grids(features: list[_Feature]) -> list[str]:
    """Warnings for grids of the file overlapping grids already registered (and not in the file)."""
    shaped = [f for f in features if f.shape is not None]
    if not shaped:
        return []
    min_lon, min_lat, max_lon, max_lat = shapely.total_bounds([f.shape for f in shaped])
    others = list(
        Grid.objects.filter(
            is_active=True,
            geometry__isnull=False,
            min_lon__lte=max_lon,
            max_lon__gte=min_lon,
            min_lat__lte=max_lat,
            max_lat__gte=min_lat,
        )
        .exclude(code__in=[f.code for f in features])
        .order_by("code")
        .values_list("code", "name", "geometry")
    )
    if not others:
        return []
    other_shapes = [shape(geometry) for _, _, geometry in others]
    tree = shapely.STRtree(other_shapes)
    warnings = []
    for feature in shaped:
        for position in sorted(tree.query(feature.shape, predicate="intersects").tolist()):
            other = other_shapes[position]
            smaller = min(feature.shape.area, other.area)
            if smaller <= 0 or not other.is_valid:
                continue
            fraction = feature.shape.intersection(other).area / smaller
            if fraction > OVERLAP_WARNING_FRACTION:
                code, name = others[position][:2]
                warnings.append(
                    f"{feature.label}与已有网格 {name}（{code}）重叠，占较小者面积的 {fraction:.1%}"
                )
    return warnings


def export_geojson(level: str) -> dict:
    """A FeatureCollection of the grids ("grid") or the areas of one level that have a boundary.

    Properties: code, name, level, parent (code), households (for areas: the total of their active
    grids), and for grids kind and dedicated_type. Inactive grids and shapes without a boundary are
    left out: maps cannot draw them.
    """
    if level not in EXPORT_LEVELS:
        raise ValueError(f"未知的层级 {level!r}，可选：{'、'.join(EXPORT_LEVELS)}")
    if level == "grid":
        grids = Grid.objects.filter(is_active=True, geometry__isnull=False).select_related("community")
        features = [
            _feature(
                grid.geometry,
                code=grid.code,
                name=grid.name,
                level="grid",
                kind=grid.kind,
                dedicated_type=grid.dedicated_type,
                parent=grid.community.code,
                households=grid.households,
            )
            for grid in grids.order_by("code")
        ]
    else:
        households = _area_households()
        areas = AdminArea.objects.filter(level=level, geometry__isnull=False).select_related("parent")
        features = [
            _feature(
                area.geometry,
                code=area.code,
                name=area.name,
                level=area.level,
                parent=area.parent.code if area.parent else None,
                households=households.get(area.pk, 0),
            )
            for area in areas.order_by("code")
        ]
    return {"type": "FeatureCollection", "features": features}


def _feature(geometry: dict, **properties) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _area_households() -> dict[int, int]:
    parents = dict(AdminArea.objects.values_list("id", "parent_id"))
    totals: dict[int, int] = {}
    for community_id, households in Grid.objects.filter(is_active=True).values_list(
        "community_id", "households"
    ):
        node, seen = community_id, set()
        while node is not None and node not in seen:
            seen.add(node)
            totals[node] = totals.get(node, 0) + households
            node = parents.get(node)
    return totals
