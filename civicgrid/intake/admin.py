from django.contrib import admin, messages

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.intake import services
from civicgrid.intake.models import IntakeModel, LabelMapping, Suggestion


class LabelMappingInline(admin.TabularInline):
    model = LabelMapping
    extra = 0
    fields = ("label", "category")
    readonly_fields = ("label",)
    autocomplete_fields = ("category",)
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # the labels are the model's; only where they point is editable


@admin.register(IntakeModel)
class IntakeModelAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ("name", "is_active", "auto_dispatch", "threshold", "created_at")
    list_filter = ("is_active", "auto_dispatch")
    search_fields = ("name",)
    fields = (
        "name",
        "directory",
        "labels",
        "threshold",
        "auto_dispatch",
        "monitor_window",
        "auto_dispatch_off_reason",
        "auto_dispatch_off_at",
        "is_active",
        "metrics",
        "created_at",
    )
    readonly_fields = (
        "name",
        "directory",
        "labels",
        "is_active",
        "auto_dispatch_off_reason",
        "auto_dispatch_off_at",
        "metrics",
        "created_at",
    )
    inlines = [LabelMappingInline]
    actions = ["activate"]

    def has_add_permission(self, request):
        return False  # models come from `civicgrid intake-model register`, which checks the files

    def save_model(self, request, obj, form, change):
        if obj.auto_dispatch:
            obj.auto_dispatch_off_reason = ""  # switched back on: the old reason no longer applies
        super().save_model(request, obj, form, change)

    @admin.action(description="启用所选模型（只能选一个）")
    def activate(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "请只选择一个模型", messages.ERROR)
            return
        services.model_activate(model=queryset.get(), actor=request.user)
        self.message_user(request, "已启用")


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    """A record of what the classifier proposed and what became of it."""

    list_display = (
        "ticket",
        "category",
        "confidence",
        "confident",
        "outcome",
        "final_category",
        "unit_outcome",
    )
    list_filter = ("outcome", "unit_outcome", "confident", "model")
    search_fields = ("ticket__number",)
    list_select_related = ("ticket", "category", "final_category")
