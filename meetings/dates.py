"""Buddhist-era dates: the one place a Thai date is formatted.

Thai readers expect 25 พฤศจิกายน 2564 (year + 543); English readers get the
Gregorian date. Aware datetimes are shown in Asia/Bangkok time whatever the
server's clock says.
"""

import datetime

from django.utils import timezone
from django.utils.translation import get_language

BE_OFFSET = 543

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
# datetime.weekday(): Monday is 0.
THAI_WEEKDAYS = ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์")
EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

STYLES = ("long", "medium", "short", "datetime", "time")


def _local(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date(), value.time()
    return value, None


def _is_thai(lang):
    return not (lang or get_language() or "th").startswith("en")


def format_time(value, lang=None):
    """09.00 น. in Thai, 09:00 in English."""
    if isinstance(value, datetime.datetime):
        _, value = _local(value)
    if value is None:
        return ""
    if _is_thai(lang):
        return f"{value.hour:02d}.{value.minute:02d} น."
    return f"{value.hour:02d}:{value.minute:02d}"


def format_date(value, style="medium", lang=None):
    """Format a date or datetime.

    Styles, Thai / English:
      long      วันพฤหัสบดีที่ 25 พฤศจิกายน พ.ศ. 2564 เวลา 09.00 น. / Thursday 25 November 2021, 09:00
      medium    25 พฤศจิกายน 2564 / 25 November 2021
      short     25 พ.ย. 2564 / 25 Nov 2021
      datetime  25 พ.ย. 2564 09.00 น. / 25 Nov 2021 09:00
      time      09.00 น. / 09:00
    """
    if value in (None, ""):
        return ""
    if style not in STYLES:
        raise ValueError(f"Unknown date style {style!r}; use one of {', '.join(STYLES)}.")
    day, time = _local(value)
    thai = _is_thai(lang)
    if style == "time":
        return format_time(time, lang) if time else ""
    if thai:
        year = day.year + BE_OFFSET
        if style == "long":
            text = f"วัน{THAI_WEEKDAYS[day.weekday()]}ที่ {day.day} {THAI_MONTHS[day.month - 1]} พ.ศ. {year}"
            return f"{text} เวลา {format_time(time, lang)}" if time else text
        if style == "medium":
            return f"{day.day} {THAI_MONTHS[day.month - 1]} {year}"
        short = f"{day.day} {THAI_MONTHS_SHORT[day.month - 1]} {year}"
    else:
        if style == "long":
            text = f"{EN_WEEKDAYS[day.weekday()]} {day.day} {EN_MONTHS[day.month - 1]} {day.year}"
            return f"{text}, {format_time(time, lang)}" if time else text
        if style == "medium":
            return f"{day.day} {EN_MONTHS[day.month - 1]} {day.year}"
        short = f"{day.day} {EN_MONTHS[day.month - 1][:3]} {day.year}"
    if style == "datetime" and time:
        return f"{short} {format_time(time, lang)}"
    return short


def format_month(year, month, lang=None):
    """พฤศจิกายน 2564 in Thai, November 2021 in English (a month calendar's heading)."""
    if _is_thai(lang):
        return f"{THAI_MONTHS[month - 1]} {year + BE_OFFSET}"
    return f"{EN_MONTHS[month - 1]} {year}"


def thai_weekday_initials(lang=None, first_weekday=6):
    """Column headings of a month calendar, starting on Sunday as Thai wall calendars do."""
    thai = ("จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.", "อา.")
    english = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    names = thai if _is_thai(lang) else english
    return [names[(first_weekday + i) % 7] for i in range(7)]
