"""iCalendar (.ics) files for sessions, written with the icalendar package.

Times are written with TZID=Asia/Bangkok and a VTIMEZONE block, so calendar apps show 09:00
Thailand time whatever the reader's own zone. Join details go in only when the caller says the
reader may see them (staff, or a registered person's own link).
"""

import datetime
import functools
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar, Event, Timezone

from meetings.site import site_url

BANGKOK = ZoneInfo("Asia/Bangkok")


@functools.lru_cache(maxsize=4)
def _vtimezone(tzid):
    # Building the VTIMEZONE walks the zone's transitions (~0.1 s); it never changes while running.
    return Timezone.from_tzid(tzid, first_date=datetime.date(1970, 1, 1), last_date=datetime.date(2100, 1, 1))


def _bangkok(value):
    return timezone.localtime(value, BANGKOK)


def session_calendar(session, *, venue=None, include_join=False, url=None):
    """Return the bytes of a one-event calendar for ``session``."""
    cal = Calendar()
    cal.add("prodid", "-//Prachum//prachum//TH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-timezone", "Asia/Bangkok")
    cal.add_component(_vtimezone("Asia/Bangkok"))

    event = Event()
    # The site's host names the event; `url` (the session's page) is on it.
    event.add("uid", f"session-{session.pk}@{urlsplit(url or site_url()).netloc}")
    event.add("summary", session.title)
    event.add("dtstart", _bangkok(session.starts_at))
    event.add("dtend", _bangkok(session.ends_at))
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("last-modified", session.updated_at.astimezone(datetime.UTC))
    # Calendar apps reorder events by SEQUENCE: a moved start must win over the old copy.
    event.add("sequence", session.changes.count())

    lines = []
    if session.description:
        lines.append(session.description)
    agenda = list(session.agenda_items.all())
    if agenda:
        lines.append(gettext("Agenda"))
        lines.extend(f"{item.order}. {item.title}" for item in agenda)
    join_url = ""
    if include_join:
        join_url = (venue.join_url if venue else "") or session.vc_join_url
        meeting_id = (venue.vc_meeting_id if venue else "") or session.vc_meeting_id
        passcode = (venue.vc_passcode if venue else "") or session.vc_passcode
        if join_url:
            lines.append(gettext("Join link: %(url)s") % {"url": join_url})
        if meeting_id:
            lines.append(gettext("Meeting ID: %(id)s") % {"id": meeting_id})
        if passcode:
            lines.append(gettext("Passcode: %(code)s") % {"code": passcode})
    if url:
        lines.append(url)
        event.add("url", url)
    event.add("description", "\n".join(lines))
    if venue is not None:
        event.add("location", ", ".join(part for part in (venue.name, venue.room, venue.address) if part))
    elif join_url:
        event.add("location", join_url)
    event.add("status", "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
