from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import ReadOnlyAdmin
from civicgrid.notify.models import Notification, kind_label

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
