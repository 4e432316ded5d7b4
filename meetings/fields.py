"""Date and time inputs the Thai way: day/month/Buddhist-era year and 24-hour time.

A browser's own date picker (``<input type="date">``) follows the browser's locale: on most officers'
machines that is mm/dd/yyyy, Christian era, with AM/PM. These fields take plain text instead —
25/11/2564 and 09:00 — show a saved value the same way, and store the Christian-era date. Each kind of
mistake gets its own message: a day the month does not have, a Christian-era year, a wrong shape.
"""

import calendar
import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetings.dates import BE_OFFSET, format_month

# The years a meeting, a quiz window or an audit search can fall in, Buddhist era.
MIN_BE_YEAR = 2400
MAX_BE_YEAR = 2800

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
DATE_RE = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d+)$")
DATE_DIGITS_RE = re.compile(r"^(\d{2})(\d{2})(\d{4})$")  # 25112564, typed on a phone's number pad
TIME_RE = re.compile(r"^(\d{1,2})\s*[:.]\s*(\d{2})(?:\s*น\.?)?$")  # 09:00, 9.00, 09.00 น.
TIME_DIGITS_RE = re.compile(r"^(\d{2})(\d{2})$")  # 0900


def format_be_date(value):
    """25/11/2564: the text a Thai date input shows."""
    return f"{value.day:02d}/{value.month:02d}/{value.year + BE_OFFSET}"


def format_24h_time(value):
    return f"{value.hour:02d}:{value.minute:02d}"


def _clean_text(value):
    return " ".join(str(value).translate(THAI_DIGITS).split())


def parse_be_date(text):
    """The date typed as day/month/Buddhist-era year; ValidationError naming what is wrong."""
    text = _clean_text(text)
    match = DATE_RE.match(text) or DATE_DIGITS_RE.match(text)
    if not match:
        raise ValidationError(_("Type the date as day/month/Buddhist-era year, for example 25/11/2564."), code="invalid_format")
    day, month, year_text = match.groups()
    day, month, year = int(day), int(month), int(year_text)
    if len(year_text) != 4:
        raise ValidationError(_("Type the year in full, four digits of the Buddhist era, for example 2564."), code="invalid_year")
    if MIN_BE_YEAR <= year + BE_OFFSET <= MAX_BE_YEAR:  # 2021: the same year in the Christian era
        raise ValidationError(
            _("%(year)s is a year of the Christian era: type the Buddhist-era year, %(be_year)s.") % {"year": year, "be_year": year + BE_OFFSET},
            code="christian_era_year",
        )
    if not MIN_BE_YEAR <= year <= MAX_BE_YEAR:
        raise ValidationError(
            _("The year %(year)s is out of range: type a Buddhist-era year such as 2564.") % {"year": year},
            code="year_out_of_range",
        )
    if not 1 <= month <= 12:
        raise ValidationError(_("There is no month %(month)s: months run from 1 to 12.") % {"month": month}, code="no_such_month")
    year -= BE_OFFSET
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise ValidationError(
            _("There is no day %(day)s in %(month)s: that month has %(days)s days.") % {"day": day, "month": format_month(year, month), "days": days},
            code="no_such_day",
        )
    return datetime.date(year, month, day)


def parse_24h_time(text):
    """The time typed as hours:minutes on the 24-hour clock (09:00, 13:30; 9.00 น. too)."""
    text = _clean_text(text)
    match = TIME_RE.match(text) or TIME_DIGITS_RE.match(text)
    if not match:
        raise ValidationError(_("Type the time as hours:minutes on the 24-hour clock, for example 09:00 or 13:30."), code="invalid_time_format")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValidationError(
            _("There is no time %(time)s: hours run from 00 to 23 and minutes from 00 to 59.") % {"time": text}, code="no_such_time"
        )
    return datetime.time(hour, minute)


class _PartInput(forms.TextInput):
    """A text input that keeps its own CSS class (its width) when a MultiWidget or crispy-forms adds theirs."""

    part_class = ""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget_attrs = context["widget"]["attrs"]
        widget_attrs["class"] = " ".join(dict.fromkeys(f"{self.part_class} {widget_attrs.get('class', '')}".split()))
        return context


class ThaiDateInput(_PartInput):
    """A text input showing a date as 25/11/2564."""

    part_class = "thai-date-input"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": _("dd/mm/yyyy BE"), "autocomplete": "off", "maxlength": "10", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if isinstance(value, datetime.date):
            return format_be_date(value)
        return super().format_value(value)


class ThaiTimeInput(_PartInput):
    """A text input showing a time as 09:00."""

    part_class = "thai-time-input"

    def __init__(self, attrs=None):
        super().__init__(attrs={"placeholder": _("hh:mm"), "autocomplete": "off", "maxlength": "8", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (datetime.time, datetime.datetime)):
            return format_24h_time(value)
        return super().format_value(value)


class ThaiDateField(forms.Field):
    """A date typed as day/month/Buddhist-era year; cleaned to a (Christian-era) datetime.date."""

    widget = ThaiDateInput

    def to_python(self, value):
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        return parse_be_date(value)


class ThaiTimeField(forms.Field):
    widget = ThaiTimeInput

    def to_python(self, value):
        if isinstance(value, datetime.time):
            return value
        if value in self.empty_values or not str(value).strip():
            return None
        return parse_24h_time(value)


class ThaiDateTimeWidget(forms.MultiWidget):
    """Two text inputs side by side: the date (25/11/2564) and the time (09:00)."""

    def __init__(self, attrs=None):
        super().__init__([ThaiDateInput(), ThaiTimeInput()], attrs)

    def value_from_datadict(self, data, files, name):
        # A part holding only spaces counts as empty ("give the time too"), not as typed.
        return [value.strip() if isinstance(value, str) else value for value in super().value_from_datadict(data, files, name)]

    def decompress(self, value):
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return [value.date(), value.time()]
        return [None, None]


class ThaiDateTimeHiddenWidget(ThaiDateTimeWidget):
    """Both parts as hidden inputs, for a form's `show_hidden_initial` (Django's admin sets it on a field
    with a callable default such as timezone.now): read back as the two parts, so an untouched value
    does not count as changed."""

    template_name = "django/forms/widgets/splithiddendatetime.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        for widget in self.widgets:
            widget.input_type = "hidden"


def _date_label(label):
    return gettext("%(field)s: date") % {"field": label} if label else gettext("date")


def _time_label(label):
    return gettext("%(field)s: time") % {"field": label} if label else gettext("time")


class ThaiDateTimeField(forms.MultiValueField):
    """A moment typed as a Buddhist-era date and a 24-hour time, in the site's time zone (Bangkok);
    cleaned to an aware datetime. Empty when both parts are empty; one part alone is an error."""

    widget = ThaiDateTimeWidget
    hidden_widget = ThaiDateTimeHiddenWidget
    default_error_messages = {"required": _("Give the date and the time.")}

    def __init__(self, **kwargs):
        date_field = ThaiDateField(error_messages={"incomplete": _("Give the date too, for example 25/11/2564.")})
        time_field = ThaiTimeField(error_messages={"incomplete": _("Give the time too, for example 09:00.")})
        super().__init__(fields=(date_field, time_field), require_all_fields=False, **kwargs)
        # Both inputs sit under the field's one label: name each for a screen reader.
        date_input, time_input = self.widget.widgets
        date_input.attrs["aria-label"] = lazy(_date_label, str)(self.label)
        time_input.attrs["aria-label"] = lazy(_time_label, str)(self.label)

    def compress(self, data_list):
        if not data_list or data_list[0] is None or data_list[1] is None:
            return None
        return timezone.make_aware(datetime.datetime.combine(data_list[0], data_list[1]))
