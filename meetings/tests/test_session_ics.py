"""The .ics download: a standard parser (icalendar) reads back the start in Asia/Bangkok."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from meetings.models import AgendaItem

pytestmark = pytest.mark.django_db
BANGKOK = ZoneInfo("Asia/Bangkok")


def read_event(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_ics_round_trip_gives_0900_bangkok_on_25_november_2021(client, seeded_like_session):
    AgendaItem.objects.create(session=seeded_like_session, order=1, title="นโยบายของผู้บริหาร")
    calendar, event = read_event(client.get(reverse("meetings:session_ics", args=[seeded_like_session.pk])))
    start = event.decoded("dtstart")
    assert start == datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK)
    assert start.utcoffset() == datetime.timedelta(hours=7)
    assert (start.hour, start.minute) == (9, 0)
    assert event["DTSTART"].params["TZID"] == "Asia/Bangkok"
    assert event.decoded("dtend") == datetime.datetime(2021, 11, 25, 12, 0, tzinfo=BANGKOK)
    assert str(event["SUMMARY"]) == seeded_like_session.title
    assert "นโยบายของผู้บริหาร" in str(event["DESCRIPTION"])
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Asia/Bangkok"


def test_anonymous_ics_has_no_join_details(client, seeded_like_session):
    _, event = read_event(client.get(reverse("meetings:session_ics", args=[seeded_like_session.pk])))
    text = event.to_ical().decode()
    assert "zoom.us" not in text and "2564" not in str(event.get("DESCRIPTION", ""))


def test_officer_ics_has_join_details(client, seeded_like_session, lampang_officer):
    client.force_login(lampang_officer)
    _, event = read_event(client.get(reverse("meetings:session_ics", args=[seeded_like_session.pk])))
    assert "https://zoom.us/j/95125112564" in str(event["DESCRIPTION"])
    assert "ลำปาง" in str(event["LOCATION"])


def test_a_moved_start_raises_the_sequence(client, seeded_like_session, central_organiser):
    from meetings import services

    _, before = read_event(client.get(reverse("meetings:session_ics", args=[seeded_like_session.pk])))
    services.update_session(
        session=seeded_like_session, actor=central_organiser, starts_at=seeded_like_session.starts_at + datetime.timedelta(minutes=30)
    )
    _, after = read_event(client.get(reverse("meetings:session_ics", args=[seeded_like_session.pk])))
    assert after.decoded("sequence") > before.decoded("sequence")
    assert after.decoded("dtstart") == datetime.datetime(2021, 11, 25, 9, 30, tzinfo=BANGKOK)


def test_a_personal_token_in_the_query_gives_no_join_details(client, seeded_like_session):
    """Attendees get their calendar from their personal page (/p/<token>/calendar.ics); an old link
    with the token in the query string is sent there, where a token that is not valid answers 404."""
    response = client.get(reverse("meetings:session_ics", args=[seeded_like_session.pk]) + "?t=anything")
    assert response.status_code == 302
    assert response["Location"] == "/p/anything/calendar.ics"
    followed = client.get(response["Location"])
    assert followed.status_code == 404
    assert "zoom.us" not in followed.content.decode()
