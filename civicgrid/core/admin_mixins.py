from django.contrib import admin

from civicgrid.core.audit import record_event


class AuditedAdmin:
    """Admin edits are changes like any other: each save and delete leaves an audit row."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        record_event(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            target=obj,
            summary=str(obj),
            fields=sorted(form.changed_data),
        )

    def delete_model(self, request, obj):
        record_event(actor=request.user, action="admin.delete", target=obj, summary=str(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_event(actor=request.user, action="admin.delete", target=obj, summary=str(obj))
        super().delete_queryset(request, queryset)


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(_ReadOnly, admin.ModelAdmin):
    """Records that change only through the services, or never (logs, ratings): the admin shows them."""


class ReadOnlyInline(_ReadOnly, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
