"""揭榜挂帅 / 查堵点 problem ledgers: campaigns (a year's list, in batches), their items, progress reports approved by
the campaign owner, the item's event log and its links to tickets.

States change only through `ledgers.services`. Overdue is not stored: it is derived in `ledgers.progress`
(`overdue_q`), the one place that says what it means; an item's progress is its latest approved report, also
computed there.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective
from civicgrid.engagement.models import PairingVisit
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.tickets.models import Ticket


class AveragingRule(Effective):
    """How a list's progress is averaged over its items; the rule in force on the day of the figure applies."""

    class Mode(models.TextChoices):
        MEAN = "mean", _("简单平均（各项进度相加除以项数）")
        CLOSED_FULL = "closed_full", _("简单平均，已销号事项按100%计")

    mode = models.CharField(_("平均方式"), max_length=16, choices=Mode.choices, default=Mode.MEAN)

    class Meta:
        verbose_name = _("台账进度平均方式")
        verbose_name_plural = _("台账进度平均方式")
        ordering = ["-effective_from", "pk"]

    def __str__(self):
        return f"{self.version}：{self.get_mode_display()}"


class Campaign(models.Model):
    """One year's ledger (e.g. 2026年揭榜挂帅/查堵点), owned by the unit that approves progress and closures."""

    code = models.CharField(_("台账编码"), max_length=40, unique=True, help_text=_("例如：JBGS-2026"))
    name = models.CharField(_("台账名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("年度"))
    owner_unit = models.ForeignKey(
        Unit,
        verbose_name=_("牵头管理单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("审核进度、批准销号的单位，一般为组织部或12345热线中心"),
    )
    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("该区划及以下的组织部、中心工作人员可以管理本台账"),
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("问题台账")
        verbose_name_plural = _("问题台账")
        ordering = ["-year", "code"]

    def __str__(self):
        return self.name


class LedgerItem(models.Model):
    class Source(models.TextChoices):
        SELF_FOUND = "self_found", _("自查")
        REFERRED = "referred", _("转办")
        REPORTED = "reported", _("上报")
        HOTSPOT = "hotspot", _("热点")
        VISIT = "visit", _("走访")
        DELIBERATION = "deliberation", _("议事")

    class State(models.TextChoices):
        PROPOSED = "proposed", _("拟列入")
        LISTED = "listed", _("已张榜")
        TAKEN = "taken", _("已揭榜")
        IN_PROGRESS = "in_progress", _("推进中")
        APPLIED = "applied_for_closure", _("申请销号")
        CLOSED = "closed", _("已销号")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("台账"), on_delete=models.CASCADE, related_name="items"
    )
    number = models.CharField(_("编号"), max_length=30)
    batch = models.PositiveSmallIntegerField(_("批次"), default=1, help_text=_("第几批张榜"))
    problem = models.TextField(_("问题（堵点）"))
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    on_list = models.BooleanField(_("揭榜挂帅"), default=False, help_text=_("列入揭榜挂帅榜单的事项"))
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_ledger_items",
    )
    co_units = models.ManyToManyField(
        Unit, verbose_name=_("配合单位"), blank=True, related_name="co_ledger_items"
    )
    responsible_leader = models.CharField(
        _("责任领导"), max_length=100, blank=True, help_text=_("姓名和职务，例如：王某某（副市长）")
    )
    special_team = models.CharField(_("工作专班"), max_length=200, blank=True)
    deliverables = models.TextField(_("预期成果"), blank=True)
    deadline = models.DateField(_("时限"), null=True, blank=True)
    responsibility_letter_date = models.DateField(_("目标责任书签订日期"), null=True, blank=True)
    is_public = models.BooleanField(_("张榜公示"), default=False, help_text=_("在群众门户的张榜公示栏公开"))
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.PROPOSED)
    suspended = models.BooleanField(_("已暂停"), default=False)
    suspend_reason = models.CharField(_("暂停原因"), max_length=200, blank=True)
    origin_visit = models.ForeignKey(
        PairingVisit,
        verbose_name=_("来源走访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tickets = models.ManyToManyField(
        Ticket, verbose_name=_("关联工单"), through="ItemTicket", blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    # Set once by the worker when the overdue warning went out, so it never repeats.
    overdue_warned_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("台账事项")
        verbose_name_plural = _("台账事项")
        ordering = ["campaign", "batch", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="ledger_item_number_unique"),
        ]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            models.Index(fields=["state", "deadline"]),
        ]

    def __str__(self):
        return f"{self.number} {self.problem[:30]}"

    @property
    def is_open(self) -> bool:
        return self.state != self.State.CLOSED


class ProgressReport(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已退回")

    item = models.ForeignKey(
        LedgerItem, verbose_name=_("台账事项"), on_delete=models.CASCADE, related_name="reports"
    )
    percent = models.DecimalField(
        _("完成进度（%）"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0至100，最多两位小数"),
    )
    narrative = models.TextField(_("进展情况"), blank=True)
    evidence = models.FileField(_("佐证材料"), upload_to="ledgers/%Y/%m/", blank=True)
    evidence_name = models.CharField(_("佐证文件名"), max_length=200, blank=True)
    evidence_type = models.CharField(_("佐证类型"), max_length=100, blank=True, editable=False)
    status = models.CharField(_("审核状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(_("填报时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("进度报告")
        verbose_name_plural = _("进度报告")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["item", "status", "decided_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100), name="ledger_report_percent_range"
            )
        ]

    def __str__(self):
        return f"{self.item.number} {self.percent}%"


class ItemEvent(models.Model):
    """The item's own log: every state change, report decision and link, with who and when."""

    class Action(models.TextChoices):
        PROPOSE = "propose", _("提出")
        LIST = "list", _("张榜")
        TAKE = "take", _("揭榜")
        START = "start", _("开始推进")
        REPORT = "report", _("填报进度")
        APPROVE = "approve", _("进度审核通过")
        REJECT = "reject", _("进度退回")
        APPLY = "apply", _("申请销号")
        CLOSE = "close", _("销号")
        REFUSE_CLOSE = "refuse_close", _("不予销号")
        SUSPEND = "suspend", _("暂停")
        RESUME = "resume", _("恢复")
        LINK_TICKET = "link_ticket", _("关联工单")
        RAISE_TICKET = "raise_ticket", _("转为工单")
        OVERDUE_WARN = "overdue_warn", _("超期提醒")
        IMPORT = "import", _("导入")
        EDIT = "edit", _("修改")

    item = models.ForeignKey(
        LedgerItem, verbose_name=_("台账事项"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("事项"), max_length=16, choices=Action.choices)
    from_state = models.CharField(_("原状态"), max_length=20, choices=LedgerItem.State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=20, choices=LedgerItem.State.choices, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("台账事项记录")
        verbose_name_plural = _("台账事项记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.item.number} {self.get_action_display()}"


class ItemTicket(models.Model):
    """A ticket linked to an item: sent to the ledger (the ticket came first) or raised from the item."""

    class Direction(models.TextChoices):
        SENT = "sent", _("工单列入台账")
        RAISED = "raised", _("由台账事项转为工单")

    item = models.ForeignKey(
        LedgerItem, verbose_name=_("台账事项"), on_delete=models.CASCADE, related_name="ticket_links"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="ledger_links"
    )
    direction = models.CharField(_("关联方式"), max_length=8, choices=Direction.choices)
    linked_at = models.DateTimeField(_("关联时间"))
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("台账关联工单")
        verbose_name_plural = _("台账关联工单")
        constraints = [models.UniqueConstraint(fields=["item", "ticket"], name="ledger_item_ticket_unique")]

    def __str__(self):
        return f"{self.item.number} ↔ {self.ticket}"
