"""Tickets 「工单」 and everything that happens to them. Status changes only through tickets.services."""

import operator
import secrets
from functools import reduce

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.registry.models import AdminArea, Grid, Unit
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import DispatchMode, RequestType, Urgency


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    WEB = "web", _("网站")
    APP = "app", _("移动应用")
    WECHAT = "wechat", _("微信")
    MINI_PROGRAM = "mini_program", _("小程序")
    TRANSFER_110 = "110_transfer", _("110转办")
    GRID_REPORT = "grid_report", _("网格员上报")
    LEADER_BATCH = "leader_batch", _("领导批办")
    MEDIA = "media", _("媒体曝光")
    OTHER = "other", _("其他")


class TriageOutcome(models.TextChoices):
    ACCEPT = "ACCEPT", _("受理")
    TRANSFER_EMERGENCY = "TRANSFER_EMERGENCY", _("转紧急热线")
    REDIRECT_LEGAL = "REDIRECT_LEGAL", _("告知法定途径")
    EXPLAIN = "EXPLAIN", _("解释说明")
    REFER_POLICE = "REFER_POLICE", _("移送公安")
    MERGE = "MERGE", _("并单")


class Status(models.TextChoices):
    RECEIVED = "RECEIVED", _("已受理")
    DIRECT_ANSWERED = "DIRECT_ANSWERED", _("即时办结")
    TRANSFERRED = "TRANSFERRED", _("已转紧急热线")
    NOT_ACCEPTED = "NOT_ACCEPTED", _("不予受理")
    MERGED = "MERGED", _("已并单")
    PENDING_DISPATCH = "PENDING_DISPATCH", _("待派单")
    DISPATCHED = "DISPATCHED", _("待签收")
    IN_PROGRESS = "IN_PROGRESS", _("办理中")
    RETURN_REQUESTED = "RETURN_REQUESTED", _("退单审核中")
    REPLIED = "REPLIED", _("已答复待审核")
    PENDING_CALLBACK = "PENDING_CALLBACK", _("待回访")
    REOPENED = "REOPENED", _("重办")
    CLOSED = "CLOSED", _("已办结")
    ARCHIVED = "ARCHIVED", _("已归档")


OPEN_STATUSES = [
    Status.RECEIVED,
    Status.PENDING_DISPATCH,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.RETURN_REQUESTED,
    Status.REPLIED,
    Status.PENDING_CALLBACK,
    Status.REOPENED,
]
HANDLING_STATUSES = [Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURN_REQUESTED, Status.REOPENED]


class ResultCode(models.TextChoices):
    SOLVED = "solved", _("已解决")
    PARTLY_SOLVED = "partly", _("部分解决")
    UNSOLVED = "unsolved", _("未解决")
    EXPLAINED = "explained", _("已解释说明")
    NOT_IN_SCOPE = "not_in_scope", _("不属本单位职责")


class Solved(models.TextChoices):
    SOLVED = "solved", _("已解决")
    PARTLY = "partly", _("部分解决")
    UNSOLVED = "unsolved", _("未解决")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("非常满意")
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
    VERY_UNSATISFIED = "very_unsatisfied", _("非常不满意")


class WarningLevel(models.TextChoices):
    """预警： how near an assignment is to its deadline, by the warnings the deadline scan has issued.

    In ascending severity; a ticket carries the worst level among its live assignments.
    """

    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色预警")
    OVERDUE = "overdue", _("已超期")

    @classmethod
    def worst(cls, *levels: str) -> str:
        """The most severe of `levels` ("" when none is a warning)."""
        ranked = [level for level in levels if level in cls.values]
        return max(ranked, key=cls.values.index) if ranked else ""

    @classmethod
    def below(cls, level: str) -> list[str]:
        """The levels (and "" for none) a ticket may be raised from to reach `level`."""
        return ["", *cls.values[: cls.values.index(level)]]


# 已预警： warned but not yet overdue (the inbox tab and the counts on the home pages).
WARNED_LEVELS = [WarningLevel.YELLOW, WarningLevel.RED]


# 查询码 letters and digits, without those read alike (0/O, 1/I/L).
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 6


def new_query_code() -> str:
    """The requester's secret for tracking by number (31⁶ ≈ 8.9 × 10⁸ codes); never shown to staff."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


class Ticket(models.Model):
    """工单: one resident's request and the work order that carries it."""

    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    query_code = models.CharField(
        _("查询码"),
        max_length=8,
        default=new_query_code,
        editable=False,
        help_text=_("诉求人凭工单编号和查询码查询进度；回执和短信里有，工作人员页面不显示"),
    )
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("受理时间"), db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    requester_name = models.CharField(_("诉求人姓名"), max_length=50, blank=True)
    requester_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    requester_org = models.CharField(_("诉求单位/企业"), max_length=100, blank=True)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_confidential = models.BooleanField(_("要求保密"), default=False)
    preferred_contact = models.CharField(_("联系方式偏好"), max_length=50, blank=True)

    # 五要素: time, place, person, event, demand.
    occurred_at = models.DateTimeField(_("事发时间"), null=True, blank=True)
    address = models.CharField(_("事发地址"), max_length=200, blank=True)
    involved_parties = models.CharField(_("涉及人员/单位"), max_length=200, blank=True)
    title = models.CharField(_("事件概述"), max_length=100)
    demand = models.TextField(_("诉求"), blank=True)
    content = models.TextField(_("诉求内容"))

    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    community = models.ForeignKey(
        AdminArea,
        verbose_name=_("村/社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    town = models.ForeignKey(
        AdminArea,
        verbose_name=_("乡镇/街道"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area_path = models.CharField(_("区划路径"), max_length=200, blank=True)

    request_type = models.CharField(_("诉求类型"), max_length=2, choices=RequestType.choices)
    urgency = models.CharField(_("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    category = models.ForeignKey(
        Category,
        verbose_name=_("业务分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    category_code = models.CharField(_("分类编码"), max_length=10, blank=True, db_index=True)
    category_version = models.CharField(_("分类版本"), max_length=20, blank=True)

    triage_outcome = models.CharField(_("受理结论"), max_length=20, choices=TriageOutcome.choices, blank=True)
    triage_reason = models.CharField(_("受理说明"), max_length=300, blank=True)
    kb_refs = models.JSONField(_("引用知识"), default=list, blank=True)
    direct_answer = models.TextField(_("直接答复内容"), blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    dispatch_mode = models.CharField(_("派单方式"), max_length=20, choices=DispatchMode.choices, blank=True)
    dispatch_rule_ref = models.CharField(_("派单依据"), max_length=200, blank=True)
    dispatch_round = models.PositiveSmallIntegerField(_("派单轮次"), default=0)
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tickets",
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入主单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_children",
    )
    redo_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    escalation_level = models.PositiveSmallIntegerField(_("提级次数"), default=0)

    # Overlays (not states).
    is_supervised = models.BooleanField(_("督办中"), default=False)
    on_key_list = models.BooleanField(_("重点督办清单"), default=False)
    is_extended = models.BooleanField(_("已延期"), default=False)
    warning_level = models.CharField(_("预警"), max_length=10, choices=WarningLevel.choices, blank=True)
    overdue_at = models.DateTimeField(
        _("超期记录"),
        null=True,
        blank=True,
        help_text=_("提级时原主办单位已超过的办理时限；提级后的新时限不抹去超期记录"),
    )
    paused_at = models.DateTimeField(_("暂停计时时间"), null=True, blank=True)
    pause_reason = models.ForeignKey(
        "sla.PauseReason",
        verbose_name=_("暂停计时原因"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    result_code = models.CharField(_("办理结果"), max_length=20, choices=ResultCode.choices, blank=True)
    reply_text = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    callback_due_at = models.DateTimeField(_("回访时限"), null=True, blank=True)
    callback_due_provisional = models.BooleanField(
        _("回访时限暂定"), default=False, help_text=_("计算时用到了尚未确认的年份，确认后重新计算")
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    callback_exemption = models.CharField(_("免回访原因"), max_length=200, blank=True)

    # Assessment facts, set once from the valid callback that closes the ticket 「参评工单」.
    rated_at = models.DateTimeField(_("参评时间"), null=True, blank=True, db_index=True)
    rated_unit = models.ForeignKey(
        Unit,
        verbose_name=_("参评单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rated_tickets",
    )
    rated_contacted_in_time = models.BooleanField(_("按时联系"), null=True, blank=True)
    rated_solved = models.CharField(_("是否解决"), max_length=10, choices=Solved.choices, blank=True)
    rated_satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    closed_on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    excluded_from_rating = models.BooleanField(_("不参评"), default=False)

    # Tickets that came from elsewhere: the provincial platform through the API, or years of history imported
    # from a spreadsheet. The source names the system; the external number is that system's own, kept and
    # searchable, unique per source.
    external_source = models.CharField(_("外部来源"), max_length=60, blank=True)
    external_id = models.CharField(_("外部编号"), max_length=100, blank=True)
    # An imported historical ticket 「历史工单」: counted in search and statistics for its period, in no queue,
    # scan, notification or callback, open or closed.
    is_historical = models.BooleanField(_("历史导入"), default=False)

    version = models.PositiveIntegerField(_("版本"), default=0, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-received_at"]
        # The three covering indexes let SQLite answer the three-rate groupings from the index alone
        # (1M tickets by unit: 3.4 s → 1.3 s, bench/bench_metrics.py).
        indexes = [
            models.Index(
                fields=[
                    "rated_at",
                    "rated_unit",
                    "excluded_from_rating",
                    "grid",
                    "town",
                    "category_code",
                    "rated_contacted_in_time",
                    "rated_solved",
                    "rated_satisfaction",
                ],
                name="ticket_rated_cover",
            ),
            # The queues' counts by state leave the imported historical tickets out from the index alone, and
            # an assignment's ticket is tested against the few historical ones (bench/bench_province.py: a
            # join to ten million tickets made the inbox's tab counts seconds long).
            models.Index(
                fields=["status"], condition=models.Q(is_historical=False), name="ticket_live_status"
            ),
            models.Index(fields=["id"], condition=models.Q(is_historical=True), name="ticket_historical"),
            models.Index(
                fields=["received_at", "lead_unit", "grid", "town", "category_code"],
                name="ticket_received_cover",
            ),
            models.Index(
                fields=[
                    "closed_at",
                    "lead_unit",
                    "grid",
                    "town",
                    "category_code",
                    "closed_on_time",
                    "redo_count",
                ],
                name="ticket_closed_cover",
            ),
            # A grid's open tickets 「我的网格」 without walking every ticket the grid ever had.
            models.Index(fields=["grid", "status"], name="ticket_grid_status"),
            models.Index(fields=["status", "received_at"]),
            models.Index(fields=["grid", "received_at"]),
            # A briefing's dispatched count and key supervision list without reading every ticket.
            models.Index(fields=["dispatched_at"], name="ticket_dispatched_at"),
            models.Index(
                fields=["received_at"], condition=models.Q(on_key_list=True), name="ticket_key_list"
            ),
            # The dashboard's overdue count reads only the tickets being handled, not the status index's
            # whole open backlog (bench/bench_province.py).
            models.Index(
                fields=["warning_level"],
                condition=models.Q(status__in=HANDLING_STATUSES),
                name="ticket_handling_warning",
            ),
            models.Index(
                fields=["external_id"], condition=~models.Q(external_id=""), name="ticket_external_id"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="ticket_external_unique",
                violation_error_message=_("同一来源的外部编号已存在"),
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    @classmethod
    def from_db(cls, db, field_names, values):
        from civicgrid.tickets.restating import remember

        ticket = super().from_db(db, field_names, values)
        remember(ticket)  # what `record` compares a change with (`tickets.restating`)
        return ticket

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketSequence(models.Model):
    """The last number issued on a day; numbers read YYYYMMDD-NNNNNN."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单编号序列")
        verbose_name_plural = _("工单编号序列")

    def __str__(self):
        return f"{self.day:%Y%m%d} → {self.last}"


class Assignment(models.Model):
    """One unit's part in one dispatch round: the lead 「主办」 answers, co-units 「协办」 report to it."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        CO = "co", _("协办")

    class State(models.TextChoices):
        PENDING_SIGN = "pending_sign", _("待签收")
        IN_PROGRESS = "in_progress", _("办理中")
        RETURN_REQUESTED = "return_requested", _("退单审核中")
        CO_REPLIED = "co_replied", _("已向主办反馈")
        REPLIED = "replied", _("已答复")
        RETURNED = "returned", _("已退回")
        CANCELLED = "cancelled", _("已撤回")
        DONE = "done", _("已办结")

    ACTIVE_STATES = [State.PENDING_SIGN, State.IN_PROGRESS, State.RETURN_REQUESTED]
    OPEN_STATES = [
        State.PENDING_SIGN,
        State.IN_PROGRESS,
        State.RETURN_REQUESTED,
        State.CO_REPLIED,
        State.REPLIED,
    ]

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="assignments"
    )
    round = models.PositiveSmallIntegerField(_("派单轮次"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("承办单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=4, choices=Role.choices)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.PENDING_SIGN, db_index=True
    )
    policy = models.ForeignKey(
        "sla.TimeLimitPolicy",
        verbose_name=_("时限策略"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    dispatched_at = models.DateTimeField(_("派单时间"))
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("派单人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sign_due_at = models.DateTimeField(_("签收时限"))
    first_contact_due_at = models.DateTimeField(_("首次联系时限"))
    due_at = models.DateTimeField(_("办理时限"), db_index=True)
    original_due_at = models.DateTimeField(_("原办理时限"))
    yellow_at = models.DateTimeField(_("黄色预警时间"), db_index=True)
    red_at = models.DateTimeField(_("红色预警时间"), db_index=True)
    extended_days = models.PositiveSmallIntegerField(_("已延期工作日"), default=0)
    deadlines_provisional = models.BooleanField(
        _("时限暂定"), default=False, help_text=_("计算时用到了尚未确认的年份，确认后重新计算")
    )

    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_contacted_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    first_contact_method = models.CharField(_("联系方式"), max_length=20, blank=True)
    first_contact_note = models.CharField(_("联系情况"), max_length=300, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reply_text = models.TextField(_("答复/反馈内容"), blank=True)
    result_code = models.CharField(_("办理结果"), max_length=20, choices=ResultCode.choices, blank=True)

    # Warnings issued by the deadline scanner, each exactly once (cleared when the deadline moves).
    yellow_issued_at = models.DateTimeField(_("黄色预警发出"), null=True, blank=True)
    red_issued_at = models.DateTimeField(_("红色预警发出"), null=True, blank=True)
    overdue_issued_at = models.DateTimeField(_("超期标记"), null=True, blank=True)
    # Claimed once by the automatic escalation of an assignment left unsigned past its sign-off deadline.
    auto_escalated_at = models.DateTimeField(_("逾期未签收自动提级"), null=True, blank=True)

    class Meta:
        verbose_name = _("承办任务")
        verbose_name_plural = _("承办任务")
        ordering = ["ticket", "round", "role", "id"]
        # The deadline scan looks for warning points not yet issued on active assignments (the states are
        # ACTIVE_STATES). The state belongs in the condition: an assignment finished before a point keeps
        # that stamp empty for ever, so without it the indexes grow with every finished assignment.
        indexes = [
            models.Index(fields=["state", "due_at"]),
            # A unit's inbox, most urgent first, and its tab counts from the index alone (PostgreSQL keeps the
            # key and warning stamps in it): a department with 100,000 active assignments read them all.
            models.Index(
                fields=["unit", "state", "due_at"],
                include=["id", "ticket", "yellow_issued_at", "red_issued_at", "overdue_issued_at"],
                name="assignment_unit_state_due",
            ),
            models.Index(
                fields=["yellow_at"],
                condition=models.Q(
                    yellow_issued_at__isnull=True,
                    state__in=["pending_sign", "in_progress", "return_requested"],
                ),
                name="assignment_yellow_pending",
            ),
            models.Index(
                fields=["red_at"],
                condition=models.Q(
                    red_issued_at__isnull=True, state__in=["pending_sign", "in_progress", "return_requested"]
                ),
                name="assignment_red_pending",
            ),
            models.Index(
                fields=["due_at"],
                condition=models.Q(
                    overdue_issued_at__isnull=True,
                    state__in=["pending_sign", "in_progress", "return_requested"],
                ),
                name="assignment_overdue_pending",
            ),
            # Overdue notices per unit and period (league tables, briefings) from the index alone.
            models.Index(
                fields=["overdue_issued_at", "unit"],
                condition=models.Q(overdue_issued_at__isnull=False),
                name="assignment_overdue_issued",
            ),
            models.Index(
                fields=["sign_due_at"],
                condition=models.Q(auto_escalated_at__isnull=True, state="pending_sign"),
                name="assignment_unsigned_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "round"],
                condition=models.Q(role="lead") & ~models.Q(state__in=["returned", "cancelled"]),
                name="one_live_lead_per_round",
            ),
        ]

    def __str__(self):
        return f"{self.ticket.number} {self.get_role_display()} {self.unit}"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def warning_level(self) -> str:
        """The worst warning the deadline scan has issued on this assignment ("" for none)."""
        return WarningLevel.worst(*(level for level, stamp in WARNING_STAMPS.items() if getattr(self, stamp)))

    def warning_level_at(self, now) -> str:
        """The warning at `now`: the issued ones, and the points passed that the next scan will issue."""
        passed = (level for level, point in WARNING_POINTS.items() if getattr(self, point) <= now)
        return WarningLevel.worst(self.warning_level, *passed)

    def get_warning_level_display(self) -> str:
        level = self.warning_level
        return WarningLevel(level).label if level else ""

    @staticmethod
    def at_warning_level(*levels: str) -> models.Q:
        """Assignments whose `warning_level` is one of `levels`: the property's rule as a query."""

        def exactly(level):
            worse = WarningLevel.values[WarningLevel.values.index(level) + 1 :]
            return models.Q(
                **{f"{WARNING_STAMPS[level]}__isnull": False},
                **{f"{WARNING_STAMPS[w]}__isnull": True for w in worse},
            )

        return reduce(operator.or_, map(exactly, levels))


# Each warning level's point on the assignment, and the stamp the deadline scan sets when it issues it.
WARNING_POINTS = {
    WarningLevel.YELLOW: "yellow_at",
    WarningLevel.RED: "red_at",
    WarningLevel.OVERDUE: "due_at",
}
WARNING_STAMPS = {
    WarningLevel.YELLOW: "yellow_issued_at",
    WarningLevel.RED: "red_issued_at",
    WarningLevel.OVERDUE: "overdue_issued_at",
}


class EventAction(models.TextChoices):
    """What an event row records (Event.action); the label is what the staff timeline shows."""

    REGISTERED = "registered", _("登记受理")
    ACCEPTED = "accepted", _("受理转派单")
    ANSWERED_DIRECTLY = "answered_directly", _("直接答复")
    DECLINED = "declined", _("不予受理")
    TRANSFERRED = "transferred", _("转紧急热线")
    MERGED = "merged", _("并单")
    MERGE_RECEIVED = "merge_received", _("有工单并入")
    DISPATCHED = "dispatched", _("派单")
    SIGNED = "signed", _("签收")
    CONTACTED = "contacted", _("联系诉求人")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("同意延期")
    EXTENSION_REJECTED = "extension_rejected", _("不同意延期")
    RETURN_REQUESTED = "return_requested", _("申请退单")
    RETURN_APPROVED = "return_approved", _("同意退单")
    RETURN_REJECTED = "return_rejected", _("不同意退单")
    CO_REPLIED = "co_replied", _("协办反馈")
    REPLIED = "replied", _("答复")
    REVIEW_PASSED = "review_passed", _("审核通过")
    REVIEW_FAILED = "review_failed", _("退回补充")
    CALLBACK_UNREACHED = "callback_unreached", _("回访未接通")
    CALLBACK_RECORDED = "callback_recorded", _("回访")
    RESIDENT_RATED = "resident_rated", _("诉求人评价")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("办结")
    ARCHIVED = "archived", _("归档")
    SUPERVISED = "supervised", _("督办")
    KEY_LIST_ADDED = "key_list_added", _("列入重点督办清单")
    KEY_LIST_REMOVED = "key_list_removed", _("移出重点督办清单")
    ESCALATED = "escalated", _("提级办理")
    WHISTLE = "whistle", _("吹哨报到")
    AUTO_ESCALATED = "auto_escalated", _("逾期未签收自动提级")
    UNSIGNED_RETURNED = "unsigned_returned", _("逾期未签收退回派单")
    CLOCK_PAUSED = "clock_paused", _("暂停计时")
    CLOCK_RESUMED = "clock_resumed", _("恢复计时")
    WARNING_YELLOW = "warning_yellow", _("黄色预警")
    WARNING_RED = "warning_red", _("红色预警")
    OVERDUE = "overdue", _("超期")
    ATTACHMENT_ADDED = "attachment_added", _("上传附件")
    ATTACHMENT_VISIBILITY = "attachment_visibility", _("调整附件可见范围")
    DEADLINES_RECOMPUTED = "deadlines_recomputed", _("按确认的日历重算时限")
    LOCATION_CORRECTED = "location_corrected", _("更正事发地点")
    ADDRESS_CORRECTED = "address_corrected", _("更正事发地址")
    OCCURRED_AT_CORRECTED = "occurred_at_corrected", _("更正事发时间")
    CATEGORY_CORRECTED = "category_corrected", _("更正业务分类")
    REQUEST_TYPE_CORRECTED = "request_type_corrected", _("更正诉求类型")
    MERGE_UNDONE = "merge_undone", _("撤销并单")
    MERGE_UNDONE_MASTER = "merge_undone_master", _("撤销并入本单")
    RESIDENT_SUPPLEMENTED = "resident_supplemented", _("诉求人补充说明")
    TO_MICRO_WISH = "to_micro_wish", _("转为微心愿")
    IMPORTED = "imported", _("历史工单导入")


class Event(models.Model):
    """Append-only log: one row for every change to a ticket. The ticket's status is its last to_status."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events"
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Codes are EventAction values; no field choices, so adding a code needs no migration.
    action = models.CharField(_("操作"), max_length=40)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("承办任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    payload = models.JSONField(_("详情"), default=dict, blank=True)
    is_public = models.BooleanField(_("群众可见"), default=False)
    # May change the figures of a finished month (`tickets.restating`); True unless the writer knows better.
    restates = models.BooleanField(_("可能改变往月考评数"), default=True, db_default=True, editable=False)

    class Meta:
        verbose_name = _("工单日志")
        verbose_name_plural = _("工单日志")
        ordering = ["ticket", "id"]

    def __str__(self):
        return f"{self.ticket.number} {self.label}"

    @property
    def label(self) -> str:
        # A code no longer written (or not yet labelled) is never shown raw to staff.
        return EventAction(self.action).label if self.action in EventAction.values else _("其他操作")

    @property
    def to_status_label(self) -> str:
        return self.status_label(self.to_status)

    @staticmethod
    def status_label(code: str) -> str:
        return Status(code).label if code in Status.values else (_("其他状态") if code else "")


class Attachment(models.Model):
    class Kind(models.TextChoices):
        INTAKE = "intake", _("诉求附件")
        EVIDENCE = "evidence", _("办理佐证")
        OTHER = "other", _("其他")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="attachments"
    )
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("承办任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to="tickets/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"))
    is_internal = models.BooleanField(
        _("仅内部可见"), default=False, help_text=_("勾选后诉求人查询进度时看不到此文件")
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.original_name


class Decision(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("同意")
    REJECTED = "rejected", _("不同意")


class ExtensionRequest(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("承办任务"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    days = models.PositiveSmallIntegerField(_("申请延期（工作日）"))
    reason = models.CharField(_("理由"), max_length=500)
    legal_basis = models.CharField(_("依据"), max_length=300, blank=True)
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    new_due_at = models.DateTimeField(_("新办理时限"), null=True, blank=True)

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.assignment} 延期 {self.days} 个工作日"


class ReturnRequest(models.Model):
    """「退单」: a unit says the matter is not its own; the centre reviews 「派单异议审核」."""

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("承办任务"), on_delete=models.CASCADE, related_name="returns"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("退单理由"), max_length=500)
    legal_basis = models.CharField(_("职责依据"), max_length=300)
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name=_("建议承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state_before = models.CharField(_("申请前状态"), max_length=20)
    decision = models.CharField(
        _("审核结果"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("审核意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("退单申请")
        verbose_name_plural = _("退单申请")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.assignment} 退单"


class CallbackChannel(models.TextChoices):
    PHONE = "phone", _("电话回访")
    WEB = "web", _("网上评价")


class Callback(models.Model):
    """回访: one attempt to reach the requester after the reply passed review.

    A resident's own online rating within the callback window is recorded as one (channel 网上评价)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="callbacks"
    )
    at = models.DateTimeField(_("回访时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回访员"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(
        _("回访方式"), max_length=10, choices=CallbackChannel.choices, default=CallbackChannel.PHONE
    )
    reached = models.BooleanField(_("是否接通"))
    contacted = models.BooleanField(_("办理单位是否联系"), null=True, blank=True)
    solved = models.CharField(_("是否解决"), max_length=10, choices=Solved.choices, blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices, blank=True)
    valid = models.BooleanField(_("有效回访"), default=False)
    attributable = models.BooleanField(
        _("原因在承办单位"), default=False, help_text=_("不满意或未解决是否因承办单位主观原因")
    )
    invalid_reason = models.CharField(_("无效原因"), max_length=200, blank=True)
    notes = models.CharField(_("备注"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["ticket", "at"]

    def __str__(self):
        return f"{self.ticket.number} 回访 {self.at:%Y-%m-%d %H:%M}"


class Supervision(models.Model):
    """督办: a formal pressing of a unit about a ticket."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="supervisions"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("被督办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervisions",
    )
    level = models.PositiveSmallIntegerField(_("督办级别"), default=1)
    at = models.DateTimeField(_("督办时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("督办意见"), max_length=500)
    deadline = models.DateTimeField(_("督办时限"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.ticket.number} {self.level}级督办"


class PatrolReport(models.Model):
    """「巡查上报」: what a grid worker finds on patrol, either solved on the spot 「就地办结」 or sent on as a
    ticket (channel 网格员上报). A report solved on the spot has no requester, so it counts in the grid's
    figures but never in the three rates."""

    class Outcome(models.TextChoices):
        SOLVED = "solved", _("就地办结")
        TICKET = "ticket", _("上报派单")

    client_id = models.UUIDField(
        _("上报编号"), unique=True, help_text=_("由手机生成；同一编号重复上传只记录一次")
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上报人"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("上报时间"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lon = models.FloatField(_("经度"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrol_reports",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("问题分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("情况说明"))
    outcome = models.CharField(_("处理方式"), max_length=10, choices=Outcome.choices)
    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrol_report",
    )

    class Meta:
        verbose_name = _("巡查上报")
        verbose_name_plural = _("巡查上报")
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["grid", "reported_at"], name="patrol_grid_at")]

    def __str__(self):
        return f"{self.get_outcome_display()} {self.reported_at:%Y-%m-%d %H:%M}"


class PatrolPhoto(models.Model):
    """A photo of a patrol report solved on the spot (a report sent on as a ticket keeps its photos as the
    ticket's attachments)."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("现场照片")
        AFTER = "after", _("办结照片")

    report = models.ForeignKey(
        PatrolReport, verbose_name=_("巡查上报"), on_delete=models.CASCADE, related_name="photos"
    )
    stage = models.CharField(_("类别"), max_length=10, choices=Stage.choices)
    file = models.FileField(_("文件"), upload_to="patrol/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))

    class Meta:
        verbose_name = _("巡查照片")
        verbose_name_plural = _("巡查照片")

    def __str__(self):
        return self.original_name
