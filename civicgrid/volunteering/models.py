"""Volunteering (志愿服务): volunteers, teams, projects, activities, sign-ups, service records and certificates.

Rules (domain-party.md §2.6): a volunteer has a volunteer number of his own, never the ID number; hours are the
actual service time excluding travel, capped at the schedule; only confirmed records count; certificates after a
public notice. Limits (notice days, QR rotation, star thresholds) are versioned configuration rows.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core import idnumbers
from civicgrid.core.masking import mask_person_name as mask_name  # noqa: F401 (re-exported)
from civicgrid.core.masking import mask_phone  # noqa: F401 (re-exported)
from civicgrid.core.models import Effective

ADULT_AGE = 18


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --------------------------------------------------------------------------------------------- configuration


class VolunteerRule(Effective):
    """How volunteering runs: the certificate notice, the QR code's rotation and how long a scan stays usable."""

    notice_days = models.PositiveSmallIntegerField(_("证明公示天数"), default=7)
    qr_seconds = models.PositiveSmallIntegerField(_("签到码刷新间隔（秒）"), default=30)
    scan_minutes = models.PositiveSmallIntegerField(
        _("扫码后完成登录的时限（分钟）"), default=10, help_text=_("扫码时未登录的志愿者须在此时间内完成登录")
    )

    class Meta:
        verbose_name = _("志愿服务规则")
        verbose_name_plural = _("志愿服务规则")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.version}（{self.effective_from:%Y-%m-%d} 起）"

    @classmethod
    def at(cls, day) -> "VolunteerRule":
        """The rule in force on `day`; the defaults when none is configured."""
        return cls.objects.effective_at(day).order_by("-effective_from", "-pk").first() or cls(
            version="默认", effective_from=date(2000, 1, 1)
        )


class StarLevel(Effective):
    """A star level (星级志愿者) reached at a number of confirmed hours."""

    stars = models.PositiveSmallIntegerField(_("星级"))
    name = models.CharField(_("名称"), max_length=30)
    min_hours = models.DecimalField(_("累计服务时长（小时）"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("星级标准")
        verbose_name_plural = _("星级标准")
        ordering = ["min_hours"]

    def __str__(self):
        return f"{self.name}（{self.min_hours} 小时）"


# ----------------------------------------------------------------------------------------------- volunteers


class IdType(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    PASSPORT = "passport", _("护照")
    FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
    OTHER = "other", _("其他证件")


class TimePreference(models.TextChoices):
    WEEKDAY_DAY = "weekday_day", _("工作日白天")
    WEEKDAY_EVENING = "weekday_evening", _("工作日晚上")
    WEEKEND = "weekend", _("周末")
    HOLIDAY = "holiday", _("节假日")
    ANY = "any", _("时间灵活")


class Volunteer(models.Model):
    """A registered volunteer (志愿者). The ID number is stored encrypted, found by its keyed hash, shown masked."""

    class State(models.TextChoices):
        ACTIVE = "active", _("在册")
        SUSPENDED = "suspended", _("暂停")
        WITHDRAWN = "withdrawn", _("已注销")

    number = models.CharField(_("志愿者编号"), max_length=20, unique=True, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, db_index=True)
    id_type = models.CharField(_("证件类型"), max_length=12, choices=IdType.choices, default=IdType.RESIDENT)
    id_encrypted = models.TextField(_("证件号码（加密）"), editable=False)
    id_hash = models.CharField(_("证件号码检索码"), max_length=64, editable=False)
    id_masked = models.CharField(_("证件号码（脱敏）"), max_length=40, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    area = models.ForeignKey(
        "registry.AdminArea", verbose_name=_("所在社区（村）"), on_delete=models.PROTECT, related_name="+"
    )
    skills = models.CharField(_("技能特长"), max_length=200, blank=True)
    time_preferences = models.JSONField(_("可服务时间"), default=list, blank=True)
    # party and volunteering are siblings in one layer: a plain id, no foreign key across them.
    party_member_id = models.PositiveIntegerField(_("对应党员记录"), null=True, blank=True, db_index=True)
    guardian_name = models.CharField(_("监护人姓名"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("与监护人关系"), max_length=20, blank=True)
    guardian_consent_on = models.DateField(_("监护人同意日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.ACTIVE)
    registered_on = models.DateField(_("注册日期"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_hash"], name="volunteer_unique_id_number"),
        ]

    def __str__(self):
        return f"{self.number} {self.masked_name}"

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def id_number(self) -> str:
        """The full ID number: for a certificate and for the national export only."""
        return idnumbers.decrypt(self.id_encrypted) if self.id_encrypted else ""

    def is_minor_on(self, day: date) -> bool:
        return self.birth_date is not None and age_on(self.birth_date, day) < ADULT_AGE


class Team(models.Model):
    """A volunteer team (志愿服务队)."""

    name = models.CharField(_("队伍名称"), max_length=100)
    area = models.ForeignKey(
        "registry.AdminArea", verbose_name=_("所在社区（村）"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Volunteer, verbose_name=_("队长"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    members = models.ManyToManyField(Volunteer, verbose_name=_("队员"), blank=True, related_name="teams")
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("志愿服务队")
        verbose_name_plural = _("志愿服务队")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Project(models.Model):
    """A volunteer service project (志愿服务项目), e.g. one line of a community's annual project list."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        RECRUITING = "recruiting", _("招募中")
        RUNNING = "running", _("进行中")
        CLOSED = "closed", _("已结项")

    name = models.CharField(_("项目名称"), max_length=100)
    area = models.ForeignKey(
        "registry.AdminArea", verbose_name=_("所属社区（村）"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("记录单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("记录并证明服务时长的单位；不填时为项目所属社区（村）"),
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("志愿服务队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="projects",
    )
    description = models.TextField(_("项目内容"), blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    is_risky = models.BooleanField(_("有一定风险的服务"), default=False)
    insurer = models.CharField(_("承保单位"), max_length=100, blank=True)
    insurance_policy = models.CharField(_("意外保险单号"), max_length=60, blank=True)
    insured_until = models.DateField(_("保险有效期至"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("志愿服务项目")
        verbose_name_plural = _("志愿服务项目")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name

    @property
    def has_insurance(self) -> bool:
        return bool(self.insurance_policy.strip())

    @property
    def record_unit_name(self) -> str:
        return self.unit.name if self.unit_id else self.area.name


class Activity(models.Model):
    """One session of a project: a place, a scheduled start and end, a capacity and the organising staff."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.PROTECT, related_name="activities"
    )
    title = models.CharField(_("活动名称"), max_length=100)
    place = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("计划开始"))
    ends_at = models.DateTimeField(_("计划结束"))
    capacity = models.PositiveIntegerField(_("招募人数"))
    content = models.TextField(_("服务内容"), blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT, related_name="+"
    )
    cancelled = models.BooleanField(_("已取消"), default=False)

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        ordering = ["-starts_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            )
        ]

    def __str__(self):
        return self.title


class SignUp(models.Model):
    """A volunteer's sign-up for an activity: applied → approved → checked in → checked out → recorded."""

    class State(models.TextChoices):
        APPLIED = "applied", _("已报名")
        APPROVED = "approved", _("已录用")
        CHECKED_IN = "checked_in", _("已签到")
        CHECKED_OUT = "checked_out", _("已签退")
        RECORDED = "recorded", _("已记录")
        REJECTED = "rejected", _("未录用")
        CANCELLED = "cancelled", _("已取消")

    # Sign-ups that hold the volunteer's time (an overlapping one is refused).
    HOLDING = (State.APPLIED, State.APPROVED, State.CHECKED_IN, State.CHECKED_OUT, State.RECORDED)

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.PROTECT, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="signups"
    )
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.APPLIED)
    applied_at = models.DateTimeField(_("报名时间"))
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    checkout_capped = models.BooleanField(_("未签退，按计划结束时间计"), default=False)
    travel_minutes = models.PositiveIntegerField(_("往返路途时间（分钟）"), default=0)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_once_per_activity")
        ]

    def __str__(self):
        return f"{self.volunteer} {self.activity}"


class ServiceRecord(models.Model):
    """Service time of one volunteer: pending → confirmed | disputed → corrected | void.

    From a signed-up activity (source checkin), entered by staff for work outside one, e.g. a project's ad-hoc work
    (manual), or for a fulfilled micro-wish a volunteer claimed (wish). `area` is where the service counts: the
    activity's or project's community, else the one given. Only confirmed records count
    (selectors.confirmed_records); a corrected record is confirmed again before it counts.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        DISPUTED = "disputed", _("有异议")
        CORRECTED = "corrected", _("已更正待确认")
        VOID = "void", _("已作废")

    class Source(models.TextChoices):
        CHECKIN = "checkin", _("扫码签到签退")
        MANUAL = "manual", _("人工补录")
        WISH = "wish", _("微心愿")

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="records"
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
    )
    area = models.ForeignKey(
        "registry.AdminArea", verbose_name=_("服务社区（村）"), on_delete=models.PROTECT, related_name="+"
    )
    signup = models.OneToOneField(
        SignUp, verbose_name=_("报名"), null=True, blank=True, on_delete=models.PROTECT, related_name="record"
    )
    started_at = models.DateTimeField(_("服务开始时间"))
    ended_at = models.DateTimeField(_("服务结束时间"))
    travel_minutes = models.PositiveIntegerField(_("扣除路途时间（分钟）"), default=0)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=7, decimal_places=2, default=Decimal("0"))
    content = models.CharField(_("服务内容"), max_length=300, blank=True)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.CHECKIN)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_on = models.DateField(_("记录日期"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    dispute_reason = models.CharField(_("异议理由"), max_length=300, blank=True)
    note = models.CharField(_("更正或作废说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("服务记录")
        verbose_name_plural = _("服务记录")
        ordering = ["-started_at", "-pk"]
        # Confirmed records by year (the figures), by area or volunteer and year (a town's or village's figures,
        # a few members' hours) and by confirmation time (points posting).
        indexes = [
            models.Index(fields=["state", "started_at"]),
            models.Index(fields=["area", "state", "started_at"], name="vol_record_area_state_start"),
            models.Index(fields=["volunteer", "state", "started_at"], name="vol_record_vol_state_start"),
            models.Index(fields=["state", "confirmed_at"]),
        ]

    def __str__(self):
        return f"{self.volunteer} {self.title} {self.hours} 小时"

    def save(self, *args, **kwargs):
        if self.activity_id and not self.project_id:
            self.project_id = self.activity.project_id
        if not self.area_id and self.project_id:
            self.area_id = self.project.area_id
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        """What the service was: the activity, else the project's or the recorded content."""
        if self.activity_id:
            return self.activity.title
        if self.project_id:
            return f"{self.project.name}（{self.get_source_display()}）"
        return self.content or self.get_source_display()


class Certificate(models.Model):
    """A certificate of service (志愿服务记录证明, 民发〔2015〕149号): requested → noticed (public notice) → issued."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("已申请")
        NOTICED = "noticed", _("公示中")
        ISSUED = "issued", _("已开具")
        REFUSED = "refused", _("不予开具")

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("志愿者"), on_delete=models.PROTECT, related_name="certificates"
    )
    area = models.ForeignKey(
        "registry.AdminArea", verbose_name=_("开具社区（村）"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.CharField(_("证明编号"), max_length=30, unique=True, null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.REQUESTED)
    purpose = models.CharField(_("用途"), max_length=100, blank=True)
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=8, decimal_places=2, default=Decimal("0"))
    content = models.TextField(_("服务内容"), blank=True)
    period_from = models.DateField(_("服务起始日期"), null=True, blank=True)
    period_to = models.DateField(_("服务截止日期"), null=True, blank=True)
    issuer = models.CharField(_("出具单位"), max_length=100, blank=True)
    issuer_head = models.CharField(_("单位负责人"), max_length=50, blank=True)
    issuer_contact = models.CharField(_("联系电话"), max_length=30, blank=True)
    handler = models.CharField(_("经办人"), max_length=50, blank=True)
    requested_at = models.DateTimeField(_("申请时间"))
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    issued_on = models.DateField(_("开具日期"), null=True, blank=True)
    refusal_reason = models.CharField(_("不予开具理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("志愿服务记录证明")
        verbose_name_plural = _("志愿服务记录证明")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return self.number or f"{self.volunteer}（{self.get_state_display()}）"
