from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin
from civicgrid.registry.models import Unit
from civicgrid.routing.models import Category, DirectDispatchRule, DispatchCatalogueEntry

CATEGORY_PATH = "parent__parent__parent__parent"


class VersionFilter(admin.SimpleListFilter):
    """Versions as they occur in the table, newest first (a plain field filter lists every row's value)."""

    title = _("版本/批次")
    parameter_name = "version"

    def lookups(self, request, model_admin):
        versions = model_admin.model.objects.order_by("-version").values_list("version", flat=True).distinct()
        return [(v, v) for v in versions]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(version=self.value())
        return queryset


@admin.register(Category)
class CategoryAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "version", "parent", "keywords", "is_active"]
    list_filter = ["level", VersionFilter, "is_active"]
    search_fields = ["code", "name", "keywords"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["level"]
    list_per_page = 100

    def get_queryset(self, request):
        # Shown as its full path (城乡建设 / 物业管理 / …), here and in every autocomplete.
        return super().get_queryset(request).select_related(CATEGORY_PATH)


class RoutingRowAdmin(AuditedAdmin, admin.ModelAdmin):
    search_fields = ["category__code", "category__name", "note"]
    filter_horizontal = ["co_units"]
    date_hierarchy = "effective_from"
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("co_units")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        # Grid teams are thousands and join per ticket (网格协办), so the picker leaves them out,
        # except those already chosen somewhere, which must stay valid choices.
        if db_field.name == "co_units":
            chosen = self.model.co_units.through.objects.values("unit_id")
            kwargs["queryset"] = Unit.objects.filter(
                (Q(is_active=True) & ~Q(kind=Unit.Kind.GRID_TEAM)) | Q(pk__in=chosen)
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("协办单位"))
    def co_unit_names(self, obj):
        return "、".join(u.short_name or u.name for u in obj.co_units.all())


@admin.register(DirectDispatchRule)
class DirectDispatchRuleAdmin(RoutingRowAdmin):
    list_display = [
        "category",
        "mode",
        "lead_unit",
        "co_unit_names",
        "include_grid",
        "area",
        "version",
        "effective_from",
        "effective_to",
        "is_active",
    ]
    list_filter = ["mode", VersionFilter, "is_active"]
    autocomplete_fields = ["category", "area", "lead_unit"]
    list_select_related = [f"category__{CATEGORY_PATH}", "lead_unit", "area"]
    fieldsets = [
        (None, {"fields": ["version", "category", "area", "mode"]}),
        (_("办理单位"), {"fields": ["lead_unit", "co_units", "include_grid"]}),
        (
            _("办结与生效"),
            {"fields": ["completion_criteria", "effective_from", "effective_to", "is_active", "note"]},
        ),
    ]


@admin.register(DispatchCatalogueEntry)
class DispatchCatalogueEntryAdmin(RoutingRowAdmin):
    list_display = [
        "category",
        "unit",
        "co_unit_names",
        "area",
        "version",
        "effective_from",
        "effective_to",
        "is_active",
    ]
    list_filter = [VersionFilter, "is_active", ("unit", admin.RelatedOnlyFieldListFilter)]
    autocomplete_fields = ["category", "area", "unit"]
    list_select_related = [f"category__{CATEGORY_PATH}", "unit", "area"]
