"""The party register: organisations in a tree, party grids, committees and terms, members, relation transfers,
pioneer posts, shock teams, deployments, organisational life and the rules (versioned configuration).

Derived values (term due date, probation due date, lost-contact stage, quorum) are computed in one place each:
the methods here; warnings over them live in `party.warnings`, compliance in `party.compliance`.
"""

import calendar
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from civicgrid.core.idnumbers import FEMALE, MALE
from civicgrid.core.masking import mask_person_name, mask_phone  # noqa: F401 (re-exported)
from civicgrid.core.models import Effective
from civicgrid.registry.models import AdminArea, Grid, Unit


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day (29 Feb + 12 → 28 Feb)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)


# ----------------------------------------------------------------------------------------------- organisations


class PartyOrgQuerySet(models.QuerySet):
    def active_at(self, day: date):
        """Founded on or before `day` (or undated) and not dissolved by then."""
        return self.filter(Q(founded_on__isnull=True) | Q(founded_on__lte=day)).filter(
            Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=day)
        )

    def subtree_of(self, org: "PartyOrg"):
        """The organisation and every organisation under it (materialised path)."""
        return self.filter(path__startswith=org.path)

    def in_areas(self, area_ids):
        return self.filter(area_id__in=list(area_ids))


class PartyOrg(models.Model):
    """党组织: 党委, 党总支, 党支部 or 党工委, in a tree; attached to a unit, an area and grids."""

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("党委")
        GENERAL_BRANCH = "general_branch", _("党总支")
        BRANCH = "branch", _("党支部")
        WORKING_COMMITTEE = "working_committee", _("党工委")

    class Setup(models.TextChoices):
        UNIT = "unit", _("单位")
        ORGAN = "organ", _("机关")
        COMMUNITY = "community", _("社区")
        VILLAGE = "village", _("村")
        GRID = "grid", _("网格")
        PROJECT = "project", _("项目")
        COMPOUND = "compound", _("小区")
        BOAT = "boat", _("渔船")
        CHAIN = "chain", _("产业链")
        PARK = "park", _("园区")
        TWO_NEW = "two_new", _("两新")
        SEASONAL = "seasonal", _("候鸟")

    # Village and community organisations serve 5-year terms whatever their kind (任期意见 2018).
    VILLAGE_OR_COMMUNITY = (Setup.COMMUNITY, Setup.VILLAGE)

    code = models.CharField(_("组织代码"), max_length=40, unique=True)
    name = models.CharField(_("组织名称"), max_length=120)
    kind = models.CharField(_("组织类别"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/12/45/": the ids from the root down to and including this one; kept by save() and rebuild_paths().
    path = models.CharField(
        _("组织路径"), max_length=255, blank=True, default="", editable=False, db_index=True
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_orgs",
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="party_orgs"
    )
    setup = models.CharField(_("设置方式"), max_length=20, choices=Setup.choices)
    is_joint = models.BooleanField(_("联合党支部"), default=False)
    joint_units = models.ManyToManyField(
        Unit, verbose_name=_("联合单位"), blank=True, related_name="joint_party_orgs"
    )
    is_temporary = models.BooleanField(_("临时党组织"), default=False)
    temp_task = models.CharField(_("临时任务"), max_length=200, blank=True)
    approved_by = models.ForeignKey(
        "self",
        verbose_name=_("批准组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_orgs",
    )
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    is_big_community = models.BooleanField(_("大社区党委"), default=False)
    is_big_party_committee = models.BooleanField(_("大党委"), default=False)
    grids = models.ManyToManyField(Grid, verbose_name=_("关联网格"), blank=True, related_name="party_orgs")
    approval_doc = models.CharField(_("批准文号"), max_length=100, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PartyOrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["area", "kind"], name="party_org_area_kind"),
            models.Index(fields=["parent", "kind"], name="party_org_parent_kind"),
            models.Index(fields=["is_temporary", "founded_on"], name="party_org_temp_founded"),
            models.Index(fields=["dissolved_on"], name="party_org_dissolved"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        new_path = self.expected_path()
        if new_path != old_path:
            PartyOrg.objects.filter(pk=self.pk).update(path=new_path)
            self.path = new_path
            if old_path:  # moved: the subtree follows in one statement
                PartyOrg.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                    path=Concat(Value(new_path), Substr("path", len(old_path) + 1))
                )

    @property
    def is_village_or_community(self) -> bool:
        return self.setup in self.VILLAGE_OR_COMMUNITY

    def is_active_at(self, day: date) -> bool:
        return (self.founded_on is None or self.founded_on <= day) and (
            self.dissolved_on is None or self.dissolved_on > day
        )

    def expected_path(self) -> str:
        base = self.parent.path if self.parent_id else "/"
        return f"{base or '/'}{self.pk}/"

    def ancestor_ids(self) -> list[int]:
        """From the root down to and including this organisation."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def clean(self):
        if self.parent_id and self.pk:
            node, seen = self.parent, {self.pk}
            while node is not None:
                if node.pk in seen:
                    raise ValidationError({"parent": _("上级组织不能形成循环")})
                seen.add(node.pk)
                node = node.parent
        if self.dissolved_on and self.founded_on and self.dissolved_on < self.founded_on:
            raise ValidationError({"dissolved_on": _("撤销日期不能早于成立日期")})


def rebuild_paths(queryset=None) -> int:
    """Recompute `path` for every organisation (after a bulk_create or a raw import); returns rows changed."""
    rows = list((queryset or PartyOrg.objects.all()).values_list("pk", "parent_id", "path"))
    parents = dict(PartyOrg.objects.values_list("pk", "parent_id"))
    cache: dict[int, str] = {}

    def path_of(pk: int) -> str:
        chain, node = [], pk
        while node is not None and node not in cache:
            chain.append(node)
            node = parents.get(node)
            if len(chain) > 100:
                raise ValidationError(_("上级组织形成循环"))
        base = cache[node] if node is not None else "/"
        for item in reversed(chain):
            base = cache[item] = f"{base}{item}/"
        return cache[pk]

    changed = [PartyOrg(pk=pk, path=path_of(pk)) for pk, _parent, path in rows if path != path_of(pk)]
    PartyOrg.objects.bulk_update(changed, ["path"], batch_size=1000)
    return len(changed)


class PartyGrid(models.Model):
    """党建网格: a named set of grids served by one or two organisations (may start with none)."""

    name = models.CharField(_("名称"), max_length=100)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="party_grids"
    )
    grids = models.ManyToManyField(Grid, verbose_name=_("包含网格"), blank=True, related_name="party_grids")
    orgs = models.ManyToManyField(
        PartyOrg, verbose_name=_("服务党组织"), blank=True, related_name="party_grids"
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党建网格")
        verbose_name_plural = _("党建网格")
        ordering = ["area__code", "name"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="party_grid_area_name_unique")]

    def __str__(self):
        return self.name


# ------------------------------------------------------------------------------------------------------- rules


class MeetingKind(models.TextChoices):
    GENERAL_ASSEMBLY = "general_assembly", _("党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE_MEETING = "life_meeting", _("组织生活会")
    APPRAISAL = "appraisal", _("民主评议")
    TALK = "talk", _("谈心谈话")
    ELECTION = "election", _("选举")


class TermRule(Effective):
    """Term length by kind of organisation (and whether it is a village/community organisation), reminders."""

    org_kind = models.CharField(
        _("组织类别"),
        max_length=20,
        choices=PartyOrg.Kind.choices,
        blank=True,
        help_text=_("留空表示任何类别"),
    )
    village_or_community = models.BooleanField(_("村/社区党组织"), default=False)
    years = models.PositiveSmallIntegerField(_("任期（年）"))
    reminder_months = models.PositiveSmallIntegerField(_("提前提醒（月）"), default=6)
    max_extension_months = models.PositiveSmallIntegerField(_("最长延期（月）"), default=12)

    class Meta:
        verbose_name = _("任期规则")
        verbose_name_plural = _("任期规则")
        ordering = ["-effective_from", "village_or_community", "org_kind"]

    def __str__(self):
        scope = _("村/社区") if self.village_or_community else (self.get_org_kind_display() or _("任何类别"))
        return f"{scope}:{self.years} 年"

    @classmethod
    def for_org(cls, org: PartyOrg, day: date) -> "TermRule":
        """The rule in force on `day` for `org`: its kind and village/community flag, then the kind-less row."""
        rows = cls.objects.effective_at(day).filter(
            village_or_community=org.is_village_or_community, org_kind__in=[org.kind, ""]
        )
        best = min(rows, key=lambda r: (r.org_kind == "", -r.effective_from.toordinal(), -r.pk), default=None)
        if best is not None:
            return best
        # No row (an emptied table): the national default (任期意见 2018).
        long_term = org.is_village_or_community or org.kind in (
            PartyOrg.Kind.COMMITTEE,
            PartyOrg.Kind.WORKING_COMMITTEE,
        )
        return cls(years=5 if long_term else 3, reminder_months=6, max_extension_months=12)


class ComplianceRule(Effective):
    """At least N meetings of a kind per period for organisations of a kind (三会一课, 主题党日, 组织生活会)."""

    class Period(models.TextChoices):
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        YEAR = "year", _("每年")

    meeting_kind = models.CharField(_("会议类型"), max_length=20, choices=MeetingKind.choices)
    org_kind = models.CharField(
        _("组织类别"),
        max_length=20,
        choices=PartyOrg.Kind.choices,
        blank=True,
        help_text=_("留空表示任何类别"),
    )
    period = models.CharField(_("周期"), max_length=10, choices=Period.choices)
    minimum = models.PositiveSmallIntegerField(_("最少次数"), default=1)

    class Meta:
        verbose_name = _("组织生活规则")
        verbose_name_plural = _("组织生活规则")
        ordering = ["-effective_from", "meeting_kind", "org_kind"]

    def __str__(self):
        kind = self.get_org_kind_display() or _("任何类别")
        return f"{kind}{self.get_meeting_kind_display()}{self.get_period_display()}至少 {self.minimum} 次"


class MemberRule(Effective):
    """Limits and timers for members and organisations (one row in force at a time)."""

    class OverLimit(models.TextChoices):
        WARN = "warn", _("提示")
        REFUSE = "refuse", _("拒绝")

    probation_months = models.PositiveSmallIntegerField(_("预备期（月）"), default=12)
    extension_min_months = models.PositiveSmallIntegerField(_("延长预备期最短（月）"), default=6)
    extension_max_months = models.PositiveSmallIntegerField(_("延长预备期最长（月）"), default=12)
    probation_notice_days = models.PositiveSmallIntegerField(_("预备期到期提前提示（天）"), default=30)
    lost_contact_suspend_months = models.PositiveSmallIntegerField(_("失联停止党籍提示（月）"), default=6)
    lost_contact_remove_months = models.PositiveSmallIntegerField(_("失联除名提示（月）"), default=24)
    branch_max_members = models.PositiveSmallIntegerField(_("党支部党员上限"), default=50)
    committee_threshold = models.PositiveSmallIntegerField(_("设支委会的正式党员数"), default=7)
    joint_max_units = models.PositiveSmallIntegerField(_("联合党支部单位上限"), default=5)
    excellent_numerator = models.PositiveSmallIntegerField(_("优秀比例分子"), default=1)
    excellent_denominator = models.PositiveSmallIntegerField(_("优秀比例分母"), default=3)
    excellent_over_limit = models.CharField(
        _("优秀超比例时"), max_length=10, choices=OverLimit.choices, default=OverLimit.WARN
    )
    transfer_due_days = models.PositiveSmallIntegerField(_("组织关系转接期限（天）"), default=90)
    party_grid_max_orgs = models.PositiveSmallIntegerField(_("党建网格服务组织上限"), default=2)

    class Meta:
        verbose_name = _("党员管理规则")
        verbose_name_plural = _("党员管理规则")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.version}（{self.effective_from:%Y-%m-%d} 起）"

    @classmethod
    def at(cls, day: date) -> "MemberRule":
        """The row in force on `day` (latest start wins); the national defaults when none is."""
        return cls.objects.effective_at(day).order_by("-effective_from", "-pk").first() or cls()

    def excellent_limit(self, appraised: int) -> int:
        """优秀 at most ⌊n × 1/3⌋ of the members appraised."""
        return appraised * self.excellent_numerator // max(self.excellent_denominator, 1)


# ----------------------------------------------------------------------------------------------------- members


class PartyGroup(models.Model):
    """党小组."""

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="groups"
    )
    name = models.CharField(_("名称"), max_length=60)
    leader = models.ForeignKey(
        "PartyMember",
        verbose_name=_("党小组长"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("党小组")
        verbose_name_plural = _("党小组")
        ordering = ["org", "name"]
        constraints = [models.UniqueConstraint(fields=["org", "name"], name="party_group_org_name_unique")]

    def __str__(self):
        return f"{self.org.name} {self.name}"


class PartyMemberQuerySet(models.QuerySet):
    def active_at(self, day: date):
        """Members on the register on `day`: joined by then, and in good standing then (now 在册, or left after it)."""
        active = PartyMember.Status.ACTIVE
        return self.filter(joined_on__lte=day).filter(
            Q(status=active) | (~Q(status=active) & Q(status_changed_on__gt=day))
        )


class PartyMember(models.Model):
    """党员. The ID number is stored encrypted with a keyed hash for lookup; never in the clear."""

    class Sex(models.TextChoices):
        MALE = MALE, _("男")
        FEMALE = FEMALE, _("女")

    class Category(models.TextChoices):
        FULL = "full", _("正式党员")
        PROBATIONARY = "probationary", _("预备党员")

    class Status(models.TextChoices):
        ACTIVE = "active", _("在册")
        SUSPENDED = "suspended", _("停止党籍")
        REMOVED = "removed", _("出党/除名")
        DECEASED = "deceased", _("去世")
        TRANSFERRED_OUT = "transferred_out", _("转出")

    class FlowDirection(models.TextChoices):
        NONE = "", _("无")
        IN = "in", _("流入")
        OUT = "out", _("流出")

    class LostStage(models.TextChoices):
        NONE = "", _("无")
        LOST = "lost", _("失联")
        SUSPEND = "suspend", _("应停止党籍")
        REMOVE = "remove", _("应予除名")

    name = models.CharField(_("姓名"), max_length=50, db_index=True)
    id_encrypted = models.CharField(_("身份证号（密文）"), max_length=255, editable=False)
    id_hash = models.CharField(_("身份证号索引"), max_length=64, unique=True, editable=False)
    id_masked = models.CharField(_("身份证号（脱敏）"), max_length=18, editable=False)
    sex = models.CharField(_("性别"), max_length=10, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    status = models.CharField(_("党籍状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    joined_on = models.DateField(_("入党日期"))
    full_on = models.DateField(_("转正日期"), null=True, blank=True)
    probation_extended_to = models.DateField(_("延长预备期至"), null=True, blank=True)
    org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("所在党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    group = models.ForeignKey(
        PartyGroup,
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    employer = models.ForeignKey(
        Unit,
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_members",
    )
    employer_name = models.CharField(_("工作单位名称"), max_length=120, blank=True)
    residence_grid = models.ForeignKey(
        Grid,
        verbose_name=_("居住网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_party_members",
    )
    in_service = models.BooleanField(_("在职"), default=False)
    retired = models.BooleanField(_("离退休"), default=False)
    flowing = models.BooleanField(_("流动党员"), default=False)
    flow_direction = models.CharField(
        _("流动方向"), max_length=5, choices=FlowDirection.choices, default="", blank=True
    )
    flow_host_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("流入/流出地党组织"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_flowing_members",
    )
    flow_host_name = models.CharField(_("流入/流出地党组织名称"), max_length=120, blank=True)
    flow_from = models.DateField(_("流动开始日期"), null=True, blank=True)
    flow_to = models.DateField(_("流动结束日期"), null=True, blank=True)
    flow_certificate_no = models.CharField(_("流动党员活动证号"), max_length=40, blank=True)
    seasonal = models.BooleanField(_("候鸟党员"), default=False)
    lost_contact = models.BooleanField(_("失联"), default=False)
    lost_since = models.DateField(_("失联起始日期"), null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True, db_index=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = PartyMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["org_id", "name", "pk"]
        indexes = [
            models.Index(fields=["org", "status", "category"], name="party_member_org_status"),
            models.Index(fields=["status", "category"], name="party_member_status_cat"),
            models.Index(fields=["status", "flowing"], name="party_member_flowing"),
            models.Index(fields=["status", "seasonal"], name="party_member_seasonal"),
            models.Index(fields=["status", "lost_contact"], name="party_member_lost"),
            models.Index(fields=["status", "in_service"], name="party_member_in_service"),
            models.Index(fields=["joined_on"], name="party_member_joined"),
            # Covers the as-of-date member counts by organisation (party.stats, the tree's counts) without reading the table.
            models.Index(
                fields=["org", "joined_on", "status", "status_changed_on", "category", "full_on"],
                name="party_member_org_asof",
            ),
            # Members without an organisation (few) by where they live / work: party.stats without a join.
            models.Index(
                fields=["residence_grid", "employer", "joined_on", "status", "status_changed_on"],
                condition=models.Q(org__isnull=True),
                name="party_member_no_org",
            ),
        ]

    def __str__(self):
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_person_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_probationary(self) -> bool:
        return self.category == self.Category.PROBATIONARY

    def probation_due_on(self, rule: MemberRule | None = None) -> date | None:
        """When probation ends: the extension's date, else 12 months (config) from joining; None for full members."""
        if not self.is_probationary:
            return None
        if self.probation_extended_to:
            return self.probation_extended_to
        rule = rule or MemberRule.at(self.joined_on)
        return add_months(self.joined_on, rule.probation_months)

    def lost_contact_stage(self, day: date, rule: MemberRule | None = None) -> str:
        """LostStage: lost, or past 6 months (停止党籍 due), or past 2 years (除名 due), counted from lost_since."""
        if not self.lost_contact:
            return self.LostStage.NONE
        if self.lost_since is None:
            return self.LostStage.LOST
        rule = rule or MemberRule.at(day)
        if day >= add_months(self.lost_since, rule.lost_contact_remove_months):
            return self.LostStage.REMOVE
        if day >= add_months(self.lost_since, rule.lost_contact_suspend_months):
            return self.LostStage.SUSPEND
        return self.LostStage.LOST

    def flag_labels(self) -> list[str]:
        flags = [
            (self.in_service, "在职"),
            (self.retired, "离退休"),
            (self.flowing, "流动"),
            (self.seasonal, "候鸟"),
            (self.lost_contact, "失联"),
        ]
        return [label for on, label in flags if on]


# ------------------------------------------------------------------------------------------ committees, terms


class CommitteeTerm(models.Model):
    """A committee's term (届): elected, due (by the term rule), perhaps extended (≤ 1 year), changed."""

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="terms"
    )
    number = models.PositiveSmallIntegerField(_("届次"))
    elected_on = models.DateField(_("选举日期"))
    term_years = models.PositiveSmallIntegerField(_("任期（年）"))
    due_on = models.DateField(_("应换届日期"))
    extended_to = models.DateField(_("延期至"), null=True, blank=True)
    extension_doc = models.CharField(_("延期批准文号"), max_length=100, blank=True)
    changed_on = models.DateField(_("实际换届日期"), null=True, blank=True)
    is_current = models.BooleanField(_("现任"), default=True)
    reminder_sent_at = models.DateTimeField(_("换届提醒时间"), null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(_("逾期标记时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("委员会任期")
        verbose_name_plural = _("委员会任期")
        ordering = ["org", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["org", "number"], name="party_term_org_number_unique"),
            models.UniqueConstraint(
                fields=["org"], condition=Q(is_current=True), name="party_term_one_current_per_org"
            ),
        ]
        indexes = [
            models.Index(fields=["is_current", "due_on"], name="party_term_current_due"),
            models.Index(fields=["is_current", "extended_to"], name="party_term_current_ext"),
        ]

    def __str__(self):
        return f"{self.org.name} 第{self.number}届"

    @staticmethod
    def compute_due_on(elected_on: date, term_years: int) -> date:
        """应换届日期: the election date plus the term (the one place this is computed)."""
        return add_years(elected_on, term_years)

    @property
    def effective_due_on(self) -> date:
        """The date the change is due: the extension's date when extended."""
        return self.extended_to or self.due_on

    def is_overdue(self, day: date) -> bool:
        return self.is_current and day > self.effective_due_on

    def is_due_within(self, day: date, months: int) -> bool:
        """Current, not yet overdue, and due within `months` of `day` (the reminder window)."""
        due = self.effective_due_on
        return self.is_current and day <= due <= add_months(day, months)


class Post(models.Model):
    """A post on a committee: held by a member or by a person from outside (兼职委员 from a unit, 业委会, 物业)."""

    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("书记")
        DEPUTY_SECRETARY = "deputy_secretary", _("副书记")
        ORGANISATION = "organisation", _("组织委员")
        PUBLICITY = "publicity", _("宣传委员")
        DISCIPLINE = "discipline", _("纪检委员")
        MEMBER = "member", _("委员")
        PART_TIME = "part_time", _("兼职委员")

    class Source(models.TextChoices):
        NONE = "", _("无")
        UNIT = "unit", _("单位")
        OWNERS_COMMITTEE = "owners_committee", _("业委会")
        PROPERTY = "property", _("物业公司")

    LEADING = (Kind.SECRETARY, Kind.DEPUTY_SECRETARY)

    term = models.ForeignKey(
        CommitteeTerm, verbose_name=_("任期"), on_delete=models.CASCADE, related_name="posts"
    )
    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="posts",
    )
    person_name = models.CharField(_("姓名（非本组织党员）"), max_length=50, blank=True)
    post = models.CharField(_("职务"), max_length=20, choices=Kind.choices)
    source = models.CharField(_("兼职来源"), max_length=20, choices=Source.choices, default="", blank=True)
    source_unit = models.ForeignKey(
        Unit,
        verbose_name=_("来源单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_posts",
    )
    from_date = models.DateField(_("任职日期"), null=True, blank=True)
    to_date = models.DateField(_("离任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("委员职务")
        verbose_name_plural = _("委员职务")
        ordering = ["term", "post", "pk"]
        indexes = [models.Index(fields=["member", "post"], name="party_post_member_post")]

    def __str__(self):
        return f"{self.get_post_display()} {self.holder_name}"

    @property
    def holder_name(self) -> str:
        return self.member.masked_name if self.member_id else mask_person_name(self.person_name)

    def is_held_at(self, day: date) -> bool:
        return (self.from_date is None or self.from_date <= day) and (
            self.to_date is None or self.to_date >= day
        )


# --------------------------------------------------------------------------------------------------- transfers


class RelationTransfer(models.Model):
    """组织关系转接: a letter sent, then received or returned; overdue after the configured days."""

    class Direction(models.TextChoices):
        IN = "in", _("转入")
        OUT = "out", _("转出")

    class State(models.TextChoices):
        SENT = "sent", _("已开具")
        RECEIVED = "received", _("已接收")
        RETURNED = "returned", _("已退回")

    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="transfers"
    )
    direction = models.CharField(_("方向"), max_length=5, choices=Direction.choices)
    from_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("转出党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_out",
    )
    from_name = models.CharField(_("转出党组织名称（系统外）"), max_length=120, blank=True)
    to_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("转入党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
    )
    to_name = models.CharField(_("转入党组织名称（系统外）"), max_length=120, blank=True)
    letter_no = models.CharField(_("介绍信编号"), max_length=60, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SENT)
    sent_on = models.DateField(_("开具日期"))
    due_on = models.DateField(_("应接收日期"))
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    returned_on = models.DateField(_("退回日期"), null=True, blank=True)
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织关系转接")
        verbose_name_plural = _("组织关系转接")
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["state", "due_on"], name="party_transfer_state_due")]

    def __str__(self):
        return f"{self.member.masked_name} {self.get_direction_display()} {self.sent_on:%Y-%m-%d}"

    def is_overdue(self, day: date) -> bool:
        return self.state == self.State.SENT and day > self.due_on

    @property
    def from_display(self) -> str:
        return self.from_org.name if self.from_org_id else self.from_name

    @property
    def to_display(self) -> str:
        return self.to_org.name if self.to_org_id else self.to_name


class OrgProposal(models.Model):
    """新建党组织申请: a secretary proposes a sub-organisation or a temporary organisation under one he manages;
    组织部 approves it (the organisation is created then) or rejects it with a note."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_org_proposals",
    )
    parent = models.ForeignKey(
        PartyOrg, verbose_name=_("上级组织"), on_delete=models.PROTECT, related_name="proposals"
    )
    name = models.CharField(_("组织名称"), max_length=120)
    kind = models.CharField(_("组织类别"), max_length=20, choices=PartyOrg.Kind.choices)
    setup = models.CharField(_("设置方式"), max_length=20, choices=PartyOrg.Setup.choices)
    area = models.ForeignKey(
        AdminArea, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="party_org_proposals"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所在单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="party_org_proposals",
    )
    is_temporary = models.BooleanField(_("临时党组织"), default=False)
    temp_task = models.CharField(_("临时任务"), max_length=200, blank=True)
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    reason = models.CharField(_("申请理由"), max_length=500)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_org_decisions",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=300, blank=True)
    created_org = models.ForeignKey(
        PartyOrg,
        verbose_name=_("新建的党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="from_proposals",
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("新建党组织申请")
        verbose_name_plural = _("新建党组织申请")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="party_proposal_state")]

    def __str__(self):
        return f"{self.name}（{self.get_state_display()}）"


# ------------------------------------------------------------------------- pioneer posts, teams, deployments


class PeriodQuerySet(models.QuerySet):
    def active_at(self, day: date):
        return self.filter(Q(from_date__isnull=True) | Q(from_date__lte=day)).filter(
            Q(to_date__isnull=True) | Q(to_date__gte=day)
        )


class PioneerPost(models.Model):
    """党员先锋岗."""

    name = models.CharField(_("岗位名称"), max_length=100)
    holder = models.ForeignKey(
        PartyMember,
        verbose_name=_("岗位党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pioneer_posts",
    )
    place = models.CharField(_("地点"), max_length=120, blank=True)
    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="pioneer_posts"
    )
    from_date = models.DateField(_("设岗日期"), null=True, blank=True)
    to_date = models.DateField(_("撤岗日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员先锋岗")
        verbose_name_plural = _("党员先锋岗")
        ordering = ["org", "name"]
        indexes = [models.Index(fields=["org", "from_date"], name="party_pioneer_org_from")]

    def __str__(self):
        return self.name


class ShockTeam(models.Model):
    """党员突击队."""

    name = models.CharField(_("名称"), max_length=100)
    task = models.CharField(_("任务"), max_length=200)
    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="shock_teams"
    )
    members = models.ManyToManyField(
        PartyMember, verbose_name=_("队员"), blank=True, related_name="shock_teams"
    )
    from_date = models.DateField(_("组建日期"), null=True, blank=True)
    to_date = models.DateField(_("结束日期"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    objects = PeriodQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员突击队")
        verbose_name_plural = _("党员突击队")
        ordering = ["org", "name"]
        indexes = [models.Index(fields=["org", "from_date"], name="party_team_org_from")]

    def __str__(self):
        return self.name


class Deployment(models.Model):
    """党员下沉: a member (or a person named) sent to a task for some days; person-times = Σ days."""

    member = models.ForeignKey(
        PartyMember,
        verbose_name=_("党员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployments",
    )
    person_name = models.CharField(_("姓名（非登记党员）"), max_length=50, blank=True)
    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="deployments"
    )
    task = models.CharField(_("任务"), max_length=200)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    from_date = models.DateField(_("开始日期"))
    days = models.PositiveIntegerField(_("天数"), default=1)

    class Meta:
        verbose_name = _("党员下沉")
        verbose_name_plural = _("党员下沉")
        ordering = ["-from_date", "-pk"]
        indexes = [models.Index(fields=["org", "from_date"], name="party_deploy_org_from")]

    def __str__(self):
        who = self.member.masked_name if self.member_id else mask_person_name(self.person_name)
        return f"{who} {self.task}"

    @property
    def to_date(self) -> date:
        return self.from_date + timedelta(days=max(self.days, 1) - 1)


# ----------------------------------------------------------------------------------------- organisational life


class Meeting(models.Model):
    """A meeting of organisational life (三会一课, 主题党日, 组织生活会, 民主评议, 谈心谈话, 选举)."""

    Kind = MeetingKind

    # Kinds valid only with more than half present: of the voting members (大会, 选举) or of the committee.
    QUORUM_KINDS = (Kind.GENERAL_ASSEMBLY, Kind.ELECTION, Kind.COMMITTEE)

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="meetings"
    )
    group = models.ForeignKey(
        PartyGroup,
        verbose_name=_("党小组"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    kind = models.CharField(_("会议类型"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=200)
    host = models.CharField(_("主持人/授课人"), max_length=50, blank=True)
    place = models.CharField(_("地点"), max_length=120, blank=True)
    expected = models.PositiveIntegerField(_("应到人数"), default=0)
    present = models.PositiveIntegerField(_("实到人数"), default=0)
    quorum_ok = models.BooleanField(_("达到法定人数"), null=True, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)
    resolutions = models.TextField(_("决议"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织生活会议")
        verbose_name_plural = _("组织生活会议")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["org", "kind", "held_on"], name="party_meeting_org_kind_day"),
            models.Index(fields=["held_on", "kind"], name="party_meeting_day_kind"),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()} {self.topic}"

    @classmethod
    def quorum(cls, kind: str, expected: int, present: int) -> bool | None:
        """More than half present for 党员大会/选举 (of voting members) and 支委会 (of the committee);
        None for kinds without a quorum (the one place this is decided)."""
        if kind not in cls.QUORUM_KINDS:
            return None
        return expected > 0 and present * 2 > expected

    def compute_quorum(self) -> bool | None:
        self.quorum_ok = self.quorum(self.kind, self.expected, self.present)
        return self.quorum_ok


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        LEAVE = "leave", _("请假")
        ABSENT = "absent", _("缺席")
        MADE_UP = "made_up", _("补学")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attendances"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField(_("出勤"), max_length=10, choices=Status.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("参会记录")
        verbose_name_plural = _("参会记录")
        ordering = ["meeting", "member"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], name="party_attendance_meeting_member_unique"
            )
        ]
        indexes = [models.Index(fields=["member", "status"], name="party_attendance_member")]

    def __str__(self):
        return f"{self.member.masked_name} {self.get_status_display()}"


class MeetingAttachment(models.Model):
    """通知、纪要、签到表、照片: checked for type by content and size (party.uploads)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to="party/meetings/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["meeting", "pk"]

    def __str__(self):
        return self.name


class Appraisal(models.Model):
    """民主评议党员: one grade per member per year."""

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        QUALIFIED = "qualified", _("合格")
        BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
        UNQUALIFIED = "unqualified", _("不合格")

    year = models.PositiveSmallIntegerField(_("年度"))
    member = models.ForeignKey(
        PartyMember, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="appraisals"
    )
    org = models.ForeignKey(
        PartyOrg, verbose_name=_("评议党组织"), on_delete=models.PROTECT, related_name="appraisals"
    )
    grade = models.CharField(_("等次"), max_length=20, choices=Grade.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("民主评议结果")
        verbose_name_plural = _("民主评议结果")
        ordering = ["-year", "org", "member"]
        constraints = [
            models.UniqueConstraint(fields=["year", "member"], name="party_appraisal_year_member_unique")
        ]
        indexes = [models.Index(fields=["org", "year", "grade"], name="party_appraisal_org_year")]

    def __str__(self):
        return f"{self.year} {self.member.masked_name} {self.get_grade_display()}"
