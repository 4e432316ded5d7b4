"""{% privacy_notice session %}: the privacy notice (PDPA s. 23) shown where personal data is collected
(the registration forms) and on the attendee's personal page; Thai first, then English."""

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("registration/_privacy_notice.html")
def privacy_notice(session=None, token=None, open_thai=True):
    """`token`: the personal link's, to offer the person a copy of their data; `open_thai`: the Thai
    text unfolded (the English one stays folded)."""
    return {
        "controller": session.organiser_department if session is not None and session.organiser_department else "",
        "contact": settings.PRIVACY_CONTACT,
        "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS,
        "token": token,
        "open_thai": open_thai,
    }
