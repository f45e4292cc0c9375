from django import forms

from civicgrid.catalogue.models import CatalogueItem, ListKind, TimeUnit
from civicgrid.console.forms.base import BootstrapForm
from civicgrid.registry.models import AdminArea, Unit


class NewDraftForm(BootstrapForm):
    area = forms.ModelChoiceField(
        label="村（社区）",
        queryset=AdminArea.objects.none(),
        help_text="为哪个村（社区）编制服务清单；已有草稿的直接打开该草稿",
    )
    copy_from = forms.ModelChoiceField(
        label="参照其他村（社区）的清单",
        queryset=None,
        required=False,
        help_text="可选：复制另一个村（社区）现行的清单作为起点；留空则复制本村现行版本，没有则从空白开始",
    )

    def __init__(self, *args, areas, published, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas
        self.fields["copy_from"].queryset = published
        self.fields["copy_from"].label_from_instance = lambda c: f"{c.area.name}（第{c.version}版）"


class ItemForm(forms.ModelForm):
    class Meta:
        model = CatalogueItem
        fields = [
            "list_kind",
            "name",
            "materials",
            "unit",
            "post",
            "office_hours",
            "steps",
            "time_limit",
            "time_unit",
            "fees",
            "legal_basis",
            "keywords",
        ]
        widgets = {
            "materials": forms.Textarea(attrs={"rows": 4}),
            "steps": forms.Textarea(attrs={"rows": 5}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {"unit": "负责办理的单位（可留空，只写“找谁办”）", "time_limit": "即时办结可留空"}

    def __init__(self, *args, area, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(
            is_active=True, area__in=area.ancestors()
        ).order_by("code")
        self.fields["list_kind"].choices = ListKind.choices
        self.fields["time_unit"].choices = TimeUnit.choices
        self.fields["fees"].required = False
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def clean(self):
        data = super().clean()
        if data.get("time_unit") != TimeUnit.ON_THE_SPOT and data.get("time_limit") in (None, 0):
            self.add_error("time_limit", "请填写办理时限，或把时限单位选为“即时办结”")
        return data


class PublishForm(BootstrapForm):
    effective_from = forms.DateField(
        label="生效日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="从这一天起群众看到的是新版本；原现行版本到前一天为止",
    )
