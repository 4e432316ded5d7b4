"""{{ registration|join_code }}: the code a person puts in their name in a video conference (attendance.vc.codes)."""

from django import template

from attendance.vc.codes import join_code as make_join_code

register = template.Library()


@register.filter
def join_code(registration):
    return make_join_code(registration.pk) if getattr(registration, "pk", None) else ""
