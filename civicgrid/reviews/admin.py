from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.reviews.models import GradeScale, ReviewCampaign


@admin.register(GradeScale)
class GradeScaleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "version", "effective_from", "effective_to", "is_active"]
    list_filter = ["is_active"]


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "year", "state"]
    search_fields = ["code", "name"]
    list_filter = ["year", "state"]
