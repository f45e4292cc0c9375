from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin
from civicgrid.knowledge import services
from civicgrid.knowledge.models import Entry

CONTENT_FIELDS = ["question", "answer", "keywords", "category", "unit", "valid_from", "valid_to"]


class EntryForm(forms.ModelForm):
    class Meta:
        model = Entry
        fields = [*CONTENT_FIELDS, "change_note"]

    def clean(self):
        data = super().clean()
        if self.instance.pk and not (set(self.changed_data) - {"change_note"}):
            raise ValidationError("内容没有变化，未产生新版本")
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", "失效日期不能早于生效日期")
        return data


class CurrentFilter(admin.SimpleListFilter):
    title = _("版本")
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("1", _("现行版本")), ("0", _("历史版本"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.exclude(status=Entry.Status.SUPERSEDED)
        if self.value() == "0":
            return queryset.filter(status=Entry.Status.SUPERSEDED)
        return queryset


@admin.register(Entry)
class EntryAdmin(AuditedAdmin, admin.ModelAdmin):
    """Saving goes through the services: a new entry is version 1, a change is a new version."""

    form = EntryForm
    list_display = ["question", "version", "status", "category", "unit", "valid_from", "valid_to", "source"]
    list_filter = ["status", CurrentFilter, "source", "unit__kind", "valid_from"]
    search_fields = ["question", "keywords", "answer", "source_ref", "unit__name", "category__name"]
    autocomplete_fields = ["category", "unit"]
    list_select_related = ["category", "unit"]
    readonly_fields = [
        "key",
        "version",
        "status",
        "source",
        "source_ref",
        "created_by",
        "created_at",
        "retired_at",
    ]
    fields = [*CONTENT_FIELDS, "change_note", *readonly_fields]
    actions = ["retire_selected"]
    list_per_page = 50

    def has_change_permission(self, request, obj=None):
        # Only the current version can be revised; older ones are history.
        if obj is not None and obj.status != Entry.Status.ACTIVE:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data.get(name) for name in CONTENT_FIELDS}
        values["keywords"] = values["keywords"] or ""
        try:
            if change:
                saved = services.entry_revise(
                    entry=obj,
                    actor=request.user,
                    change_note=form.cleaned_data.get("change_note", ""),
                    **values,
                )
            else:
                saved = services.entry_create(actor=request.user, **values)
        except (ValidationError, PermissionDenied) as exc:
            # The form checked the fields; what is left is a rule only the service knows.
            text = ";".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)
            raise _Refused from None
        # The admin redirects to and logs the object it saved: make that the new version.
        obj.pk = saved.pk
        obj.refresh_from_db()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=_("停用所选知识条目"))
    def retire_selected(self, request, queryset):
        done = 0
        for entry in queryset.filter(status=Entry.Status.ACTIVE):
            services.entry_retire(entry=entry, actor=request.user, reason="管理后台批量停用")
            done += 1
        self.message_user(request, f"已停用 {done} 条知识。", messages.SUCCESS)


class _Refused(Exception):
    """A service refused the admin's save; the form is shown again with the message."""
