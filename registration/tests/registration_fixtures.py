"""Fixtures for the registration tests (imported with `from … import *` so the root conftest stays untouched)."""

import pytest

from meetings.tests.factories import make_quota, make_venue

__all__ = ["open_session", "lampang_committee_quota"]


@pytest.fixture
def open_session(session):
    """A published session whose registration window is open, with seats for Lampang and Chiang Mai."""
    make_venue(session, "TH-52")
    make_venue(session, "TH-50")
    make_quota(session, "TH-52", "committee", seats=3)
    make_quota(session, "TH-52", "provincial_officer", seats=2)
    make_quota(session, "TH-50", "committee", seats=3)
    return session


@pytest.fixture
def lampang_committee_quota(open_session):
    return open_session.quotas.get(province__code="TH-52", role__code="committee")
