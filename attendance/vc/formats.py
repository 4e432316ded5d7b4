"""Reading a participants report: the file's encoding, the platform (from its headers), its rows, within bounds.

- **Zoom** (Reports › Usage › Participants, CSV): `Name (Original Name), User Email, Join Time, Leave Time,
  Duration (Minutes), Guest`, one row per connection; "with meeting data" puts the meeting's own row
  (Meeting ID, Topic, Start Time, End Time…) above it, or in the same row. A renamed person is
  "New name (Original name)".
- **Webex** (meeting attendee report): `Display name, Email, Joined, Left, Duration`, one row per
  connection; Control Hub exports it as UTF-16 text separated by tabs.
- **Microsoft Teams** (attendance report): sections "1. Summary" (meeting title, start and end),
  "2. Participants" (first join, last leave, in-meeting duration) and "3. In-Meeting Activities" (one row
  per join and leave), separated by tabs, usually UTF-16. The activities give the connections; without
  them a participant counts from first join to last leave. A restarted meeting gives another report.

Files are CSV or tab-separated text in UTF-8 (with or without a BOM), UTF-16 (with or without a BOM) or
Thai Windows (cp874/TIS-620), or an XLSX workbook of the same columns. The limits are
settings.VC_REPORT_MAX_BYTES and settings.VC_REPORT_MAX_ROWS; the rows are read through
meetings.spreadsheets, which stops at the limit. Anything else is refused with a VcReportError whose message
names what was expected; nothing is read further.
"""

import codecs
import csv
import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attendance.models import VcPlatform
from attendance.vc import times
from meetings.dates import format_date
from meetings.errors import DomainError
from meetings.spreadsheets import SpreadsheetTooLarge, csv_rows, xlsx_rows
from registration.imports import OLE_MAGIC, UTF8_BOM, UTF8_THAI_PAIR, XLSX_MAGIC

# Rows read before the participants' header row at most (Teams' summary, Zoom's meeting row).
HEADER_SLACK = 60
MAX_PROBLEMS = 10


class VcReportError(DomainError):
    """A participants report that cannot be used as it is: nothing was written."""


# The columns each platform writes, by what they hold; the first name of each is the one the platform uses.
ZOOM_COLUMNS = {
    "name": ("name (original name)", "name", "participant", "ชื่อ (ชื่อเดิม)", "ชื่อ"),
    "email": ("user email", "email", "อีเมลผู้ใช้", "อีเมล"),
    "joined": ("join time", "เวลาเข้าร่วม"),
    "left": ("leave time", "เวลาออก"),
    "duration": ("duration (minutes)", "duration (mins)", "duration", "ระยะเวลา (นาที)"),
    "guest": ("guest", "แขก"),
}
ZOOM_MARKERS = ("name (original name)", "user email", "guest", "ชื่อ (ชื่อเดิม)", "อีเมลผู้ใช้")
WEBEX_COLUMNS = {
    "name": ("display name", "name", "attendee name", "participant name", "ชื่อที่แสดง"),
    "email": ("email", "email address", "attendee email", "อีเมล"),
    "joined": ("joined", "join time", "joined time", "time joined", "เข้าร่วม"),
    "left": ("left", "leave time", "left time", "time left", "ออก"),
    "duration": ("duration", "duration (minutes)", "attendance duration", "duration(minutes)", "ระยะเวลา"),
}
TEAMS_PARTICIPANT_COLUMNS = {
    "name": ("name", "full name", "ชื่อ"),
    "email": ("email", "participant id (upn)", "อีเมล"),
    "joined": ("first join", "first join time", "เข้าร่วมครั้งแรก"),
    "left": ("last leave", "last leave time", "ออกครั้งล่าสุด"),
    "duration": ("in-meeting duration", "duration", "ระยะเวลาในการประชุม"),
}
TEAMS_ACTIVITY_COLUMNS = {
    "name": ("name", "full name", "ชื่อ"),
    "email": ("email", "participant id (upn)", "อีเมล"),
    "joined": ("join time", "เวลาเข้าร่วม"),
    "left": ("leave time", "เวลาออก"),
    "duration": ("duration", "ระยะเวลา"),
}
REQUIRED = ("name", "joined")
SECTION_RE = re.compile(r"^\s*([123])\s*\.\s*(.+?)\s*$")
SECTIONS = {
    "summary": ("summary", "สรุป"),
    "participants": ("participants", "ผู้เข้าร่วม"),
    "activities": ("in-meeting activities", "in-meeting activity", "กิจกรรมในการประชุม"),
}
SUMMARY_START = ("meeting start time", "start time", "เวลาเริ่มต้น", "เวลาเริ่มการประชุม")
SUMMARY_END = ("meeting end time", "end time", "เวลาสิ้นสุด", "เวลาสิ้นสุดการประชุม")
SUMMARY_TITLE = ("meeting title", "title", "ชื่อการประชุม")
YES = {"yes", "y", "true", "1", "ใช่"}

# What each platform's report looks like, for the messages that name it.
EXPECTED = {
    VcPlatform.ZOOM: _("Zoom participants report (CSV): columns Name (Original Name), User Email, Join Time, Leave Time, Duration (Minutes), Guest"),
    VcPlatform.WEBEX: _("Webex meeting attendee report: columns Display name, Email, Joined, Left, Duration"),
    VcPlatform.TEAMS: _(
        "Microsoft Teams attendance report (tab-separated, often UTF-16): sections 1. Summary, 2. Participants "
        "(Name, First Join, Last Leave, In-Meeting Duration, Email) and 3. In-Meeting Activities (Name, Join Time, Leave Time, Duration, Email)"
    ),
}
PLATFORM_NAMES = dict(VcPlatform.choices)


@dataclass
class ReportRow:
    number: int  # the row (line) of the file
    name: str
    original_name: str
    email: str
    joined: datetime.datetime
    left: datetime.datetime
    guest: bool = False


@dataclass
class ParsedReport:
    platform: str
    encoding: str
    rows: list = field(default_factory=list)  # ReportRow
    title: str = ""
    meeting_started_at: datetime.datetime | None = None
    meeting_ended_at: datetime.datetime | None = None


@dataclass
class _Raw:
    number: int
    name: str
    original_name: str
    email: str
    joined: object
    left: object
    duration: object
    guest: bool


# --- bounds and encodings ---------------------------------------------------------------------------------


def max_rows():
    return settings.VC_REPORT_MAX_ROWS


def check_size(size):
    """Refuse a file larger than settings.VC_REPORT_MAX_BYTES (the page checks an upload before reading it)."""
    limit = settings.VC_REPORT_MAX_BYTES
    if size > limit:
        raise VcReportError(
            gettext("The file is %(size)s MB; a participants report may be at most %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.1f}"},
            code="too_big",
            details={"limit": limit},
        )


def _too_many_rows(limit):
    return VcReportError(
        gettext(
            "The report has more than %(limit)s rows; a participants report may have at most %(limit)s rows. "
            "Ask the system administrator to raise the limit (VC_REPORT_MAX_ROWS)."
        )
        % {"limit": f"{limit:,}"},
        code="too_many_rows",
        details={"limit": limit},
    )


def _empty():
    return VcReportError(gettext("The file is empty."), code="empty")


def decode(content):
    """(text, encoding) of a text file: UTF-16 (with or without a BOM), UTF-8 (with or without a BOM) or cp874."""
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif content.startswith(UTF8_BOM):
        encoding = "utf-8-sig"
    elif b"\x00" in content[:4096]:
        sample = content[:4096]
        # ASCII in UTF-16: the high byte is zero, after the low byte (LE) or before it (BE).
        encoding = "utf-16-le" if sample[1::2].count(0) >= sample[0::2].count(0) else "utf-16-be"
    else:
        encoding = None
    if encoding:
        try:
            return content.decode(encoding).lstrip("\ufeff"), encoding
        except UnicodeDecodeError:
            raise _bad_encoding() from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if UTF8_THAI_PAIR.search(content):
        raise VcReportError(
            gettext("The file mixes two character encodings (UTF-8 and Thai Windows/TIS-620). Export the report again from the platform."),
            code="mixed_encoding",
        )
    try:
        return content.decode("cp874"), "cp874"
    except UnicodeDecodeError:
        raise _bad_encoding() from None


def _bad_encoding():
    return VcReportError(
        gettext("The file's characters are not UTF-8, UTF-16 or Thai Windows (TIS-620/Windows-874). Export the report again from the platform."),
        code="bad_encoding",
    )


def _delimiter(text):
    lines = [line for line in text[:65536].splitlines()[:40] if line.strip()]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in ("\t", ",", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _cells(content):
    """(rows as (number, [cells]), encoding): every row with a value, the header rows included."""
    limit = max_rows() + HEADER_SLACK
    try:
        if content.startswith(XLSX_MAGIC):
            rows = [(n, [_cell(v) for v in values]) for n, values in xlsx_rows(content, limit=limit, data_only=True)]
            return rows, "xlsx"
        text, encoding = decode(content)
        if not text.strip():
            raise _empty()
        return list(csv_rows(text, limit=limit, delimiter=_delimiter(text))), encoding
    except SpreadsheetTooLarge:
        raise _too_many_rows(max_rows()) from None
    except csv.Error:
        raise _not_a_report() from None
    except VcReportError:
        raise
    except Exception:  # zipfile.BadZipFile, KeyError…: a workbook openpyxl cannot read
        raise VcReportError(gettext("The file is not a readable Excel workbook (.xlsx)."), code="not_spreadsheet") from None


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# --- headers and platforms --------------------------------------------------------------------------------


def _header(text):
    return re.sub(r"\s+", " ", str(text).replace("\ufeff", "")).strip().rstrip(":").strip().casefold()


def _map(headers, columns):
    """{what: index} for the columns found; a header written twice counts at its last place (Zoom's meeting
    row and the participant's both have User Email and Duration (Minutes))."""
    found = {}
    for index, header in enumerate(headers):
        for what, names in columns.items():
            if header in names:
                found[what] = index
    return found


def _is_zoom(headers):
    return any(h in ZOOM_MARKERS for h in headers)


def _is_webex(headers):
    return "display name" in headers or ("joined" in headers and "left" in headers)


def _section(cells):
    if len([c for c in cells if c]) != 1:
        return None
    match = SECTION_RE.match(str(cells[0]))
    if not match:
        return None
    title = match.group(2).casefold()
    for name, titles in SECTIONS.items():
        if title in titles:
            return name
    return None


def detect(rows):
    """The platform the rows are a report of, or None."""
    for _number, cells in rows[:HEADER_SLACK]:
        if _section(cells):
            return VcPlatform.TEAMS
        headers = [_header(c) for c in cells]
        if "first join" in headers or "in-meeting duration" in headers:
            return VcPlatform.TEAMS
        if _is_zoom(headers) and ("join time" in headers or "leave time" in headers):
            return VcPlatform.ZOOM
        if _is_webex(headers):
            return VcPlatform.WEBEX
    return None


def _not_a_report():
    expected = "; ".join(str(text) for text in EXPECTED.values())
    return VcReportError(
        gettext("This file is not a participants report of Zoom, Webex or Microsoft Teams. Expected one of: %(expected)s.") % {"expected": expected},
        code="unknown_platform",
    )


def _bad_headers(platform, missing):
    return VcReportError(
        gettext(
            "The file looks like a %(platform)s report but has no column %(missing)s. Expected: %(expected)s. "
            "Export the report again from %(platform)s without changing its columns."
        )
        % {"platform": PLATFORM_NAMES[platform], "missing": ", ".join(f"“{m}”" for m in missing), "expected": EXPECTED[platform]},
        code="bad_headers",
        details={"missing": list(missing)},
    )


def _header_row(rows, columns, platform, is_header):
    """(index in rows, {what: column}) of the first row that is the platform's header row."""
    for position, (_number, cells) in enumerate(rows[:HEADER_SLACK]):
        headers = [_header(c) for c in cells]
        if not is_header(headers):
            continue
        mapping = _map(headers, columns)
        missing = [columns[what][0] for what in (*REQUIRED, "left") if what not in mapping and not (what == "left" and "duration" in mapping)]
        if missing:
            raise _bad_headers(platform, [m.title() if m.isascii() else m for m in missing])
        return position, mapping, headers
    raise _not_a_report()


def _value(cells, mapping, what):
    index = mapping.get(what)
    if index is None or index >= len(cells):
        return ""
    return cells[index]


def _raw_rows(rows, mapping, *, split_original=False):
    raws = []
    for number, cells in rows:
        name = str(_value(cells, mapping, "name") or "").strip()
        original = ""
        if split_original:
            match = re.match(r"^(.*\S)\s*\(([^()]*)\)\s*$", name)
            if match:
                name, original = match.group(1).strip(), match.group(2).strip()
        raws.append(
            _Raw(
                number=number,
                name=name,
                original_name=original,
                email=str(_value(cells, mapping, "email") or "").strip(),
                joined=_value(cells, mapping, "joined"),
                left=_value(cells, mapping, "left"),
                duration=_value(cells, mapping, "duration"),
                guest=str(_value(cells, mapping, "guest") or "").strip().casefold() in YES,
            )
        )
    return raws


def _zoom(rows):
    position, mapping, headers = _header_row(rows, ZOOM_COLUMNS, VcPlatform.ZOOM, lambda h: _is_zoom(h) and ("join time" in h or "leave time" in h))
    meeting = {}
    # The meeting's own row: above the header ("with meeting data"), or in the same row.
    if "start time" in headers:
        first = rows[position + 1][1] if position + 1 < len(rows) else []
        meeting = {"start": _value(first, {"s": headers.index("start time")}, "s")}
        if "end time" in headers:
            meeting["end"] = _value(first, {"e": headers.index("end time")}, "e")
        if "topic" in headers:
            meeting["title"] = _value(first, {"t": headers.index("topic")}, "t")
    elif position >= 2:
        above = [_header(c) for c in rows[position - 2][1]]
        values = rows[position - 1][1]
        for key, names in (("start", ("start time",)), ("end", ("end time",)), ("title", ("topic",))):
            for name in names:
                if name in above and above.index(name) < len(values):
                    meeting[key] = values[above.index(name)]
    return _raw_rows(rows[position + 1 :], mapping, split_original=mapping.get("name") is not None and "(" in headers[mapping["name"]]), meeting


def _webex(rows):
    position, mapping, _headers = _header_row(rows, WEBEX_COLUMNS, VcPlatform.WEBEX, _is_webex)
    return _raw_rows(rows[position + 1 :], mapping), {}


def _teams(rows):
    """The sections of a Teams report: the summary's start and end, and the connections (activities, else
    the participants' first join and last leave)."""
    sections = {}
    current = None
    for number, cells in rows:
        name = _section(cells)
        if name:
            current = name
            sections.setdefault(name, [])
            continue
        if current is None and any(_header(c) in ("first join", "in-meeting duration") for c in cells):
            current = "participants"  # a report saved without its section titles
            sections.setdefault(current, [])
        if current:
            sections[current].append((number, cells))
    meeting = {}
    for _number, cells in sections.get("summary", []):
        if len(cells) < 2:
            continue
        label = _header(cells[0])
        if label in SUMMARY_START and "start" not in meeting:
            meeting["start"] = cells[1]
        elif label in SUMMARY_END and "end" not in meeting:
            meeting["end"] = cells[1]
        elif label in SUMMARY_TITLE:
            meeting["title"] = cells[1]
    if sections.get("activities"):
        part, columns = sections["activities"], TEAMS_ACTIVITY_COLUMNS
    elif sections.get("participants"):
        part, columns = sections["participants"], TEAMS_PARTICIPANT_COLUMNS
    else:
        raise _bad_headers(VcPlatform.TEAMS, ["2. Participants", "3. In-Meeting Activities"])
    headers = [_header(c) for c in part[0][1]]
    mapping = _map(headers, columns)
    missing = [columns[what][0].title() for what in REQUIRED if what not in mapping]
    if "left" not in mapping and "duration" not in mapping:
        missing.append(columns["left"][0].title())
    if missing:
        raise _bad_headers(VcPlatform.TEAMS, missing)
    return _raw_rows(part[1:], mapping), meeting


READERS = {VcPlatform.ZOOM: _zoom, VcPlatform.WEBEX: _webex, VcPlatform.TEAMS: _teams}
# How each platform writes n/n/yyyy when nothing in the file or the session's date tells: Zoom and Webex
# month first (their US formats), Teams in the organiser's locale (day first in Thailand).
DAY_FIRST = {VcPlatform.ZOOM: False, VcPlatform.WEBEX: False, VcPlatform.TEAMS: True}


# --- times and the session's date ---------------------------------------------------------------------------


def session_dates(session, zone):
    first = session.starts_at.astimezone(zone).date()
    last = session.ends_at.astimezone(zone).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def _problem(number, message):
    return gettext("Row %(row)s: %(message)s") % {"row": number, "message": message}


def _resolve(raws, meeting, *, platform, session):
    zone = times.local_zone()
    dates = session_dates(session, zone)
    parsed = [(times.parse(raw.joined), times.parse(raw.left)) for raw in raws]
    meeting_moments = {key: times.parse(meeting.get(key)) for key in ("start", "end")}
    day_first = times.decide_day_first(
        [m for pair in parsed for m in pair] + list(meeting_moments.values()), dates=dates, default=DAY_FIRST[platform]
    )
    rows, problems = [], []
    for raw, (joined_moment, left_moment) in zip(raws, parsed, strict=True):
        if len(problems) >= MAX_PROBLEMS:
            break
        if not raw.name and not raw.email:
            problems.append(_problem(raw.number, gettext("no name and no e-mail")))
            continue
        joined = times.to_datetime(joined_moment, day_first, zone) if joined_moment else None
        if joined is None:
            problems.append(_problem(raw.number, gettext("the join time “%(value)s” is not a date and time") % {"value": raw.joined}))
            continue
        left = times.to_datetime(left_moment, day_first, zone) if left_moment else None
        if left is None:
            seconds = times.parse_duration(raw.duration)
            if seconds is None or (raw.left not in ("", None)):
                problems.append(_problem(raw.number, gettext("the leave time “%(value)s” is not a date and time") % {"value": raw.left}))
                continue
            left = joined + datetime.timedelta(seconds=seconds)
        if left < joined:
            problems.append(_problem(raw.number, gettext("the leave time is before the join time")))
            continue
        rows.append(ReportRow(raw.number, raw.name[:300], raw.original_name[:300], raw.email[:254], joined, left, raw.guest))
    if problems:
        raise VcReportError(
            gettext("Some rows of the report cannot be read, so nothing was imported: %(problems)s")
            % {"problems": "; ".join(problems[:MAX_PROBLEMS])},
            code="bad_rows",
            details={"problems": problems[:MAX_PROBLEMS]},
        )
    meeting_times = {key: times.to_datetime(m, day_first, zone) if m else None for key, m in meeting_moments.items()}
    return rows, meeting_times, dates


def _check_date(rows, dates, session, zone):
    """Refuse a report none of whose connections touches the session's dates (in Bangkok)."""
    wanted = set(dates)
    for row in rows:
        first, last = row.joined.astimezone(zone).date(), row.left.astimezone(zone).date()
        if any(first <= day <= last for day in wanted):
            return
    report_dates = sorted({row.joined.astimezone(zone).date() for row in rows})
    shown = ", ".join(format_date(day) for day in report_dates[:3]) + ("…" if len(report_dates) > 3 else "")
    raise VcReportError(
        gettext("This report is of %(report)s, but the session is on %(session)s. Choose the session of that day, or the report of this session.")
        % {"report": shown, "session": ", ".join(format_date(day) for day in dates)},
        code="other_date",
        details={"report_dates": [day.isoformat() for day in report_dates[:3]]},
    )


# --- the one entry point ------------------------------------------------------------------------------------


def read_report(content, *, session, platform=None):
    """Read `content` (the file's bytes) as a participants report of `session`: a ParsedReport, or a
    VcReportError naming what is wrong. `platform` (a VcPlatform value) refuses a report of another platform."""
    check_size(len(content))
    if not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise _empty()
    if content.startswith(OLE_MAGIC):
        raise VcReportError(
            gettext("This is an old Excel 97–2003 (.xls) file. Upload the report as the platform exported it (CSV), or saved as .xlsx."),
            code="xls",
        )
    rows, encoding = _cells(content)
    if not rows:
        raise _empty()
    found = detect(rows)
    if found is None:
        raise _not_a_report()
    if platform and platform != found:
        raise VcReportError(
            gettext("This is a %(found)s report, but %(chosen)s was chosen. Choose %(found)s, or leave the platform to be found from the file.")
            % {"found": PLATFORM_NAMES[found], "chosen": PLATFORM_NAMES.get(platform, platform)},
            code="wrong_platform",
        )
    raws, meeting = READERS[found](rows)
    raws = [raw for raw in raws if raw.name or raw.email or raw.joined]
    if not raws:
        raise VcReportError(gettext("The report has its header row but no participants."), code="no_rows")
    if len(raws) > max_rows():
        raise _too_many_rows(max_rows())
    report_rows, meeting_times, dates = _resolve(raws, meeting, platform=found, session=session)
    _check_date(report_rows, dates, session, times.local_zone())
    return ParsedReport(
        platform=found,
        encoding=encoding,
        rows=report_rows,
        title=str(meeting.get("title") or "")[:300],
        meeting_started_at=meeting_times.get("start") or min(row.joined for row in report_rows),
        meeting_ended_at=meeting_times.get("end") or max(row.left for row in report_rows),
    )
