"""The patrol report form (巡查上报); it only parses input; tickets.services.patrol holds the rules."""

from django import forms

from civicgrid.console.forms.base import BootstrapForm, MultipleFileField, MultipleFileInput, text_field
from civicgrid.console.forms.dispatching import CategoryField
from civicgrid.tickets.models import PatrolReport

PHOTO_ACCEPT = "image/*"


class PatrolForm(BootstrapForm):
    client_id = forms.UUIDField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="处理方式",
        choices=[(PatrolReport.Outcome.TICKET, "上报派单"), (PatrolReport.Outcome.SOLVED, "就地办结")],
        widget=forms.RadioSelect,
        initial=PatrolReport.Outcome.TICKET,
    )
    category = CategoryField(label="问题分类")
    text = text_field("情况说明", rows=4, max_length=2000, placeholder="发现了什么问题，在哪里，影响到谁")
    photos = MultipleFileField(
        label="现场照片",
        required=False,
        widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    after_photos = MultipleFileField(
        label="办结后照片（就地办结时必传）",
        required=False,
        widget=MultipleFileInput(attrs={"accept": PHOTO_ACCEPT}),
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
    address = text_field("地址（无法定位时填写）", max_length=200, placeholder="路名、门牌、小区或明显地标")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("category", "text"):
            self.fields[name].widget.attrs["required"] = "required"

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "client_id",
                "outcome",
                "text",
                "category",
                "lat",
                "lon",
                "address",
                "photos",
                "after_photos",
            )
        }
