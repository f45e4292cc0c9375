"""In-app notifications, also the outbox the worker delivers by SMS or e-mail."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.masking import mask_phone
from civicgrid.core.models import Effective

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def sms_signature() -> str:
    """签名: the registered signature every gateway puts in front of the text."""
    return getattr(settings, "CIVICGRID_SMS_SIGNATURE", "") or "12345热线"


def sms_segment_chars() -> int:
    return int(getattr(settings, "CIVICGRID_SMS_SEGMENT_CHARS", 70))


def sms_max_segments() -> int:
    return int(getattr(settings, "CIVICGRID_SMS_MAX_SEGMENTS", 3))


def sms_segments(text: str) -> int:
    """How many SMS a text costs: one up to the segment length, else split with a 3-character header each."""
    single = sms_segment_chars()
    if len(text) <= single:
        return 1
    part = single - 3
    return -(-len(text) // part)


# What each notification kind is called where a person reads it (the filter of the notification centre). Kinds
# are written by the apps above; a test collects them from the source (tests/core/test_labels.py).
KINDS = {
    "dispatched": _("新工单待签收"),
    "return_requested": _("退单待审核"),
    "return_rejected": _("退单未通过"),
    "extension_requested": _("延期待审核"),
    "extension_decided": _("延期审核结果"),
    "co_replied": _("协办单位反馈"),
    "replied": _("答复待审核"),
    "review_failed": _("答复退回补充"),
    "reopened": _("工单重办"),
    "supervised": _("督办"),
    "whistle": _("吹哨报到"),
    "escalated": _("提级办理"),
    "auto_escalated": _("逾期未签收提级"),
    "unsigned_returned": _("逾期未签收退回"),
    "clock_paused": _("暂停计时"),
    "sla_yellow": _("黄色预警"),
    "sla_red": _("红色预警"),
    "sla_overdue": _("超期"),
    "intake_auto_dispatch_off": _("智能派单关闭"),
    "resident_supplemented": _("诉求人补充说明"),
    "party_term_due": _("换届到期提醒"),
    "party_term_overdue": _("逾期未换届"),
    "party_probation_due": _("预备期期满提醒"),
    "party_lost_contact": _("失联党员处置提醒"),
    "party_transfer_overdue": _("组织关系转接逾期"),
    "party_temporary_expired": _("临时党组织到期"),
    "engagement_evaluation": _("双报到年度评价"),
    "ledger_overdue": _("问题台账事项超期"),
    "mediation_at_risk": _("矛盾纠纷激化风险"),
    "mediation_overdue": _("调解超期"),
    "mediation_judicial": _("司法确认申请提醒"),
    "mediation_followup": _("调解待回访"),
    "weakorgs_candidates": _("软弱涣散候选组织"),
}


def kind_label(kind: str) -> str:
    return KINDS.get(kind) or _("其他消息")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("类别"), max_length=40)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    channels = models.JSONField(_("外发渠道"), default=list, blank=True, help_text=_('例如 ["sms"]'))
    delivered_at = models.DateTimeField(_("外发时间"), null=True, blank=True)
    delivery_error = models.CharField(_("外发错误"), max_length=300, blank=True)
    # Set while something is left to send: the earliest time a worker may (re)try. A claim pushes it
    # forward by a lease, so a worker that dies mid-send leaves the row for another one later.
    next_attempt_at = models.DateTimeField(_("下次外发时间"), null=True, blank=True, db_index=True)
    delivery_attempts = models.PositiveSmallIntegerField(_("外发尝试次数"), default=0)
    # Channels already sent, so a retry after a partial failure does not send twice.
    delivered_channels = models.JSONField(_("已外发渠道"), default=list, blank=True)

    class Meta:
        verbose_name = _("消息通知")
        verbose_name_plural = _("消息通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"]), models.Index(fields=["delivered_at"])]

    def __str__(self):
        return self.title

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)


class SmsTemplate(Effective):
    """短信模板: what a resident's SMS says, as the gateway knows it (an approved template code with
    parameters; mainland gateways refuse free text). Versioned: the row in force on the sending day wins."""

    key = models.CharField(
        _("用途"),
        max_length=40,
        db_index=True,
        help_text=_("程序按用途取模板，例如 receipt（受理）、login_code（登录验证码）"),
    )
    name = models.CharField(_("名称"), max_length=60)
    provider_code = models.CharField(
        _("服务商模板编号"), max_length=60, help_text=_("短信服务商审核通过的模板编号")
    )
    text = models.TextField(
        _("模板内容"),
        help_text=_("与服务商备案的模板一致，参数写作 {number}；不含签名，签名在设置中统一配置"),
    )
    param_limits = models.JSONField(
        _("参数最大长度"),
        default=dict,
        blank=True,
        help_text=_('每个参数最多多少个字，例如 {"number": 15}；超出的文字截断，长度检查按此计算'),
    )

    class Meta:
        verbose_name = _("短信模板")
        verbose_name_plural = _("短信模板")
        ordering = ["key", "-effective_from", "-id"]

    def __str__(self):
        return f"{self.name}（{self.version}）"

    def placeholders(self) -> list[str]:
        return list(dict.fromkeys(_PLACEHOLDER.findall(self.text)))

    def fit(self, params: dict) -> dict[str, str]:
        """The parameters as sent: each placeholder's value as text, cut to its declared maximum."""
        fitted = {}
        for name in self.placeholders():
            value = str(params.get(name, ""))
            limit = self.param_limits.get(name) if isinstance(self.param_limits, dict) else None
            if isinstance(limit, int) and limit > 0 and len(value) > limit:
                value = value[: max(limit - 1, 0)] + "…"
            fitted[name] = value
        return fitted

    def render(self, params: dict) -> str:
        """The text the phone shows: 【签名】 followed by the template with `params` (already fitted)."""
        body = _PLACEHOLDER.sub(lambda match: params.get(match.group(1), ""), self.text)
        return f"【{sms_signature()}】{body}"

    def longest(self) -> str:
        """The rendering with every parameter at its declared maximum (wide characters)."""
        limits = self.param_limits if isinstance(self.param_limits, dict) else {}
        return self.render({name: "字" * int(limits.get(name) or 0) for name in self.placeholders()})

    def clean(self):
        super().clean()
        errors = {}
        limits = self.param_limits if isinstance(self.param_limits, dict) else None
        if limits is None or not all(isinstance(v, int) and v > 0 for v in limits.values()):
            errors["param_limits"] = _('参数最大长度应写成 {"参数名": 正整数}')
        else:
            if missing := [name for name in self.placeholders() if name not in limits]:
                errors["param_limits"] = _("以下参数没有写最大长度：%(names)s") % {
                    "names": "、".join(missing)
                }
            else:
                longest = self.longest()
                if sms_segments(longest) > sms_max_segments():
                    errors["text"] = _(
                        "参数取最大长度时短信共 %(chars)d 个字，超过 %(segments)d 条短信的长度上限，请缩短模板或参数"
                    ) % {"chars": len(longest), "segments": sms_max_segments()}
        if errors:
            raise ValidationError(errors)


class SmsStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    HISTORICAL = "historical", _("历史回放，未发送")


class SmsMessage(models.Model):
    """One SMS to one phone: written in the transaction of the change that causes it (an outbox row),
    sent after commit or by the worker, each message claimed on its own. `key` is its idempotency key,
    also given to the gateway, so a retry after a crash is not a second SMS."""

    phone = models.CharField(_("手机号码"), max_length=20)
    template = models.ForeignKey(
        SmsTemplate, verbose_name=_("模板"), on_delete=models.PROTECT, related_name="messages"
    )
    template_version = models.CharField(_("模板版本"), max_length=40)
    provider_code = models.CharField(_("服务商模板编号"), max_length=60)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    text = models.TextField(_("短信内容"))
    key = models.CharField(_("幂等键"), max_length=120, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=SmsStatus.choices, default=SmsStatus.PENDING, db_index=True
    )
    created_at = models.DateTimeField(_("创建时间"), db_index=True)
    # Due time while pending; while sending, the end of the claim (a worker that dies mid-send leaves only
    # this one message, retried with the same key after the claim ends).
    next_attempt_at = models.DateTimeField(_("下次发送时间"), null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("发送尝试次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    provider_message_id = models.CharField(_("服务商消息编号"), max_length=100, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.phone_masked} {self.template.name}"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class SmsOptOut(models.Model):
    """退订: a phone that receives no more SMS about its requests (one-time login codes still go out)."""

    class Source(models.TextChoices):
        SUBMIT_FORM = "submit_form", _("网上提交时选择")
        RECEIPT = "receipt", _("回执页退订")
        INTAKE = "intake", _("来电时要求")
        ADMIN = "admin", _("管理员登记")
        REPLY = "reply", _("短信回复退订")

    phone = models.CharField(_("手机号码"), max_length=20, unique=True)
    at = models.DateTimeField(_("退订时间"))
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("短信退订")
        verbose_name_plural = _("短信退订")
        ordering = ["-at", "-id"]

    def __str__(self):
        return self.phone
