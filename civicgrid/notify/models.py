"""In-app notifications, also the outbox the worker delivers by SMS or e-mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
