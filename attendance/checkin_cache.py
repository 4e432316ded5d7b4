"""Where a batch of check-ins happens: scanner devices by token and venues by id, cached briefly.

Every API check-in names its device by bearer token, every desk scan its venue; both rows (with
their session) are read on each scan and change a few times a day. A database thread keeps what
it read for TTL_SECONDS. Saving or deleting a device (revoking it), a venue or a session clears
this process's copy at once (signals connected in AttendanceConfig.ready), so a revoked token is
refused from the next scan on; another server process refuses it within TTL_SECONDS.
"""
import threading
import time

from meetings.models import Venue

from attendance.models import ScannerDevice

TTL_SECONDS = 10

_lock = threading.Lock()
_devices = {}  # token hash -> (read at, device or None)
_venues = {}  # venue id -> (read at, venue or None)


def clear_checkin_cache(**kwargs):
    with _lock:
        _devices.clear()
        _venues.clear()


def _fresh(entries, keys):
    now = time.monotonic()
    with _lock:
        return {key: entries[key][1] for key in keys if key in entries and now - entries[key][0] < TTL_SECONDS}


def _store(entries, found, keys):
    now = time.monotonic()
    with _lock:
        for key in keys:
            entries[key] = (now, found.get(key))


def devices_by_token_hash(hashes):
    """Active devices (with session and venue) for these token hashes; unknown or revoked ones are missing."""
    known = _fresh(_devices, hashes)
    missing = set(hashes) - set(known)
    if missing:
        found = ScannerDevice.objects.active().select_related("session", "venue").filter(token_hash__in=missing).order_by()
        read = {device.token_hash: device for device in found}
        _store(_devices, read, missing)
        known.update(read)
    return {key: device for key, device in known.items() if device is not None}


def venues_by_id(ids):
    """Venues (with their session) by id; unknown ones are missing."""
    known = _fresh(_venues, ids)
    missing = set(ids) - set(known)
    if missing:
        read = Venue.objects.select_related("session").in_bulk(missing)
        _store(_venues, read, missing)
        known.update(read)
    return {key: venue for key, venue in known.items() if venue is not None}
