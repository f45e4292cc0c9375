"""Forms of the community worker's volunteering pages; they only parse input. volunteering.services holds the rules."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, text_field
from civicgrid.registry.models import AdminArea
from civicgrid.volunteering.models import IdType, Project, TimePreference, Volunteer

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


class VolunteerForm(BootstrapForm):
    """Registering a volunteer at the community's desk; volunteering.services.volunteers checks the rules."""

    name = text_field("姓名", max_length=50, required=True)
    phone = text_field("手机号码", max_length=20, required=True, inputmode="tel", autocomplete="off")
    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices, initial=IdType.RESIDENT)
    id_number = text_field("证件号码", max_length=30, required=True, autocomplete="off")
    birth_date = forms.DateField(
        label="出生日期", required=False, widget=DATE, help_text="居民身份证可不填，按证件号码计算"
    )
    area = AreaChoice(label="所在社区（村）", queryset=AdminArea.objects.none(), empty_label="请选择")
    skills = text_field("技能特长", max_length=200)
    time_preferences = forms.MultipleChoiceField(
        label="可服务时间",
        choices=TimePreference.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_party_member = forms.BooleanField(label="是党员：按居民身份证号码关联党员档案", required=False)
    guardian_name = text_field("监护人姓名（未满 18 周岁须填）", max_length=50)
    guardian_relation = text_field("与监护人关系", max_length=20)
    guardian_consent_on = forms.DateField(label="监护人同意日期", required=False, widget=DATE)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else AdminArea.objects.none()


class TeamForm(BootstrapForm):
    name = text_field("队伍名称", max_length=100, required=True)
    area = AreaChoice(label="所在社区（村）", queryset=AdminArea.objects.none(), empty_label="请选择")
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas if areas is not None else AdminArea.objects.none()


class TeamEditForm(BootstrapForm):
    name = text_field("队伍名称", max_length=100, required=True)
    leader = forms.ModelChoiceField(
        label="队长", queryset=Volunteer.objects.none(), required=False, empty_label="暂不设"
    )
    founded_on = forms.DateField(label="成立日期", required=False, widget=DATE)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = members if members is not None else Volunteer.objects.none()
        self.fields["leader"].label_from_instance = lambda v: f"{v.masked_name}（{v.number}）"


class ProjectChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.area.name}）"


class ManualRecordForm(BootstrapForm):
    """Service done outside a signed-up activity; hours are the span less travel."""

    project = ProjectChoice(
        label="服务项目", queryset=Project.objects.none(), required=False, empty_label="不属于任何项目"
    )
    area = AreaChoice(
        label="服务社区（村）",
        queryset=AdminArea.objects.none(),
        required=False,
        empty_label="请选择",
        help_text="不属于任何项目时填写；选了项目时按项目所属社区（村）",
    )
    started_at = forms.DateTimeField(label="服务开始", widget=DATETIME, input_formats=DATETIME_FORMATS)
    ended_at = forms.DateTimeField(label="服务结束", widget=DATETIME, input_formats=DATETIME_FORMATS)
    travel_minutes = forms.IntegerField(
        label="扣除路途时间（分钟）", min_value=0, max_value=1440, initial=0, required=False
    )
    content = text_field("服务内容", max_length=300, required=True)

    def __init__(self, *args, projects=None, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects if projects is not None else Project.objects.none()
        self.fields["area"].queryset = areas if areas is not None else AdminArea.objects.none()
