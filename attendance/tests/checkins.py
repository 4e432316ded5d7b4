"""Test helper: record a check-in through the check-in service, as every path does (its audit
event, its nonce, and the dashboards told after commit)."""

from attendance.models import CheckInMethod
from attendance.services import perform_checkin


def record_checkin(registration, *, at=None, venue=None, method=CheckInMethod.SCANNER, nonce=""):
    """Check `registration` in at `at` (default now; the session's check-in window must hold it).
    Pass a venue of another province to record it "at another venue"."""
    result = perform_checkin(session=registration.session, method=method, registration_id=registration.pk, venue=venue, at=at, nonce=nonce)
    assert result.created, f"check-in refused: {result.code} {result.message}"
    return result.checkin
