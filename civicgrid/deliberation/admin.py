from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from civicgrid.deliberation.models import DeliberationRule, FourTwoStep, Participant, Topic, TopicAction


@admin.register(DeliberationRule)
class DeliberationRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "version",
        "area",
        "effective_from",
        "effective_to",
        "is_active",
        "notice_days",
        "result_days",
        "quorum_numerator",
        "quorum_denominator",
        "majority_numerator",
        "majority_denominator",
    ]
    list_filter = ["is_active"]
    search_fields = ["version", "area__name", "area__code"]
    autocomplete_fields = ["area"]


class ParticipantInline(ReadOnlyInline):
    model = Participant
    fields = ["kind", "name", "attended"]


class StepInline(ReadOnlyInline):
    model = FourTwoStep
    fields = ["step", "on", "expected", "present", "votes_for", "votes_against", "note"]


class ActionInline(ReadOnlyInline):
    model = TopicAction
    fields = ["ticket", "note", "created_at"]


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    """Topics change only through deliberation.services (states, gates, quorum); the admin shows them."""

    list_display = ["title", "area", "source", "form", "level", "state", "collected_at"]
    list_filter = ["state", "form", "level", "source"]
    search_fields = ["title", "area__name"]
    exclude = ["proposer_phone"]
    inlines = [ParticipantInline, StepInline, ActionInline]
