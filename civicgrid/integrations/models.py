"""Who may call civicgrid from outside: personal API tokens and integration clients (对接系统)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
    webhook_secret = models.CharField(_("回调签名密钥"), max_length=128, blank=True, editable=False)
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
