"""Admin for outbound webhooks: the push log with its failures and a retry action, the retry rules, and the
client's signing secret (shown once when made or changed, stored encrypted).

Imported at the end of integrations/admin.py, so the client's own admin class is registered already: it is
extended here (the secret) rather than edited, and keeps whatever that module gives it.
"""

from django.contrib import admin, messages
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin
from civicgrid.core.refusal import Refusal
from civicgrid.integrations import webhooks
from civicgrid.integrations.models import DeliveryStatus, IntegrationClient, WebhookDelivery, WebhookPolicy

SECRET_NOTE = _("请立即复制并交给对方系统，用于校验推送签名；此密钥只显示这一次，之后无法再查看。")


def _show_secret(admin_obj, request, client, raw: str, what: str) -> None:
    admin_obj.message_user(
        request,
        format_html("{}「{}」的回调签名密钥：<code>{}</code>。{}", what, client.name, raw, SECRET_NOTE),
        messages.WARNING,
    )


_ClientAdmin = type(admin.site._registry[IntegrationClient])
admin.site.unregister(IntegrationClient)


@admin.register(IntegrationClient)
class WebhookClientAdmin(_ClientAdmin):
    actions = [*(_ClientAdmin.actions or []), "rotate_secret"]
    formfield_overrides = {**_ClientAdmin.formfield_overrides, models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "secret_state"]

    def get_list_display(self, request):
        return [*super().get_list_display(request), "only_own_tickets", "failed_deliveries"]

    @admin.display(description=_("回调签名密钥"))
    def secret_state(self, obj):
        if obj is None or not obj.webhook_secret:
            return _("保存后自动生成，只显示一次")
        return _("已设置（已加密保存，不再显示；如遗失请用「更换回调签名密钥」）")

    @admin.display(description=_("推送失败"))
    def failed_deliveries(self, obj):
        return obj.deliveries.filter(status=DeliveryStatus.FAILED).count()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        raw = getattr(obj, "new_webhook_secret", "")
        if raw:
            _show_secret(self, request, obj, raw, _("已生成"))

    @admin.action(description=_("更换所选对接系统的回调签名密钥"), permissions=["change"])
    def rotate_secret(self, request, queryset):
        for client in queryset:
            try:
                raw = webhooks.rotate_webhook_secret(actor=request.user, client=client)
            except Refusal as refusal:
                self.message_user(request, refusal.message, messages.ERROR)
                return
            _show_secret(self, request, client, raw, _("已更换"))


@admin.register(WebhookPolicy)
class WebhookPolicyAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = (
        "version",
        "effective_from",
        "effective_to",
        "is_active",
        "max_attempts",
        "first_delay_seconds",
        "max_delay_minutes",
        "retention_days",
    )
    list_filter = ("is_active",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "client",
        "ticket_number",
        "action_shown",
        "status",
        "attempts",
        "next_try_at",
        "last_error",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "client")
    search_fields = ("ticket_number", "=event__id")
    fields = readonly_fields = (
        "client",
        "event",
        "ticket_number",
        "action_shown",
        "status",
        "attempts",
        "next_try_at",
        "last_error",
        "created_at",
        "delivered_at",
        "body",
    )
    actions = ["retry"]

    @admin.display(description=_("操作"))
    def action_shown(self, obj):
        return obj.action_label

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("重新推送所选记录"), permissions=["change"])
    def retry(self, request, queryset):
        try:
            count = webhooks.retry_deliveries(actor=request.user, deliveries=queryset)
        except Refusal as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return
        self.message_user(
            request, _("已安排重新推送 %(count)d 条记录，下一轮后台任务即会发送。") % {"count": count}
        )
