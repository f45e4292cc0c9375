"""Forms of the community worker's volunteering pages; they only parse input. volunteering.services holds the rules."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, text_field
from civicgrid.registry.models import AdminArea

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class ProjectForm(BootstrapForm):
    name = text_field("项目名称", max_length=100, required=True)
    area = AreaChoice(label="所属社区（村）", queryset=AdminArea.objects.none(), empty_label="请选择")
    description = text_field("项目内容", rows=3, max_length=2000)
    is_risky = forms.BooleanField(label="有一定风险的服务（须登记意外保险后才能发布）", required=False)
    insurer = text_field("承保单位", max_length=100)
    insurance_policy = text_field("意外保险单号", max_length=60)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else AdminArea.objects.none()


class InsuranceForm(BootstrapForm):
    insurer = text_field("承保单位", max_length=100, required=True)
    policy = text_field("意外保险单号", max_length=60, required=True)
    insured_until = forms.DateField(label="保险有效期至", required=False, widget=DATE)


class ActivityForm(BootstrapForm):
    title = text_field("活动名称", max_length=100, required=True)
    place = text_field("地点", max_length=200, required=True)
    starts_at = forms.DateTimeField(label="计划开始", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label="计划结束", widget=DATETIME, input_formats=DATETIME_FORMATS)
    capacity = forms.IntegerField(label="招募人数", min_value=1, max_value=10000, initial=10)
    content = text_field("服务内容", rows=2, max_length=2000)


class CorrectForm(BootstrapForm):
    started_at = forms.DateTimeField(label="服务开始", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ended_at = forms.DateTimeField(label="服务结束", widget=DATETIME, input_formats=DATETIME_FORMATS)
    travel_minutes = forms.IntegerField(label="扣除路途时间（分钟）", min_value=0, max_value=1440, initial=0)
    note = text_field("更正说明", max_length=300, required=True)


class NoticeForm(BootstrapForm):
    issuer = text_field("出具单位", max_length=100, required=True)
    issuer_head = text_field("单位负责人", max_length=50, required=True)
    handler = text_field("经办人", max_length=50, required=True)
    issuer_contact = text_field("联系电话", max_length=30)
