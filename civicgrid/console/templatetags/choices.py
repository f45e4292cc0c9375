"""The option lists of the filter forms, built in Python: a province's 1,300 units and 600 grids cost a template
loop about 100 ms a page, this tag a few."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def options(choices, selected=None) -> SafeString:
    """`<option>` elements for `(value, label)` pairs, the one equal to `selected` (compared as text) marked."""
    chosen = "" if selected is None else str(selected)
    return mark_safe(
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if chosen and str(value) == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in choices
        )
    )
