from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin
from civicgrid.routing.vocabulary import DispatchMode, RequestType, Urgency
from civicgrid.sla.models import EscalationLadder, EscalationLevel, PauseReason, TimeLimitPolicy

ANY = [("", _("任意"))]
KEY_CHOICES = {
    "request_type": ANY + list(RequestType.choices),
    "urgency": ANY + list(Urgency.choices),
    "dispatch_mode": ANY + list(DispatchMode.choices),
}


class KeyFilter(admin.SimpleListFilter):
    field = ""

    def lookups(self, request, model_admin):
        return [("-", _("任意"))] + list(KEY_CHOICES[self.field][1:])

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(**{self.field: "" if value == "-" else value})


class RequestTypeFilter(KeyFilter):
    title = _("诉求类型")
    parameter_name = field = "request_type"


class UrgencyFilter(KeyFilter):
    title = _("紧急程度")
    parameter_name = field = "urgency"


class DispatchModeFilter(KeyFilter):
    title = _("派单方式")
    parameter_name = field = "dispatch_mode"


def _label(field: str, value: str) -> str:
    return dict(KEY_CHOICES[field]).get(value, value)


def _limit(obj, limit: str, unit: str) -> str:
    value = getattr(obj, limit).normalize()
    return f"{value:f} {dict(TimeLimitPolicy._meta.get_field(unit).choices)[getattr(obj, unit)]}"


@admin.register(TimeLimitPolicy)
class TimeLimitPolicyAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "version",
        "request_type_display",
        "urgency_display",
        "dispatch_mode_display",
        "priority",
        "sign_display",
        "first_contact_display",
        "handle_display",
        "effective_from",
        "effective_to",
        "is_active",
    ]
    list_display_links = ["version", "handle_display"]
    list_filter = [
        "is_active",
        RequestTypeFilter,
        UrgencyFilter,
        DispatchModeFilter,
        "handle_unit",
        "effective_from",
    ]
    search_fields = ["version", "note"]
    fieldsets = [
        (None, {"fields": ["version", "effective_from", "effective_to", "is_active", "note"]}),
        (_("适用范围（留空表示任意）"), {"fields": ["request_type", "urgency", "dispatch_mode", "priority"]}),
        (
            _("时限（从派单时起算）"),
            {
                "fields": [
                    ("sign_limit", "sign_unit"),
                    ("first_contact_limit", "first_contact_unit"),
                    ("handle_limit", "handle_unit"),
                    ("callback_limit", "callback_unit"),
                    ("yellow_at", "red_at"),
                ]
            },
        ),
        (
            _("提级与重办（只会缩短，不会重新给足时限）"),
            {"fields": [("escalation_limit", "escalation_unit"), ("reopen_limit", "reopen_unit")]},
        ),
        (
            _("退单、延期与回访"),
            {
                "fields": [
                    ("return_window", "return_window_unit"),
                    "max_returns_per_unit",
                    "max_extension_days",
                    "max_callback_attempts",
                ]
            },
        ),
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in KEY_CHOICES:
            # Free text in the model (blank = any); a list here so no one types an unknown code.
            return forms.ChoiceField(
                label=db_field.verbose_name,
                choices=KEY_CHOICES[db_field.name],
                required=False,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("诉求类型"), ordering="request_type")
    def request_type_display(self, obj):
        return _label("request_type", obj.request_type)

    @admin.display(description=_("紧急程度"), ordering="urgency")
    def urgency_display(self, obj):
        return _label("urgency", obj.urgency)

    @admin.display(description=_("派单方式"), ordering="dispatch_mode")
    def dispatch_mode_display(self, obj):
        return _label("dispatch_mode", obj.dispatch_mode)

    @admin.display(description=_("签收时限"))
    def sign_display(self, obj):
        return _limit(obj, "sign_limit", "sign_unit")

    @admin.display(description=_("首次联系时限"))
    def first_contact_display(self, obj):
        return _limit(obj, "first_contact_limit", "first_contact_unit")

    @admin.display(description=_("办理时限"))
    def handle_display(self, obj):
        return _limit(obj, "handle_limit", "handle_unit")


class EscalationLevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    fields = ["order", "name", "unit", "unit_kind", "limit", "limit_unit"]
    autocomplete_fields = ["unit"]
    ordering = ["order"]


@admin.register(EscalationLadder)
class EscalationLadderAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "area_display",
        "version",
        "levels_display",
        "effective_from",
        "effective_to",
        "is_active",
    ]
    list_filter = ["is_active"]
    search_fields = ["name", "version", "area__name"]
    autocomplete_fields = ["area"]
    fields = ["name", "area", "version", "effective_from", "effective_to", "is_active", "note"]
    inlines = [EscalationLevelInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("area").prefetch_related("levels")

    @admin.display(description=_("适用区划"), ordering="area__code")
    def area_display(self, obj):
        return obj.area.name if obj.area_id else _("默认（全辖区）")

    @admin.display(description=_("层级（从低到高）"))
    def levels_display(self, obj):
        return " → ".join(level.name for level in sorted(obj.levels.all(), key=lambda level: level.order))


@admin.register(PauseReason)
class PauseReasonAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "description", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "code"]
