from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.notify.models import Notification, SmsMessage, SmsOptOut, SmsTemplate, kind_label, sms_segments
from civicgrid.notify.sms import sms_opt_in, sms_opt_out

CHANNELS = {"sms": _("短信"), "email": _("电子邮件")}


class ReadFilter(admin.SimpleListFilter):
    title = _("是否已读")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", _("已读")), ("no", _("未读"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


class DeliveredFilter(admin.SimpleListFilter):
    title = _("外发情况")
    parameter_name = "delivered"

    def lookups(self, request, model_admin):
        return [
            ("yes", _("已外发")),
            ("pending", _("待外发")),
            ("failed", _("外发失败")),
            ("none", _("仅站内")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(delivered_at__isnull=False)
        if value == "pending":
            return queryset.filter(delivered_at__isnull=True, next_attempt_at__isnull=False)
        if value == "failed":
            return queryset.filter(delivered_at__isnull=True).exclude(delivery_error="")
        if value == "none":
            return queryset.filter(delivered_at__isnull=True, next_attempt_at__isnull=True, delivery_error="")
        return queryset


class KindFilter(admin.SimpleListFilter):
    title = _("类别")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        kinds = Notification.objects.order_by().values_list("kind", flat=True).distinct()
        return sorted(((k, kind_label(k)) for k in kinds), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: notifications are written by the services and the scanner, never by hand."""

    list_display = [
        "created_at",
        "recipient",
        "kind_label",
        "title",
        "ticket",
        "read_at",
        "channels_label",
        "delivered_at",
        "delivery_attempts",
        "delivery_error",
    ]
    list_filter = [KindFilter, ReadFilter, DeliveredFilter]
    search_fields = ["title", "recipient__username", "ticket__number"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "ticket"]
    list_per_page = 100

    @admin.display(description=_("类别"), ordering="kind")
    def kind_label(self, notification):
        return notification.kind_label

    @admin.display(description=_("外发渠道"))
    def channels_label(self, notification):
        return "、".join(str(CHANNELS.get(c, _("其他"))) for c in notification.channels) or "—"


@admin.register(SmsTemplate)
class SmsTemplateAdmin(AuditedAdmin, admin.ModelAdmin):
    """Templates are versions: a change of wording is a new row with its own effective dates."""

    list_display = [
        "name",
        "key",
        "provider_code",
        "text",
        "longest_display",
        "version",
        "effective_from",
        "is_active",
    ]
    list_filter = ["key", "is_active"]
    search_fields = ["name", "key", "provider_code", "text"]
    fields = [
        "key",
        "name",
        "provider_code",
        "text",
        "param_limits",
        "version",
        "effective_from",
        "effective_to",
        "is_active",
        "note",
        "longest_display",
    ]
    readonly_fields = ["longest_display"]

    @admin.display(description=_("最长时的短信（字数）"))
    def longest_display(self, obj):
        if obj is None or not obj.pk:
            return "—"
        text = obj.longest()
        return _("%(chars)d 字，%(segments)d 条") % {"chars": len(text), "segments": sms_segments(text)}


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    """Read-only: messages are written by the services and sent by the worker."""

    list_display = [
        "created_at",
        "phone_display",
        "template",
        "status",
        "attempts",
        "sent_at",
        "ticket",
        "error",
    ]
    list_filter = ["status", "template__key"]
    search_fields = ["key", "ticket__number", "provider_message_id"]
    date_hierarchy = "created_at"
    list_select_related = ["template", "ticket"]
    list_per_page = 100
    exclude = ["phone", "params", "text"]
    readonly_fields = ["phone_display"]

    @admin.display(description=_("手机号码"))
    def phone_display(self, obj):
        return obj.phone_masked


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    """Opt-outs go through the services (audited; waiting messages are dropped)."""

    list_display = ["phone", "at", "source", "note"]
    list_filter = ["source"]
    search_fields = ["phone"]
    fields = ["phone", "note"]

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = sms_opt_out(phone=obj.phone, source=SmsOptOut.Source.ADMIN, actor=request.user, note=obj.note)
        obj.pk, obj.at, obj.source = saved.pk, saved.at, saved.source

    def delete_model(self, request, obj):
        sms_opt_in(phone=obj.phone, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            sms_opt_in(phone=obj.phone, actor=request.user)
