"""Fixtures for the meetings app's tests (people are in the root conftest)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from meetings.models import SessionStatus
from meetings.tests.factories import make_session, make_venue

BANGKOK = ZoneInfo("Asia/Bangkok")
SEED_START = datetime.datetime(2021, 11, 25, 9, 0, tzinfo=BANGKOK)


@pytest.fixture
def seeded_like_session(db, central_organiser):
    """A published session shaped like the one of 25 November 2564, 09:00–12:00 Bangkok time."""
    session = make_session(
        starts_at=SEED_START,
        ends_at=SEED_START + datetime.timedelta(hours=3),
        title="การประชุมเพิ่มศักยภาพคณะกรรมการ กข.คจ.",
        registration_opens_at=SEED_START - datetime.timedelta(days=15),
        registration_closes_at=SEED_START - datetime.timedelta(hours=17),
        vc_platform="zoom",
        vc_join_url="https://zoom.us/j/95125112564",
        vc_meeting_id="951 2511 2564",
        vc_passcode="2564",
        created_by=central_organiser,
    )
    make_venue(session, "TH-10", is_host=True, name="กรมการพัฒนาชุมชน", room="ห้องประชุม War Room")
    make_venue(session, "TH-52")
    make_venue(session, "TH-50")
    return session


@pytest.fixture
def draft_session(db, central_organiser):
    session = make_session(status=SessionStatus.DRAFT, title="ร่างการประชุม", created_by=central_organiser)
    make_venue(session, "TH-52")
    return session
