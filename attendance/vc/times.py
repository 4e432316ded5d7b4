"""The platforms' dates and times, read in two steps: each cell into its parts (`parse`), then the parts of a
whole file into datetimes (`resolve`), because "03/04/2021" is 3 April or 4 March depending on the
computer that wrote the report, and only the whole file tells which.

Formats read (any of them with seconds or without, a 12-hour clock with AM/PM or a 24-hour one, and an
optional offset: Z, UTC, GMT, +07:00, +0700, GMT+7, "(GMT+07:00)"):
- Zoom: 11/25/2021 08:55:12 AM, or 2021-11-25 08:55:12;
- Webex: 11/25/2021 08:55 AM, 2021-11-25 08:55:12, Nov 25, 2021 08:55 AM, 25 Nov 2021 08:55;
- Teams: 25/11/2021, 08:55:12 or 11/25/21, 8:55:12 AM (the organiser's locale), 25/11/2564 08:55:12 น.
  (Thai locale: Buddhist-era years are taken back 543 years).
A time without an offset is Bangkok time (settings.TIME_ZONE). A datetime cell of a workbook is taken as it is.
"""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings

BE_OFFSET = 543
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

_DATE = r"""
    (?:
        (?P<iso_y>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})
      | (?P<n1>\d{1,2})[/.\-](?P<n2>\d{1,2})[/.\-](?P<n3>\d{4}|\d{2})
      | (?P<mon_a>[A-Za-z]{3,9})\.?\s+(?P<day_a>\d{1,2}),?\s+(?P<year_a>\d{4})
      | (?P<day_b>\d{1,2})[\s\-](?P<mon_b>[A-Za-z]{3,9})\.?,?[\s\-](?P<year_b>\d{4})
    )
"""
_TIME = r"""
    (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,]\d+)?)?
    \s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?
    (?:\s*น\.)?
    \s*(?P<tz>Z|(?:\(?(?:GMT|UTC)\s*(?:[+\-]\d{1,2}(?::?\d{2})?)?\)?)|[+\-]\d{2}:?\d{2})?
"""
DATETIME_RE = re.compile(rf"^\s*{_DATE}(?:\s*,\s*|\s+|T){_TIME}\s*$", re.X)
OFFSET_RE = re.compile(r"([+\-])(\d{1,2})(?::?(\d{2}))?")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


@dataclass(frozen=True)
class Moment:
    """A cell's parts. For a date written n1/n2/year, `day_first` is None until the file decides."""

    first: int  # day or month (ISO and month-name forms: the month)
    second: int  # month or day (ISO and month-name forms: the day)
    year: int
    hour: int
    minute: int
    second_of_minute: int
    offset_minutes: int | None
    day_first: bool | None  # None: n1/n2 is for the file to decide; False: first is the month
    numeric: bool = False  # written n1/n2/year (the only form whose order is in doubt)
    value: datetime.datetime | None = None  # a workbook's own datetime cell


def _year(text):
    year = int(text)
    if len(text) == 2:
        year += 2000
    if year > 2400:  # Buddhist era (a Thai-locale Teams report)
        year -= BE_OFFSET
    return year


def _offset(text):
    if not text:
        return None
    upper = text.strip("() ").upper()
    if upper in ("Z", "UTC", "GMT"):
        return 0
    match = OFFSET_RE.search(upper)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes or 0)
    return -total if sign == "-" else total


def parse(value):
    """A cell's Moment, or None when it is not a date and time of a known form."""
    if isinstance(value, datetime.datetime):
        return Moment(0, 0, 0, 0, 0, 0, None, False, value=value)
    text = str(value or "").translate(THAI_DIGITS).strip()
    if not text:
        return None
    match = DATETIME_RE.match(text)
    if not match:
        return None
    parts = match.groupdict()
    hour, minute, second = int(parts["hour"]), int(parts["minute"]), int(parts["second"] or 0)
    if parts["ampm"]:
        if not 1 <= hour <= 12:
            return None
        pm = parts["ampm"].lower().startswith("p")
        hour = hour % 12 + (12 if pm else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    offset = _offset(parts["tz"])
    if parts["iso_y"]:
        return Moment(int(parts["iso_m"]), int(parts["iso_d"]), _year(parts["iso_y"]), hour, minute, second, offset, False)
    if parts["n1"]:
        n1, n2 = int(parts["n1"]), int(parts["n2"])
        day_first = True if n1 > 12 else False if n2 > 12 else None
        return Moment(n1, n2, _year(parts["n3"]), hour, minute, second, offset, day_first, numeric=True)
    month_name, day, year = (parts["mon_a"], parts["day_a"], parts["year_a"]) if parts["mon_a"] else (parts["mon_b"], parts["day_b"], parts["year_b"])
    month = MONTHS.get(month_name.lower())
    if month is None:
        return None
    return Moment(month, int(day), _year(year), hour, minute, second, offset, False)


def local_zone():
    return ZoneInfo(settings.TIME_ZONE)


def to_datetime(moment, day_first, zone=None):
    """The aware datetime of `moment`, reading an undecided n1/n2 as day first when `day_first`; None for an
    impossible date (31/02)."""
    zone = zone or local_zone()
    if moment.value is not None:
        value = moment.value
        return value if value.tzinfo else value.replace(tzinfo=zone)
    decided = moment.day_first if moment.day_first is not None else day_first
    day, month = (moment.first, moment.second) if decided else (moment.second, moment.first)
    try:
        naive = datetime.datetime(moment.year, month, day, moment.hour, moment.minute, moment.second_of_minute)
    except ValueError:
        return None
    if moment.offset_minutes is None:
        return naive.replace(tzinfo=zone)
    return naive.replace(tzinfo=datetime.timezone(datetime.timedelta(minutes=moment.offset_minutes)))


def decide_day_first(moments, *, dates=(), default=False):
    """Whether the file's n1/n2 dates are day first. A day above 12 anywhere decides; else the reading whose
    dates fall on more of `dates` (the session's, in Bangkok); else `default` (the platform's habit)."""
    undecided = []
    for moment in moments:
        if moment is None or not moment.numeric:
            continue
        if moment.day_first is not None:
            return moment.day_first
        if moment.day_first is None:
            undecided.append(moment)
    if not undecided or not dates:
        return default
    dates = set(dates)
    zone = local_zone()

    def hits(day_first):
        total = 0
        for moment in undecided:
            value = to_datetime(moment, day_first, zone)
            total += value is not None and value.astimezone(zone).date() in dates
        return total

    day_hits, month_hits = hits(True), hits(False)
    if day_hits == month_hits:
        return default
    return day_hits > month_hits


DURATION_PARTS_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|s|sec|secs|second|seconds)\b", re.I)
CLOCK_RE = re.compile(r"^(\d{1,3}):(\d{2})(?::(\d{2}))?$")


def parse_duration(value):
    """Seconds in a duration cell: minutes as a number (Zoom, Webex), "1h 50m 3s" (Teams), 01:50:03; None if unreadable."""
    text = str(value or "").translate(THAI_DIGITS).strip()
    if not text:
        return None
    try:
        return round(float(text) * 60)
    except ValueError:
        pass
    clock = CLOCK_RE.match(text)
    if clock:
        hours, minutes, seconds = clock.groups()
        return int(hours) * 3600 + int(minutes) * 60 + int(seconds or 0)
    total, found = 0.0, False
    for number, unit in DURATION_PARTS_RE.findall(text):
        found = True
        unit = unit.lower()
        total += float(number) * (3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1)
    return round(total) if found else None
