"""Attendance's part of a person's data (registration.personal_data): their check-in and its history, and the
names of video-conference reports matched to them.

Connected to registration's signals in AttendanceConfig.ready(). Erasure keeps the check-in itself (when,
where, how: the attendance counts) and blanks what could identify the person: the IP address of a phone
that checked itself in, the reasons staff typed, and the name and e-mail address a report gave them (their
connection times stay, so the attendance counts stay true).
"""

import datetime

from attendance.models import CheckIn, CheckInEvent, CheckInMethod, SelfCheckinTicket, VcParticipant
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
        # Venue QR scans this person used to check themselves in (the ticket's random key is no data of theirs).
        "venue_qr_scans": [
            {"used_at": iso(ticket.used_at), "venue": str(ticket.venue)}
            for ticket in SelfCheckinTicket.objects.filter(registration=registration).select_related("venue").order_by("used_at", "pk")
        ],
        # Names in video-conference reports matched to this person, with their connections.
        "video_conference": [
            {
                "platform": participant.report.platform,
                "name": participant.display_name,
                "original_name": participant.original_name,
                "email": participant.email,
                "connected": [
                    [iso(datetime.datetime.fromtimestamp(start, datetime.UTC)), iso(datetime.datetime.fromtimestamp(end, datetime.UTC))]
                    for start, end in participant.intervals
                ],
                "matched_by": participant.rule,
            }
            for participant in VcParticipant.objects.filter(registration=registration).select_related("report").order_by("report__uploaded_at", "pk")
        ],
    }


def anonymise(sender, registration_ids, **kwargs):
    # The audit trail's rows stay (they are counted); only what could point at the person goes.
    CheckInEvent.objects.filter(registration_id__in=registration_ids).update(ip_address=None, reason="")
    VcParticipant.objects.filter(registration_id__in=registration_ids).update(display_name="", original_name="", email="")
