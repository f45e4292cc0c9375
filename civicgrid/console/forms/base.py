"""What every console form shares: Bootstrap classes, error display, multi-file uploads."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from civicgrid.core.inputs import validate_date_in_range


def text_field(label: str, *, rows: int = 0, max_length: int = 500, required: bool = False, **attrs):
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=required, max_length=max_length, widget=widget)


class BootstrapForm(forms.Form):
    """Bootstrap classes on every widget, `ui` telling the field template how to lay it out, invalid
    fields marked, dates kept to what the database holds, and a service's Chinese refusal put next to
    the field it concerns."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                field.validators.append(validate_date_in_range)
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                field.ui, css = "radio", "form-check-input"
            elif isinstance(widget, forms.CheckboxSelectMultiple):
                field.ui, css = "checks", "form-check-input"
            elif isinstance(widget, forms.CheckboxInput):
                field.ui, css = "check", "form-check-input"
            elif isinstance(widget, forms.Select):
                field.ui, css = "input", "form-select"
            else:
                field.ui, css = "input", "form-control"
            widget.attrs.setdefault("class", css)

    def add_error(self, field, error):
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def add_service_error(self, exc: ValidationError, aliases: dict | None = None) -> None:
        """Put a service's ValidationError next to the matching fields, the rest at the top."""
        aliases = aliases or {}
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, messages in exc.message_dict.items():
            field = aliases.get(key, key)
            self.add_error(field if field in self.fields else None, messages)

    def error_text(self) -> str:
        parts = []
        for name, errors in self.errors.items():
            label = self.fields[name].label if name in self.fields and name != NON_FIELD_ERRORS else ""
            parts.extend(f"{label}:{e}" if label else e for e in errors)
        return ";".join(parts)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]
