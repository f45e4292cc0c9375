from django.contrib import admin

from civicgrid.core.admin_mixins import ReadOnlyAdmin
from civicgrid.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_id", "summary"]
    list_filter = ["action", "target_type"]
    search_fields = ["summary", "target_id", "actor__username"]
    date_hierarchy = "at"
