from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.assessment.models import AssessmentScheme
from civicgrid.core.admin_mixins import AuditedAdmin


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "version",
        "effective_from",
        "effective_to",
        "is_active",
        "weight_response",
        "weight_resolution",
        "weight_satisfaction",
        "basic_satisfied_weight",
    ]
    list_filter = ["is_active"]
    search_fields = ["version", "note"]
    date_hierarchy = "effective_from"
    fieldsets = [
        (None, {"fields": ["version", "effective_from", "effective_to", "is_active", "note"]}),
        (
            _("三率权重（之和应为 1）"),
            {"fields": ["weight_response", "weight_resolution", "weight_satisfaction"]},
        ),
        (
            _("满意率"),
            {
                "fields": ["basic_satisfied_weight"],
                "description": _("满意率 =（非常满意 + 满意 + 折算系数 × 基本满意）÷ 参评工单数"),
            },
        ),
        (
            _("表扬与点名"),
            {
                "fields": ["naming_min_rated", "naming_count"],
                "description": _(
                    "领导看板在参评件数达标的单位或网格中排名；表扬只列可信下限高于全市平均的，"
                    "点名只列可信上限低于全市平均的"
                ),
            },
        ),
        (
            _("加减分与公平排名"),
            {
                "fields": ["overdue_deduction", "supervision_deduction", "credible_level", "rank_by_shrunk"],
                "description": _(
                    "综合得分 = 三率加权 − 超期扣分 × 超期次数 ÷ 参评件数 − 督办扣分 × 督办次数 ÷ 参评件数；"
                    "修正得分把各率向全市平均收缩，参评件数越少收缩越多"
                ),
            },
        ),
    ]
