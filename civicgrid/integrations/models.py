"""Who may call civicgrid from outside: personal API tokens and integration clients 「对接系统」."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.core.models import Effective
from civicgrid.tickets.models import EventAction

# What an integration client may do; a personal token may do what its owner may do in the console.
SCOPES = {
    "tickets:read": "读取工单",
    "tickets:write": "登记和办理工单",
    "open311": "Open311 接口",
    "party:read": "读取党建数据",
}


class IntegrationClient(models.Model):
    """A named outside system (the provincial 12345 platform, a mini-program, a grid app). It acts through its
    own staff account: the account's units and roles (registry.Staff) decide what it sees, exactly as for a
    person in the console; `scopes` narrow it further."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    code = models.SlugField(
        _("代码"),
        max_length=40,
        unique=True,
        help_text=_("外部编号按此代码区分来源，例如 province-12345"),
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("对接账号"),
        on_delete=models.PROTECT,
        related_name="integration_client",
        help_text=_("对接系统以此账号的单位和角色办理，范围与该账号在工作台中相同"),
    )
    scopes = models.JSONField(_("授权范围"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    webhook_url = models.URLField(
        _("回调地址"), blank=True, help_text=_("工单状态变化时推送到此地址；留空不推送")
    )
    # Encrypted at rest (integrations.webhooks.encrypt_secret); the plain secret is shown once, when made.
    webhook_secret = models.CharField(_("回调签名密钥"), max_length=255, blank=True, editable=False)
    only_own_tickets = models.BooleanField(
        _("仅推送本系统转来的工单"),
        default=False,
        help_text=_("勾选后只推送外部来源为本系统代码的工单（例如省 12345 平台转来的工单）"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对接系统")
        verbose_name_plural = _("对接系统")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in (self.scopes or [])


class ApiToken(models.Model):
    """An API key: shown once when made, kept only as its SHA-256 (a key is 256 random bits, so a plain hash
    is enough); the first characters stay readable so a person can tell keys apart."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所属账号"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(_("密钥开头"), max_length=12, db_index=True)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class WebhookPolicy(Effective):
    """How deliveries to every client's webhook are retried, given up and kept (the version in force today)."""

    max_attempts = models.PositiveSmallIntegerField(
        _("最多尝试次数"),
        default=8,
        help_text=_("推送失败达到此次数后不再自动重试，在管理后台显示为推送失败"),
    )
    first_delay_seconds = models.PositiveIntegerField(
        _("首次重试间隔（秒）"), default=30, help_text=_("之后每次失败间隔加倍")
    )
    max_delay_minutes = models.PositiveIntegerField(_("最长重试间隔（分钟）"), default=360)
    timeout_seconds = models.PositiveSmallIntegerField(_("请求超时（秒）"), default=10)
    retention_days = models.PositiveSmallIntegerField(
        _("推送成功记录保存天数"), default=30, help_text=_("推送成功的记录超过此天数后删除")
    )

    class Meta:
        verbose_name = _("回调推送规则")
        verbose_name_plural = _("回调推送规则")
        ordering = ["-effective_from", "-pk"]

    def __str__(self):
        return f"{self.version}：最多 {self.max_attempts} 次"


class WebhookCursor(models.Model):
    """How far the outbox filler has read tickets.Event: the last event id read, and the ids below it not seen
    yet (a transaction that took an id may commit after a later one did), each with when it was first missed."""

    name = models.CharField(_("名称"), max_length=40, unique=True)
    last_event_id = models.BigIntegerField(_("已读到的工单日志"), default=0)
    gaps = models.JSONField(_("待补读的工单日志"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回调推送读取进度")
        verbose_name_plural = _("回调推送读取进度")

    def __str__(self):
        return f"{self.name}：{self.last_event_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待推送")
    SENDING = "sending", _("推送中")
    DELIVERED = "delivered", _("已推送")
    FAILED = "failed", _("推送失败")


class WebhookDelivery(models.Model):
    """One ticket event for one client: at most one row per (client, event), sent until the client answers 2xx.
    The body is fixed when the row is written, so every retry sends the same bytes under the same event id."""

    client = models.ForeignKey(
        IntegrationClient, verbose_name=_("对接系统"), on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "tickets.Event", verbose_name=_("工单日志"), on_delete=models.CASCADE, related_name="+"
    )
    ticket_number = models.CharField(_("工单编号"), max_length=40)
    action = models.CharField(_("操作"), max_length=40)
    body = models.TextField(_("推送内容"))
    status = models.CharField(
        _("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_try_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    claimed_by = models.CharField(_("推送进程"), max_length=32, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("入队时间"))
    delivered_at = models.DateTimeField(_("推送成功时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("回调推送")
        verbose_name_plural = _("回调推送")
        ordering = ["client", "event_id"]
        constraints = [models.UniqueConstraint(fields=["client", "event"], name="webhook_once_per_event")]
        indexes = [
            models.Index(fields=["status", "next_try_at"], name="webhook_due"),
            models.Index(fields=["status", "delivered_at"], name="webhook_delivered"),
        ]

    def __str__(self):
        return f"{self.client} {self.ticket_number} #{self.event_id}"

    @property
    def action_label(self) -> str:
        return EventAction(self.action).label if self.action in EventAction.values else _("其他操作")
