from django import template

from meetings.dates import format_date, format_time

register = template.Library()


@register.filter
def thaidate(value, style="medium"):
    """{{ session.starts_at|thaidate:"long" }} — Buddhist era in Thai, Gregorian in English."""
    return format_date(value, style)


@register.filter
def thaitime(value):
    return format_time(value)
