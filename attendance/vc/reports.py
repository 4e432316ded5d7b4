"""Attendance from both sources, per province and per venue: on site against online, and minutes.

Built on attendance.vc.outcomes.session_attendance, for the registrations `user` may see (an officer: their
province), so every table agrees with every other and with the per-person list.
"""

from dataclasses import dataclass

from attendance.reports import registrations_for_report, venues_for_user
from attendance.vc.outcomes import AttendanceStatus, room_minutes, session_attendance
from meetings.collation import sorted_thai
from meetings.models import Province, Venue
from registration.models import home_venue_id, sorted_in_list_order


@dataclass
class Row:
    key: object
    label: str
    registered: int = 0
    room: int = 0  # checked in, their venue's room connected
    on_site: int = 0  # checked in, no (or too short a) room connection
    online: int = 0
    partial: int = 0
    absent: int = 0
    online_minutes: int = 0  # the sum of everyone's own minutes online
    room_minutes: int | None = None  # a venue's row: its meeting room's minutes

    def add(self, attendance):
        self.registered += 1
        field = {
            AttendanceStatus.ROOM: "room",
            AttendanceStatus.ON_SITE: "on_site",
            AttendanceStatus.ONLINE: "online",
            AttendanceStatus.PARTIAL: "partial",
            AttendanceStatus.ABSENT: "absent",
        }[attendance.status]
        setattr(self, field, getattr(self, field) + 1)
        self.online_minutes += attendance.online_minutes

    @property
    def present_on_site(self):
        return self.room + self.on_site

    @property
    def present(self):
        return self.room + self.on_site + self.online

    @property
    def percent(self):
        return round(100 * self.present / self.registered, 1) if self.registered else 0.0


def vc_attendance_report(session, user):
    """{"total": Row, "provinces": [Row], "venues": [Row], "session_minutes": int, "people": [(registration,
    Attendance)]} for what `user` may see."""
    registrations = registrations_for_report(session, user)
    outcome = session_attendance(session, registrations=registrations)
    venues = venues_for_user(session, user)
    remote = {v.province_id: v.pk for v in Venue.objects.filter(session=session, is_host=False)}
    rooms = room_minutes(session)
    provinces = {p.pk: p for p in Province.objects.all()}
    total = Row(None, "")
    by_venue = {v.pk: Row(v, str(v), room_minutes=rooms.get(v.pk, 0)) for v in venues}
    by_province = {}
    people = sorted_in_list_order(registrations.select_related("province", "role", "venue", "checkin"))
    for registration in people:
        attendance = outcome[registration.pk]
        province = provinces[registration.province_id]
        targets = [total, by_province.setdefault(province.pk, Row(province, province.name))]
        home = home_venue_id(registration.venue_id, registration.province_id, remote)
        if home in by_venue:
            targets.append(by_venue[home])
        for row in targets:
            row.add(attendance)
    session_minutes = int((session.ends_at - session.starts_at).total_seconds() // 60)
    return {
        "total": total,
        "provinces": sorted_thai(by_province.values(), key=lambda r: r.label),
        "venues": list(by_venue.values()),
        "session_minutes": session_minutes,
        "people": [(registration, outcome[registration.pk]) for registration in people],
    }
