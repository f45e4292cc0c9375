"""Credit points (诚信积分 / 积分制 / 积分超市): schemes per village or community, their rules, accounts, the
append-only ledger, the reward catalogue and redemptions.

The ledger is append-only: an entry's amount never changes; a correction is a reversal entry, an expiry is an
entry. The balance is the sum of posted entries, computed in one place (`points.ledger.balances`);
`PointsAccount.balance` is a cache of that sum kept by the posting code and checked by `civicgrid points verify`.
"""

import calendar
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.masking import mask_person_name as mask_name  # noqa: F401 (re-exported)
from civicgrid.core.masking import mask_phone  # noqa: F401 (re-exported)
from civicgrid.core.models import Effective
from civicgrid.registry.models import AdminArea, Unit


class PointsScheme(Effective):
    """积分方案 of one village or community, adopted by a recorded decision; versioned (Effective).

    A row without an area is a template (e.g. the seeded Sanya-like 诚信积分 template) that a community copies.
    """

    class Holder(models.TextChoices):
        PERSON = "person", _("个人")
        HOUSEHOLD = "household", _("户")

    class Validity(models.TextChoices):
        END_OF_NEXT_YEAR = "next_year_end", _("次年年底到期")
        DAYS = "days", _("固定天数")
        NONE = "none", _("长期有效")

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("村（社区）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_schemes",
        help_text=_("不填为方案模板"),
    )
    name = models.CharField(_("方案名称"), max_length=100)
    decision_date = models.DateField(_("决议日期"), null=True, blank=True)
    decision_body = models.CharField(
        _("决议机构"), max_length=100, blank=True, help_text=_("例如：村民代表会议")
    )
    decision_document = models.CharField(_("决议文件"), max_length=200, blank=True)
    holder_kind = models.CharField(
        _("积分对象"), max_length=10, choices=Holder.choices, default=Holder.PERSON
    )
    value_note = models.CharField(
        _("积分价值"), max_length=100, blank=True, help_text=_("例如：1 分 = 1 张诚信券")
    )
    validity = models.CharField(
        _("有效期"), max_length=20, choices=Validity.choices, default=Validity.END_OF_NEXT_YEAR
    )
    validity_days = models.PositiveIntegerField(_("有效天数"), null=True, blank=True)
    overdraft = models.PositiveIntegerField(_("允许透支分数"), default=0, help_text=_("0 为不允许透支"))
    publicity_days = models.PositiveIntegerField(_("公示天数"), default=3)
    public_ranking = models.BooleanField(_("公开月度排行"), default=False)

    class Meta:
        verbose_name = _("积分方案")
        verbose_name_plural = _("积分方案")
        ordering = ["area__code", "-effective_from"]

    def __str__(self):
        where = self.area.name if self.area_id else "模板"
        return f"{self.name}（{where}，{self.version}）"

    @property
    def is_template(self) -> bool:
        return self.area_id is None

    def clean(self):
        super().clean()
        if self.validity == self.Validity.DAYS and not self.validity_days:
            raise ValidationError({"validity_days": _("按固定天数计算有效期时，请填写有效天数")})
        if self.area_id and self.area.level != AdminArea.Level.VILLAGE:
            raise ValidationError({"area": _("积分方案只能设在村（社区）")})

    def expires_on(self, posted: date) -> date | None:
        """The last day on which points posted on `posted` count."""
        if self.validity == self.Validity.END_OF_NEXT_YEAR:
            return date(posted.year + 1, 12, 31)
        if self.validity == self.Validity.DAYS:
            return posted + timedelta(days=self.validity_days or 0)
        return None


class PointsRule(models.Model):
    """One scoring item of a scheme: 基础积分, 正向加分 or 负向减分, with its points per unit and cap."""

    class Category(models.TextChoices):
        BASIC = "basic", _("基础积分")
        PLUS = "plus", _("正向加分")
        MINUS = "minus", _("负向减分")

    class Period(models.TextChoices):
        NONE = "", _("不限")
        MONTH = "month", _("每月")
        QUARTER = "quarter", _("每季度")
        YEAR = "year", _("每年")

    scheme = models.ForeignKey(
        PointsScheme, verbose_name=_("积分方案"), on_delete=models.CASCADE, related_name="rules"
    )
    code = models.CharField(_("编号"), max_length=30)
    name = models.CharField(_("项目"), max_length=100)
    category = models.CharField(_("类别"), max_length=10, choices=Category.choices)
    points = models.IntegerField(_("分值"), help_text=_("每单位的分数，减分项填负数"))
    unit = models.CharField(_("计分单位"), max_length=20, default="次")
    evidence = models.CharField(_("所需凭证"), max_length=200, blank=True)
    approver = models.CharField(
        _("审核人"), max_length=100, blank=True, help_text=_("例如：社区信用管理小组")
    )
    cap_points = models.PositiveIntegerField(_("上限分数"), null=True, blank=True)
    cap_period = models.CharField(
        _("上限周期"), max_length=10, choices=Period.choices, blank=True, default=""
    )
    source_kind = models.CharField(
        _("自动来源"),
        max_length=30,
        blank=True,
        help_text=_(
            "由其他业务自动计分时的来源代码，例如 volunteer_hours（志愿服务时长）、micro_wish（微心愿）"
        ),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        ordering = ["scheme", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="points_rule_code_unique")]

    def __str__(self):
        return f"{self.name}（{self.points:+d} 分/{self.unit}）"

    def clean(self):
        if self.category == self.Category.MINUS and self.points >= 0:
            raise ValidationError({"points": _("减分项的分值应为负数")})
        if self.category != self.Category.MINUS and self.points <= 0:
            raise ValidationError({"points": _("加分项的分值应为正数")})
        if self.cap_points and not self.cap_period:
            raise ValidationError({"cap_period": _("设置上限分数时请选择上限周期")})

    def period_start(self, day: date) -> date | None:
        if self.cap_period == self.Period.MONTH:
            return day.replace(day=1)
        if self.cap_period == self.Period.QUARTER:
            return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        if self.cap_period == self.Period.YEAR:
            return date(day.year, 1, 1)
        return None


class PointsAccount(models.Model):
    """积分账户 of a person or a household in one village or community."""

    area = models.ForeignKey(
        AdminArea, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    holder_kind = models.CharField(_("积分对象"), max_length=10, choices=PointsScheme.Holder.choices)
    holder_name = models.CharField(_("姓名/户主"), max_length=50)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, db_index=True)
    household_code = models.CharField(_("户编号"), max_length=40, blank=True)
    # Links to the party register and volunteering by id, so this app imports neither.
    party_member_id = models.PositiveBigIntegerField(_("党员记录"), null=True, blank=True, db_index=True)
    volunteer_id = models.PositiveBigIntegerField(_("志愿者记录"), null=True, blank=True, db_index=True)
    opened_on = models.DateField(_("开户日期"))
    is_active = models.BooleanField(_("启用"), default=True)
    # A cache of the posted sum, kept by points.ledger under a row lock; verify checks it against the sum.
    balance = models.IntegerField(_("余额"), default=0, editable=False)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        ordering = ["area__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "household_code"],
                condition=~Q(household_code=""),
                name="points_account_household_unique",
            ),
        ]

    def __str__(self):
        return f"{mask_name(self.holder_name)}（{self.area.name}）"

    @property
    def masked_name(self) -> str:
        return mask_name(self.holder_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class PointsEntry(models.Model):
    """One ledger line. Never updated in amount; state moves claimed → reviewed → publicised → posted | rejected."""

    class Kind(models.TextChoices):
        EARN = "earn", _("加分")
        DEDUCT = "deduct", _("减分")
        REVERSAL = "reversal", _("冲正")
        EXPIRY = "expiry", _("到期清零")
        REDEEM = "redeem", _("兑换")

    class State(models.TextChoices):
        CLAIMED = "claimed", _("已申报")
        REVIEWED = "reviewed", _("已审核")
        PUBLICISED = "publicised", _("公示中")
        POSTED = "posted", _("已入账")
        REJECTED = "rejected", _("已驳回")

    OPEN = (State.CLAIMED, State.REVIEWED, State.PUBLICISED)

    account = models.ForeignKey(
        PointsAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    scheme = models.ForeignKey(
        PointsScheme, verbose_name=_("方案"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.ForeignKey(
        PointsRule, verbose_name=_("规则"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    points = models.IntegerField(_("分数"))
    quantity = models.DecimalField(_("数量"), max_digits=9, decimal_places=2, default=1)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, db_index=True)
    # Idempotency: one entry per (source kind, source id, account).
    source_kind = models.CharField(_("来源类型"), max_length=30)
    source_id = models.CharField(_("来源标识"), max_length=60)
    key = models.CharField(_("幂等键"), max_length=140, unique=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
    )
    lot = models.ForeignKey(
        "self",
        verbose_name=_("到期的积分批次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expiries",
    )
    occurred_on = models.DateField(_("发生日期"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    evidence = models.CharField(_("凭证"), max_length=300, blank=True)
    claimed_at = models.DateTimeField(_("申报时间"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    publicity_until = models.DateTimeField(_("公示截止"), null=True, blank=True)
    posted_at = models.DateTimeField(_("入账时间"), null=True, blank=True)
    expires_on = models.DateField(_("到期日"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("驳回时间"), null=True, blank=True)
    reject_reason = models.CharField(_("驳回理由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")
        ordering = ["-claimed_at", "-pk"]
        indexes = [
            models.Index(fields=["account", "state", "posted_at"], name="points_entry_posted"),
            models.Index(fields=["state", "publicity_until"], name="points_entry_due"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.points:+d}（{self.get_state_display()}）"

    @staticmethod
    def make_key(source_kind: str, source_id, account_id: int) -> str:
        return f"{source_kind}:{source_id}:{account_id}"


class RewardItem(models.Model):
    """积分超市 item: goods, a meal, a discount; offered by a merchant (a registry Unit or a name)."""

    class Kind(models.TextChoices):
        GOODS = "goods", _("实物")
        MEAL = "meal", _("就餐优惠")
        DISCOUNT = "discount", _("打折优惠")
        SERVICE = "service", _("服务")

    area = models.ForeignKey(
        AdminArea, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.GOODS)
    merchant_unit = models.ForeignKey(
        Unit, verbose_name=_("提供单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merchant_name = models.CharField(_("提供商家"), max_length=100, blank=True)
    cost = models.PositiveIntegerField(_("所需积分"))
    stock_total = models.PositiveIntegerField(_("累计入库"), default=0, editable=False)
    stock = models.IntegerField(_("库存"), default=0, editable=False)
    is_active = models.BooleanField(_("上架"), default=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")
        ordering = ["area__code", "cost", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_item_stock_not_negative")
        ]

    def __str__(self):
        return f"{self.name}（{self.cost} 分）"

    @property
    def merchant(self) -> str:
        return self.merchant_unit.name if self.merchant_unit_id else self.merchant_name


class Redemption(models.Model):
    """兑换: requested → reserved (points held by a posted redeem entry, stock taken) → fulfilled | cancelled."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("已申请")
        RESERVED = "reserved", _("待领取")
        FULFILLED = "fulfilled", _("已领取")
        CANCELLED = "cancelled", _("已取消")

    account = models.ForeignKey(
        PointsAccount, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="redemptions"
    )
    item = models.ForeignKey(
        RewardItem, verbose_name=_("物品"), on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    points = models.PositiveIntegerField(_("积分"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.REQUESTED)
    pickup_code = models.CharField(_("领取码"), max_length=12, unique=True)
    entry = models.OneToOneField(
        PointsEntry,
        verbose_name=_("扣分记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redemption",
    )
    requested_at = models.DateTimeField(_("申请时间"))
    reserved_at = models.DateTimeField(_("预留时间"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("领取时间"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.item.name} × {self.quantity}（{self.get_state_display()}）"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
