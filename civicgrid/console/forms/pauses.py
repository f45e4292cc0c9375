"""Input forms for pausing and resuming a ticket's clocks; the service holds the rules."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, text_field
from civicgrid.sla.models import PauseReason


class PauseForm(BootstrapForm):
    reason = forms.ModelChoiceField(
        label="暂停原因", queryset=PauseReason.objects.filter(is_active=True), empty_label="请选择"
    )
    note = text_field("情况说明", rows=2, max_length=300, placeholder="如：与诉求人约定 3 月 10 日上门核实")


class ResumeForm(BootstrapForm):
    note = text_field("说明", max_length=300, placeholder="选填")
