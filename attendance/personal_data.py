"""Attendance's part of a person's data (registration.personal_data): their check-in and its history.

Connected to registration's signals in AttendanceConfig.ready(). Erasure keeps the check-in itself (when,
where, how: the attendance counts) and blanks what could identify the person: the IP address of a phone
that checked itself in, and the reasons staff typed.
"""

from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from registration.personal_data import iso


def collect(sender, registration, **kwargs):
    checkin = CheckIn.objects.filter(registration=registration).select_related("venue").first()
    events = CheckInEvent.objects.filter(registration=registration).select_related("venue").order_by("at", "pk")
    return "attendance", {
        "checkin": (
            {
                "checked_in_at": iso(checkin.checked_in_at),
                "venue": str(checkin.venue) if checkin.venue_id else None,
                "method": checkin.method,
                "at_another_venue": checkin.wrong_venue,
            }
            if checkin is not None
            else None
        ),
        "history": [
            {
                "action": event.action,
                "at": iso(event.at),
                "method": event.method,
                "venue": str(event.venue) if event.venue_id else None,
                # The address of the person's own phone; a staff member's device address is not theirs.
                "ip_address": event.ip_address if event.method == CheckInMethod.SELF else None,
            }
            for event in events
        ],
    }


def anonymise(sender, registration_ids, **kwargs):
    # The audit trail's rows stay (they are counted); only what could point at the person goes.
    CheckInEvent.objects.filter(registration_id__in=registration_ids).update(ip_address=None, reason="")
