"""Grassroots deliberation (基层协商议事): topics collected from residents, grid workers, party organisations,
12345 hotspots and pairing visits, accepted or declined, announced, deliberated, their resolution publicised,
implemented and fed back to the people who raised them.

    collected → accepted | declined (reason) → notified → deliberated → publicised → implementing → done → fed_back

States change only through `deliberation.services`; each topic keeps the day it entered each state, since the
figures ask what was collected, resolved or implemented in a year whatever the state is now.

四议两公开 (form FOUR_TWO, villages only) is an ordered checklist of `FourTwoStep` rows, each recorded once and
only after the one before it. The checklist gates the topic's states:

    step 1 党支部提议, step 2 两委商议      recorded while accepted;   notify needs both
    step 3 党员大会审议, step 4 村民(代表)会议决议  recorded while notified;  deliberate needs step 4
    step 5 决议公开                         recorded while deliberated; publicise needs step 5
    step 6 结果公开                         recorded while done;       feed back needs step 6

Steps 3 and 4 are refused without quorum: present ≥ the quorum fraction of expected and votes for > the majority
fraction of those present (2/3 and 1/2 by default; both fractions are rows of `DeliberationRule`).
The topic's own votes, for a 四议两公开 topic, are those of step 4.
"""

from fractions import Fraction

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.masking import mask_person_name, mask_phone
from civicgrid.core.models import Effective
from civicgrid.engagement.models import PairingVisit
from civicgrid.ledgers.models import LedgerItem
from civicgrid.party.models import PartyOrg
from civicgrid.registry.models import AdminArea, Unit
from civicgrid.tickets.models import Ticket


class DeliberationRule(Effective):
    """Publication windows and the 四议两公开 quorum fractions. `area` empty: everywhere; otherwise the rule of
    the nearest area above the topic's village or community wins."""

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("适用区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_days = models.PositiveSmallIntegerField(
        _("议事公告公开天数"), default=7, help_text=_("告知后在居民端公告的天数（含告知当天）")
    )
    result_days = models.PositiveSmallIntegerField(
        _("结果公示天数"), default=7, help_text=_("决议公示后在居民端公示的天数（含公示当天）")
    )
    quorum_numerator = models.PositiveSmallIntegerField(_("到会比例（分子）"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(
        _("到会比例（分母）"),
        default=3,
        help_text=_("党员大会、村民（代表）会议实到人数不少于应到人数的比例"),
    )
    majority_numerator = models.PositiveSmallIntegerField(_("赞成比例（分子）"), default=1)
    majority_denominator = models.PositiveSmallIntegerField(
        _("赞成比例（分母）"), default=2, help_text=_("赞成票须超过实到人数的比例（超过，不含等于）")
    )

    class Meta:
        verbose_name = _("协商议事规则")
        verbose_name_plural = _("协商议事规则")
        ordering = ["-effective_from", "pk"]

    def __str__(self):
        where = self.area.name if self.area_id else _("通用")
        return (
            f"{where}：公告{self.notice_days}天、公示{self.result_days}天、到会"
            f"{self.quorum_numerator}/{self.quorum_denominator}、赞成过{self.majority_numerator}/"
            f"{self.majority_denominator}"
        )

    @property
    def quorum(self) -> Fraction:
        return Fraction(self.quorum_numerator, max(self.quorum_denominator, 1))

    @property
    def majority(self) -> Fraction:
        return Fraction(self.majority_numerator, max(self.majority_denominator, 1))


class Topic(models.Model):
    class Source(models.TextChoices):
        RESIDENT = "resident", _("居民提议")
        GRID_WORKER = "grid_worker", _("网格员")
        PARTY_ORG = "party_org", _("党组织")
        HOTSPOT = "hotspot", _("12345热点")
        VISIT = "visit", _("结对走访")

    class Level(models.TextChoices):
        COMMUNITY = "community", _("社区/村")
        COMPOUND = "compound", _("小区")
        GRID = "grid", _("网格")
        CROSS_VILLAGE = "cross_village", _("跨村")

    class Form(models.TextChoices):
        COUNCIL = "council", _("议事会")
        HEARING = "hearing", _("听证会")
        FOUR_TWO = "four_two", _("四议两公开")
        OWNERS = "owners", _("业主议事")
        ONLINE = "online", _("线上协商")

    class State(models.TextChoices):
        COLLECTED = "collected", _("已收集")
        ACCEPTED = "accepted", _("已受理")
        DECLINED = "declined", _("不予受理")
        NOTIFIED = "notified", _("已告知")
        DELIBERATED = "deliberated", _("已协商")
        PUBLICISED = "publicised", _("已公示")
        IMPLEMENTING = "implementing", _("落实中")
        DONE = "done", _("已落实")
        FED_BACK = "fed_back", _("已反馈")

    # The states that come after a resolution (counted as resolved) and after implementation.
    RESOLVED = (State.DELIBERATED, State.PUBLICISED, State.IMPLEMENTING, State.DONE, State.FED_BACK)
    IMPLEMENTED = (State.DONE, State.FED_BACK)
    OPEN = (
        State.COLLECTED,
        State.ACCEPTED,
        State.NOTIFIED,
        State.DELIBERATED,
        State.PUBLICISED,
        State.IMPLEMENTING,
        State.DONE,
    )

    title = models.CharField(_("议题"), max_length=100)
    description = models.TextField(_("议题说明"), blank=True)
    source = models.CharField(_("议题来源"), max_length=20, choices=Source.choices)
    proposer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提议人（工作人员）"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposer_name = models.CharField(_("提议人"), max_length=50, blank=True)
    proposer_phone = models.CharField(_("提议人电话"), max_length=30, blank=True)
    tickets = models.ManyToManyField(
        Ticket, verbose_name=_("关联工单"), blank=True, related_name="deliberation_topics"
    )
    visit = models.ForeignKey(
        PairingVisit,
        verbose_name=_("结对走访"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    party_org = models.ForeignKey(
        PartyOrg, verbose_name=_("党组织"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area = models.ForeignKey(
        AdminArea, verbose_name=_("村（社区）"), on_delete=models.PROTECT, related_name="deliberation_topics"
    )
    level = models.CharField(_("协商层级"), max_length=20, choices=Level.choices, default=Level.COMMUNITY)
    form = models.CharField(_("协商形式"), max_length=20, choices=Form.choices, default=Form.COUNCIL)
    state = models.CharField(_("状态"), max_length=20, choices=State.choices, default=State.COLLECTED)
    decline_reason = models.CharField(_("不予受理理由"), max_length=300, blank=True)

    notice_on = models.DateField(_("告知日期"), null=True, blank=True)
    notice_until = models.DateField(_("公告截止"), null=True, blank=True)
    meeting_on = models.DateField(_("协商日期"), null=True, blank=True)
    place = models.CharField(_("协商地点"), max_length=100, blank=True)

    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    resolution = models.TextField(_("协商决议"), blank=True)
    owner_unit = models.ForeignKey(
        Unit, verbose_name=_("落实单位"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_name = models.CharField(_("落实责任人"), max_length=50, blank=True)
    deadline = models.DateField(_("落实时限"), null=True, blank=True)
    funding_amount = models.DecimalField(
        _("资金（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField(_("资金来源"), max_length=100, blank=True)
    result_on = models.DateField(_("公示日期"), null=True, blank=True)
    result_until = models.DateField(_("公示截止"), null=True, blank=True)
    feedback = models.TextField(_("反馈情况"), blank=True)

    collected_at = models.DateTimeField(_("收集时间"))
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    declined_on = models.DateField(_("不予受理日期"), null=True, blank=True)
    deliberated_on = models.DateField(_("形成决议日期"), null=True, blank=True)
    implementing_on = models.DateField(_("开始落实日期"), null=True, blank=True)
    done_on = models.DateField(_("落实完成日期"), null=True, blank=True)
    fed_back_on = models.DateField(_("反馈日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("协商议题")
        verbose_name_plural = _("协商议题")
        ordering = ["-collected_at", "-pk"]
        indexes = [
            models.Index(fields=["area", "collected_at"], name="delib_topic_area_day"),
            models.Index(fields=["state"], name="delib_topic_state"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_four_two(self) -> bool:
        return self.form == self.Form.FOUR_TWO

    @property
    def masked_proposer(self) -> str:
        return mask_person_name(self.proposer_name) if self.proposer_name else "—"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.proposer_phone)


class Participant(models.Model):
    class Kind(models.TextChoices):
        STAKEHOLDER = "stakeholder", _("利益相关方")
        REPRESENTATIVE = "representative", _("代表")
        EXPERT = "expert", _("专家/第三方")

    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="participants"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("姓名/单位"), max_length=50)
    attended = models.BooleanField(_("出席"), default=False)

    class Meta:
        verbose_name = _("协商参与人")
        verbose_name_plural = _("协商参与人")
        ordering = ["topic", "kind", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


class FourTwoStep(models.Model):
    class Step(models.IntegerChoices):
        PROPOSE = 1, _("党支部提议")
        CONSULT = 2, _("两委商议")
        MEMBERS = 3, _("党员大会审议")
        RESOLVE = 4, _("村民（代表）会议决议")
        RESOLUTION_PUBLIC = 5, _("决议公开")
        RESULT_PUBLIC = 6, _("结果公开")

    # Steps that are meetings with a quorum (应到/实到 and votes checked).
    QUORUM_STEPS = (Step.MEMBERS, Step.RESOLVE)

    topic = models.ForeignKey(
        Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="four_two_steps"
    )
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    on = models.DateField(_("日期"))
    expected = models.PositiveIntegerField(_("应到"), default=0)
    present = models.PositiveIntegerField(_("实到"), default=0)
    votes_for = models.PositiveIntegerField(_("赞成"), default=0)
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    note = models.CharField(_("记录"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("四议两公开步骤")
        verbose_name_plural = _("四议两公开步骤")
        ordering = ["topic", "step"]
        constraints = [models.UniqueConstraint(fields=["topic", "step"], name="delib_step_once")]

    def __str__(self):
        return f"{self.topic}：{self.get_step_display()}"


class TopicAction(models.Model):
    """What a resolution set going: a ticket (through intake) or a ledger item. The link lives here, so neither
    tickets nor ledgers know about deliberation."""

    topic = models.ForeignKey(Topic, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="actions")
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ledger_item = models.ForeignKey(
        LedgerItem,
        verbose_name=_("台账事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("决议落实事项")
        verbose_name_plural = _("决议落实事项")
        ordering = ["topic", "pk"]

    def __str__(self):
        return self.note or str(self.topic)
