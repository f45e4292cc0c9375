"""Input forms of the intake and dispatch screens. They parse input; the services hold the rules and messages."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from civicgrid.console.forms.base import BootstrapForm, MultipleFileField, MultipleFileInput, text_field
from civicgrid.core.inputs import MAX_ID, parse_id
from civicgrid.registry.models import Unit
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType, Urgency
from civicgrid.tickets.models import Channel
from civicgrid.tickets.services.intake import DECLINE_OUTCOMES, EMERGENCY_LINES

# The buttons of the intake form; "check" looks up place and duplicates without registering.
INTAKE_ACTIONS = ("check", "accept", "answer", "decline", "transfer", "merge")
# Units that never handle tickets themselves.
NOT_HANDLING = (Unit.Kind.HOTLINE_CENTRE,)
MERGE_REASON_REQUIRED = "并单须填写理由"
MERGE_CONFIRM_REQUIRED = "请勾选确认是同一诉求后再并单"


def category_version() -> str:
    return settings.CIVICGRID_CATEGORY_VERSION


def category_choices(*, leaves_only: bool = True, blank: str = "请选择业务分类") -> list:
    """Categories of the version in use (only those without children, unless told), grouped by their
    top-level category, each shown as its path below it."""
    rows = list(Category.objects.filter(version=category_version(), is_active=True).order_by("code"))
    by_code = {c.code: c for c in rows}
    parents = {c.code[:-2] for c in rows if len(c.code) > 2}
    groups: dict[str, list] = {}
    for category in rows:
        if leaves_only and category.code in parents:
            continue
        path = [by_code[category.code[:end]].name for end in range(4, len(category.code) + 1, 2)]
        top = by_code.get(category.code[:2])
        groups.setdefault(top.name if top else "其他", []).append(
            (str(category.pk), " / ".join(path) or category.name)
        )
    return [("", blank), *groups.items()]


def unit_choices(blank: str | None = "请选择单位") -> list:
    """Active units that can handle tickets, grouped by kind."""
    groups: dict[str, list] = {
        str(label): [] for kind, label in Unit.Kind.choices if kind not in NOT_HANDLING
    }
    labels = dict(Unit.Kind.choices)
    for unit in Unit.objects.filter(is_active=True).exclude(kind__in=NOT_HANDLING).order_by("code"):
        groups[str(labels[unit.kind])].append((str(unit.pk), unit.name))
    choices = [(label, units) for label, units in groups.items() if units]
    return [("", blank), *choices] if blank is not None else choices


class CategorySelect(forms.Select):
    """Each option carries its path and keywords, for the search box that filters the list in the browser."""

    def get_context(self, name, value, attrs):
        self.search_text = {
            str(pk): f"{code} {keywords}"
            for pk, code, keywords in Category.objects.filter(version=category_version()).values_list(
                "pk", "code", "keywords"
            )
        }
        return super().get_context(name, value, attrs)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["data-search"] = f"{label} {getattr(self, 'search_text', {}).get(str(value), '')}"
        return option


class CategoryField(forms.ChoiceField):
    """A leaf category of the version in use, as a grouped select."""

    widget = CategorySelect

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "业务分类")
        kwargs.setdefault("required", False)
        super().__init__(choices=category_choices, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        return Category.objects.get(pk=value)


class UnitField(forms.ChoiceField):
    def __init__(self, *, blank="请选择单位", **kwargs):
        super().__init__(choices=lambda: unit_choices(blank), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return Unit.objects.get(pk=value) if value else None


class UnitsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=lambda: unit_choices(None), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return list(Unit.objects.filter(pk__in=value).order_by("code"))


class IntakeForm(BootstrapForm):
    """受理登记: the call as the operator records it, and what to do with it (the button pressed)."""

    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.PHONE)
    requester_name = text_field("诉求人姓名", max_length=50)
    requester_phone = text_field("联系电话", max_length=20, inputmode="tel")
    requester_org = text_field("单位/企业", max_length=100)
    is_anonymous = forms.BooleanField(label="匿名", required=False)
    is_confidential = forms.BooleanField(label="要求保密", required=False)
    occurred_at = forms.DateTimeField(
        label="事发时间",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    address = text_field("事发地址", max_length=200, placeholder="如：嘉积镇银海路金海湾小区3栋")
    involved_parties = text_field("涉及人员/单位", max_length=200)
    title = text_field("事件概述", max_length=100, placeholder="一句话概括，如：楼上卫生间漏水")
    demand = text_field("诉求", rows=2, max_length=2000, placeholder="诉求人希望解决什么")
    content = text_field("诉求内容", rows=5, max_length=4000, placeholder="来电人反映的具体情况")
    request_type = forms.ChoiceField(
        label="诉求类型", required=False, choices=[("", "请选择"), *RequestType.choices]
    )
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    category = CategoryField()
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    attachments = MultipleFileField(
        label="附件",
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*,.pdf,.docx,.xlsx,.mp3"}),
        help_text="可多选：照片、录音、文书（jpg、png、pdf、docx、xlsx、mp3）",
    )
    answer = text_field("答复内容", rows=3, max_length=4000, placeholder="依据知识库答复来电人的内容")
    # Knowledge-base entries the answer was taken from ("用此答复" fills it): ids, comma-separated.
    kb_refs = forms.CharField(required=False, widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="不予受理方式", required=False, choices=[("", "请选择"), *DECLINE_OUTCOMES.items()]
    )
    reason = text_field("说明", rows=2, max_length=300, placeholder="告知的法定途径或解释内容")
    line = forms.ChoiceField(
        label="紧急热线", required=False, choices=[("", "请选择"), *EMERGENCY_LINES.items()]
    )
    emergency_note = text_field("转接说明", max_length=300)
    three_way = forms.BooleanField(label="三方通话", required=False)
    # Shown next to the duplicate list, outside the <form> element.
    merge_reason = text_field(
        "并单理由", max_length=300, placeholder="必填：为何与所选工单是同一诉求", form="intake-form"
    )
    merge_confirm = forms.BooleanField(
        label="我已核对，确认是同一诉求",
        required=False,
        widget=forms.CheckboxInput(attrs={"form": "intake-form"}),
    )
    action = forms.CharField(required=False, widget=forms.HiddenInput)

    # Keys of the services' ValidationErrors that name a field by another name here.
    ERROR_ALIASES = {"file": "attachments", "kind": "attachments"}

    def clean_kb_refs(self) -> list[int]:
        from civicgrid.knowledge.models import Entry

        raw = [part.strip() for part in (self.cleaned_data.get("kb_refs") or "").split(",") if part.strip()]
        parsed = [parse_id(part) for part in raw]
        if None in parsed:
            raise ValidationError("知识库引用无效，请重新选择答案")
        ids = list(dict.fromkeys(parsed))[:10]
        found = set(Entry.objects.filter(pk__in=ids).values_list("pk", flat=True))
        return [pk for pk in ids if pk in found]

    def clean_action(self):
        raw = self.cleaned_data.get("action") or "check"
        name, _, master = raw.partition(":")
        master_id = parse_id(master)
        if name not in INTAKE_ACTIONS or (name == "merge") != (master_id is not None):
            raise ValidationError("无法识别的操作，请重新点击按钮")
        self.merge_master_id = master_id
        return name

    def clean(self):
        data = super().clean()
        # A merge hides the call behind another ticket: the operator says why and confirms.
        if data.get("action") == "merge":
            if not (data.get("merge_reason") or "").strip():
                self.add_error("merge_reason", MERGE_REASON_REQUIRED)
            if not data.get("merge_confirm"):
                self.add_error("merge_confirm", MERGE_CONFIRM_REQUIRED)
        return data

    def register_kwargs(self) -> dict:
        data = self.cleaned_data
        names = (
            "channel",
            "request_type",
            "title",
            "content",
            "urgency",
            "category",
            "requester_name",
            "requester_phone",
            "requester_org",
            "is_anonymous",
            "is_confidential",
            "occurred_at",
            "address",
            "involved_parties",
            "demand",
            "lat",
            "lon",
        )
        return {name: data[name] for name in names}

    def search_text(self) -> str:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return f"{data.get('title') or ''} {data.get('content') or ''}".strip()


class DuplicateQueryForm(forms.Form):
    """What the duplicate and location panels are asked with while the operator types."""

    title = forms.CharField(required=False)
    content = forms.CharField(required=False)
    address = forms.CharField(required=False)
    category = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    lat = forms.FloatField(required=False)
    lon = forms.FloatField(required=False)


class AcceptForm(BootstrapForm):
    category = CategoryField()


class ManualDispatchForm(BootstrapForm):
    lead = UnitField(label="主办单位")
    co_units = UnitsField(label="协办单位", required=False, widget=forms.SelectMultiple(attrs={"size": 8}))
    reason = text_field("人工派单理由", rows=2, max_length=300, placeholder="必填：为何不按规则派单")


class MergeForm(BootstrapForm):
    master = forms.CharField(
        label="主单编号", max_length=20, widget=forms.TextInput(attrs={"placeholder": "如 20260601-000123"})
    )
    reason = text_field("并单理由", max_length=300, placeholder="必填：为何是同一诉求")
    confirm = forms.BooleanField(label="我已核对，确认是同一诉求", required=False)

    def clean(self):
        data = super().clean()
        if not (data.get("reason") or "").strip():
            self.add_error("reason", MERGE_REASON_REQUIRED)
        if not data.get("confirm"):
            self.add_error("confirm", MERGE_CONFIRM_REQUIRED)
        return data


class MergeUndoForm(BootstrapForm):
    reason = text_field("撤销理由", max_length=300, required=True, placeholder="必填：为何不是同一诉求")


class CorrectionForm(BootstrapForm):
    """更正登记信息 form: fields start with the ticket's values; what differs is corrected, each by its service."""

    address = text_field("事发地址", max_length=200)
    relocate = forms.BooleanField(label="按新地址重新定位网格", required=False, initial=True)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    occurred_at = forms.DateTimeField(
        label="事发时间",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    request_type = forms.ChoiceField(
        label="诉求类型", required=False, choices=[("", "不更正"), *RequestType.choices]
    )
    category = CategoryField(label="业务分类")
    reason = text_field("更正理由", rows=2, max_length=300, placeholder="承办单位签收后必填")

    @classmethod
    def for_ticket(cls, ticket):
        return cls(
            initial={
                "address": ticket.address,
                "occurred_at": ticket.occurred_at,
                "request_type": ticket.request_type,
                "category": ticket.category_id,
            },
            auto_id="correct_%s",
        )


class DecisionForm(BootstrapForm):
    """Approve or reject (the button pressed), with a note; a return may name a unit to redispatch to."""

    decision = forms.ChoiceField(choices=[("approve", "同意"), ("reject", "不同意")])
    note = text_field("审核意见", rows=2, max_length=300)
    redispatch_to = UnitField(label="改派至", required=False, blank="不改派（退回待派单）")

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
