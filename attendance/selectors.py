"""Attendance reads shared by views, consumers and the API (writes live in services.py)."""
from django.db.models import Count

from meetings.models import Registration


def get_attendance_snapshot(session_id, province_id=None):
    """Absolute counts for a dashboard: a lost update heals with the next snapshot."""
    registrations = Registration.objects.active().filter(session_id=session_id)
    if province_id is not None:
        registrations = registrations.filter(province_id=province_id)
    per_province = dict(
        registrations.values_list("province__code").annotate(n=Count("id")).order_by()
    )
    return {
        "session_id": session_id,
        "registered": sum(per_province.values()),
        "provinces": {code: {"registered": n} for code, n in sorted(per_province.items())},
    }
