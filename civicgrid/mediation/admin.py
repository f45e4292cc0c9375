"""Mediation in the admin: the limits and committees editable (audited); mediators editable (to link a sign-in
account); cases read only, parties not shown (they change only through the services, which encrypt ID numbers)."""

from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.mediation.models import Case, Committee, MediationRule, Mediator


@admin.register(MediationRule)
class MediationRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "version",
        "time_limit_months",
        "judicial_window_days",
        "retention_years",
        "reminder_lead_days",
        "followup_days",
        "effective_from",
        "effective_to",
        "is_active",
    ]


@admin.register(Committee)
class CommitteeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "area", "established_on", "dissolved_on"]
    search_fields = ["name", "area__name"]
    autocomplete_fields = ["area"]
    list_select_related = ["area"]


@admin.register(Mediator)
class MediatorAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["masked_name", "committee", "post", "kind", "gender", "joined_on", "left_on"]
    list_filter = ["kind", "post", "gender"]
    search_fields = ["committee__name"]
    autocomplete_fields = ["committee"]
    raw_id_fields = ["user"]
    list_select_related = ["committee"]


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "committee",
        "dispute_type",
        "source",
        "state",
        "accepted_on",
        "deadline",
        "at_risk",
    ]
    list_filter = ["state", "dispute_type", "source", "at_risk"]
    search_fields = ["number", "title"]
    exclude = ["facts", "applicant_phone"]
    list_select_related = ["committee"]
