from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import ReadOnlyAdmin
from civicgrid.core.models import AuditEvent, audit_action_label, model_label


class _CodeFilter(admin.SimpleListFilter):
    """A filter over a code column that lists what a person reads, not the codes."""

    field = ""

    def label_of(self, code):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        codes = AuditEvent.objects.order_by().values_list(self.field, flat=True).distinct()
        return sorted(((c, self.label_of(c)) for c in codes if c), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ActionFilter(_CodeFilter):
    title = _("操作")
    parameter_name = field = "action"

    def label_of(self, code):
        return audit_action_label(code)


class TargetTypeFilter(_CodeFilter):
    title = _("对象类型")
    parameter_name = field = "target_type"

    def label_of(self, code):
        return model_label(code)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action_label", "target_type_label", "target_id", "summary"]
    list_filter = [ActionFilter, TargetTypeFilter]
    search_fields = ["summary", "target_id", "actor__username"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action_label", "target_type_label", "target_id", "summary", "payload"]
    readonly_fields = ["at", "action_label", "target_type_label"]

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, event):
        return event.action_label

    @admin.display(description=_("对象类型"), ordering="target_type")
    def target_type_label(self, event):
        return event.target_type_label
