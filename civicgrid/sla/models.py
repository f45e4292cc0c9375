"""Time-limit policies (办理时限): configuration rows with versions and effective dates."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective
from civicgrid.registry.models import AdminArea, Unit


class Duration(models.TextChoices):
    WORKING_HOURS = "wh", _("工作小时")
    WORKING_DAYS = "wd", _("工作日")
    NATURAL_HOURS = "h", _("自然小时")
    NATURAL_DAYS = "d", _("自然日")


class TimeLimitPolicy(Effective):
    """Limits for one (request type × urgency × dispatch mode); blank keys match anything.

    The most specific policy in force wins (more non-blank keys, then higher priority). Clocks start at
    dispatch, not at sign-off.
    """

    request_type = models.CharField(_("诉求类型"), max_length=2, blank=True, help_text=_("留空表示任意类型"))
    urgency = models.CharField(_("紧急程度"), max_length=10, blank=True, help_text=_("留空表示任意程度"))
    dispatch_mode = models.CharField(
        _("派单方式"), max_length=20, blank=True, help_text=_("留空表示任意方式")
    )
    priority = models.SmallIntegerField(_("优先级"), default=0, help_text=_("同样具体时，数值大者优先"))

    sign_limit = models.DecimalField(_("签收时限"), max_digits=6, decimal_places=2)
    sign_unit = models.CharField(_("签收时限单位"), max_length=2, choices=Duration.choices)
    first_contact_limit = models.DecimalField(_("首次联系时限"), max_digits=6, decimal_places=2)
    first_contact_unit = models.CharField(_("首次联系时限单位"), max_length=2, choices=Duration.choices)
    handle_limit = models.DecimalField(_("办理时限"), max_digits=6, decimal_places=2)
    handle_unit = models.CharField(_("办理时限单位"), max_length=2, choices=Duration.choices)
    callback_limit = models.DecimalField(_("回访时限"), max_digits=6, decimal_places=2, default=1)
    callback_unit = models.CharField(
        _("回访时限单位"), max_length=2, choices=Duration.choices, default=Duration.WORKING_DAYS
    )

    yellow_at = models.DecimalField(_("黄色预警比例"), max_digits=4, decimal_places=3, default="0.5")
    red_at = models.DecimalField(_("红色预警比例"), max_digits=4, decimal_places=3, default="0.8")

    return_window = models.DecimalField(_("退单时限"), max_digits=6, decimal_places=2, default=2)
    return_window_unit = models.CharField(
        _("退单时限单位"), max_length=2, choices=Duration.choices, default=Duration.WORKING_DAYS
    )
    max_returns_per_unit = models.PositiveSmallIntegerField(_("每单位最多退单次数"), default=1)
    max_extension_days = models.PositiveSmallIntegerField(_("最长延期（工作日）"), default=10)
    max_callback_attempts = models.PositiveSmallIntegerField(_("回访最多尝试次数"), default=3)

    escalation_limit = models.DecimalField(
        _("提级时限"),
        max_digits=6,
        decimal_places=2,
        default=3,
        help_text=_("提级时原主办单位已无剩余时间，接办单位得到的办理时限（有剩余时间时只给剩余时间）"),
    )
    escalation_unit = models.CharField(
        _("提级时限单位"), max_length=2, choices=Duration.choices, default=Duration.WORKING_DAYS
    )
    reopen_limit = models.DecimalField(
        _("重办时限"),
        max_digits=6,
        decimal_places=2,
        default=5,
        help_text=_("回访不满意发回重办时的办理时限；不超过首轮办理时限"),
    )
    reopen_unit = models.CharField(
        _("重办时限单位"), max_length=2, choices=Duration.choices, default=Duration.WORKING_DAYS
    )

    LIMITS = [
        ("sign_limit", "sign_unit"),
        ("first_contact_limit", "first_contact_unit"),
        ("handle_limit", "handle_unit"),
        ("callback_limit", "callback_unit"),
        ("return_window", "return_window_unit"),
        ("escalation_limit", "escalation_unit"),
        ("reopen_limit", "reopen_unit"),
    ]

    class Meta:
        verbose_name = _("办理时限策略")
        verbose_name_plural = _("办理时限策略")
        ordering = ["-priority", "request_type", "urgency", "dispatch_mode", "-effective_from"]

    def __str__(self):
        keys = "×".join(k or "任意" for k in (self.request_type, self.urgency, self.dispatch_mode))
        return f"{self.version} {keys}"

    def clean(self):
        super().clean()
        if not (0 < self.yellow_at < self.red_at <= 1):
            raise ValidationError({"red_at": _("预警比例应满足 0 < 黄色 < 红色 ≤ 1")})
        for name in ("sign_limit", "first_contact_limit", "handle_limit", "escalation_limit", "reopen_limit"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                raise ValidationError({name: _("时限必须大于 0")})
        for limit, unit in self.LIMITS:
            value = getattr(self, limit)
            # Part of a working day has no fixed length (office hours differ): use working hours.
            if value is not None and getattr(self, unit) == Duration.WORKING_DAYS and value != int(value):
                raise ValidationError({limit: _("以工作日计的时限必须是整数；不足一天请改用工作小时")})

    @property
    def specificity(self) -> int:
        return sum(1 for k in (self.request_type, self.urgency, self.dispatch_mode) if k)


class PauseReason(models.Model):
    """Why a ticket's clocks may stop （挂起）： waiting for the requester, referred to mediation, ..."""

    code = models.SlugField(_("代码"), max_length=30, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("暂停计时原因")
        verbose_name_plural = _("暂停计时原因")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.name


class EscalationLadder(Effective):
    """提级阶梯： the ordered levels a ticket climbs in an area (and the areas below it).

    The ladder of the nearest area up from the ticket's place wins; a ladder without an area applies
    everywhere else. A village may have its own （e.g. 四级化事法）.
    """

    name = models.CharField(_("名称"), max_length=60)
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("留空表示默认阶梯，适用于没有自己阶梯的区划"),
    )

    class Meta:
        verbose_name = _("提级阶梯")
        verbose_name_plural = _("提级阶梯")
        ordering = ["area__code", "-effective_from"]

    def __str__(self):
        return f"{self.name}（{self.area.name if self.area_id else '默认'}）"


class EscalationLevel(models.Model):
    """One rung of a ladder: a named unit, or the nearest unit of a kind above the one below."""

    ladder = models.ForeignKey(
        EscalationLadder, verbose_name=_("提级阶梯"), on_delete=models.CASCADE, related_name="levels"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), help_text=_("从低到高，数值小的在下"))
    name = models.CharField(_("层级名称"), max_length=30)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("指定单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit_kind = models.CharField(
        _("单位类型"),
        max_length=20,
        choices=Unit.Kind.choices,
        blank=True,
        help_text=_(
            "按隶属关系向上找到的第一个该类型单位（村的四级化事法可用“联系户党员”“村民小组”）；"
            "与指定单位二选一，都留空表示直接上级单位"
        ),
    )
    limit = models.DecimalField(
        _("本级时限"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("提级到本级且已无剩余时间时给本级的时限；留空按办理时限策略的提级时限"),
    )
    limit_unit = models.CharField(
        _("本级时限单位"), max_length=2, choices=Duration.choices, default=Duration.WORKING_DAYS
    )

    class Meta:
        verbose_name = _("提级层级")
        verbose_name_plural = _("提级层级")
        ordering = ["ladder", "order"]
        constraints = [
            models.UniqueConstraint(fields=["ladder", "order"], name="escalation_level_order_unique")
        ]

    def __str__(self):
        return f"{self.order}. {self.name}"

    def clean(self):
        if self.unit_id and self.unit_kind:
            raise ValidationError({"unit_kind": _("指定单位和单位类型只能填一项")})
        if self.limit is not None and self.limit <= 0:
            raise ValidationError({"limit": _("时限必须大于 0")})
        if (
            self.limit is not None
            and self.limit_unit == Duration.WORKING_DAYS
            and self.limit != int(self.limit)
        ):
            raise ValidationError({"limit": _("以工作日计的时限必须是整数；不足一天请改用工作小时")})
