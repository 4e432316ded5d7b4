"""Attendance writes (check-in, undo, device tokens, scanner status). Every path — desk scanner,
venue QR, manual, JSON API — goes through these functions.

Every write takes keyword-only arguments, names the acting staff user `actor` (None for a device
or an attendee checking themselves in), runs in one transaction and tells dashboards only after
commit. Refusals are CheckinErrors (a DomainError: a translated message and a stable code).

`perform_checkin` is safe under concurrent scans of one code: it inserts first and lets the
database's one-to-one CheckIn and (session, nonce) unique constraints refuse a second record
(on PostgreSQL a concurrent insert waits for the first one's commit, then fails); a refused
insert is answered from the stored check-in, so a retried request that carries the same
client nonce gets the first answer back instead of a second record.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from attendance.broadcast import notify_attendance
from attendance.models import CheckIn, CheckInEvent, CheckInEventAction, CheckInMethod, ScannerDevice, ScannerStatus, SelfCheckinTicket
from meetings.audit import record
from meetings.dates import format_date, format_time
from meetings.errors import DomainError
from meetings.models import AuditAction
from meetings.permissions import is_central
from meetings.reference_cache import attach_reference_data
from registration.models import Registration, RegistrationStatus
from registration.tickets import TicketError, looks_like_ticket, read_ticket
from registration.tokens import read_personal_token

# Stable result codes (the API, the scanner page and tests rely on these strings).
OK = "ok"
ALREADY_CHECKED_IN = "already_checked_in"
UNKNOWN_TOKEN = "unknown_token"
REVOKED = "revoked"
WRONG_SESSION = "wrong_session"
NOT_OPEN = "not_open"
WRONG_VENUE = "wrong_venue"
FUTURE_TIME = "future_time"
DUPLICATE_NONCE = "duplicate_nonce"
BAD_SCAN = "bad_scan"
RESULT_CODES = (
    OK,
    ALREADY_CHECKED_IN,
    UNKNOWN_TOKEN,
    REVOKED,
    WRONG_SESSION,
    NOT_OPEN,
    WRONG_VENUE,
    FUTURE_TIME,
    DUPLICATE_NONCE,
    BAD_SCAN,
)

MESSAGES = {
    OK: _("Checked in"),
    ALREADY_CHECKED_IN: _("Already checked in at %(venue)s at %(time)s"),
    UNKNOWN_TOKEN: _("Unknown QR code: this is not a check-in ticket or personal link of Prachum"),
    REVOKED: _("This personal link was revoked or the registration cancelled"),
    WRONG_SESSION: _("This person is registered for another session"),
    NOT_OPEN: _("Check-in is not open now (it opens at %(opens)s and closes at %(closes)s)"),
    WRONG_VENUE: _("Checked in at another venue than the registered one (%(venue)s)"),
    FUTURE_TIME: _("The scan's time is in the future: check the scanner's clock"),
    DUPLICATE_NONCE: _("The same scan appears twice in one upload; only the first one counts"),
    BAD_SCAN: _("The scan lacks its code, its nonce or a valid time"),
}
TICKET_REPLACED = _("This badge was replaced by a newer one: ask for the new badge or check in by name")
# Green: recorded. Amber: recorded with a warning, or already in. Red: nothing recorded.
LEVELS = {OK: "success", WRONG_VENUE: "warning", ALREADY_CHECKED_IN: "warning"}

PERSONAL_PATH = re.compile(r"/p/(?P<token>[^/?#\s]+)/?")
NONCE_MAX = 64
CODE_MAX = 1000  # longer than any ticket or personal link
# A scanner's clock may run a little ahead of the server's; scans uploaded later may be timed
# a little outside the check-in window (a desk opened early, the last person at the door).
CLOCK_GRACE = datetime.timedelta(minutes=2)


class CheckinError(DomainError):
    """A refused check-in, undo or lookup; `code` is one of RESULT_CODES or an undo refusal."""


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
        data = {"code": self.code, "ok": self.code in (OK, WRONG_VENUE), "level": self.level, "message": str(self.message), "replayed": self.replayed}
        if self.registration is not None and self.code not in (UNKNOWN_TOKEN,):
            data["registration"] = person_summary(self.registration)
        if self.checkin is not None:
            data["checked_in_at"] = self.checkin.checked_in_at.isoformat()
            data["checked_in_time"] = format_time(self.checkin.checked_in_at)
            data["venue"] = str(self.checkin.venue) if self.checkin.venue_id else None
            data["wrong_venue"] = self.checkin.wrong_venue
        return data


def person_summary(registration):
    """Who a scan found, as scanners show it (province and role loaded with the registration)."""
    return {
        "id": registration.pk,
        "name": registration.full_name,
        "province": registration.province.name,
        "role": registration.role.name,
        "position": registration.position,
        "organisation": registration.organisation,
    }


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
    return format_date(value, "datetime")


@dataclass
class Scanned:
    """Who a scanned code names: the registration (whatever its state), whether the code was a
    personal link, and the badge version a ticket carried (None for a personal link)."""

    registration: Registration
    by_link: bool = False
    ticket_version: int | None = None


# The columns a check-in reads. Django's CPU per query grows with every column it compiles and
# loads, and a scan is the hottest path there is (measured in bench/: a third of a check-in's CPU
# went to compiling and loading the columns of joined rows it never read).
SCAN_FIELDS = (
    "session",
    "province",
    "venue",
    "role",
    "prefix",
    "first_name",
    "last_name",
    "position",
    "organisation",
    "status",
    "link_revoked",
    "ticket_version",
)
DEVICE_FIELDS = (
    "session",
    "venue",
    "name",
    "last_used_at",
    "revoked_at",
    "session__title",
    "session__starts_at",
    "session__ends_at",
    "session__status",
    "session__checkin_opens_at",
    "session__checkin_closes_at",
    "venue__session",
    "venue__province",
    "venue__is_host",
    "venue__name",
    "venue__room",
)


def _registration_with_people(**lookup):
    """The registration a scan names, its province and role from the process's reference cache (a
    join of each costs a check-in more CPU than its two INSERTs)."""
    found = list(Registration.objects.only(*SCAN_FIELDS).filter(**lookup).order_by()[:1])
    if not found:
        raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
    return attach_reference_data(found)[0]


def _resolve_scan(scanned, session=None):
    """Who a scanned code (a check-in ticket or a personal link) names; CheckinError when it is
    unknown, forged or another session's ticket. Whether that person may check in is
    check_registration_for_checkin's question."""
    if looks_like_ticket(scanned):
        try:
            ticket = read_ticket(scanned)
        except TicketError:
            raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN) from None
        if session is not None and ticket.session_id != session.pk:
            raise CheckinError(MESSAGES[WRONG_SESSION], WRONG_SESSION)
        registration = _registration_with_people(pk=ticket.registration_id, session_id=ticket.session_id)
        return Scanned(registration, ticket_version=ticket.version)
    token = extract_personal_token(scanned)
    key = read_personal_token(token) if token else None
    if key is None:
        raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
    return Scanned(_registration_with_people(token_key=key), by_link=True)


def _check_may_enter(scanned, session):
    """The person is this session's and their code still counts: a replaced badge, a cancelled
    registration or a revoked personal link (by that link, not by the badge's ticket) is refused."""
    registration = scanned.registration
    if scanned.ticket_version is not None and scanned.ticket_version != registration.ticket_version:
        raise CheckinError(TICKET_REPLACED, REVOKED)
    if registration.status != RegistrationStatus.ACTIVE or (scanned.by_link and registration.link_revoked):
        raise CheckinError(MESSAGES[REVOKED], REVOKED)
    if registration.session_id != session.pk:
        raise CheckinError(MESSAGES[WRONG_SESSION], WRONG_SESSION)


def check_registration_for_checkin(scanned, session, at, *, grace=datetime.timedelta(0)):
    """Validate a Scanned person for check-in at `at` (no writes). Raises CheckinError."""
    _check_may_enter(scanned, session)
    opens, closes = session.checkin_window
    if not (opens - grace <= at <= closes + grace):
        message = gettext(MESSAGES[NOT_OPEN]) % {"opens": _fmt_time(opens), "closes": _fmt_time(closes)}
        raise CheckinError(message, NOT_OPEN)


def lookup_registration(session, scanned, venue=None):
    """Look a scanned code up without checking in (API "look up a token"). Raises CheckinError.

    With a `venue` (a scanner device's), a person of the session who is not expected there is
    `unknown_token`, as a code that names nobody: a device learns nothing of other venues' people."""
    found = _resolve_scan(scanned, session)
    registration = found.registration
    if venue is not None and registration.session_id == session.pk and not is_expected_venue(registration, venue):
        raise CheckinError(MESSAGES[UNKNOWN_TOKEN], UNKNOWN_TOKEN)
    _check_may_enter(found, session)
    return registration


def is_expected_venue(registration, venue):
    """Whether `venue` is where the registration should sit (no venue: nothing to compare)."""
    return venue is None or registration.is_expected_at(venue)


def _result_for_existing(checkin, registration, nonce):
    if nonce and checkin.nonce == nonce:
        # The same request again (a lost reply, a double tap): answer what the first one answered.
        code = WRONG_VENUE if checkin.wrong_venue else OK
        return CheckinResult(code, _message_for(code, checkin), registration, checkin, replayed=True)
    message = gettext(MESSAGES[ALREADY_CHECKED_IN]) % {
        "time": _fmt_time(checkin.checked_in_at),
        "venue": str(checkin.venue) if checkin.venue_id else "-",
    }
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
    actor=None,
    device=None,
    nonce="",
    reason="",
    ip_address=None,
    at=None,
):
    """Check one person in; return a CheckinResult whose `code` is one of RESULT_CODES.

    Identify the person by `scanned` (a check-in ticket, a personal URL or token) or, for manual
    search and staff, by `registration_id`. `at` is when the person was scanned: now, or for a
    scan uploaded later by an offline scanner, the scanner's time (refused in the future, and
    outside the check-in window beyond CLOCK_GRACE). `actor` is the member of staff at the desk
    (None for a device or a self check-in). Rejected attempts write nothing. A recorded check-in
    writes a CheckIn and a CheckInEvent in one transaction and tells dashboards after commit.
    """
    now = timezone.now()
    grace = CLOCK_GRACE if at is not None else datetime.timedelta(0)
    at = at or now
    nonce = (nonce or "")[:NONCE_MAX] if is_storable_text(nonce or "") else ""  # a nonce the database cannot hold is no nonce
    if device is not None:
        venue = device.venue
    found = None
    try:
        if at > now + CLOCK_GRACE:
            raise CheckinError(MESSAGES[FUTURE_TIME], FUTURE_TIME)
        if registration_id is not None:
            found = Scanned(_registration_with_people(pk=registration_id))
        else:
            found = _resolve_scan(scanned, session)
        check_registration_for_checkin(found, session, at, grace=grace)
        return _record_checkin(found.registration, session, method, venue, actor, device, nonce, reason, ip_address, at)
    except CheckinError as error:
        return refusal_result(error, found.registration if found else None)


def refused(code, **params):
    """A refusal that needs no lookup (a malformed scan in an upload)."""
    message = gettext(MESSAGES[code]) % params if params else gettext(MESSAGES[code])
    return CheckinResult(code, message)


def refusal_result(error, registration=None):
    """The CheckinResult of a refused check-in (nothing recorded), naming the person when known."""
    # Never show another session's attendee to a scanner of this one.
    if error.code == WRONG_SESSION:
        registration = None
    return CheckinResult(error.code, str(error.message), registration)


def _lock_registration(registration):
    """Lock the registration row until the transaction ends. Call inside transaction.atomic().

    On PostgreSQL this serialises concurrent undos of one person's check-in. SQLite has no row locks:
    its IMMEDIATE transactions (settings) already serialise every writer, so the query is skipped;
    the one-to-one constraint on CheckIn keeps a concurrent scan from adding a second record.
    """
    if connection.features.has_select_for_update:
        Registration.objects.select_for_update().filter(pk=registration.pk).values_list("pk", flat=True).get()


def _existing_checkin(registration):
    found = list(CheckIn.objects.select_related("venue").filter(registration=registration).order_by()[:1])
    if not found:
        return None
    found[0].registration = registration
    return found[0]


def new_checkin(registration, session, method, venue, actor, device, nonce, at, wrong_venue):
    """A CheckIn as every path records it (unsaved)."""
    return CheckIn(
        registration=registration,
        session=session,
        venue=venue,
        method=method,
        checked_in_at=at,
        wrong_venue=wrong_venue,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        device=device,
        nonce=nonce,
    )


def _insert_checkin(registration, session, method, venue, actor, device, nonce, reason, ip_address, at, wrong_venue):
    """Write the CheckIn and its audit event in one transaction; IntegrityError when either
    unique constraint (one check-in per registration, one use per nonce) refuses it."""
    with transaction.atomic():
        checkin = new_checkin(registration, session, method, venue, actor, device, nonce, at, wrong_venue)
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


def _record_checkin(registration, session, method, venue, actor, device, nonce, reason, ip_address, at):
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
            checkin = _insert_checkin(registration, session, method, venue, actor, device, attempt_nonce, reason, ip_address, at, wrong_venue)
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


def undo_checkin(*, registration, actor, reason, ip_address=None, at=None):
    """Remove a registration's check-in (central staff only), keeping the audit trail.

    Raises CheckinError: `not_allowed`, `reason_required` or `not_checked_in`.
    """
    if not is_central(actor):
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
            user=actor,
            at=at,
            reason=reason,
            ip_address=ip_address,
        )
        record(
            action=AuditAction.CHECKIN_UNDONE,
            actor=actor,
            obj=registration,
            summary=_("Check-in of registration %(id)s in session %(session)s undone"),
            params={"id": registration.pk, "session": checkin.session_id},
            details={"session": checkin.session_id, "checkin_venue": checkin.venue_id, "method": checkin.method},
            ip_address=ip_address,
        )
        checkin.delete()
        session_id = checkin.session_id
        transaction.on_commit(lambda: notify_attendance(session_id))
    return checkin


def issue_scanner_device(*, venue, name, actor):
    """Create a device for one venue; return (device, token). The token is never stored or shown again."""
    token = ScannerDevice.new_token()
    with transaction.atomic():
        device = ScannerDevice.objects.create(
            session=venue.session,
            venue=venue,
            name=(name or "").strip()[:100] or gettext("Scanner"),
            token_hash=ScannerDevice.hash_token(token),
            token_hint=token[:10],
            created_by=actor,
        )
    return device, token


def revoke_scanner_device(*, device, actor):
    """Stop a device's token working, from its next request. Revoking twice keeps the first revocation."""
    with transaction.atomic():
        now = timezone.now()
        if ScannerDevice.objects.filter(pk=device.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=actor):
            device.revoked_at, device.revoked_by = now, actor
        else:
            device.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return device


def authenticate_device(token):
    """The active device holding a bearer token, or None."""
    if not token or not token.startswith(ScannerDevice.TOKEN_PREFIX):
        return None
    found = list(
        ScannerDevice.objects.active()
        .select_related("session", "venue")
        .only(*DEVICE_FIELDS)
        .filter(token_hash=ScannerDevice.hash_token(token))
        .order_by()[:1]
    )
    device = found[0] if found else None
    if device is not None:
        touch_device(device=device)
    return device


def touch_device(*, device):
    """Record that a device was used, at most once a minute: a busy desk must not write on every scan."""
    now = timezone.now()
    if device.last_used_at is None or (now - device.last_used_at).total_seconds() > 60:
        ScannerDevice.objects.filter(pk=device.pk).update(last_used_at=now)
        device.last_used_at = now


def is_storable_text(text):
    """Whether the database can store `text`: JSON and form posts may carry a NUL character or a
    lone surrogate, which PostgreSQL refuses (an error, not a refusal, if they reached it)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_uploaded_scan(scan):
    """(code, nonce, scanned_at) of one uploaded scan, or None when a part is missing or malformed."""
    if not isinstance(scan, dict):
        return None
    code, nonce, scanned_at = scan.get("code"), scan.get("nonce"), scan.get("scanned_at")
    if not isinstance(code, str) or not code.strip() or len(code) > CODE_MAX:
        return None
    if not isinstance(nonce, str) or not nonce.strip() or len(nonce) > NONCE_MAX or not is_storable_text(nonce):
        return None
    if not isinstance(scanned_at, str):
        return None
    try:
        at = datetime.datetime.fromisoformat(scanned_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:  # a time without its offset could be anyone's clock
        return None
    return code.strip(), nonce.strip(), at


def record_uploaded_scans(*, venue, scans, method, actor=None, device=None, client=None, ip_address=None):
    """Check in every scan a scanner uploaded (each {"code", "nonce", "scanned_at"}), each on its
    own and at its scanned time, then remember the scanner's status. Returns one result dict per
    scan, in order, with its nonce: a malformed scan is `bad_scan`, a nonce repeated in the same
    upload `duplicate_nonce`, and the good ones in the same upload are recorded all the same."""
    seen, results = set(), []
    for scan in scans:
        parsed = _parse_uploaded_scan(scan)
        nonce = str(scan.get("nonce") or "")[:NONCE_MAX] if isinstance(scan, dict) else ""
        if parsed is None:
            result = refused(BAD_SCAN)
        elif parsed[1] in seen:
            result = refused(DUPLICATE_NONCE)
        else:
            code, nonce, at = parsed
            seen.add(nonce)
            result = perform_checkin(
                session=venue.session,
                method=method,
                scanned=code,
                venue=venue,
                actor=actor,
                device=device,
                nonce=nonce,
                at=at,
                ip_address=ip_address,
            )
        results.append({**result.as_dict(), "nonce": nonce})
    if client is not None:
        record_scanner_status(venue=venue, client=client, device=device, actor=actor, synced=True)
    return results


def record_scanner_status(*, venue, client, device=None, actor=None, synced=False):
    """Remember what a scanner said of itself: alive now, how many scans wait on it, and (after
    an upload) when it last synced. `client` is the parsed {"id", "label", "pending",
    "oldest_pending_at"}; without an id there is nothing to remember. Tells dashboards."""
    client_id = (client or {}).get("id")
    if not client_id:
        return None
    now = timezone.now()
    values = {
        "session_id": venue.session_id,
        "label": (client.get("label") or "")[:100],
        "device": device,
        "user": actor if getattr(actor, "is_authenticated", False) else None,
        "last_seen_at": now,
        "pending": max(0, int(client.get("pending") or 0)),
        "oldest_pending_at": client.get("oldest_pending_at"),
    }
    if synced:
        values["last_sync_at"] = now
    with transaction.atomic():
        status, _created = ScannerStatus.objects.update_or_create(venue=venue, client_id=str(client_id)[:64], defaults=values)
        session_id = venue.session_id
        transaction.on_commit(lambda: notify_attendance(session_id))
    return status


# --- self check-in by venue QR ------------------------------------------------------------------

TICKET_USED = "ticket_used"
TICKET_USED_MESSAGE = _(
    "This scan of the venue's code has already checked someone in. Scan the code on the screen at the venue again, or ask the staff at the desk."
)


def perform_self_checkin(*, venue, ticket_key, scanned, nonce="", ip_address=None):
    """Check in the person a phone names (`scanned`: their personal link or token) with the ticket
    that scanning `venue`'s QR code gave that phone. One ticket checks in one person: the first
    recorded check-in claims it (a unique row), a retry by that person answers as before, and
    anyone else is refused with `ticket_used` and nothing recorded (their check-in is rolled back).
    A refused check-in (unknown link, check-in closed…) leaves the ticket unused."""
    try:
        with transaction.atomic():
            result = perform_checkin(
                session=venue.session, method=CheckInMethod.SELF, scanned=scanned, venue=venue, nonce=nonce, ip_address=ip_address
            )
            if result.recorded:
                _claim_self_checkin_ticket(ticket_key, result.registration, venue)
    except CheckinError as error:
        return refusal_result(error)
    return result


def _claim_self_checkin_ticket(key, registration, venue):
    """Mark the ticket used by `registration`, or raise CheckinError when somebody else used it.
    Call inside the transaction of the check-in. On PostgreSQL a concurrent claim of the same
    ticket waits for the first one's commit, then fails on the unique key."""
    try:
        with transaction.atomic():
            SelfCheckinTicket.objects.create(key=key, registration=registration, venue=venue)
    except IntegrityError:
        if not SelfCheckinTicket.objects.filter(key=key, registration=registration).exists():
            raise CheckinError(TICKET_USED_MESSAGE, TICKET_USED) from None
