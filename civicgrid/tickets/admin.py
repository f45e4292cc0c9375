"""Tickets in the admin are for looking, not editing: every change goes through the services."""

from django.contrib import admin

from civicgrid.core.admin_mixins import ReadOnlyAdmin, ReadOnlyInline
from civicgrid.tickets.models import (
    Assignment,
    Callback,
    Event,
    ExtensionRequest,
    ReturnRequest,
    Supervision,
    Ticket,
)


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = [
        "round",
        "role",
        "unit",
        "state",
        "dispatched_at",
        "signed_at",
        "first_contacted_at",
        "due_at",
        "replied_at",
        "yellow_issued_at",
        "red_issued_at",
        "overdue_issued_at",
    ]


class EventInline(ReadOnlyInline):
    model = Event
    fields = ["at", "actor", "action_label", "from_status_label", "to_status_label", "assignment", "note"]
    readonly_fields = ["action_label", "from_status_label", "to_status_label"]

    @admin.display(description="操作")
    def action_label(self, event):
        return event.label

    @admin.display(description="原状态")
    def from_status_label(self, event):
        return event.status_label(event.from_status)

    @admin.display(description="新状态")
    def to_status_label(self, event):
        return event.to_status_label


class CallbackInline(ReadOnlyInline):
    model = Callback
    fields = [
        "at",
        "channel",
        "by",
        "reached",
        "contacted",
        "solved",
        "satisfaction",
        "valid",
        "attributable",
        "invalid_reason",
    ]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "title",
        "status",
        "request_type",
        "urgency",
        "channel",
        "lead_unit",
        "warning_level",
        "on_key_list",
        "received_at",
    ]
    list_filter = [
        "status",
        "request_type",
        "urgency",
        "channel",
        "dispatch_mode",
        "warning_level",
        "on_key_list",
        "is_supervised",
        "is_confidential",
    ]
    search_fields = ["number", "title", "address", "category_code"]
    date_hierarchy = "received_at"
    list_select_related = ["lead_unit"]
    inlines = [AssignmentInline, CallbackInline, EventInline]
    # The requester's name and phone stay out of the admin list; the console reveals them with an audit.
    exclude = ["requester_name", "requester_phone"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "days", "decision", "requested_at", "decided_at", "new_due_at"]
    list_filter = ["decision"]
    search_fields = ["assignment__ticket__number", "reason"]


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    list_display = ["assignment", "decision", "requested_at", "decided_at"]
    list_filter = ["decision"]
    search_fields = ["assignment__ticket__number", "reason", "legal_basis"]


@admin.register(Supervision)
class SupervisionAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "unit", "level", "at", "deadline", "resolved_at"]
    list_filter = ["level"]
    search_fields = ["ticket__number", "note"]
