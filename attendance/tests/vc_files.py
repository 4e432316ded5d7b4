"""Participants reports as Zoom, Webex and Microsoft Teams write them, made in tests from registrations.

A connection is Connection(name, email, joined, left, guest): aware datetimes, written in each platform's own
format in Bangkok time. Names and people come from the demo's own lists (registration.demo), so the reports
look like the demo session's."""

import datetime
import io
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from attendance.vc.codes import join_code
from meetings.models import Province
from meetings.tests.factories import make_venue
from registration.demo import FEMALE_NAMES, MALE_NAMES, SURNAME_PARTS_A, SURNAME_PARTS_B
from registration.tests.factories import make_registration

BANGKOK = ZoneInfo("Asia/Bangkok")


@dataclass
class Connection:
    name: str
    email: str
    joined: datetime.datetime
    left: datetime.datetime
    guest: bool = False


def bangkok(year, month, day, hour, minute=0, second=0):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=BANGKOK)


def _local(value):
    return value.astimezone(BANGKOK)


def zoom_time(value):
    return _local(value).strftime("%m/%d/%Y %I:%M:%S %p")


def webex_time(value):
    return _local(value).strftime("%Y-%m-%d %H:%M:%S")


def teams_time(value):
    return _local(value).strftime("%d/%m/%Y, %H:%M:%S")


def _minutes(connection):
    return max(1, round((connection.left - connection.joined).total_seconds() / 60))


def zoom_csv(connections, *, bom=False, meeting=None, encoding="utf-8"):
    """A Zoom participants report; `meeting` (start, end) puts the meeting's row above it ("with meeting data")."""
    lines = []
    if meeting:
        start, end = meeting
        lines.append("Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants")
        minutes = round((end - start).total_seconds() / 60)
        lines.append(f"951 2511 2564,การประชุมทดสอบ,{zoom_time(start)},{zoom_time(end)},host@cdd.go.th,{minutes},{len(connections)}")
        lines.append("")
    lines.append("Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest")
    for c in connections:
        name = f'"{c.name}"' if "," in c.name else c.name
        lines.append(f"{name},{c.email},{zoom_time(c.joined)},{zoom_time(c.left)},{_minutes(c)},{'Yes' if c.guest else 'No'}")
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def webex_text(connections, *, encoding="utf-16", delimiter="\t"):
    lines = [delimiter.join(("Display name", "Email", "Joined", "Left", "Duration"))]
    for c in connections:
        lines.append(delimiter.join((c.name, c.email, webex_time(c.joined), webex_time(c.left), str(_minutes(c)))))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def _teams_duration(seconds):
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return " ".join(part for part in (f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{seconds}s") if part)


def teams_text(connections, *, title="การประชุมทดสอบ", start=None, end=None, encoding="utf-16", activities=True):
    """A Teams attendance report: 1. Summary, 2. Participants, 3. In-Meeting Activities, tab-separated."""
    start = start or min(c.joined for c in connections)
    end = end or max(c.left for c in connections)
    by_name = {}
    for c in connections:
        by_name.setdefault((c.name, c.email), []).append(c)
    lines = [
        "1. Summary",
        f"Meeting title\t{title}",
        f"Attended participants\t{len(by_name)}",
        f"Start time\t{teams_time(start)}",
        f"End time\t{teams_time(end)}",
        f"Meeting duration\t{_teams_duration((end - start).total_seconds())}",
        "",
        "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole",
    ]
    for (name, email), group in by_name.items():
        seconds = sum((c.left - c.joined).total_seconds() for c in group)
        first, last = min(c.joined for c in group), max(c.left for c in group)
        lines.append(f"{name}\t{teams_time(first)}\t{teams_time(last)}\t{_teams_duration(seconds)}\t{email}\t{email}\tAttendee")
    if activities:
        lines += ["", "3. In-Meeting Activities", "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole"]
        for c in connections:
            lines.append(
                f"{c.name}\t{teams_time(c.joined)}\t{teams_time(c.left)}\t{_teams_duration((c.left - c.joined).total_seconds())}\t{c.email}\tAttendee"
            )
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def zoom_xlsx(connections):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"])
    for c in connections:
        sheet.append([c.name, c.email, _local(c.joined).replace(tzinfo=None), _local(c.left).replace(tzinfo=None), _minutes(c), "No"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def demo_people(session, province_codes, per_province, *, rng=None, with_venues=True, email_every=3):
    """Registrations with the demo's made-up names in `province_codes`, and each province's venue.
    Returns ({code: venue}, [registration])."""
    rng = rng or random.Random(2564)
    venues = {}
    people = []
    for code in province_codes:
        province = Province.objects.get(code=code)
        venue = make_venue(session, code, name=f"สำนักงานพัฒนาชุมชนจังหวัด{province.name_th}", room="ห้องประชุม") if with_venues else None
        venues[code] = venue
        for _ in range(per_province):
            male = rng.random() < 0.5
            n = len(people) + 1
            people.append(
                make_registration(
                    session,
                    code,
                    venue=venue,
                    prefix="นาย" if male else rng.choice(("นาง", "นางสาว")),
                    first_name=rng.choice(MALE_NAMES if male else FEMALE_NAMES),
                    last_name=rng.choice(SURNAME_PARTS_A) + rng.choice(SURNAME_PARTS_B),
                    phone=f"089{7000000 + n:07d}",
                    email=f"person{n}@example.org" if n % email_every == 0 else "",
                )
            )
    return venues, people


def code_name(registration):
    return f"{join_code(registration.pk)} {registration.first_name} {registration.last_name}"
