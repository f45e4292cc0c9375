from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin
from civicgrid.registry.models import AdminArea, Grid, Place, Role, Staff, Unit
from civicgrid.registry.staffing import with_staffing


class TownFilter(admin.SimpleListFilter):
    title = _("乡镇/街道")
    parameter_name = "town"

    def lookups(self, request, model_admin):
        return [(a.code, a.name) for a in AdminArea.objects.filter(level=AdminArea.Level.TOWN)]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(community__parent__code=self.value())
        return queryset


@admin.register(AdminArea)
class AdminAreaAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "has_geometry"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_per_page = 50

    @admin.display(boolean=True, description=_("有边界"))
    def has_geometry(self, obj):
        return obj.geometry is not None


@admin.register(Grid)
class GridAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "dedicated_type",
        "community",
        "households",
        "leader",
        "is_active",
    ]
    list_filter = ["kind", "dedicated_type", "is_active", TownFilter]
    search_fields = ["code", "name", "community__name"]
    autocomplete_fields = ["community", "leader"]
    filter_horizontal = ["workers"]
    list_select_related = ["community", "leader"]
    list_per_page = 50


class StaffedFilter(admin.SimpleListFilter):
    title = _("在岗办理人员")
    parameter_name = "staffed"

    def lookups(self, request, model_admin):
        return [("yes", _("有")), ("no", _("无人在岗"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_staffed=self.value() == "yes")
        return queryset


@admin.register(Unit)
class UnitAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "is_functional_department",
        "parent",
        "area",
        "grid",
        "is_active",
        "staffed_display",
    ]
    list_filter = ["kind", "is_functional_department", "is_active", StaffedFilter]
    search_fields = ["code", "name", "short_name"]
    autocomplete_fields = ["parent", "area", "grid"]
    list_select_related = ["parent", "area", "grid"]
    list_per_page = 50

    def get_queryset(self, request):
        return with_staffing(super().get_queryset(request))

    @admin.display(description=_("在岗办理人员"), boolean=True, ordering="is_staffed")
    def staffed_display(self, obj):
        return obj.is_staffed


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "description"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Staff)
class StaffAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "user", "phone", "role_names", "unit_names"]
    list_filter = ["roles", "units__kind"]
    search_fields = ["name", "user__username", "phone", "units__name"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["roles", "units"]
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").prefetch_related("roles", "units")

    @admin.display(description=_("角色"))
    def role_names(self, obj):
        return "、".join(r.name for r in obj.roles.all())

    @admin.display(description=_("所属单位"))
    def unit_names(self, obj):
        return "、".join(u.name for u in obj.units.all())


@admin.register(Place)
class PlaceAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "kind", "address", "grid", "lon", "lat"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases", "address", "grid__name", "grid__code"]
    autocomplete_fields = ["grid"]
    list_select_related = ["grid"]
    list_per_page = 50


class StaffInline(admin.StackedInline):
    model = Staff
    can_delete = False
    filter_horizontal = ["roles", "units"]
    verbose_name_plural = _("工作人员信息")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(AuditedAdmin, UserAdmin):
    inlines = [StaffInline]
