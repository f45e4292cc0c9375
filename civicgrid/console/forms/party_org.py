"""Forms of the 组织部 pages: the filters of the tree and the member register, the reveal purpose, and the
confirmation forms of the approvals (dissolve, probation decisions, transfers)."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, text_field
from civicgrid.party.models import PartyMember

YES_NO = [("", "不限"), ("1", "是"), ("0", "否")]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TreeFilterForm(BootstrapForm):
    at = forms.DateField(label="截至日期", required=False, widget=DATE_INPUT)
    area = forms.ChoiceField(label="区划", required=False)

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "全部区划"), *((a.code, a.name) for a in areas)]


class MemberFilterForm(BootstrapForm):
    q = text_field("姓名", max_length=50, placeholder="按姓名查找")
    org = text_field("组织代码", max_length=40, placeholder="组织代码（含下级）")
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *PartyMember.Category.choices]
    )
    flowing = forms.ChoiceField(label="流动", required=False, choices=YES_NO)
    seasonal = forms.ChoiceField(label="候鸟", required=False, choices=YES_NO)
    lost_contact = forms.ChoiceField(label="失联", required=False, choices=YES_NO)
    in_service = forms.ChoiceField(label="在职", required=False, choices=YES_NO)
    retired = forms.ChoiceField(label="离退休", required=False, choices=YES_NO)
    without_org = forms.ChoiceField(label="无组织", required=False, choices=YES_NO)

    FLAGS = ("flowing", "seasonal", "lost_contact", "in_service", "retired", "without_org")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("q", "org", "category"):  # shown without a label on the page
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label

    def filters(self) -> dict:
        """The selectors' MemberFilters fields from the valid part of the query (invalid values are ignored)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        found = {"q": data.get("q", ""), "category": data.get("category") or None}
        for name in self.FLAGS:
            value = data.get(name, "")
            found[name] = None if value == "" else value == "1"
        return found


class RevealForm(BootstrapForm):
    purpose = text_field(
        "查看用途", max_length=200, required=True, placeholder="如：办理组织关系转接核对身份"
    )


class ConfirmForm(BootstrapForm):
    confirm = forms.BooleanField(label="我已核对以上信息，确认办理", required=True)


class DissolveForm(ConfirmForm):
    dissolved_on = forms.DateField(label="撤销日期", widget=DATE_INPUT)
    approval_doc = text_field("批准文号", max_length=100)
    note = text_field("备注", max_length=300)

    field_order = ["dissolved_on", "approval_doc", "note", "confirm"]


class ProbationForm(ConfirmForm):
    DECISIONS = [("full", "按期转为正式党员"), ("extend", "延长预备期"), ("cancel", "取消预备党员资格")]

    decision = forms.ChoiceField(label="决定", choices=DECISIONS, widget=forms.RadioSelect)
    decided_on = forms.DateField(label="支部大会决定日期", widget=DATE_INPUT)
    months = forms.IntegerField(label="延长月数（延长时填写）", required=False, min_value=1, max_value=24)
    text = text_field("批准文号或原因", max_length=200)

    field_order = ["decision", "decided_on", "months", "text", "confirm"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "extend" and not data.get("months"):
            self.add_error("months", "延长预备期须填写延长月数")
        return data


class TransferForm(ConfirmForm):
    DECISIONS = [("receive", "已接收"), ("return", "退回")]

    decision = forms.ChoiceField(label="办理结果", choices=DECISIONS, widget=forms.RadioSelect)
    on = forms.DateField(label="日期", widget=DATE_INPUT)
    reason = text_field("退回原因（退回时填写）", max_length=200)

    field_order = ["decision", "on", "reason", "confirm"]


class ProposalDecisionForm(ConfirmForm):
    DECISIONS = [("approve", "批准"), ("reject", "不予批准")]

    decision = forms.ChoiceField(label="审批结果", choices=DECISIONS, widget=forms.RadioSelect)
    code = text_field("组织代码（批准时填写）", max_length=40)
    founded_on = forms.DateField(label="成立日期（批准时填写）", required=False, widget=DATE_INPUT)
    approval_doc = text_field("批准文号", max_length=100)
    note = text_field("审批意见（不予批准时必填）", max_length=300)

    field_order = ["decision", "code", "founded_on", "approval_doc", "note", "confirm"]

    def clean(self):
        data = super().clean()
        if data.get("decision") == "approve":
            if not (data.get("code") or "").strip():
                self.add_error("code", "批准时须填写组织代码")
            if not data.get("founded_on"):
                self.add_error("founded_on", "批准时须填写成立日期")
        elif data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", "不予批准时须填写审批意见")
        return data
