"""Registers: who and where. Areas, grids, units, staff and places (人、地、组织)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.registry.geometry import bbox_of


class GeoShape(models.Model):
    """A polygon stored as GeoJSON (WGS-84) with its bounding box for cheap pre-filtering."""

    geometry = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    min_lon = models.FloatField(_("最小经度"), null=True, blank=True, editable=False)
    min_lat = models.FloatField(_("最小纬度"), null=True, blank=True, editable=False)
    max_lon = models.FloatField(_("最大经度"), null=True, blank=True, editable=False)
    max_lat = models.FloatField(_("最大纬度"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = bbox_of(self.geometry)
        super().save(*args, **kwargs)


class AdminArea(GeoShape):
    """行政区划: province → city → county/district → town/street → village/community."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县/区")
        TOWN = "town", _("乡镇/街道")
        VILLAGE = "village", _("村/社区")

    # Statistical division codes: 6 digits down to county, 9 for towns, 12 for villages/communities.
    CODE_LENGTHS = {
        Level.PROVINCE: 6,
        Level.CITY: 6,
        Level.COUNTY: 6,
        Level.TOWN: 9,
        Level.VILLAGE: 12,
    }
    ORDER = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWN, Level.VILLAGE]
    # In a 12-digit statistical code the last three digits of a village-level area say which committee runs it:
    # 001-199 a 居民委员会 (社区), 200-399 a 村民委员会 (村).
    VILLAGE_COMMITTEE_CODES = range(200, 400)

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"

    def clean(self):
        expected = self.CODE_LENGTHS.get(self.level)
        if expected and (len(self.code) != expected or not self.code.isdigit()):
            raise ValidationError(
                {
                    "code": _("%(level)s的区划代码应为 %(n)d 位数字")
                    % {"level": self.get_level_display(), "n": expected}
                }
            )
        if self.parent_id and self.parent.level_rank >= self.level_rank:
            raise ValidationError({"parent": _("上级区划的层级必须高于本级")})

    @property
    def is_village(self) -> bool:
        """A 村 rather than a 社区, read from its code (a village's rules such as 四议两公开 apply to it)."""
        tail = self.code[9:12]
        return (
            self.level == self.Level.VILLAGE and tail.isdigit() and int(tail) in self.VILLAGE_COMMITTEE_CODES
        )

    @property
    def level_rank(self) -> int:
        return self.ORDER.index(self.level)

    def ancestors(self) -> list["AdminArea"]:
        """From the root down to and including this area."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def path_display(self) -> str:
        return " / ".join(a.name for a in self.ancestors())


class Grid(GeoShape):
    """网格: the smallest management area, coded 6 county + 3 town + 3 community + 3 sequence digits."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("基础网格")
        DEDICATED = "dedicated", _("专属网格")

    class DedicatedType(models.TextChoices):
        NONE = "", _("无")
        MARKET = "market", _("市场")
        PORT = "port", _("港口/渔港")
        SCHOOL = "school", _("学校")
        SEA = "sea", _("海域")
        PARK = "park", _("园区")
        HOSPITAL = "hospital", _("医院")
        OTHER = "other", _("其他")

    code = models.CharField(_("网格编码"), max_length=15, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.BASIC)
    dedicated_type = models.CharField(
        _("专属网格类别"), max_length=10, choices=DedicatedType.choices, default="", blank=True
    )
    community = models.ForeignKey(
        AdminArea,
        verbose_name=_("所属村/社区"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"level": AdminArea.Level.VILLAGE},
    )
    households = models.PositiveIntegerField(_("户数"), default=0)
    leader = models.ForeignKey(
        "Staff",
        verbose_name=_("网格长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_grids",
    )
    workers = models.ManyToManyField("Staff", verbose_name=_("网格员"), blank=True, related_name="grids")
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name}({self.code})"

    def clean(self):
        if len(self.code) != 15 or not self.code.isdigit():
            raise ValidationError(
                {"code": _("网格编码应为 15 位数字（6 位县级 + 3 位乡镇 + 3 位村社区 + 3 位顺序码）")}
            )
        if self.community_id and self.code[:12] != self.community.code:
            raise ValidationError(
                {"code": _("网格编码前 12 位应与所属村/社区代码 %(c)s 一致") % {"c": self.community.code}}
            )
        if self.kind == self.Kind.DEDICATED and not self.dedicated_type:
            raise ValidationError({"dedicated_type": _("专属网格需要选择类别（市场、港口、学校、海域等）")})


class Unit(models.Model):
    """承办单位 and other organisations, in a tree (职能部门, 镇街, 村社区, 网格工作组, 企业, 物业…)."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("职能部门")
        TOWN = "town", _("乡镇/街道")
        COMMUNITY = "community", _("村/社区")
        GRID_TEAM = "grid_team", _("网格工作组")
        HOTLINE_CENTRE = "hotline_centre", _("热线中心")
        ENTERPRISE = "enterprise", _("企业")
        PROPERTY = "property", _("物业公司")
        # 四级化事法: the first rungs of a village's own ladder, below the 村委会, where a matter can be held.
        VILLAGER_GROUP = "villager_group", _("村民小组")
        HOUSEHOLD_CONTACT = "household_contact", _("联系户党员")
        OTHER = "other", _("其他")

    code = models.CharField(_("单位编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    is_functional_department = models.BooleanField(
        _("职能部门"),
        default=False,
        help_text=_("职能部门的事项不得下派到网格（国办函〔2025〕66号）。"),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("所在区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("负责网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
        help_text=_("网格工作组对应的网格"),
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.kind == self.Kind.GRID_TEAM and not self.grid_id:
            raise ValidationError({"grid": _("网格工作组必须指定负责的网格")})
        if self.kind == self.Kind.GRID_TEAM and self.is_functional_department:
            raise ValidationError({"is_functional_department": _("网格工作组不能标为职能部门")})
        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": _("上级单位不能形成循环")})
            seen.add(node.pk)
            node = node.parent


class Role(models.Model):
    """A staff role; rows are seeded and referred to by code."""

    OPERATOR = "operator"
    DISPATCHER = "dispatcher"
    UNIT_HANDLER = "unit_handler"
    GRID_WORKER = "grid_worker"
    GRID_LEADER = "grid_leader"
    CALLBACK_AGENT = "callback_agent"
    SUPERVISOR = "supervisor"
    LEADER = "leader"
    ORGANISATION_STAFF = "organisation_staff"
    PARTY_SECRETARY = "party_secretary"
    ADMINISTRATOR = "administrator"

    SEED = [
        (OPERATOR, "话务员"),
        (DISPATCHER, "派单员"),
        (UNIT_HANDLER, "承办联络员"),
        (GRID_WORKER, "网格员"),
        (GRID_LEADER, "网格长"),
        (CALLBACK_AGENT, "回访员"),
        (SUPERVISOR, "督办员"),
        (LEADER, "领导"),
        (ORGANISATION_STAFF, "组织部工作人员"),
        (PARTY_SECRETARY, "党组织书记"),
        (ADMINISTRATOR, "系统管理员"),
    ]

    code = models.CharField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=30)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Staff(models.Model):
    """A staff member: a Django user with roles, scoped to units and (through Grid.workers) grids."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="staff"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), related_name="staff")
    units = models.ManyToManyField(Unit, verbose_name=_("所属单位"), blank=True, related_name="staff")

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["user__username"]

    def __str__(self):
        return f"{self.name}({self.user.username})"

    def has_role(self, code: str) -> bool:
        return self.roles.filter(code=code).exists()


class Place(models.Model):
    """地名: compounds, markets, schools, ports; the gazetteer that addresses are matched against."""

    class Kind(models.TextChoices):
        COMPOUND = "compound", _("小区")
        MARKET = "market", _("市场")
        SCHOOL = "school", _("学校")
        PORT = "port", _("港口/码头")
        HOSPITAL = "hospital", _("医院")
        PARK = "park", _("公园/广场")
        ROAD = "road", _("道路")
        VILLAGE = "village", _("自然村")
        PUBLIC = "public", _("机关/公共设施")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100)
    aliases = models.CharField(_("别名"), max_length=300, blank=True, help_text=_("多个别名用逗号分隔"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lon = models.FloatField(_("经度（WGS-84）"), null=True, blank=True)
    lat = models.FloatField(_("纬度（WGS-84）"), null=True, blank=True)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所在网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="places",
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("地名")
        verbose_name_plural = _("地名")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "address"], name="place_name_address_unique")]

    def __str__(self):
        return self.name

    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace(",", ",").split(",") if a.strip()]
