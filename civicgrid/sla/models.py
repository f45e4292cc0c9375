"""Time-limit policies (办理时限): configuration rows with versions and effective dates."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective


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
    priority = models.SmallIntegerField(_("优先级"), default=0, help_text=_("同样具体时,数值大者优先"))

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
    max_extension_days = models.PositiveSmallIntegerField(_("最长延期(工作日)"), default=10)
    max_callback_attempts = models.PositiveSmallIntegerField(_("回访最多尝试次数"), default=3)

    LIMITS = [
        ("sign_limit", "sign_unit"),
        ("first_contact_limit", "first_contact_unit"),
        ("handle_limit", "handle_unit"),
        ("callback_limit", "callback_unit"),
        ("return_window", "return_window_unit"),
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
        for name in ("sign_limit", "first_contact_limit", "handle_limit"):
            if getattr(self, name) is not None and getattr(self, name) <= 0:
                raise ValidationError({name: _("时限必须大于 0")})
        for limit, unit in self.LIMITS:
            value = getattr(self, limit)
            # Part of a working day has no fixed length (office hours differ): use working hours.
            if value is not None and getattr(self, unit) == Duration.WORKING_DAYS and value != int(value):
                raise ValidationError({limit: _("以工作日计的时限必须是整数;不足一天请改用工作小时")})

    @property
    def specificity(self) -> int:
        return sum(1 for k in (self.request_type, self.urgency, self.dispatch_mode) if k)
