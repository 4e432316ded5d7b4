from django import template

from training.selectors import get_learning_overview

register = template.Library()


@register.inclusion_tag("training/_learning_panel.html")
def learning_panel(registration, token):
    """The attendee's modules, quizzes (with status), results and certificate, for the personal page."""
    return {"overview": get_learning_overview(registration), "token": token, "registration": registration}


@register.filter
def percent(value):
    if value is None or value == "":
        return "–"
    return f"{float(value):.0f}%" if float(value).is_integer() else f"{float(value):.1f}%"


@register.filter
def decimal2(value):
    if value is None:
        return "–"
    return f"{value:.2f}"


@register.filter
def contains(collection, item):
    return item in collection
