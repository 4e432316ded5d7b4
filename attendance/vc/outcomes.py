"""A person's attendance from both sources, QR check-in and the video-conference reports: the one function
(`session_attendance`) the attendance report, the dashboard after the session and the certificate rule call.

The statuses, in the order they are decided:
- **room**: checked in (QR) at a venue whose meeting room was connected for at least VC_PRESENT_PERCENT of
  the session;
- **on site**: checked in (QR), the venue's room not (or not long enough) in a report;
- **online**: their own connections (all their names, reconnects merged, overlaps counted once) cover at least
  VC_PRESENT_PERCENT of the session;
- **partial**: connected, but for less;
- **absent**: no evidence.
Minutes count only within the session's start and end.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from attendance.models import CheckIn, VcParticipant, VcParticipantKind, VcReportStatus
from attendance.vc.intervals import seconds_within
from registration.models import Registration


class AttendanceStatus(models.TextChoices):
    ROOM = "room", _("Present in a connected meeting room")
    ON_SITE = "on_site", _("Present on site (QR check-in)")
    ONLINE = "online", _("Present online")
    PARTIAL = "partial", _("Partly present online")
    ABSENT = "absent", _("Absent")


PRESENT = frozenset({AttendanceStatus.ROOM, AttendanceStatus.ON_SITE, AttendanceStatus.ONLINE})


@dataclass(frozen=True)
class Attendance:
    status: str  # AttendanceStatus
    checked_in: bool
    checkin_venue_id: int | None
    online_minutes: int  # their own connections within the session
    room_minutes: int  # the room of the venue they checked in at, within the session
    session_minutes: int

    @property
    def is_present(self):
        return self.status in PRESENT

    @property
    def minutes(self):
        """Minutes attended: through the room when that is how they were there, else their own."""
        return max(self.online_minutes, self.room_minutes if self.checked_in else 0)

    @property
    def online_percent(self):
        return round(100 * self.online_minutes / self.session_minutes, 1) if self.session_minutes else 0.0

    def get_status_display(self):
        return str(AttendanceStatus(self.status).label)


def _bounds(session):
    start, end = int(session.starts_at.timestamp()), int(session.ends_at.timestamp())
    return start, end, max(end - start, 0)


def evidence(session, *, reports=None):
    """({registration pk: [intervals]}, {venue pk: [intervals]}) of the session's reports in use (or `reports`)."""
    participants = VcParticipant.objects.filter(kind__in=(VcParticipantKind.PERSON, VcParticipantKind.ROOM))
    if reports is None:
        participants = participants.filter(report__session=session, report__status=VcReportStatus.ACTIVE)
    else:
        participants = participants.filter(report__in=reports)
    people, rooms = defaultdict(list), defaultdict(list)
    for kind, registration_id, venue_id, spans in participants.values_list("kind", "registration_id", "venue_id", "intervals"):
        if kind == VcParticipantKind.PERSON and registration_id:
            people[registration_id].extend(spans)
        elif kind == VcParticipantKind.ROOM and venue_id:
            rooms[venue_id].extend(spans)
    return people, rooms


def room_minutes(session, *, reports=None):
    """{venue pk: minutes its meeting room was connected within the session}."""
    start, end, _duration = _bounds(session)
    _people, rooms = evidence(session, reports=reports)
    return {venue_id: seconds_within(spans, start, end) // 60 for venue_id, spans in rooms.items()}


def session_attendance(session, *, registrations=None, reports=None):
    """{registration pk: Attendance} for the session's active registrations (or the `registrations` queryset
    given, e.g. scoped to an officer's province), from the check-ins and the reports in use (or `reports`)."""
    if registrations is None:
        registrations = Registration.objects.active().filter(session=session)
    pks = list(registrations.values_list("pk", flat=True))
    checkins = dict(CheckIn.objects.filter(session=session, registration_id__in=pks).values_list("registration_id", "venue_id"))
    people, rooms = evidence(session, reports=reports)
    start, end, duration = _bounds(session)
    needed = duration * settings.VC_PRESENT_PERCENT / 100
    room_seconds = {venue_id: seconds_within(spans, start, end) for venue_id, spans in rooms.items()}
    result = {}
    for pk in pks:
        online = seconds_within(people[pk], start, end) if pk in people else 0
        checked_in = pk in checkins
        venue_id = checkins.get(pk)
        room = room_seconds.get(venue_id, 0) if checked_in and venue_id else 0
        if checked_in and room and room >= needed:
            status = AttendanceStatus.ROOM
        elif checked_in:
            status = AttendanceStatus.ON_SITE
        elif online and online >= needed:
            status = AttendanceStatus.ONLINE
        elif online:
            status = AttendanceStatus.PARTIAL
        else:
            status = AttendanceStatus.ABSENT
        result[pk] = Attendance(status, checked_in, venue_id, online // 60, room // 60, duration // 60)
    return result


def registration_attendance(registration):
    """One registration's Attendance (the certificate rule, a personal page)."""
    return session_attendance(registration.session, registrations=Registration.objects.filter(pk=registration.pk)).get(
        registration.pk, Attendance(AttendanceStatus.ABSENT, False, None, 0, 0, _bounds(registration.session)[2] // 60)
    )
