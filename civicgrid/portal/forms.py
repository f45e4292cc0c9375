"""Residents' forms: plain HTML that works without JavaScript, with every error in plain Chinese."""

from pathlib import PurePath

from django import forms

from civicgrid.core.phones import clean_phone
from civicgrid.portal.selectors import address_example, normalise_number, portal_categories
from civicgrid.portal.services import MAX_PHOTOS
from civicgrid.routing.models import Category
from civicgrid.routing.vocabulary import RequestType
from civicgrid.tickets.models import Satisfaction, Solved
from civicgrid.tickets.services.attachments import max_upload_bytes

PHOTO_EXTENSIONS = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
# Types whose matter happens somewhere: without a place nobody can go and look.
NEEDS_PLACE = {RequestType.HELP, RequestType.COMPLAINT, RequestType.REPORT}
# One line each, in the resident's words, shown beside the choice.
REQUEST_TYPE_HELP = {
    RequestType.CONSULT: "想问政策、办事流程或办理条件。",
    RequestType.HELP: "遇到困难需要帮忙，如停水停电、路灯不亮、下水道堵塞。",
    RequestType.COMPLAINT: "自己的权益受到损害，或对某单位、某人的做法不满意。",
    RequestType.REPORT: "发现违法违规的行为，请有关部门查处。",
    RequestType.SUGGESTION: "对政府工作或公共服务提出改进意见。",
    RequestType.PRAISE: "感谢办得好的单位或工作人员。",
}


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to MAX_PHOTOS images from one <input type=file multiple>."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(f"最多上传 {MAX_PHOTOS} 张照片，您选择了 {len(files)} 张")
        for file in files:
            if PurePath(file.name).suffix.lower() not in PHOTO_EXTENSIONS:
                raise forms.ValidationError(f"「{file.name}」不是图片，仅支持 jpg、png、gif、webp 格式的照片")
        return [super(PhotosField, self).clean(file, initial) for file in files]


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, and is-invalid on those with errors after validation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class SubmitForm(StyledForm):
    request_type = forms.ChoiceField(
        label="诉求类型",
        choices=[("", "请选择"), *RequestType.choices],
        error_messages={"required": "请选择诉求类型", "invalid_choice": "请选择诉求类型"},
    )
    category = forms.TypedChoiceField(
        label="问题分类",
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": "请从列表中选择问题分类"},
        help_text="不确定可不选，工作人员会帮您分类。",
    )
    content = forms.CharField(
        label="反映内容",
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 6, "placeholder": "请写明发生了什么、在哪里、持续多久、希望怎样解决"}
        ),
        error_messages={
            "required": "请填写反映内容",
            "min_length": "反映内容太短，请至少写 10 个字，说清楚问题",
            "max_length": "反映内容最多 2000 字",
        },
    )
    address = forms.CharField(
        label="事发地址",
        required=False,
        max_length=200,
        widget=forms.TextInput(),
        help_text="求助、投诉、举报必填，请写到小区、楼栋或路口。",
        error_messages={"max_length": "地址最多 200 字"},
    )
    lat = forms.FloatField(
        label="纬度",
        required=False,
        min_value=-90,
        max_value=90,
        error_messages={
            "invalid": "纬度应为数字",
            "min_value": "纬度应在 -90 到 90 之间",
            "max_value": "纬度应在 -90 到 90 之间",
        },
    )
    lon = forms.FloatField(
        label="经度",
        required=False,
        min_value=-180,
        max_value=180,
        error_messages={
            "invalid": "经度应为数字",
            "min_value": "经度应在 -180 到 180 之间",
            "max_value": "经度应在 -180 到 180 之间",
        },
    )
    photos = PhotosField(
        label="现场照片",
        required=False,
        error_messages={"empty": "照片文件是空的，请重新选择", "invalid": "照片上传失败，请重新选择"},
    )
    requester_name = forms.CharField(
        label="您的称呼", required=False, max_length=50, error_messages={"max_length": "称呼最多 50 字"}
    )
    requester_phone = forms.CharField(
        label="手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": "请填写手机号码，查询进度时需要用到", "max_length": "手机号码格式不正确"},
        help_text="也可填带区号的固定电话，或带国家或地区代码的境外号码（如 +852）。",
    )
    is_anonymous = forms.BooleanField(
        label="匿名反映", required=False, help_text="办理人员看不到您的姓名和电话，也无法联系您核实情况。"
    )
    is_confidential = forms.BooleanField(
        label="要求保密", required=False, help_text="承办单位看不到您的个人信息，由 12345 中心代为联系。"
    )
    # One ticket per filled-in form, however often it is sent (portal.attempts).
    attempt = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput())
    sms_opt_out = forms.BooleanField(
        label="不接收进度短信",
        required=False,
        help_text="我们会用这个号码给您发送受理、派单、答复和办结短信；勾选后不再发送。",
    )

    def __init__(self, *args, kept: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept = kept  # photos kept from an earlier try (portal.PendingUpload)
        self.fields["category"].choices = [("", "不确定，由工作人员分类"), *portal_categories()]
        self.fields["address"].widget.attrs["placeholder"] = address_example()
        self.request_type_help = [(str(t.label), text) for t, text in REQUEST_TYPE_HELP.items()]
        self.fields[
            "photos"
        ].help_text = f"可选，最多 {MAX_PHOTOS} 张，每张不超过 {max_upload_bytes() // 1024 // 1024} MB。"

    def clean_category(self) -> Category | None:
        pk = self.cleaned_data.get("category")
        return Category.objects.filter(pk=pk).first() if pk else None

    def clean_requester_phone(self) -> str:
        return clean_phone(self.cleaned_data["requester_phone"])

    def clean(self):
        data = super().clean()
        if data.get("request_type") in NEEDS_PLACE and not (data.get("address") or "").strip():
            self.add_error("address", "求助、投诉、举报请填写事发地址，方便工作人员到现场处理")
        if self.kept and len(data.get("photos") or []) + self.kept > MAX_PHOTOS:
            self.add_error("photos", f"最多上传 {MAX_PHOTOS} 张照片，已保留 {self.kept} 张，请少选几张")
        if (data.get("lat") is None) != (data.get("lon") is None):
            self.add_error("lat", "请同时填写经度和纬度，或都不填")
        return data


class TrackForm(StyledForm):
    number = forms.CharField(
        label="工单编号",
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "如：20261121-000123", "autocomplete": "off"}),
        error_messages={"required": "请填写工单编号"},
    )
    code = forms.CharField(
        label="查询码或手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
        help_text="查询码是提交成功页面和短信里的 6 位字母数字；也可以填写您留下的完整手机号码。",
        error_messages={
            "required": "请填写查询码或完整的手机号码",
            "max_length": "查询码或手机号码格式不正确",
        },
    )

    def clean_number(self) -> str:
        number = normalise_number(self.cleaned_data["number"])
        if number is None:
            raise forms.ValidationError("工单编号格式不正确，应为 8 位日期加 6 位序号，如 20261121-000123")
        return number

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not code:
            raise forms.ValidationError("请填写查询码或完整的手机号码")
        return code


class RateForm(TrackForm):
    satisfaction = forms.ChoiceField(
        label="您对办理结果满意吗",
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择满意程度", "invalid_choice": "请选择满意程度"},
    )
    solved = forms.ChoiceField(
        label="您的问题解决了吗",
        choices=Solved.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择问题是否已解决", "invalid_choice": "请选择问题是否已解决"},
    )
    comment = forms.CharField(
        label="意见和建议",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "意见最多 500 字"},
    )
