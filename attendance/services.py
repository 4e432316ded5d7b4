"""Attendance writes (check-in, undo, device tokens). Every path — desk scanner, venue QR,
manual, JSON API — goes through these functions.

`perform_checkin` is safe under concurrent scans of one code: it inserts first and lets the
database's one-to-one CheckIn and (session, nonce) unique constraints refuse a second record
(on PostgreSQL a concurrent insert waits for the first one's commit, then fails); a refused
insert is answered from the stored check-in, so a retried request that carries the same
client nonce gets the first answer back instead of a second record.
"""
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attendance.broadcast import notify_attendance
from attendance.models import CheckIn, CheckInEvent, CheckInEventAction, CheckInMethod, ScannerDevice
from meetings.models import Registration, RegistrationStatus
from meetings.tokens import read_personal_token

# Stable result codes (the API, the scanner page and tests rely on these strings).
OK = "ok"
ALREADY_CHECKED_IN = "already_checked_in"
UNKNOWN_TOKEN = "unknown_token"
REVOKED = "revoked"
WRONG_SESSION = "wrong_session"
NOT_OPEN = "not_open"
WRONG_VENUE = "wrong_venue"
RESULT_CODES = (OK, ALREADY_CHECKED_IN, UNKNOWN_TOKEN, REVOKED, WRONG_SESSION, NOT_OPEN, WRONG_VENUE)

MESSAGES = {
    OK: _("Checked in"),
    ALREADY_CHECKED_IN: _("Already checked in at %(time)s"),
    UNKNOWN_TOKEN: _("Unknown QR code: this is not a personal link of Prachum"),
    REVOKED: _("This personal link was revoked or the registration cancelled"),
    WRONG_SESSION: _("This person is registered for another session"),
    NOT_OPEN: _("Check-in is not open now (it opens at %(opens)s and closes at %(closes)s)"),
    WRONG_VENUE: _("Checked in at another venue than the registered one (%(venue)s)"),
}
# Green: recorded. Amber: recorded with a warning, or already in. Red: nothing recorded.
LEVELS = {OK: "success", WRONG_VENUE: "warning", ALREADY_CHECKED_IN: "warning"}

PERSONAL_PATH = re.compile(r"/p/(?P<token>[^/?#\s]+)/?")
NONCE_MAX = 64


class CheckinError(Exception):
    """A domain error with a translated message and a stable code."""

    def __init__(self, message, code, **extra):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.extra = extra


@dataclass
class CheckinResult:
    code: str
    message: str
    registration: Registration | None = None
    checkin: CheckIn | None = None
    # True when this call wrote the check-in (False for a nonce replay or an existing one).
    created: bool = False
    replayed: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def recorded(self):
        """The person counts as present (green or amber)."""
        return self.code in (OK, WRONG_VENUE, ALREADY_CHECKED_IN)

    @property
    def level(self):
        return LEVELS.get(self.code, "danger")

    def as_dict(self):
        from meetings.dates import format_time

        data = {"code": self.code, "ok": self.code in (OK, WRONG_VENUE), "level": self.level, "message": str(self.message),
                "replayed": self.replayed}
        if self.registration is not None and self.code not in (UNKNOWN_TOKEN,):
            reg = self.registration
            data["registration"] = {
                "id": reg.pk,
                "name": reg.full_name,
                "province": reg.province.name,
                "role": reg.role.name,
                "position": reg.position,
                "organisation": reg.organisation,
            }
        if self.checkin is not None:
            data["checked_in_at"] = self.checkin.checked_in_at.isoformat()
            data["checked_in_time"] = format_time(self.checkin.checked_in_at)
            data["venue"] = str(self.checkin.venue) if self.checkin.venue_id else None
            data["wrong_venue"] = self.checkin.wrong_venue
        return data


def extract_personal_token(scanned):
    """The personal token inside what a scanner read: the full personal URL or the bare token."""
    text = (scanned or "").strip()
    match = PERSONAL_PATH.search(text)
    if match:
        return match.group("token")
    if "/" in text or not text:
        return None
    return text


def _fmt_time(value):
    from meetings.dates import format_date

    return format_date(value, "datetime")


def _resolve_registration(scanned):
    """The registration behind a scanned code, whatever its state; CheckinError when unknown."""
    token = extract_personal_token(scanned)
    key = read_personal_token(token) if token else None
    if key is None:
        raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
    # order_by(): Registration's default ordering joins provinces and roles, for nothing here.
    found = list(Registration.objects.select_related("province", "role", "venue").filter(token_key=key).order_by()[:1])
    if not found:
        raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
    return found[0]


def check_registration_for_checkin(registration, session, at):
    """Validate a registration for check-in at `at` (no writes). Raises CheckinError."""
    if registration.link_revoked or registration.status != RegistrationStatus.ACTIVE:
        raise CheckinError(MESSAGES[REVOKED], REVOKED, registration=registration)
    if registration.session_id != session.pk:
        raise CheckinError(MESSAGES[WRONG_SESSION], WRONG_SESSION, registration=registration)
    if not session.is_checkin_open(at):
        opens, closes = session.checkin_window
        message = gettext(MESSAGES[NOT_OPEN]) % {"opens": _fmt_time(opens), "closes": _fmt_time(closes)}
        raise CheckinError(message, NOT_OPEN, registration=registration)


def lookup_registration(session, scanned):
    """Look a scanned code up without checking in (API "look up a token"). Raises CheckinError."""
    registration = _resolve_registration(scanned)
    if registration.link_revoked or registration.status != RegistrationStatus.ACTIVE:
        raise CheckinError(MESSAGES[REVOKED], REVOKED, registration=registration)
    if registration.session_id != session.pk:
        raise CheckinError(MESSAGES[WRONG_SESSION], WRONG_SESSION)
    return registration


def is_expected_venue(registration, venue):
    """Whether `venue` is where the registration should sit: its own venue, else its province's room."""
    if venue is None:
        return True
    if registration.venue_id:
        return registration.venue_id == venue.pk
    return not venue.is_host and venue.province_id == registration.province_id


def _result_for_existing(checkin, registration, nonce):
    if nonce and checkin.nonce == nonce:
        # The same request again (a lost reply, a double tap): answer what the first one answered.
        code = WRONG_VENUE if checkin.wrong_venue else OK
        return CheckinResult(code, _message_for(code, checkin), registration, checkin, replayed=True)
    message = gettext(MESSAGES[ALREADY_CHECKED_IN]) % {"time": _fmt_time(checkin.checked_in_at)}
    return CheckinResult(ALREADY_CHECKED_IN, message, registration, checkin, extra={"first_checked_in_at": checkin.checked_in_at})


def _message_for(code, checkin):
    if code == WRONG_VENUE:
        return gettext(MESSAGES[WRONG_VENUE]) % {"venue": str(checkin.registration.venue or checkin.registration.province)}
    return gettext(MESSAGES[code])


def perform_checkin(
    *,
    session,
    method,
    scanned=None,
    registration_id=None,
    venue=None,
    user=None,
    device=None,
    nonce="",
    reason="",
    ip_address=None,
    at=None,
):
    """Check one person in; return a CheckinResult whose `code` is one of RESULT_CODES.

    Identify the person by `scanned` (a personal URL or token) or, for manual search and
    staff, by `registration_id`. Rejected attempts write nothing. A recorded check-in
    writes a CheckIn and a CheckInEvent and tells dashboards after commit.
    """
    at = at or timezone.now()
    nonce = (nonce or "")[:NONCE_MAX]
    if device is not None:
        venue = device.venue
    try:
        if registration_id is not None:
            found = list(Registration.objects.select_related("province", "role", "venue").filter(pk=registration_id).order_by()[:1])
            if not found:
                raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
            registration = found[0]
        else:
            registration = _resolve_registration(scanned)
        check_registration_for_checkin(registration, session, at)
        return _record_checkin(registration, session, method, venue, user, device, nonce, reason, ip_address, at)
    except CheckinError as error:
        return refusal_result(error)


def refusal_result(error):
    """The CheckinResult of a refused check-in (nothing recorded)."""
    reg = error.extra.get("registration")
    # Never show another session's attendee to a scanner of this one.
    if error.code == WRONG_SESSION:
        reg = None
    return CheckinResult(error.code, str(error.message), reg)


def _lock_registration(registration):
    """Lock the registration row until the transaction ends. Call inside transaction.atomic().

    On PostgreSQL this serialises concurrent undos of one person's check-in. SQLite has no row locks:
    its IMMEDIATE transactions (settings) already serialise every writer, so the query is skipped;
    the one-to-one constraint on CheckIn keeps a concurrent scan from adding a second record.
    """
    if connection.features.has_select_for_update:
        Registration.objects.select_for_update().filter(pk=registration.pk).order_by().values_list("pk", flat=True).get()


def _existing_checkin(registration):
    found = list(CheckIn.objects.select_related("venue").filter(registration=registration).order_by()[:1])
    if not found:
        return None
    found[0].registration = registration
    return found[0]


def new_checkin(registration, session, method, venue, user, device, nonce, at, wrong_venue):
    """A CheckIn as every path records it (unsaved): the one-by-one service and the batch."""
    return CheckIn(
        registration=registration,
        session=session,
        venue=venue,
        method=method,
        checked_in_at=at,
        wrong_venue=wrong_venue,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
        device=device,
        nonce=nonce,
    )


def _insert_checkin(registration, session, method, venue, user, device, nonce, reason, ip_address, at, wrong_venue):
    """Write the CheckIn and its audit event in one transaction; IntegrityError when either
    unique constraint (one check-in per registration, one use per nonce) refuses it."""
    with transaction.atomic():
        checkin = new_checkin(registration, session, method, venue, user, device, nonce, at, wrong_venue)
        checkin.save(force_insert=True)
        checkin_event(checkin, reason=reason, ip_address=ip_address).save(force_insert=True)
        session_id = session.pk
        transaction.on_commit(lambda: notify_attendance(session_id))
    return checkin


def checkin_event(checkin, *, reason="", ip_address=None):
    """The audit event of a new check-in (unsaved): who, when, how and where, as recorded."""
    return CheckInEvent(
        session=checkin.session,
        registration=checkin.registration,
        action=CheckInEventAction.CHECKIN,
        method=checkin.method,
        venue=checkin.venue,
        device=checkin.device,
        user=checkin.recorded_by,
        at=checkin.checked_in_at,
        wrong_venue=checkin.wrong_venue,
        reason=reason,
        ip_address=ip_address,
    )


def _record_checkin(registration, session, method, venue, user, device, nonce, reason, ip_address, at):
    """Insert first: the usual scan is a new arrival, and then it costs two INSERTs and nothing else.

    The database's unique constraints decide the rest. A refused insert means this person is
    already in (a second scan, a retry carrying the same nonce, or a concurrent scan that won)
    or the nonce was used for somebody else; both are answered from what is stored.
    """
    wrong_venue = not is_expected_venue(registration, venue)
    # A nonce is single-use per session. When the insert is refused and this person has no
    # check-in, the nonce marks somebody else's: a client bug, not a reason to turn this person
    # away, so the second attempt records without it.
    for attempt_nonce in (nonce, "") if nonce else ("",):
        try:
            checkin = _insert_checkin(
                registration, session, method, venue, user, device, attempt_nonce, reason, ip_address, at, wrong_venue
            )
            break
        except IntegrityError:
            existing = _existing_checkin(registration)
            if existing is not None:
                return _result_for_existing(existing, registration, nonce)
            if not attempt_nonce:
                raise
    checkin.registration = registration
    code = WRONG_VENUE if wrong_venue else OK
    return CheckinResult(code, _message_for(code, checkin), registration, checkin, created=True)


def undo_checkin(*, registration, user, reason, ip_address=None, at=None):
    """Remove a registration's check-in (central staff only), keeping the audit trail.

    Raises CheckinError: `not_allowed`, `reason_required` or `not_checked_in`.
    """
    from meetings.permissions import is_central

    if not is_central(user):
        raise CheckinError(_("Only central staff may undo a check-in"), "not_allowed")
    reason = (reason or "").strip()
    if not reason:
        raise CheckinError(_("Give a reason for undoing the check-in"), "reason_required")
    at = at or timezone.now()
    with transaction.atomic():
        _lock_registration(registration)
        checkin = CheckIn.objects.filter(registration=registration).first()
        if checkin is None:
            raise CheckinError(_("This person is not checked in"), "not_checked_in")
        CheckInEvent.objects.create(
            session_id=checkin.session_id,
            registration=registration,
            action=CheckInEventAction.UNDO,
            method=checkin.method,
            venue_id=checkin.venue_id,
            user=user,
            at=at,
            reason=reason,
            ip_address=ip_address,
        )
        checkin.delete()
        session_id = checkin.session_id
        transaction.on_commit(lambda: notify_attendance(session_id))
    return checkin


def issue_scanner_device(*, venue, name, user):
    """Create a device for one venue; return (device, token). The token is never stored or shown again."""
    token = ScannerDevice.new_token()
    device = ScannerDevice.objects.create(
        session=venue.session,
        venue=venue,
        name=(name or "").strip()[:100] or gettext("Scanner"),
        token_hash=ScannerDevice.hash_token(token),
        token_hint=token[:10],
        created_by=user,
    )
    return device, token


def revoke_scanner_device(*, device, user):
    if device.revoked_at is None:
        device.revoked_at = timezone.now()
        device.revoked_by = user
        device.save(update_fields=["revoked_at", "revoked_by"])
    return device


def authenticate_device(token):
    """The active device holding a bearer token, or None."""
    if not token or not token.startswith(ScannerDevice.TOKEN_PREFIX):
        return None
    device = (
        ScannerDevice.objects.active()
        .select_related("session", "venue", "venue__province")
        .filter(token_hash=ScannerDevice.hash_token(token))
        .first()
    )
    if device is not None:
        touch_device(device)
    return device


def touch_device(device):
    """Record that a device was used, at most once a minute: a busy desk must not write on every scan."""
    now = timezone.now()
    if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
        ScannerDevice.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now
