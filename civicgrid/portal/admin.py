from django.contrib import admin

from civicgrid.portal.models import ResidentRating


@admin.register(ResidentRating)
class ResidentRatingAdmin(admin.ModelAdmin):
    """Read-only: a resident's rating is their word and is never edited by staff."""

    list_display = ["ticket", "at", "satisfaction", "solved"]
    list_filter = ["satisfaction", "solved"]
    search_fields = ["ticket__number"]
    readonly_fields = ["ticket", "at", "solved", "satisfaction", "comment"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
