"""Provinces and role categories by id, cached in each process.

They are reference data (77 provinces, a handful of roles) that hot paths such as a check-in read
on every request, and that change only through migrations or the admin. Saving or deleting one
clears this process's copy at once (signals connected in MeetingsConfig.ready); other server
processes read theirs again within REFRESH_SECONDS. Transactional tests reload the tables, which
clears the copy too.
"""

import threading
import time

from meetings.models import Province, RoleCategory

REFRESH_SECONDS = 300

_lock = threading.Lock()
_cached = {"at": 0.0, "provinces": None, "roles": None}


def _load():
    with _lock:
        if _cached["provinces"] is None or time.monotonic() - _cached["at"] > REFRESH_SECONDS:
            _cached["provinces"] = Province.objects.in_bulk()
            _cached["roles"] = RoleCategory.objects.in_bulk()
            _cached["at"] = time.monotonic()
        return _cached["provinces"], _cached["roles"]


def provinces_by_id():
    return _load()[0]


def roles_by_id():
    return _load()[1]


def clear_reference_cache(**kwargs):
    with _lock:
        _cached["provinces"] = _cached["roles"] = None


def attach_reference_data(registrations):
    """Set each registration's province and role from the cache (instead of joining them in)."""
    provinces, roles = _load()
    for registration in registrations:
        province, role = provinces.get(registration.province_id), roles.get(registration.role_id)
        if province is None or role is None:  # created since the cache was filled
            clear_reference_cache()
            provinces, roles = _load()
            province, role = provinces[registration.province_id], roles[registration.role_id]
        registration.province, registration.role = province, role
    return registrations
