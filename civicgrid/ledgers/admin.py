from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from civicgrid.ledgers.models import (
    AveragingRule,
    Campaign,
    ItemEvent,
    ItemTicket,
    LedgerItem,
    ProgressReport,
)


@admin.register(AveragingRule)
class AveragingRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["version", "mode", "effective_from", "effective_to", "is_active"]
    list_filter = ["mode", "is_active"]


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "year", "owner_unit", "area"]
    search_fields = ["code", "name"]
    list_filter = ["year"]
    raw_id_fields = ["owner_unit", "area"]
    readonly_fields = ["created_at", "created_by"]


class ReportInline(ReadOnlyInline):
    model = ProgressReport
    fields = ["percent", "status", "submitted_at", "decided_at", "narrative"]


class EventInline(ReadOnlyInline):
    model = ItemEvent
    fields = ["at", "action", "from_state", "to_state", "actor", "note"]


@admin.register(LedgerItem)
class LedgerItemAdmin(ReadOnlyAdmin):
    """Items change only through the services (each change an event); the admin shows them."""

    list_display = ["number", "campaign", "source", "on_list", "lead_unit", "state", "suspended", "deadline"]
    list_filter = ["campaign", "state", "source", "on_list", "suspended", "is_public"]
    search_fields = ["number", "problem", "responsible_leader"]
    inlines = [ReportInline, EventInline]


@admin.register(ItemTicket)
class ItemTicketAdmin(ReadOnlyAdmin):
    list_display = ["item", "ticket", "direction", "linked_at"]
    list_filter = ["direction"]
