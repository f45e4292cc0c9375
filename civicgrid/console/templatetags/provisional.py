from django import template

from civicgrid.workcal.calendar import provisional_reason, unconfirmed_years

register = template.Library()


@register.inclusion_tag("console/_provisional.html")
def provisional(deadline, flagged):
    """「暂定」 and its reason beside a deadline stored as provisional that falls in an unconfirmed year."""
    years = unconfirmed_years(deadline, deadline) if flagged and deadline else []
    return {"reason": provisional_reason(years[0]) if years else ""}
