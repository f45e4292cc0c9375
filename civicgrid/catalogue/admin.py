from django.contrib import admin

from civicgrid.catalogue.models import Catalogue, CatalogueItem
from civicgrid.core.admin_mixins import AuditedAdmin


class CatalogueItemInline(admin.StackedInline):
    model = CatalogueItem
    extra = 0
    autocomplete_fields = ["unit"]
    fields = [
        ("list_kind", "order", "name"),
        "legal_basis",
        "materials",
        ("unit", "post", "office_hours"),
        "steps",
        ("time_limit", "time_unit", "fees"),
        "keywords",
    ]

    # A published version is never changed (the console opens a new draft instead).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj is not None and obj.published)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj is not None and obj.published)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.published)


@admin.register(Catalogue)
class CatalogueAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "area", "version", "published", "effective_from", "effective_to"]
    list_filter = ["published"]
    search_fields = ["area__name", "area__code", "title"]
    autocomplete_fields = ["area"]
    # Publishing goes through the console (guarded, closes the previous version), never a tick box here.
    readonly_fields = [
        "published",
        "effective_from",
        "effective_to",
        "published_at",
        "published_by",
        "based_on",
        "created_by",
    ]
    inlines = [CatalogueItemInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.published:
            return [f.name for f in Catalogue._meta.fields if f.name != "id"]
        return self.readonly_fields

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for item in instances:
            item.refresh_index()
            item.save()
        formset.save_m2m()


@admin.register(CatalogueItem)
class CatalogueItemAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "catalogue", "list_kind", "order"]
    list_filter = ["list_kind"]
    search_fields = ["name", "keywords", "catalogue__area__name"]
    autocomplete_fields = ["unit", "catalogue"]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (
            obj is not None and obj.catalogue.published
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (
            obj is not None and obj.catalogue.published
        )

    def save_model(self, request, obj, form, change):
        obj.refresh_index()
        super().save_model(request, obj, form, change)
