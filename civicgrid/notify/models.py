"""In-app notifications, also the outbox the worker delivers by SMS or e-mail."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
