from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.hotspots.models import Alert, HotspotAction, HotspotConfig


@admin.register(HotspotConfig)
class HotspotConfigAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("version", "effective_from", "effective_to", "is_active", "window_days", "alert_p")
    list_filter = ("is_active",)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("label", "day", "size", "observed", "expected", "area")
    list_filter = ("day",)
    search_fields = ("label", "key")


@admin.register(HotspotAction)
class HotspotActionAdmin(ReadOnlyAdmin):
    list_display = ("label", "kind", "target_type", "target_id", "actor", "at")
    list_filter = ("kind",)
