"""The attendee's calendar download from their personal page: join details and their own venue."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from registration.services import cancel_registration
from registration.tokens import make_personal_token

pytestmark = pytest.mark.django_db
BANGKOK = ZoneInfo("Asia/Bangkok")


def read_event(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")[0]


def test_attendee_ics_from_the_personal_link_has_join_details_and_their_venue(client, attendee):
    url = reverse("registration:personal_calendar", args=[make_personal_token(attendee)])
    event = read_event(client.get(url))
    assert "https://zoom.us/j/95125112564" in str(event["DESCRIPTION"])
    assert "สำนักงานพัฒนาชุมชนจังหวัดลำปาง" in str(event["LOCATION"])


@pytest.mark.parametrize("bad", ["nonsense", "abc:def"])
def test_a_tampered_personal_token_answers_404(client, attendee, bad):
    assert client.get(reverse("registration:personal_calendar", args=[bad])).status_code == 404


def test_a_cancelled_registrations_calendar_answers_404(client, attendee, central_organiser):
    token = make_personal_token(attendee)
    cancel_registration(registration=attendee, actor=central_organiser)
    assert client.get(reverse("registration:personal_calendar", args=[token])).status_code == 404


def test_personal_page_offers_the_ics_with_join_details(client, attendee):
    page = client.get(attendee.get_personal_path())
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="personal-ics" href="') + len('id="personal-ics" href="')
    href = html[start : html.index('"', start)].replace("&amp;", "&")
    response = client.get(href)
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK)
    assert "https://zoom.us/j/95125112564" in str(event["DESCRIPTION"])


def test_an_old_calendar_link_with_the_token_in_the_query_lands_on_the_personal_calendar(client, attendee):
    """Links e-mailed before the calendar moved (/sessions/<id>/calendar.ics?t=<token>) keep working."""
    token = make_personal_token(attendee)
    old_link = reverse("meetings:session_ics", args=[attendee.session_id]) + "?t=" + token
    response = client.get(old_link)
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:personal_calendar", args=[token])
    event = read_event(client.get(response["Location"]))
    assert "https://zoom.us/j/95125112564" in str(event["DESCRIPTION"])
