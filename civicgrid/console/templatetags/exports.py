"""「导出 Excel」 on a console list: one button, in the same place on every list (beside the page title),
linking to the page itself with its query and `export=xlsx`."""

from django import template

from civicgrid.console.exporting import export_query

register = template.Library()


@register.inclusion_tag("console/_export_link.html", takes_context=True)
def export_xlsx(context):
    request = context["request"]
    # The full path: a panel loaded into another page (htmx) links to its own view, not the page's.
    return {"path": request.path, "export_query": export_query(request.GET)}
