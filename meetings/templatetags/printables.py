"""Filters for the PDF printables (meetings/pdf.py): names that never break inside a word."""

from django import template
from django.utils.html import format_html_join

from meetings.pdf import fitting_size, name_parts

register = template.Library()

# Badge name sizes (pt) and the width the name has beside the QR code (templates/registration/badges_pdf.html).
BADGE_NAME_SIZES = (15, 14, 13, 12, 11, 10, 9)
BADGE_NAME_WIDTH_MM = 48  # 87 mm of badge less the 36 mm QR column, with room to spare


@register.filter
def unbroken_name(person):
    """{{ r|unbroken_name }}: prefix and first name, then surname, each kept whole (class "name-part",
    white-space: nowrap in print/base.html); a line may break only between the two."""
    return format_html_join(" ", '<span class="name-part">{}</span>', ((part,) for part in name_parts(person)))


@register.filter
def badge_name_class(person):
    """The CSS class setting the badge's name size: 15 pt, smaller for a long name, so no part overflows."""
    return f"name-{fitting_size(name_parts(person), BADGE_NAME_WIDTH_MM, BADGE_NAME_SIZES)}"
