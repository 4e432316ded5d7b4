"""Attendance reports: registered vs present, on time vs late, per venue, province and role.

One query fetches the session's active registrations with their check-in (a few thousand
narrow rows); the totals are summed in Python so every table agrees with every other.
"""

from dataclasses import dataclass

from django.db.models import Q

from attendance.models import is_late
from meetings.collation import sorted_thai, sorted_venues
from meetings.models import Province, RoleCategory, Venue
from meetings.permissions import scope_to_user
from registration.models import Registration, home_venue_id, sorted_in_list_order


@dataclass
class Row:
    key: object
    label: str
    registered: int = 0
    present: int = 0
    on_time: int = 0
    late: int = 0
    elsewhere: int = 0  # checked in at another venue than their own

    @property
    def absent(self):
        return self.registered - self.present

    @property
    def percent(self):
        return round(100 * self.present / self.registered, 1) if self.registered else 0.0


def registrations_for_report(session, user):
    return scope_to_user(Registration.objects.active().filter(session=session), user)


def venues_for_user(session, user):
    """The venues `user` may see, as lists show them (meetings.collation.sorted_venues)."""
    return sorted_venues(scope_to_user(Venue.objects.filter(session=session).select_related("province"), user))


def attendance_report(session, user):
    """{"total": Row, "venues": [Row], "provinces": [Row], "roles": [Row]} for what `user` may see."""
    venues = venues_for_user(session, user)
    remote = {v.province_id: v.pk for v in Venue.objects.filter(session=session, is_host=False)}
    values = registrations_for_report(session, user).values_list(
        "venue_id", "province_id", "role_id", "checkin__checked_in_at", "checkin__wrong_venue"
    )
    provinces = {p.pk: p for p in Province.objects.all()}
    roles = {r.pk: r for r in RoleCategory.objects.all()}
    total = Row(None, "")
    by_venue = {v.pk: Row(v, str(v)) for v in venues}
    by_province, by_role = {}, {}
    for venue_id, province_id, role_id, checked_in_at, wrong_venue in values:
        home = home_venue_id(venue_id, province_id, remote)
        targets = [
            total,
            by_province.setdefault(province_id, Row(provinces[province_id], provinces[province_id].name)),
            by_role.setdefault(role_id, Row(roles[role_id], roles[role_id].name)),
        ]
        if home in by_venue:
            targets.append(by_venue[home])
        for row in targets:
            row.registered += 1
            if checked_in_at is not None:
                row.present += 1
                if is_late(checked_in_at, session.starts_at):
                    row.late += 1
                else:
                    row.on_time += 1
                if wrong_venue:
                    row.elsewhere += 1
    return {
        "total": total,
        "venues": list(by_venue.values()),
        "provinces": sorted_thai(by_province.values(), key=lambda r: r.label),
        "roles": sorted(by_role.values(), key=lambda r: (r.key.order, r.key.code)),
    }


def people_for_report(session, user):
    """Everyone `user` may see, in list order (registration.models.sorted_in_list_order)."""
    return sorted_in_list_order(registrations_for_report(session, user).select_related("province", "role", "venue", "checkin", "checkin__venue"))


def people_for_venue(venue):
    """Registrations expected at `venue` (the sign-in sheet; registration.models.sorted_by_name orders it)."""
    registrations = Registration.objects.active().filter(session=venue.session_id)
    if venue.is_host:
        registrations = registrations.filter(venue=venue)
    else:
        registrations = registrations.filter(Q(venue=venue) | Q(venue__isnull=True, province=venue.province_id))
    return registrations.select_related("role", "checkin")
