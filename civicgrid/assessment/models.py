"""Assessment configuration: the weights, the basic-satisfaction factor and the praise/naming rule, versioned."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective


class AssessmentScheme(Effective):
    """三率 weights in force over a period (权重可调; 分档分类评价)."""

    basic_satisfied_weight = models.DecimalField(
        _("基本满意折算系数"), max_digits=4, decimal_places=3, default="0.9"
    )
    weight_response = models.DecimalField(_("响应率权重"), max_digits=4, decimal_places=3, default="0.1")
    weight_resolution = models.DecimalField(_("解决率权重"), max_digits=4, decimal_places=3, default="0.5")
    weight_satisfaction = models.DecimalField(_("满意率权重"), max_digits=4, decimal_places=3, default="0.4")
    # A unit with one or two rated tickets swings from 0 to 100 %: too few to praise or name it on.
    naming_min_rated = models.PositiveSmallIntegerField(
        _("表扬、点名最少参评件数"),
        default=5,
        help_text=_("参评工单少于此数的单位或网格不列入表扬、点名"),
    )
    naming_count = models.PositiveSmallIntegerField(_("表扬、点名各列几个"), default=3)
    # Deductions from the composite 「综合得分加减分」, in points of the 0-100 score per overdue notice or
    # supervision per rated ticket: 0 keeps the plain weighted three rates.
    overdue_deduction = models.DecimalField(
        _("超期扣分"),
        max_digits=5,
        decimal_places=2,
        default="0",
        help_text=_("每参评件平均每次超期从综合得分（百分制）中扣除的分数；0 为不扣分"),
    )
    supervision_deduction = models.DecimalField(
        _("督办扣分"),
        max_digits=5,
        decimal_places=2,
        default="0",
        help_text=_("每参评件平均每次督办从综合得分（百分制）中扣除的分数；0 为不扣分"),
    )
    credible_level = models.DecimalField(
        _("可信水平"),
        max_digits=4,
        decimal_places=3,
        default="0.9",
        help_text=_("公平排名的单侧可信水平：下限以上的把握为此值，例如 0.9 即 90%"),
    )
    rank_by_shrunk = models.BooleanField(
        _("按修正得分排名"),
        default=True,
        help_text=_("勾选时按修正得分（向全市平均收缩后的综合得分）排名，原始综合得分并列显示"),
    )

    class Meta:
        verbose_name = _("考评方案")
        verbose_name_plural = _("考评方案")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.version}（{self.effective_from} 起）"

    def clean(self):
        super().clean()
        total = self.weight_response + self.weight_resolution + self.weight_satisfaction
        if abs(total - 1) > 0.0001:
            raise ValidationError(_("三项权重之和应为 1，当前为 %(t)s") % {"t": total})
        if not 0 <= self.basic_satisfied_weight <= 1:
            raise ValidationError({"basic_satisfied_weight": _("折算系数应在 0 到 1 之间")})
        if self.naming_min_rated < 1:
            raise ValidationError({"naming_min_rated": _("最少参评件数至少为 1")})
        deductions = [d for d in (self.overdue_deduction, self.supervision_deduction) if d is not None]
        if any(Decimal(str(d)) < 0 for d in deductions):
            raise ValidationError(_("扣分不能为负数"))
        if self.credible_level is not None and not Decimal("0.5") <= Decimal(str(self.credible_level)) < 1:
            raise ValidationError({"credible_level": _("可信水平应不低于 0.5 且小于 1")})
        if self.naming_count < 1:
            raise ValidationError({"naming_count": _("表扬、点名至少各列 1 个")})


class Counts(models.Model):
    """The league-table counts of one group (a unit, grid, town or first-level category) over some time: what
    `selectors.live_cells` counts, stored."""

    key = models.CharField(_("分组对象"), max_length=20, blank=True)  # "" for tickets without one
    code = models.CharField(_("一级分类"), max_length=2, blank=True)
    rated = models.IntegerField(default=0)
    contacted_in_time = models.IntegerField(default=0)
    solved = models.IntegerField(default=0)
    very_satisfied = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    received = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    redo = models.IntegerField(default=0)
    returns = models.IntegerField(default=0)
    returns_approved = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyCount(Counts):
    """The league-table counts of one local calendar month for one group (a unit, grid, town or first-level
    category), one town the tickets are located in and one first-level category: filled by the worker from the
    live count (`assessment.aggregates`), so a year's table adds up twelve months of these instead of counting
    a year of tickets. Rated figures carry their category (the category-mix adjustment needs it); the other
    figures carry one only when the grouping is the category."""

    month = models.DateField(_("月份"))  # the month's first day
    by = models.CharField(_("分组"), max_length=10)
    town = models.IntegerField(_("所在乡镇"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度考评计数")
        verbose_name_plural = _("月度考评计数")
        indexes = [models.Index(fields=["by", "month", "key"], name="assess_monthly_by_month")]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.by} {self.key}"


class MonthStamp(models.Model):
    """When a month's `MonthlyCount` rows were counted, and the last ticket event（工单日志） they include:
    a ticket received in or before the month with a later event may have changed the month's figures."""

    month = models.DateField(_("月份"), unique=True)
    computed_at = models.DateTimeField(_("统计时间"))
    last_event = models.BigIntegerField(_("已计入的最后一条工单日志"))

    class Meta:
        verbose_name = _("月度考评计数时间")
        verbose_name_plural = _("月度考评计数时间")

    def __str__(self):
        return f"{self.month:%Y-%m}"


class RecentCount(models.Model):
    """A part of a month the leaders' dashboard shows (this month to date, the same days of the previous month
    and of a year earlier, …) for one grouping, counted by the worker every few minutes (`aggregates.
    refresh_recent`): the counts of [date_from 00:00, the earlier of counted_at and the day after date_to
    00:00) as the tickets stood at `counted_at`, per group and first-level category (no town: a reader
    filtering by area counts live). The dashboard adds a live count of the rest. The cells are one document,
    [[key, code, figure, …], …] in `selectors.COUNT_FIELDS` order: read in one row, a count being replaced is
    seen whole, and a province's thousands of cells load in milliseconds."""

    by = models.CharField(_("分组"), max_length=10)
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    counted_at = models.DateTimeField(_("统计时间"))
    cells = models.JSONField(_("计数"), default=list)

    class Meta:
        verbose_name = _("看板近期计数")
        verbose_name_plural = _("看板近期计数")
        constraints = [
            models.UniqueConstraint(fields=["by", "date_from", "date_to"], name="assess_recent_window_unique")
        ]

    def __str__(self):
        return f"{self.by} {self.date_from} 至 {self.date_to}"


class DashboardSnapshot(models.Model):
    """One ready-made view of the leaders' dashboard 「本月、上月、近90天」 × 「按单位、按乡镇、按网格」 as a
    reader with no unit scope sees it, built by the worker right after it counts the recent windows
    (`assessment.snapshots`): the page's figures, the full leagues and the chart data as three documents, so
    such a reader's page loads one document instead of counting a province's tickets."""

    preset = models.CharField(_("时段"), max_length=12)
    by = models.CharField(_("分组"), max_length=10)
    day = models.DateField(_("统计日"))  # the local day the preset's dates were taken on
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    counted_at = models.DateTimeField(_("统计时间"))
    page = models.JSONField(_("看板数据"), default=dict)
    full = models.JSONField(_("完整排名数据"), default=dict)  # every row of every league
    chart = models.JSONField(_("图表数据"), default=dict)

    class Meta:
        verbose_name = _("看板预先统计")
        verbose_name_plural = _("看板预先统计")
        constraints = [models.UniqueConstraint(fields=["preset", "by"], name="assess_snapshot_unique")]

    def __str__(self):
        return f"{self.preset} {self.by} {self.day}"
