"""Input forms of the handling screens. They only parse input; the services hold the rules and messages."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, MultipleFileField, MultipleFileInput, text_field
from civicgrid.registry.models import Unit
from civicgrid.tickets.models import ResultCode, Satisfaction, Solved
from civicgrid.tickets.services.handling import CONTACT_METHODS
from civicgrid.tickets.services.supervision import SUPERVISION_LEVELS

YES_NO = [("1", "是"), ("0", "否")]


def _yes(value: str) -> bool:
    return value == "1"


class ContactForm(BootstrapForm):
    method = forms.ChoiceField(label="联系方式", choices=list(CONTACT_METHODS.items()))
    note = text_field("联系情况", rows=2, max_length=300, placeholder="联系时间、沟通内容、诉求人意见")


class ReplyForm(BootstrapForm):
    result_code = forms.ChoiceField(label="办理结果", choices=[("", "请选择"), *ResultCode.choices])
    text = text_field("答复内容", rows=5, max_length=4000, placeholder="办理过程、结果及依据，将反馈给诉求人")
    evidence = MultipleFileField(
        label="佐证材料",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx"}),
        help_text="可多选：现场照片、文书等（jpg、png、pdf、docx…）",
    )
    evidence_internal = forms.BooleanField(
        label="佐证材料仅内部可见",
        required=False,
        help_text="不勾选时，现场照片会在诉求人查询进度时展示；含他人隐私的请勾选。",
    )


class CoReplyForm(BootstrapForm):
    text = text_field("协办情况", rows=4, max_length=4000, placeholder="本单位职责范围内的办理情况")
    evidence = MultipleFileField(
        label="现场照片",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf"}),
        help_text="可多选：现场照片、文书等",
    )


class ExtensionForm(BootstrapForm):
    days = forms.IntegerField(label="延期天数（工作日）", min_value=1, max_value=60)
    reason = text_field("延期理由", rows=2)
    legal_basis = text_field("依据", max_length=300, placeholder="如：需第三方鉴定、法定程序期限")


class ReturnForm(BootstrapForm):
    reason = text_field("退单理由", rows=2)
    legal_basis = text_field("职责依据", max_length=300, placeholder="法规条款或三定方案")
    suggested_unit = forms.ModelChoiceField(
        label="建议承办单位",
        queryset=Unit.objects.filter(is_active=True).order_by("kind", "name"),
        required=False,
        empty_label="（不建议）",
    )

    def __init__(self, *args, exclude_unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if exclude_unit is not None:
            field = self.fields["suggested_unit"]
            field.queryset = field.queryset.exclude(pk=exclude_unit.pk)


class EscalateForm(BootstrapForm):
    note = text_field("提级理由", rows=2, placeholder="本级难以协调解决的原因")


class CallbackForm(BootstrapForm):
    reached = forms.TypedChoiceField(label="是否接通", choices=YES_NO, coerce=_yes, widget=forms.RadioSelect)
    contacted = forms.TypedChoiceField(
        label="承办单位是否联系过您",
        choices=YES_NO,
        coerce=_yes,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    solved = forms.ChoiceField(
        label="问题是否解决", choices=[("", "请选择"), *Solved.choices], required=False
    )
    satisfaction = forms.ChoiceField(
        label="满意度", choices=Satisfaction.choices, required=False, widget=forms.RadioSelect
    )
    valid = forms.TypedChoiceField(
        label="有效回访",
        choices=YES_NO,
        coerce=_yes,
        required=False,
        empty_value=True,
        initial="1",
        widget=forms.RadioSelect,
    )
    invalid_reason = text_field("无效原因", max_length=200, placeholder="如：拒绝评价、非本人、答非所问")
    attributable = forms.BooleanField(
        label="不满意或未解决的原因在承办单位",
        required=False,
        help_text="仅在不满意或未解决时勾选；勾选后发回重办",
    )
    notes = text_field("回访备注", rows=2)


class MergedCallbackForm(CallbackForm):
    """回访 of a merged duplicate's requester: the 重办 decision stays with the master's callback."""

    attributable = None


class CloseForm(BootstrapForm):
    exemption = text_field("免回访原因", max_length=200, placeholder="如：不合理诉求、诉求人明确拒绝回访")
    unreasonable = forms.BooleanField(label="不合理诉求（不参评）", required=False)


class SuperviseForm(BootstrapForm):
    level = forms.TypedChoiceField(
        label="督办级别", choices=[(n, f"{n} 级") for n in SUPERVISION_LEVELS], coerce=int, initial=1
    )
    note = text_field("督办意见", rows=3)
    deadline = forms.DateTimeField(
        label="督办时限",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    unit = forms.ModelChoiceField(
        label="被督办单位", queryset=Unit.objects.none(), required=False, empty_label="主办单位（默认）"
    )

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket is not None:
            self.fields["unit"].queryset = Unit.objects.filter(
                assignments__ticket=ticket, assignments__round=ticket.dispatch_round
            ).distinct()


class KeyListForm(BootstrapForm):
    on = forms.TypedChoiceField(
        label="操作", choices=[("1", "列入重点督办清单"), ("0", "移出重点督办清单")], coerce=_yes
    )
    note = text_field("理由", rows=2)


class SupervisionEscalateForm(BootstrapForm):
    note = text_field("理由", rows=2)
    whistle_units = forms.ModelMultipleChoiceField(
        label="吹哨部门",
        queryset=Unit.objects.filter(is_functional_department=True, is_active=True).order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选部门则按「网格→社区→镇街→市」逐级提级；选择部门则吹哨，部门作为协办报到",
    )
