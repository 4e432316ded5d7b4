"""Fixtures for the registration app's tests (people are in the root conftest)."""

import pytest

from meetings.tests.conftest import seeded_like_session  # noqa: F401  (the session attendees register for)
from registration.tests.factories import make_registration


@pytest.fixture
def attendee(seeded_like_session):  # noqa: F811  (the fixture imported above)
    """A registered Lampang committee member; reaches the platform only through a personal link."""
    venue = seeded_like_session.venues.get(province__code="TH-52", is_host=False)
    return make_registration(seeded_like_session, "TH-52", "committee", venue=venue)
