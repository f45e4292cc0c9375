from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import ReadOnlyAdmin
from civicgrid.notify.models import Notification


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


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Read-only: notifications are written by the services and the scanner, never by hand."""

    list_display = [
        "created_at",
        "recipient",
        "kind",
        "title",
        "ticket",
        "read_at",
        "channels",
        "delivered_at",
        "delivery_attempts",
        "delivery_error",
    ]
    list_filter = ["kind", ReadFilter, DeliveredFilter]
    search_fields = ["title", "recipient__username", "ticket__number"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "ticket"]
    list_per_page = 100
