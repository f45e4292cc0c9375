"""People's mediation (人民调解, 人民调解法 2010): committees and their rolls, mediators, cases with their parties,
sessions (调解笔录), written agreements (调解协议书) and follow-up visits (回访).

States change only through `mediation.services`; every change leaves an audit row (`mediation.*`). A case keeps the
date it entered each stage, since the figures ask what was accepted or concluded in a year whatever it is now.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.idnumbers import FEMALE, MALE
from civicgrid.core.masking import mask_person_name, mask_phone
from civicgrid.core.models import Effective
from civicgrid.registry.models import AdminArea
from civicgrid.tickets.models import Ticket

GENDERS = [(MALE, _("男")), (FEMALE, _("女"))]


class MediationRule(Effective):
    """The configurable limits: mediation time limit (人民调解工作若干规定 2002: normally one month), the window for
    applying jointly for judicial confirmation (人民调解法 Art.33: 30 days), how long case files are kept, and how
    many days ahead reminders go out."""

    time_limit_months = models.PositiveSmallIntegerField(
        _("调解期限（月）"), default=1, help_text=_("自受理之日起计算的自然月，经当事人同意可延长")
    )
    judicial_window_days = models.PositiveSmallIntegerField(
        _("司法确认申请期限（天）"),
        default=30,
        help_text=_("自调解协议签订之日起，当事人共同申请司法确认的期限"),
    )
    retention_years = models.PositiveSmallIntegerField(
        _("卷宗保存期限（年）"), default=10, help_text=_("自结案之日起，到期后卷宗中的当事人个人信息可匿名化")
    )
    reminder_lead_days = models.PositiveSmallIntegerField(
        _("提前提醒（天）"), default=5, help_text=_("司法确认期限届满前多少天提醒")
    )
    followup_days = models.PositiveSmallIntegerField(
        _("回访期限（天）"), default=30, help_text=_("履行期限届满（或协议签订）后多少天内应回访")
    )

    class Meta:
        verbose_name = _("人民调解期限设置")
        verbose_name_plural = _("人民调解期限设置")
        ordering = ["-effective_from", "pk"]

    def __str__(self):
        return f"{self.version}：调解{self.time_limit_months}个月，司法确认{self.judicial_window_days}天"


class Committee(models.Model):
    """人民调解委员会 of a village or community (or a town's)."""

    area = models.ForeignKey(
        AdminArea,
        verbose_name=_("所在村（社区）或乡镇"),
        on_delete=models.PROTECT,
        related_name="mediation_committees",
    )
    name = models.CharField(_("名称"), max_length=100, help_text=_("例如：银海社区人民调解委员会"))
    established_on = models.DateField(_("成立日期"))
    dissolved_on = models.DateField(_("撤销日期"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("办公地点"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("人民调解委员会")
        verbose_name_plural = _("人民调解委员会")
        ordering = ["area__code", "name"]

    def __str__(self):
        return self.name


class MediatorQuerySet(models.QuerySet):
    def on_roll(self, day: date):
        """On the committee's roll on `day`: joined by then and not yet left."""
        return self.filter(joined_on__lte=day).filter(
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=day)
        )


class Mediator(models.Model):
    """One row of a committee's roll: a committee member (主任, 副主任, 委员) or a mediator it engages."""

    class Kind(models.TextChoices):
        FULL_TIME = "full_time", _("专职")
        PART_TIME = "part_time", _("兼职")
        ELDER = "elder", _("乡贤五老")

    class Post(models.TextChoices):
        CHAIR = "chair", _("主任")
        VICE = "vice", _("副主任")
        MEMBER = "member", _("委员")
        MEDIATOR = "mediator", _("调解员")

    COMMITTEE_POSTS = (Post.CHAIR, Post.VICE, Post.MEMBER)

    committee = models.ForeignKey(
        Committee, verbose_name=_("调解委员会"), on_delete=models.PROTECT, related_name="mediators"
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    gender = models.CharField(_("性别"), max_length=6, choices=GENDERS)
    is_minority = models.BooleanField(_("少数民族"), default=False)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.PART_TIME)
    post = models.CharField(_("职务"), max_length=10, choices=Post.choices, default=Post.MEDIATOR)
    joined_on = models.DateField(_("聘任日期"))
    left_on = models.DateField(_("离任日期"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_roles",
        help_text=_("设置后，该调解员可登录工作台，只能查看本委员会的案件"),
    )

    objects = MediatorQuerySet.as_manager()

    class Meta:
        verbose_name = _("人民调解员")
        verbose_name_plural = _("人民调解员")
        ordering = ["committee", "post", "joined_on", "pk"]

    def __str__(self):
        return f"{self.masked_name}（{self.committee.name}）"

    @property
    def masked_name(self) -> str:
        return mask_person_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_committee_member(self) -> bool:
        return self.post in self.COMMITTEE_POSTS


class State(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    DECLINED = "declined", _("不予受理")
    MEDIATING = "mediating", _("调解中")
    AGREEMENT = "agreement", _("达成协议")
    FAILED = "failed", _("调解不成")
    PERFORMING = "performing", _("履行中")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已结案")


class Case(models.Model):
    """A dispute (矛盾纠纷) before a committee. registered → accepted | declined → mediating → agreement | failed →
    performing → followed_up → closed; re-mediation takes an agreed or closed case back to mediating."""

    State = State

    class DisputeType(models.TextChoices):
        FAMILY = "family", _("婚姻家庭纠纷")
        NEIGHBOUR = "neighbour", _("邻里纠纷")
        LAND = "land", _("土地、山林、宅基地纠纷")
        CONTRACT = "contract", _("合同纠纷")
        DAMAGES = "damages", _("损害赔偿纠纷")
        LABOUR = "labour", _("劳动争议")
        PROPERTY = "property", _("物业纠纷")
        DEMOLITION = "demolition", _("征地拆迁纠纷")
        OTHER = "other", _("其他纠纷")

    class Source(models.TextChoices):
        APPLICATION = "application", _("当事人申请")
        SCREENING = "screening", _("排查发现")
        GRID = "grid", _("网格员移交")
        TICKET = "ticket", _("12345工单")
        POLICE = "police", _("110移交")
        COURT = "court", _("法院委派")

    CONCLUDED = (State.AGREEMENT, State.FAILED)
    OPEN = (State.REGISTERED, State.ACCEPTED, State.MEDIATING)

    number = models.CharField(_("案件编号"), max_length=30, unique=True)
    committee = models.ForeignKey(
        Committee, verbose_name=_("调解委员会"), on_delete=models.PROTECT, related_name="cases"
    )
    dispute_type = models.CharField(_("纠纷类型"), max_length=12, choices=DisputeType.choices)
    title = models.CharField(_("纠纷概述"), max_length=100)
    facts = models.TextField(_("纠纷事实"))
    matters = models.TextField(_("争议事项"), blank=True)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("关联工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("转人民调解的 12345 工单"),
    )
    ticket_paused = models.BooleanField(_("工单已暂停计时"), default=False, editable=False)
    raised_tickets = models.ManyToManyField(
        Ticket, verbose_name=_("由案件转出的工单"), blank=True, related_name="+"
    )
    applicant_phone = models.CharField(
        _("申请手机号"), max_length=20, blank=True, db_index=True, help_text=_("居民在门户申请时登录的手机号")
    )
    mediators = models.ManyToManyField(Mediator, verbose_name=_("调解员"), blank=True, related_name="cases")
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REGISTERED)
    registered_at = models.DateTimeField(_("登记时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    declined_reason = models.CharField(_("不予受理原因"), max_length=300, blank=True)
    deadline = models.DateField(_("调解期限"), null=True, blank=True)
    extensions = models.PositiveSmallIntegerField(_("延期次数"), default=0)
    concluded_on = models.DateField(_("调解终结日期"), null=True, blank=True)
    failed_reason = models.CharField(_("调解不成原因"), max_length=300, blank=True)
    at_risk = models.BooleanField(_("有激化风险"), default=False)
    remediations = models.PositiveSmallIntegerField(_("重新调解次数"), default=0)
    closed_on = models.DateField(_("结案日期"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(_("超期提醒时间"), null=True, blank=True, editable=False)
    followup_alerted_at = models.DateTimeField(_("回访提醒时间"), null=True, blank=True, editable=False)
    retention_marked_at = models.DateTimeField(_("保存期满标记时间"), null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("匿名化时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-registered_at", "-pk"]
        indexes = [
            models.Index(fields=["committee", "state"], name="mediation_case_comm_state"),
            models.Index(fields=["accepted_on"], name="mediation_case_accepted"),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def is_overdue(self, today: date) -> bool:
        return (
            self.state in (State.ACCEPTED, State.MEDIATING) and bool(self.deadline) and self.deadline < today
        )


class Party(models.Model):
    """当事人: a person (or an organisation) in the dispute; the ID number is encrypted at rest."""

    class Side(models.TextChoices):
        APPLICANT = "applicant", _("申请人")
        RESPONDENT = "respondent", _("被申请人")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="parties")
    side = models.CharField(_("当事人一方"), max_length=12, choices=Side.choices, default=Side.APPLICANT)
    name = models.CharField(_("姓名或名称"), max_length=100)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    id_encrypted = models.CharField(_("身份证号（密文）"), max_length=255, blank=True, editable=False)
    id_masked = models.CharField(_("身份证号（脱敏）"), max_length=18, blank=True, editable=False)
    address = models.CharField(_("住址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("当事人")
        verbose_name_plural = _("当事人")
        ordering = ["case", "side", "pk"]

    def __str__(self):
        return self.masked_name

    @property
    def masked_name(self) -> str:
        return mask_person_name(self.name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_address(self) -> str:
        return (self.address[:6] + "****") if len(self.address) > 6 else ("****" if self.address else "")


class Session(models.Model):
    """One mediation sitting and its 调解笔录."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("调解日期"))
    place = models.CharField(_("调解地点"), max_length=200)
    attendees = models.CharField(_("参加人员"), max_length=300, help_text=_("当事人、调解员及邀请参加的人员"))
    notes = models.TextField(_("调解笔录"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["case", "held_on", "pk"]

    def __str__(self):
        return f"{self.case.number} {self.held_on:%Y-%m-%d}"


class Agreement(models.Model):
    """调解协议书 (人民调解法 Art.29): what the parties agreed, how and by when it is performed."""

    case = models.ForeignKey(
        Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="agreements"
    )
    responsibilities = models.TextField(_("各方责任"), blank=True)
    content = models.TextField(_("协议内容"))
    performance_manner = models.CharField(_("履行方式"), max_length=300)
    performance_deadline = models.DateField(_("履行期限"))
    signed_on = models.DateField(_("签订日期"))
    judicial_due_on = models.DateField(_("司法确认申请截止日期"))
    judicial_applied_on = models.DateField(_("申请司法确认日期"), null=True, blank=True)
    judicial_reminded_at = models.DateTimeField(_("司法确认提醒时间"), null=True, blank=True, editable=False)
    is_void = models.BooleanField(_("已因重新调解作废"), default=False)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["case", "-signed_on", "-pk"]

    def __str__(self):
        return f"{self.case.number} 调解协议（{self.signed_on:%Y-%m-%d}）"


class FollowUp(models.Model):
    """回访: whether the agreement is being performed."""

    class Way(models.TextChoices):
        VISIT = "visit", _("上门回访")
        PHONE = "phone", _("电话回访")

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="followups")
    on = models.DateField(_("回访日期"))
    way = models.CharField(_("回访方式"), max_length=8, choices=Way.choices)
    performed = models.BooleanField(_("协议已履行"))
    notes = models.TextField(_("回访情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["case", "on", "pk"]

    def __str__(self):
        return f"{self.case.number} {self.on:%Y-%m-%d}"
