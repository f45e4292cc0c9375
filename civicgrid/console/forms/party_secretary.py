"""Forms of the 党组织书记's pages; they only parse input. party.services holds the rules (and the refusals)."""

from django import forms
from django.core.files.uploadedfile import UploadedFile

from civicgrid.console.forms.base import BootstrapForm, MultipleFileField, text_field
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import Appraisal, Attendance, Meeting, PartyGroup, PartyMember, PartyOrg
from civicgrid.party.uploads import ALLOWED, check_upload
from civicgrid.registry.models import AdminArea

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_RECORDED = ""
ATTENDANCE_CHOICES = [(NOT_RECORDED, "不登记"), *Attendance.Status.choices]


def attendance_field_name(member: PartyMember) -> str:
    return f"att_{member.pk}"


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MembersChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MeetingForm(BootstrapForm):
    """A meeting with one attendance choice per listed member (the organisation's, or the 党小组's)."""

    kind = forms.ChoiceField(label="会议类型", choices=Meeting.Kind.choices)
    held_on = forms.DateField(label="会议日期", widget=DATE)
    topic = text_field("会议主题", max_length=200, required=True)
    group = forms.ModelChoiceField(
        label="党小组（党小组会必选）",
        queryset=PartyGroup.objects.none(),
        required=False,
        empty_label="（全体）",
    )
    host = text_field("主持人/授课人", max_length=50)
    place = text_field("地点", max_length=120)
    expected = forms.IntegerField(
        label="应到人数（留空自动计算）",
        required=False,
        min_value=0,
        help_text="党员大会、选举按正式党员计算，支委会按委员会成员计算，其他会议按本组织（或党小组）党员计算。",
    )
    present = forms.IntegerField(
        label="实到人数（不逐人登记出勤时填写）",
        required=False,
        min_value=0,
        help_text="逐人登记了出勤的，实到人数按“出席”的人数计算。",
    )
    minutes = text_field("会议纪要", rows=4, max_length=20000)
    resolutions = text_field("决议", rows=3, max_length=10000)
    attachments = MultipleFileField(
        label="附件（通知、纪要、签到表、照片）",
        required=False,
        help_text="支持 " + "、".join(sorted({e.lstrip(".") for e in ALLOWED})) + " 文件。",
    )

    def __init__(self, *args, org, members, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        self.fields["group"].queryset = groups
        self.attendance_names = []
        for member in self.members:
            name = attendance_field_name(member)
            self.fields[name] = forms.ChoiceField(
                label=member.name,
                choices=ATTENDANCE_CHOICES,
                required=False,
                initial=Attendance.Status.PRESENT,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[name].ui = "input"
            self.attendance_names.append(name)

    def attendance_rows(self):
        """(member, bound field) for the template."""
        return [(m, self[attendance_field_name(m)]) for m in self.members]

    def clean_attachments(self):
        files: list[UploadedFile] = self.cleaned_data.get("attachments") or []
        for upload in files:
            try:
                check_upload(upload.name, upload)
            except PartyRefusal as refusal:
                raise forms.ValidationError(f"{upload.name}：{refusal.message}") from refusal
        return files

    def attendance(self):
        """(member, status) pairs, or None when nobody's attendance was recorded."""
        pairs = []
        for member in self.members:
            status = self.cleaned_data.get(attendance_field_name(member)) or NOT_RECORDED
            if status:
                pairs.append((member, status))
        return pairs or None


class AttachmentForm(BootstrapForm):
    attachments = MultipleFileField(label="补充附件")

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        for upload in files:
            try:
                check_upload(upload.name, upload)
            except PartyRefusal as refusal:
                raise forms.ValidationError(f"{upload.name}：{refusal.message}") from refusal
        return files


class MeetingFilterForm(BootstrapForm):
    kind = forms.ChoiceField(
        label="会议类型", choices=[("", "全部类型"), *Meeting.Kind.choices], required=False
    )
    date_from = forms.DateField(label="起始日期", required=False, widget=DATE)
    date_to = forms.DateField(label="截止日期", required=False, widget=DATE)
    q = text_field("主题包含", max_length=50)


class PioneerPostForm(BootstrapForm):
    name = text_field("岗位名称", max_length=100, required=True)
    holder = MemberChoice(
        label="岗位党员", queryset=PartyMember.objects.none(), required=False, empty_label="（不指定）"
    )
    place = text_field("地点", max_length=120)
    from_date = forms.DateField(label="设岗日期", required=False, widget=DATE)
    note = text_field("备注", max_length=300)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["holder"].queryset = members


class ShockTeamForm(BootstrapForm):
    name = text_field("突击队名称", max_length=100, required=True)
    task = text_field("任务", max_length=200, required=True)
    members = MembersChoice(
        label="队员", queryset=PartyMember.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    from_date = forms.DateField(label="组建日期", required=False, widget=DATE)
    note = text_field("备注", max_length=300)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = members


class DeploymentForm(BootstrapForm):
    member = MemberChoice(
        label="下沉党员",
        queryset=PartyMember.objects.none(),
        required=False,
        empty_label="（不是本组织党员）",
    )
    person_name = text_field("或填写姓名（非本组织登记党员）", max_length=50)
    task = text_field("任务", max_length=200, required=True)
    place = text_field("地点", max_length=120)
    from_date = forms.DateField(label="开始日期", widget=DATE)
    days = forms.IntegerField(label="天数", min_value=1, max_value=3660, initial=1)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class EndForm(BootstrapForm):
    to_date = forms.DateField(label="结束日期", widget=DATE)


class AppraisalForm(BootstrapForm):
    """One grade per member of the organisation (blank: not appraised this year)."""

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            self.fields[f"grade_{member.pk}"] = forms.ChoiceField(
                label=member.name,
                choices=[("", "未评议"), *Appraisal.Grade.choices],
                required=False,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )

    def rows(self):
        return [(m, self[f"grade_{m.pk}"]) for m in self.members]

    def grades(self) -> list[tuple[PartyMember, str]]:
        return [
            (m, self.cleaned_data[f"grade_{m.pk}"])
            for m in self.members
            if self.cleaned_data[f"grade_{m.pk}"]
        ]


class ProposalForm(BootstrapForm):
    """新建下级党组织 or 临时党组织 under the secretary's organisation; the area is one under the parent's."""

    name = text_field("组织名称", max_length=120, required=True)
    kind = forms.ChoiceField(label="组织类别", choices=PartyOrg.Kind.choices, initial=PartyOrg.Kind.BRANCH)
    setup = forms.ChoiceField(label="设置方式", choices=PartyOrg.Setup.choices)
    area = forms.ModelChoiceField(label="所在区划", queryset=AdminArea.objects.none(), empty_label=None)
    is_temporary = forms.BooleanField(label="临时党组织", required=False)
    temp_task = text_field("临时任务（临时党组织填写）", max_length=200)
    end_date = forms.DateField(label="预计结束日期（临时党组织填写）", required=False, widget=DATE)
    reason = text_field("申请理由", rows=3, max_length=500, required=True)

    def __init__(self, *args, areas=None, **kwargs):
        super().__init__(*args, **kwargs)
        if areas is not None:
            self.fields["area"].queryset = areas
