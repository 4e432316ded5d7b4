"""Test helper: record check-ins exactly as the check-in service does (write, then broadcast on commit)."""
from django.db import transaction
from django.utils import timezone

from attendance.broadcast import notify_attendance
from attendance.models import CheckIn, CheckInMethod


def record_checkin(registration, *, at=None, venue=None, method=CheckInMethod.SCANNER, wrong_venue=False):
    """Create the CheckIn inside a transaction; dashboards hear of it only after commit."""
    session_id = registration.session_id
    with transaction.atomic():
        checkin = CheckIn.objects.create(
            registration=registration,
            session_id=session_id,
            venue=venue,
            method=method,
            checked_in_at=at or timezone.now(),
            wrong_venue=wrong_venue,
        )
        transaction.on_commit(lambda: notify_attendance(session_id))
    return checkin
