from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from civicgrid.weakorgs.models import (
    Candidate,
    Criterion,
    MonthlyScan,
    PlanEvent,
    PlanItem,
    ProgressNote,
    RectificationPlan,
    ScanSchedule,
)


@admin.register(Criterion)
class CriterionAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "enabled",
        "months",
        "count",
        "threshold",
        "version",
        "effective_from",
        "is_active",
    ]
    list_filter = ["code", "enabled", "is_active"]


@admin.register(ScanSchedule)
class ScanScheduleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["version", "enabled", "day_of_month", "effective_from", "effective_to", "is_active"]


@admin.register(MonthlyScan)
class MonthlyScanAdmin(ReadOnlyAdmin):
    list_display = ["month", "ran_at", "found", "created"]


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdmin):
    """Candidates change only through the scan and the decisions (each audited); the admin shows them."""

    list_display = ["org", "state", "manual", "as_of", "still_met", "decided_at"]
    list_filter = ["state", "manual", "still_met"]
    search_fields = ["org__name", "org__code"]


class ItemInline(ReadOnlyInline):
    model = PlanItem
    fields = ["problem", "measure", "responsible", "due_on", "state", "done_on"]


class NoteInline(ReadOnlyInline):
    model = ProgressNote
    fields = ["at", "author", "text"]


class EventInline(ReadOnlyInline):
    model = PlanEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "note"]


@admin.register(RectificationPlan)
class RectificationPlanAdmin(ReadOnlyAdmin):
    list_display = ["org", "year", "batch", "org_setup", "state", "due_on", "extended_to", "accepted_on"]
    list_filter = ["year", "state", "org_setup"]
    search_fields = ["org__name", "org__code", "leader_name"]
    inlines = [ItemInline, NoteInline, EventInline]
