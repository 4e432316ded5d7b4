"""Attendance's filter of reminder audiences (registration/reminders.py): checked in or not.

Registered with registration's `audience_filter` when AttendanceConfig.ready() imports this module: registration
cannot import this app, so this app registers itself."""

from django.db.models import Exists, OuterRef

from attendance.models import CheckIn
from registration.models import CheckinFilter
from registration.reminders import audience_filter


@audience_filter("checkin")
def by_checkin(registrations, value):
    checked_in = Exists(CheckIn.objects.filter(registration=OuterRef("pk")))
    if value == CheckinFilter.CHECKED_IN:
        return registrations.filter(checked_in)
    if value == CheckinFilter.NOT_CHECKED_IN:
        return registrations.filter(~checked_in)
    return registrations
