"""Volunteering in the admin: configuration editable (audited); volunteers, sign-ups, records and certificates are
shown read-only (they change through the services; ID numbers only masked)."""

from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.volunteering.models import (
    Activity,
    Certificate,
    Project,
    ServiceRecord,
    SignUp,
    StarLevel,
    Team,
    Volunteer,
    VolunteerRule,
)

EFFECTIVE = ["version", "effective_from", "effective_to", "is_active"]


@admin.register(VolunteerRule)
class VolunteerRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [*EFFECTIVE, "notice_days", "qr_seconds", "scan_minutes"]


@admin.register(StarLevel)
class StarLevelAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [*EFFECTIVE, "stars", "name", "min_hours"]


@admin.register(Volunteer)
class VolunteerAdmin(ReadOnlyAdmin):
    list_display = ["number", "masked_name", "masked_phone", "id_type", "id_masked", "area", "state"]
    list_filter = ["state", "id_type"]
    search_fields = ["number"]
    exclude = ["name", "phone", "guardian_name"]
    readonly_fields = ["masked_name", "masked_phone", "id_masked"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "area", "founded_on"]
    raw_id_fields = ["leader", "members"]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["name", "area", "state", "is_risky", "insurance_policy"]
    list_filter = ["state", "is_risky"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["title", "project", "starts_at", "ends_at", "capacity", "cancelled"]


@admin.register(SignUp)
class SignUpAdmin(ReadOnlyAdmin):
    list_display = ["activity", "volunteer", "state", "checked_in_at", "checked_out_at", "checkout_capped"]
    list_filter = ["state"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "volunteer",
        "area",
        "project",
        "activity",
        "source",
        "hours",
        "state",
        "recorded_on",
        "confirmed_at",
    ]
    list_filter = ["state", "source"]


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ["number", "volunteer", "area", "state", "hours", "notice_until", "issued_on"]
    list_filter = ["state"]
