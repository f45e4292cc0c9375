"""The period and model a smart-intake accuracy report covers."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm
from civicgrid.intake.models import IntakeModel


def _small_date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )


class PeriodForm(BootstrapForm):
    date_from = _small_date("起始日期")
    date_to = _small_date("结束日期")
    model = forms.ModelChoiceField(
        label="模型",
        queryset=IntakeModel.objects.all(),
        required=False,
        empty_label="全部模型",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("起始日期晚于结束日期")
        return data
