"""Registered classifier models, how their labels map onto our categories, and every suggestion made."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class IntakeModel(models.Model):
    """A trained classifier copied into the data directory. At most one is active."""

    name = models.CharField(_("名称"), max_length=80, unique=True)
    directory = models.CharField(_("模型目录"), max_length=500, help_text=_("数据目录下的相对路径"))
    labels = models.JSONField(_("类别"), default=list)
    threshold = models.FloatField(
        _("自动派单置信度阈值"),
        null=True,
        blank=True,
        help_text=_("训练时在交叉验证结果上按目标准确率的 95% 置信下限选出；可调整。为空表示不自动派单"),
    )
    metrics = models.JSONField(_("训练与验证指标"), default=dict, blank=True)
    is_active = models.BooleanField(_("当前使用"), default=False)
    auto_dispatch = models.BooleanField(
        _("允许自动派单"),
        default=False,
        help_text=_("开启后，置信度不低于阈值且分类未被改动的工单在受理后直接按派单规则派出"),
    )
    monitor_window = models.PositiveIntegerField(
        _("自动派单监测窗口（条）"),
        default=200,
        validators=[MinValueValidator(20), MaxValueValidator(5000)],
        help_text=_(
            "按最近这么多条已定类、置信度达到阈值的建议检验准确率：准确率的 95% 置信上限低于训练目标时，"
            "自动派单自动关闭并通知管理员"
        ),
    )
    auto_dispatch_off_reason = models.CharField(_("自动派单自动关闭原因"), max_length=300, blank=True)
    auto_dispatch_off_at = models.DateTimeField(_("自动派单自动关闭时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("分类模型")
        verbose_name_plural = _("分类模型")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="intake_one_active_model"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def target_precision(self) -> float:
        """The precision the threshold was chosen to keep (from training; 98 % for older models)."""
        return float((self.metrics or {}).get("target_precision") or 0.98)

    @property
    def switched_off_note(self) -> str:
        """Why auto-dispatch is off, when the monitor switched it off (cleared when it is switched on)."""
        return "" if self.auto_dispatch else self.auto_dispatch_off_reason


class LabelMapping(models.Model):
    """Which category of ours a model label stands for (卫生计生 → 卫生健康)."""

    model = models.ForeignKey(
        IntakeModel, verbose_name=_("模型"), on_delete=models.CASCADE, related_name="mappings"
    )
    label = models.CharField(_("模型类别"), max_length=100)
    category = models.ForeignKey(
        "routing.Category", verbose_name=_("业务分类"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("类别映射")
        verbose_name_plural = _("类别映射")
        constraints = [models.UniqueConstraint(fields=["model", "label"], name="intake_mapping_unique")]

    def __str__(self):
        return f"{self.label} → {self.category or '未映射'}"


class Suggestion(models.Model):
    """What the model proposed for one ticket, and what people then did with it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待定")
        ACCEPTED = "accepted", _("采纳")
        CHANGED = "changed", _("改动")
        AUTO = "auto", _("自动派单")
        NONE = "none", _("未分类办结")

    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE, related_name="suggestion"
    )
    model = models.ForeignKey(IntakeModel, verbose_name=_("模型"), on_delete=models.PROTECT)
    created_at = models.DateTimeField(_("建议时间"))
    candidates = models.JSONField(
        _("候选"), default=list, help_text=_("[{label, category, confidence, unit}]")
    )
    category = models.ForeignKey(
        "routing.Category",
        verbose_name=_("建议分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidence = models.FloatField(_("置信度"))
    confident = models.BooleanField(_("达到自动派单阈值"), default=False)
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    outcome = models.CharField(_("分类结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    final_category = models.ForeignKey(
        "routing.Category",
        verbose_name=_("实际分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    in_top = models.PositiveSmallIntegerField(_("实际分类在候选中的名次"), null=True, blank=True)
    decided_at = models.DateTimeField(_("定类时间"), null=True, blank=True)
    unit_outcome = models.CharField(
        _("承办单位结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING
    )
    final_unit = models.ForeignKey(
        "registry.Unit",
        verbose_name=_("实际主办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("分类建议")
        verbose_name_plural = _("分类建议")
        indexes = [
            models.Index(fields=["model", "created_at"]),
            models.Index(fields=["outcome", "created_at"]),
            models.Index(fields=["model", "decided_at"]),
        ]

    def __str__(self):
        return f"{self.ticket_id}: {self.category or '—'} {self.confidence:.2f}"
