"""软弱涣散 party organisations: the criteria (versioned config), the candidates a scan finds, the decision of a
person, and the rectification plan (一村一策) tracked to acceptance (摘牌).

States change only through `weakorgs.services`. Overdue is not stored: `weakorgs.progress` says what it means.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective
from civicgrid.party.models import PartyOrg


class Criterion(Effective):
    """One criterion of the scan, versioned: switched on or off, with its parameters. The row of a code in force on
    the scan's day applies; without one the criterion is off."""

    class Code(models.TextChoices):
        SECRETARY_VACANT = "secretary_vacant", _("书记空缺")
        LIFE_NOT_HELD = "life_not_held", _("组织生活不正常")
        TERM_OVERDUE = "term_overdue", _("未按期换届")
        RANKING_BOTTOM = "ranking_bottom", _("三率排名靠后")
        LOW_SATISFACTION = "low_satisfaction", _("群众满意率低")

    code = models.CharField(_("排查条件"), max_length=20, choices=Code.choices)
    enabled = models.BooleanField(
        _("纳入排查"), default=True, help_text=_("取消勾选则本版本期间不按此条件排查")
    )
    months = models.PositiveSmallIntegerField(
        _("月数"),
        default=3,
        help_text=_(
            "书记空缺：空缺超过几个月；组织生活：统计最近几个月；换届：逾期超过几个月（0 表示逾期即列入）；"
            "三率排名、满意率：统计最近几个完整月（0 表示上一个完整年度）"
        ),
    )
    count = models.PositiveSmallIntegerField(
        _("数量"),
        default=1,
        help_text=_("组织生活：未达标的周期至少几个；三率排名：倒数几名；满意率：参评工单至少几件"),
    )
    threshold = models.DecimalField(
        _("阈值（%）"),
        max_digits=5,
        decimal_places=2,
        default=0,
        help_text=_("满意率低于此百分比时列入，其他条件不用"),
    )

    class Meta:
        verbose_name = _("软弱涣散排查条件")
        verbose_name_plural = _("软弱涣散排查条件")
        ordering = ["code", "-effective_from", "pk"]

    def __str__(self):
        return f"{self.version}：{self.get_code_display()}"


class ScanSchedule(Effective):
    """When the worker runs the monthly scan (versioned): on or after this day of each month, once a month."""

    enabled = models.BooleanField(_("按月自动排查"), default=True)
    day_of_month = models.PositiveSmallIntegerField(
        _("每月排查日"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("每月这一天（1至28日）起自动排查一次，只列出候选组织，由工作人员研判"),
    )

    class Meta:
        verbose_name = _("软弱涣散自动排查")
        verbose_name_plural = _("软弱涣散自动排查")
        ordering = ["-effective_from", "-pk"]

    def __str__(self):
        return f"{self.version}：每月{self.day_of_month}日"


class MonthlyScan(models.Model):
    """A month's automatic scan, claimed by its unique month so that it runs once even with two workers."""

    month = models.DateField(_("月份"), unique=True, help_text=_("该月1日"))
    ran_at = models.DateTimeField(_("排查时间"))
    found = models.PositiveIntegerField(_("候选组织（个）"), default=0)
    created = models.PositiveIntegerField(_("新增候选（个）"), default=0)

    class Meta:
        verbose_name = _("软弱涣散按月排查记录")
        verbose_name_plural = _("软弱涣散按月排查记录")
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month:%Y年%m月}"


class Candidate(models.Model):
    """An organisation a scan (or a person) put forward. One open candidate per organisation: a rescan updates its
    reasons. Only a person decides: confirm (a rectification plan follows) or dismiss with a reason."""

    class State(models.TextChoices):
        OPEN = "open", _("待研判")
        CONFIRMED = "confirmed", _("已认定")
        DISMISSED = "dismissed", _("不予认定")

    org = models.ForeignKey(PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.OPEN)
    manual = models.BooleanField(_("直接认定"), default=False, help_text=_("未经排查，由工作人员直接认定"))
    # [{"code": ..., "text": "书记空缺 4 个月（自 2026-08-01）"}], as found by the latest scan.
    reasons = models.JSONField(_("列入原因"), default=list, blank=True)
    still_met = models.BooleanField(
        _("最近排查仍符合"), default=True, help_text=_("最近一次排查未再发现时取消，仍由工作人员研判")
    )
    as_of = models.DateField(_("排查日期"))
    first_found_at = models.DateTimeField(_("首次列入时间"))
    scanned_at = models.DateTimeField(_("最近排查时间"))
    decided_at = models.DateTimeField(_("研判时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("研判人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField(_("研判意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("软弱涣散候选组织")
        verbose_name_plural = _("软弱涣散候选组织")
        ordering = ["-scanned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org"], condition=Q(state="open"), name="weakorgs_one_open_candidate_per_org"
            )
        ]
        indexes = [models.Index(fields=["state", "org"], name="weakorgs_candidate_state_org")]

    def __str__(self):
        return f"{self.org} {self.get_state_display()}"

    @property
    def reason_texts(self) -> list[str]:
        return [reason.get("text", "") for reason in self.reasons or []]


class RectificationPlan(models.Model):
    """一村一策: the confirmed organisation's plan: problems, measures, the 包联 leader, the time limit, items."""

    class State(models.TextChoices):
        IDENTIFIED = "identified", _("已认定")
        APPROVED = "approved", _("方案已审定")
        RECTIFYING = "rectifying", _("整顿中")
        APPLIED = "applied_for_acceptance", _("申请验收")
        ACCEPTED = "accepted", _("已验收摘牌")
        EXTENDED = "extended", _("延期整顿")

    org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="rectification_plans"
    )
    candidate = models.OneToOneField(
        Candidate, verbose_name=_("认定依据"), on_delete=models.PROTECT, related_name="plan"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    batch = models.CharField(_("批次"), max_length=40, help_text=_("例如：2026年第一批"))
    # The sector the reports count by (社区, 机关, 两新 ...): the organisation's 设置方式 when it was confirmed.
    org_setup = models.CharField(
        _("组织类型"), max_length=20, choices=PartyOrg.Setup.choices, editable=False, default=""
    )
    reasons = models.TextField(_("认定原因"))
    problems = models.TextField(_("存在问题"), blank=True)
    measures = models.TextField(_("整顿措施"), blank=True)
    leader_name = models.CharField(_("包联领导"), max_length=50, blank=True)
    leader_title = models.CharField(_("包联领导职务"), max_length=100, blank=True)
    first_secretary = models.CharField(_("第一书记"), max_length=50, blank=True)
    due_on = models.DateField(_("整顿时限"), null=True, blank=True)
    extended_to = models.DateField(_("延期至"), null=True, blank=True)
    extension_reason = models.CharField(_("延期原因"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=24, choices=State.choices, default=State.IDENTIFIED)
    created_at = models.DateTimeField(_("认定时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("认定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    acceptance_note = models.CharField(_("验收意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("整顿方案")
        verbose_name_plural = _("整顿方案")
        ordering = ["-year", "org__code"]
        constraints = [models.UniqueConstraint(fields=["org", "year"], name="weakorgs_one_plan_per_org_year")]
        indexes = [
            models.Index(fields=["year", "state"], name="weakorgs_plan_year_state"),
            models.Index(fields=["state", "due_on"], name="weakorgs_plan_state_due"),
        ]

    def __str__(self):
        return f"{self.org} {self.year}年整顿方案"

    @property
    def effective_due_on(self):
        return self.extended_to or self.due_on


class PlanItem(models.Model):
    """One problem and its measure, with whom and by when; 销号 when done."""

    class State(models.TextChoices):
        OPEN = "open", _("整改中")
        DONE = "done", _("已销号")

    plan = models.ForeignKey(
        RectificationPlan, verbose_name=_("整顿方案"), on_delete=models.CASCADE, related_name="items"
    )
    problem = models.CharField(_("问题"), max_length=300)
    measure = models.CharField(_("措施"), max_length=500)
    responsible = models.CharField(_("责任人"), max_length=100, blank=True)
    due_on = models.DateField(_("时限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.OPEN)
    done_on = models.DateField(_("销号日期"), null=True, blank=True)
    done_note = models.CharField(_("销号说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("整顿事项")
        verbose_name_plural = _("整顿事项")
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.problem[:30]


class ProgressNote(models.Model):
    """A note of progress written by the organisation's secretary (or the 组织部)."""

    plan = models.ForeignKey(
        RectificationPlan, verbose_name=_("整顿方案"), on_delete=models.CASCADE, related_name="notes"
    )
    text = models.TextField(_("进展情况"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("填写时间"))

    class Meta:
        verbose_name = _("整顿进展")
        verbose_name_plural = _("整顿进展")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return self.text[:30]


class PlanEvent(models.Model):
    """The plan's own log: every change, with who and when."""

    class Action(models.TextChoices):
        IDENTIFY = "identify", _("认定")
        EDIT = "edit", _("修改方案")
        APPROVE = "approve", _("审定方案")
        START = "start", _("开始整顿")
        ITEM_ADD = "item_add", _("新增事项")
        ITEM_DONE = "item_done", _("事项销号")
        NOTE = "note", _("填写进展")
        APPLY = "apply", _("申请验收")
        ACCEPT = "accept", _("验收摘牌")
        REFUSE = "refuse", _("验收未通过")
        EXTEND = "extend", _("延期整顿")

    plan = models.ForeignKey(
        RectificationPlan, verbose_name=_("整顿方案"), on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(_("事项"), max_length=10, choices=Action.choices)
    from_state = models.CharField(
        _("原状态"), max_length=24, choices=RectificationPlan.State.choices, blank=True
    )
    to_state = models.CharField(
        _("新状态"), max_length=24, choices=RectificationPlan.State.choices, blank=True
    )
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
        verbose_name = _("整顿方案记录")
        verbose_name_plural = _("整顿方案记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.plan_id} {self.get_action_display()}"
