from django import forms
from django.contrib import admin

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.points.models import PointsAccount, PointsEntry, PointsRule, PointsScheme, Redemption, RewardItem


class RuleInline(admin.TabularInline):
    model = PointsRule
    extra = 0
    fields = ["order", "code", "name", "category", "points", "unit", "evidence", "approver", "cap_points",
              "cap_period", "source_kind", "is_active"]


@admin.register(PointsScheme)
class PointsSchemeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "area", "version", "effective_from", "effective_to", "is_active", "holder_kind",
                    "validity", "publicity_days", "public_ranking"]
    list_filter = ["is_active", "holder_kind", "validity"]
    search_fields = ["name", "area__name", "area__code"]
    autocomplete_fields = ["area"]
    inlines = [RuleInline]


@admin.register(PointsAccount)
class PointsAccountAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["masked_name", "area", "holder_kind", "household_code", "balance", "is_active"]
    search_fields = ["household_code", "area__name"]
    readonly_fields = ["balance"]
    autocomplete_fields = ["area"]


@admin.register(PointsEntry)
class PointsEntryAdmin(ReadOnlyAdmin):
    list_display = ["pk", "account", "kind", "points", "state", "claimed_at", "posted_at", "expires_on"]
    list_filter = ["state", "kind"]
    search_fields = ["key"]


class RewardItemForm(forms.ModelForm):
    add_stock = forms.IntegerField(label="本次入库数量", required=False, min_value=1)

    class Meta:
        model = RewardItem
        fields = ["area", "name", "kind", "merchant_unit", "merchant_name", "cost", "is_active", "description"]


@admin.register(RewardItem)
class RewardItemAdmin(AuditedAdmin, admin.ModelAdmin):
    form = RewardItemForm
    list_display = ["name", "area", "kind", "cost", "stock", "stock_total", "merchant", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "merchant_name"]
    readonly_fields = ["stock", "stock_total"]
    autocomplete_fields = ["area"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        quantity = form.cleaned_data.get("add_stock")
        if quantity:
            from civicgrid.points.services import restock

            restock(item=obj, quantity=quantity, actor=request.user)


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["pickup_code", "account", "item", "quantity", "points", "state", "requested_at"]
    list_filter = ["state"]
    search_fields = ["pickup_code"]
