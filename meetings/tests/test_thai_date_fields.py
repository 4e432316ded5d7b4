"""Date inputs the Thai way: day/month/Buddhist-era year and 24-hour time, typed and shown; each
mistake named in Thai, and nothing saved."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from meetings.fields import ThaiDateField, ThaiDateInput, ThaiDateTimeField, ThaiTimeField
from meetings.forms import AgendaFormSet, AuditFilterForm, SessionForm
from meetings.models import Session
from meetings.tests.factories import make_session

BANGKOK = ZoneInfo("Asia/Bangkok")


@pytest.fixture(autouse=True)
def thai():
    with translation.override("th"):
        yield


def refusal(field, value):
    with pytest.raises(ValidationError) as caught:
        field.clean(value)
    return caught.value


def test_a_buddhist_era_date_is_stored_as_the_christian_era_date():
    assert ThaiDateField().clean("25/11/2564") == datetime.date(2021, 11, 25)


@pytest.mark.parametrize("typed", ["25/11/2564", "25-11-2564", "25.11.2564", "25112564", " 25 / 11 / 2564 ", "๒๕/๑๑/๒๕๖๔"])
def test_the_usual_ways_of_typing_a_date_are_read(typed):
    assert ThaiDateField().clean(typed) == datetime.date(2021, 11, 25)


@pytest.mark.parametrize("day", [datetime.date(2021, 11, 25), datetime.date(2024, 2, 29), datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)])
def test_a_date_shown_in_the_input_reads_back_as_the_same_date(day):
    shown = ThaiDateInput().format_value(day)
    assert shown == f"{day.day:02d}/{day.month:02d}/{day.year + 543}"
    assert ThaiDateField().clean(shown) == day


def test_a_moment_round_trips_through_the_widget_in_bangkok_time():
    field = ThaiDateTimeField()
    saved = datetime.datetime(2021, 11, 25, 2, 0, tzinfo=datetime.UTC)  # 09:00 in Bangkok
    shown = field.widget.decompress(saved)
    typed = [field.widget.widgets[0].format_value(shown[0]), field.widget.widgets[1].format_value(shown[1])]
    assert typed == ["25/11/2564", "09:00"]
    assert field.clean(typed) == saved
    assert field.clean(typed).astimezone(BANGKOK).hour == 9


@pytest.mark.parametrize(
    ("typed", "expected"), [("09:00", (9, 0)), ("9:05", (9, 5)), ("13.30", (13, 30)), ("09.00 น.", (9, 0)), ("0000", (0, 0)), ("23:59", (23, 59))]
)
def test_times_are_read_on_the_24_hour_clock(typed, expected):
    assert ThaiTimeField().clean(typed) == datetime.time(*expected)


def test_a_day_the_month_does_not_have_is_named():
    error = refusal(ThaiDateField(), "31/02/2564")
    assert error.code == "no_such_day"
    assert error.messages == ["ไม่มีวันที่ 31 ในเดือนกุมภาพันธ์ 2564 (เดือนนี้มี 28 วัน)"]


def test_29_february_is_there_only_in_a_leap_year():
    assert ThaiDateField().clean("29/02/2567") == datetime.date(2024, 2, 29)
    assert refusal(ThaiDateField(), "29/02/2566").code == "no_such_day"


def test_a_christian_era_year_is_refused_with_the_buddhist_era_year_to_type():
    error = refusal(ThaiDateField(), "25/11/2021")
    assert error.code == "christian_era_year"
    assert error.messages == ["ปี 2021 เป็นปี ค.ศ. กรุณาพิมพ์ปี พ.ศ. คือ 2564"]


@pytest.mark.parametrize("typed", ["2021-11-25", "25 พ.ย. 2564", "11/25", "พรุ่งนี้"])
def test_a_date_in_another_shape_is_refused_with_the_expected_format(typed):
    error = refusal(ThaiDateField(), typed)
    assert error.code == "invalid_format"
    assert error.messages == ["พิมพ์วันที่เป็น วัน/เดือน/ปี พ.ศ. เช่น 25/11/2564"]


def test_a_two_digit_year_is_refused_asking_for_four_digits():
    error = refusal(ThaiDateField(), "25/11/64")
    assert error.code == "invalid_year" and "2564" in error.messages[0]


def test_month_13_is_refused():
    error = refusal(ThaiDateField(), "25/13/2564")
    assert error.code == "no_such_month" and error.messages == ["ไม่มีเดือนที่ 13 เดือนมีตั้งแต่ 1 ถึง 12"]


@pytest.mark.parametrize(
    ("typed", "code"), [("9:00 PM", "invalid_time_format"), ("9 โมง", "invalid_time_format"), ("24:00", "no_such_time"), ("09:60", "no_such_time")]
)
def test_a_time_that_is_not_24_hour_hours_and_minutes_is_refused(typed, code):
    error = refusal(ThaiTimeField(), typed)
    assert error.code == code
    assert "09:00" in error.messages[0] or "23" in error.messages[0]


def test_a_date_without_its_time_is_refused_asking_for_the_time():
    field = ThaiDateTimeField(required=False)
    assert refusal(field, ["25/11/2564", ""]).messages == ["กรุณากรอกเวลาด้วย เช่น 09:00"]
    assert refusal(field, ["", "09:00"]).messages == ["กรุณากรอกวันที่ด้วย เช่น 25/11/2564"]
    assert field.clean(["", ""]) is None


def test_the_inputs_are_text_with_thai_placeholders_not_the_browsers_date_picker():
    html = str(SessionForm()["starts_at"])
    assert 'type="text"' in html and 'type="date' not in html
    assert 'placeholder="วว/ดด/ปปปป"' in html and 'placeholder="ชช:นน"' in html
    assert 'aria-label="เวลาเริ่ม: วันที่"' in html and 'aria-label="เวลาเริ่ม: เวลา"' in html


@pytest.mark.django_db
def test_a_bad_date_on_the_session_form_names_the_problem_and_saves_nothing(client, central_organiser):
    client.force_login(central_organiser)
    response = client.post(
        reverse("meetings:session_create"),
        {"title": "ประชุม", "starts_at_0": "31/02/2564", "starts_at_1": "09:00", "ends_at_0": "25/11/2021", "ends_at_1": "12:00"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "ไม่มีวันที่ 31 ในเดือนกุมภาพันธ์ 2564" in html and "กรุณาพิมพ์ปี พ.ศ. คือ 2564" in html
    # What was typed stays in the inputs, to correct.
    assert 'value="31/02/2564"' in html and 'value="25/11/2021"' in html
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_the_agenda_page_shows_buddhist_era_dates_and_24_hour_times(client, central_organiser):
    session = make_session(starts_at=datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK))
    session.agenda_items.create(order=1, title="นโยบาย", starts_at=datetime.datetime(2021, 11, 25, 13, 30, tzinfo=BANGKOK))
    client.force_login(central_organiser)
    html = client.get(reverse("meetings:agenda_edit", args=[session.pk])).content.decode()
    assert 'value="25/11/2564"' in html and 'value="13:30"' in html
    assert "25 พฤศจิกายน พ.ศ. 2564" in html  # the session's own time, above the table
    assert 'value="2021' not in html


@pytest.mark.django_db
def test_an_agenda_start_typed_in_the_buddhist_era_is_saved():
    session = make_session(starts_at=datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK))
    formset = AgendaFormSet(
        {
            "agenda-TOTAL_FORMS": "1",
            "agenda-INITIAL_FORMS": "0",
            "agenda-0-title": "กรณีศึกษา",
            "agenda-0-ORDER": "1",
            "agenda-0-starts_at_0": "25/11/2564",
            "agenda-0-starts_at_1": "10.30",
        },
        session=session,
        prefix="agenda",
    )
    assert formset.is_valid(), formset.errors
    assert formset.rows()[0]["starts_at"] == datetime.datetime(2021, 11, 25, 10, 30, tzinfo=BANGKOK)


@pytest.mark.django_db
def test_the_audit_filter_reads_buddhist_era_days():
    form = AuditFilterForm({"date_from": "01/11/2564", "date_to": "31/11/2564"}, users=get_user_model().objects.none())
    assert not form.is_valid()
    assert form.errors["date_to"] == ["ไม่มีวันที่ 31 ในเดือนพฤศจิกายน 2564 (เดือนนี้มี 30 วัน)"]
    assert form.cleaned_data["date_from"] == datetime.date(2021, 11, 1)
