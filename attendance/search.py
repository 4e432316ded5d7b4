"""Finding participants by name or phone for the desk scanner's manual search and for staff."""

import re

from django.db.models import Q

from meetings.permissions import scope_to_user
from registration.models import Registration, sorted_by_name

MIN_QUERY = 2
LIMIT = 20


def search_registrations_for_user(user, session, query, limit=LIMIT):
    """Active registrations of `session` the user may see, matching every word of `query`
    against the name, or the digits against the phone number. At most `limit` of them, by name in Thai
    dictionary order."""
    query = (query or "").strip()
    if len(query) < MIN_QUERY:
        return Registration.objects.none()
    registrations = scope_to_user(Registration.objects.active().filter(session=session).select_related("province", "role", "venue", "checkin"), user)
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3 and len(digits) >= len(query.replace(" ", "").replace("-", "")) - 1:
        return sorted_by_name(registrations.filter(phone__contains=digits).order_by("first_name", "last_name", "pk")[:limit])
    for word in query.split():
        registrations = registrations.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(prefix__icontains=word))
    return sorted_by_name(registrations.order_by("first_name", "last_name", "pk")[:limit])
