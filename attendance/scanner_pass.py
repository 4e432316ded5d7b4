"""The desk scanner's pass: a signed note that spares a scan loading the session, the user and
the venue permission on every request.

The scanner page is served only to staff who may scan at its venue (`staff_required`,
`get_venue_for_user`). It carries a pass signed with SECRET_KEY naming that user, session and
venue, bound to the browser's session cookie (a keyed hash of the cookie, so a pass copied without
it is worthless) and valid for MAX_AGE seconds. The page sends it with every scan (header
X-Scanner-Pass). A scan whose pass checks out goes straight to the check-in queue
(attendance/checkin_batch.py). Any other request — no pass, an expired or foreign one, a manual
pick from the search — takes the full path (session, user, permission), whose answer carries a
fresh pass; answers on the quick path renew a pass older than RENEW_AFTER. Losing the right to
scan (logging out, an officer moved to another province) therefore takes effect within MAX_AGE
on a scanner page that is already open.
"""
import time

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "prachum.attendance.scanner-pass"
HEADER = "X-Scanner-Pass"
MAX_AGE = 600
RENEW_AFTER = 300


def _cookie_tag(session_key):
    return salted_hmac(SALT, session_key or "").hexdigest()[:24]


def make_scanner_pass(user_id, session_id, venue_id, session_key):
    """A pass for a user already known to be allowed to scan at this venue."""
    payload = {"u": user_id, "s": session_id, "v": venue_id, "k": _cookie_tag(session_key), "t": int(time.time())}
    return signing.dumps(payload, salt=SALT, compress=False)


def read_scanner_pass(value, *, session_id, venue_id, session_key):
    """(user id, seconds since it was issued) when the pass is good for this venue and cookie, else None."""
    if not value or not session_key:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("s") != session_id or data.get("v") != venue_id:
        return None
    if not isinstance(data.get("u"), int) or not constant_time_compare(str(data.get("k", "")), _cookie_tag(session_key)):
        return None
    return data["u"], time.time() - data.get("t", 0)
