from django.contrib import admin

from civicgrid.core.admin_mixins import ReadOnlyAdmin
from civicgrid.portal.models import ResidentRating


@admin.register(ResidentRating)
class ResidentRatingAdmin(ReadOnlyAdmin):
    """Read-only: a resident's rating is their word and is never edited by staff."""

    list_display = ["ticket", "at", "satisfaction", "solved"]
    list_filter = ["satisfaction", "solved"]
    search_fields = ["ticket__number"]
