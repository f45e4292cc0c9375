from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicgrid.workcal import services
from civicgrid.workcal.calendar import CalendarError
from civicgrid.workcal.models import CalendarYear, OfficeHours, WorkDay

WEEKDAYS = "一二三四五六日"

# Administrators land here: from the reminder day on, it says how to confirm next year's calendar.
admin.site.index_template = "workcal/admin_index.html"


@admin.register(WorkDay)
class WorkDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "is_workday", "name", "source", "confirmed", "updated_at"]
    list_filter = ["is_workday", "source", "confirmed"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = ["date", "is_workday", "name", "source", "confirmed", "updated_at"]
    readonly_fields = ["source", "confirmed", "updated_at"]
    list_per_page = 100

    @admin.display(description=_("星期"))
    def weekday(self, obj):
        return gettext("星期%(d)s") % {"d": WEEKDAYS[obj.date.weekday()]}

    def get_readonly_fields(self, request, obj=None):
        # The date is the key: changing it would move a day instead of correcting it.
        return [*self.readonly_fields, "date"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        services.set_day(date=obj.date, is_workday=obj.is_workday, name=obj.name, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Every day of a year must exist; a wrong day is corrected, not removed.
        return False


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "confirmed", "source", "confirmed_by", "confirmed_at", "note"]
    list_filter = ["confirmed", "source"]
    fields = ["year", "confirmed", "source", "confirmed_by", "confirmed_at", "note"]
    readonly_fields = ["confirmed", "source", "confirmed_by", "confirmed_at"]
    actions = ["confirm_selected"]
    change_list_template = "workcal/calendaryear_change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "year"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Deleting a row would silently un-confirm the year.
        return False

    @admin.action(description=_("确认所选年份"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        for year in queryset.order_by("year").values_list("year", flat=True):
            try:
                confirmed = services.confirm_year(year=year, actor=request.user)
            except CalendarError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                text = gettext("%(year)d 年的工作日历已确认") % {"year": year}
                if confirmed.recomputed:
                    text += gettext("，已重新计算 %(n)d 项暂定时限") % {"n": confirmed.recomputed}
                self.message_user(request, text, messages.SUCCESS)


@admin.register(OfficeHours)
class OfficeHoursAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "periods", "note", "updated_at"]
    fields = ["effective_from", "periods", "note"]

    def save_model(self, request, obj, form, change):
        services.save_office_hours(office_hours=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        earliest = OfficeHours.objects.order_by("effective_from").first()
        return super().has_delete_permission(request, obj) and (obj is None or obj != earliest)

    def delete_model(self, request, obj):
        services.delete_office_hours(office_hours=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("-effective_from"):
            try:
                services.delete_office_hours(office_hours=obj, actor=request.user)
            except CalendarError as error:
                self.message_user(request, error.message, messages.ERROR)
