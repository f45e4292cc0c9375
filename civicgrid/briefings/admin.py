from django.contrib import admin

from civicgrid.briefings.models import Briefing, BriefingCounter


@admin.register(Briefing)
class BriefingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "date_from", "date_to", "generated_by", "generated_at")
    list_filter = ("year",)
    readonly_fields = (
        "area",
        "scope",
        "year",
        "number",
        "date_from",
        "date_to",
        "generated_by",
        "generated_at",
        "file",
        "size",
        "sha256",
    )

    def has_add_permission(self, request):
        return False  # issues are generated, never typed in


@admin.register(BriefingCounter)
class BriefingCounterAdmin(admin.ModelAdmin):
    list_display = ("scope", "year", "last")
