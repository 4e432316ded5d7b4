"""Rotating venue QR codes for self check-in.

A venue screen shows a code that changes every ROTATION_SECONDS: an HMAC (salted_hmac, so
keyed by SECRET_KEY) over the venue id and the number of the time window. A code stays
valid for its own window and GRACE_SECONDS into the next one, so a phone that read it just
before it changed still works; a photo of an old code does not. Time is passed in, never
read here, so tests can walk the window edges without sleeping.
"""

import math

from django.utils.crypto import constant_time_compare, salted_hmac

ROTATION_SECONDS = 15
GRACE_SECONDS = 2
SALT = "prachum.attendance.venue-qr"
MAC_LENGTH = 20


class VenueCodeError(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code  # "invalid" (tampered or not ours) or "expired" (an old code, e.g. a photo)


def window_at(timestamp):
    return int(math.floor(timestamp / ROTATION_SECONDS))


def _mac(venue_id, window):
    return salted_hmac(SALT, f"{int(venue_id)}:{int(window)}", algorithm="sha256").hexdigest()[:MAC_LENGTH]


def make_venue_code(venue_id, timestamp):
    """The code a venue screen shows at `timestamp` (seconds since the epoch)."""
    window = window_at(timestamp)
    return f"{int(venue_id)}-{window}-{_mac(venue_id, window)}"


def seconds_left(timestamp):
    """Seconds until the code shown at `timestamp` changes."""
    return (window_at(timestamp) + 1) * ROTATION_SECONDS - timestamp


def read_venue_code(code, timestamp):
    """Return the venue id in a code that is valid at `timestamp`; raise VenueCodeError otherwise."""
    try:
        venue_part, window_part, mac = str(code).split("-")
        venue_id, window = int(venue_part), int(window_part)
    except (TypeError, ValueError):
        raise VenueCodeError("invalid") from None
    if venue_id <= 0 or not constant_time_compare(mac, _mac(venue_id, window)):
        raise VenueCodeError("invalid")
    current = window_at(timestamp)
    if window == current:
        return venue_id
    if window == current - 1 and timestamp - current * ROTATION_SECONDS <= GRACE_SECONDS:
        return venue_id
    if window > current:
        # Signed by us but from the future: a clock problem, never a valid scan.
        raise VenueCodeError("invalid")
    raise VenueCodeError("expired")
