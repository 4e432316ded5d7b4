"""JSON API for scanners (django-ninja). Mounted at /api/; schema at /api/openapi.json,
interactive docs at /api/docs.

Two kinds of scanner call it. A scanner device carries `Authorization: Bearer <device token>`: a
token is issued per venue by its staff (Check-in → Scanner devices), is shown once, works only for
its own session and venue, and stops working when revoked, on the next request. The desk scanner
page calls the scanner endpoints (snapshot, batch upload, heartbeat) with its staff member's
session cookie and CSRF token, for a venue that staff member may see. Every check-in goes through
`attendance.services.perform_checkin`, so result codes are the same everywhere.
"""

from datetime import datetime
from typing import Any

from django.db.models import Count
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language, gettext
from ninja import NinjaAPI, Schema, Status
from ninja.security import HttpBearer, SessionAuth

from attendance.models import CheckIn, CheckInMethod, ScannerDevice, late_filter
from attendance.selectors import get_scanner_snapshot
from attendance.services import (
    CODE_MAX,
    RESULT_CODES,
    CheckinError,
    authenticate_device,
    is_expected_venue,
    lookup_registration,
    perform_checkin,
    person_summary,
    record_scanner_status,
    record_uploaded_scans,
)
from attendance.views._common import client_ip
from meetings.errors import DomainError, error_json
from meetings.middleware import DATABASE_UNAVAILABLE, database_unavailable_response
from meetings.models import Venue
from meetings.permissions import is_staff_member
from meetings.selectors import get_venue_for_user
from registration.models import Registration

# One upload carries at most this many scans: a full offline morning goes up in a few dozen.
BATCH_MAX = 200


class DeviceBearer(HttpBearer):
    """`Authorization: Bearer <device token>`: an active device, looked up on every request."""

    def authenticate(self, request, token):
        return authenticate_device(token)


class StaffSession(SessionAuth):
    """The desk scanner page: a logged-in member of staff (session cookie and CSRF token)."""

    def authenticate(self, request, key):
        user = request.user
        return user if is_staff_member(user) else None


api = NinjaAPI(
    title="Prachum check-in API",
    version="2",
    description=(
        "Scanners check participants in with their signed check-in tickets (badges, personal pages) "
        "or, during the change, their personal-link QR codes. Devices authenticate with "
        "`Authorization: Bearer <device token>` (one venue of one session); the desk scanner page "
        "uses its staff session. Result codes: " + ", ".join(f"`{code}`" for code in RESULT_CODES) + "."
    ),
    auth=DeviceBearer(),
    urls_namespace="api",
)
SCANNERS = [DeviceBearer(), StaffSession()]


@api.exception_handler(DATABASE_UNAVAILABLE[0])
@api.exception_handler(DATABASE_UNAVAILABLE[1])
def database_unavailable(request, exc):
    return database_unavailable_response(request, exc)


class CheckinIn(Schema):
    code: str
    nonce: str = ""


class PersonOut(Schema):
    id: int
    name: str
    province: str
    role: str
    position: str = ""
    organisation: str = ""


class CheckinOut(Schema):
    code: str
    ok: bool
    level: str
    message: str
    replayed: bool = False
    registration: PersonOut | None = None
    checked_in_at: datetime | None = None
    checked_in_time: str | None = None
    venue: str | None = None
    wrong_venue: bool | None = None


class ErrorOut(Schema):
    """A refused call (meetings.errors.error_json): a stable code, a message for people, any details."""

    code: str
    message: str
    details: dict[str, Any] | None = None


class LookupOut(Schema):
    registration: PersonOut
    checked_in: bool
    checked_in_at: datetime | None = None
    expected_here: bool


class RoleCount(Schema):
    role: str
    registered: int
    checked_in: int


class StatsOut(Schema):
    session_id: int
    venue_id: int
    registered: int
    checked_in: int
    percent: float
    on_time: int
    late: int
    venue_checked_in: int
    roles: list[RoleCount]


class DeviceOut(Schema):
    name: str
    session_id: int
    session_title: str
    venue_id: int
    venue_name: str


class ClientIn(Schema):
    """What a scanner says of itself with each upload or heartbeat."""

    id: str = ""
    label: str = ""
    pending: int = 0
    oldest_pending_at: datetime | None = None


class BatchIn(Schema):
    venue: int | None = None
    client: ClientIn | None = None
    # Each scan is {"code", "nonce", "scanned_at"}; checked one by one so that a bad scan gets
    # its own code and the good ones in the same upload are still recorded.
    scans: list[dict[str, Any]]


class ScanResultOut(CheckinOut):
    nonce: str = ""


class BatchOut(Schema):
    server_time: datetime
    results: list[ScanResultOut]


class HeartbeatIn(Schema):
    venue: int | None = None
    client: ClientIn


class ServerTimeOut(Schema):
    server_time: datetime


def _scanner_venue(request, venue_id):
    """(venue, device, user) of a scanner call: a device's own venue, or a venue the staff member may see."""
    auth = request.auth
    if isinstance(auth, ScannerDevice):
        if venue_id is not None and venue_id != auth.venue_id:
            raise Http404
        return auth.venue, auth, None
    session_id = Venue.objects.filter(pk=venue_id).values_list("session_id", flat=True).first() if venue_id else None
    if session_id is None:
        raise Http404
    return get_venue_for_user(auth, session_id, venue_id), None, auth


@api.get("/device", response=DeviceOut, summary="The device this token belongs to")
def device_info(request):
    device = request.auth
    return {
        "name": device.name,
        "session_id": device.session_id,
        "session_title": device.session.title,
        "venue_id": device.venue_id,
        "venue_name": str(device.venue),
    }


def _status(result):
    return 201 if result.created else (200 if result.recorded else 400)


@api.post(
    "/checkins",
    response={200: CheckinOut, 201: CheckinOut, 400: CheckinOut},
    summary="Check a participant in",
    description=(
        "`code` is what the scanner read: a check-in ticket (`PT1.…`) or a personal-link URL. "
        "Send a fresh random `nonce` per scan and the same one on retries: a retried request records once "
        "and answers like the first. 201: recorded now (`ok`, or `wrong_venue`: recorded with a warning). "
        "200: `already_checked_in` (with the first time) or a retried request. 400: nothing recorded "
        "(`unknown_token`, `revoked`, `wrong_session`, `not_open`). 503 with Retry-After: the database "
        "cannot be reached; keep the scan and send it again later."
    ),
)
def create_checkin(request, payload: CheckinIn):
    device = request.auth
    result = perform_checkin(
        session=device.session,
        method=CheckInMethod.API,
        scanned=payload.code[:CODE_MAX],
        device=device,
        nonce=payload.nonce,
        ip_address=client_ip(request),
    )
    return Status(_status(result), result.as_dict())


@api.post(
    "/checkins/batch",
    auth=SCANNERS,
    response={200: BatchOut, 400: ErrorOut},
    summary="Upload scans made offline (or online), each recorded at its scanned time",
    description=(
        f'Up to {BATCH_MAX} scans, each `{{"code", "nonce", "scanned_at"}}` (ISO 8601 with its offset). '
        "Every scan is checked and recorded on its own, at the time it was scanned, and answered in "
        "`results` in the same order; a scan sent again with the same nonce answers like the first time "
        "(`replayed`). Per-scan refusals: `unknown_token`, `revoked`, `wrong_session`, `not_open`, "
        "`future_time`, `duplicate_nonce`, `bad_scan`; conflicts: `already_checked_in`. The whole upload "
        "is refused (400, nothing written) when it has no scan (`empty_batch`) or too many (`too_many_scans`). "
        "503 with Retry-After: keep the queue and send it again later; nothing is recorded twice."
    ),
)
def upload_checkins(request, payload: BatchIn):
    venue, device, user = _scanner_venue(request, payload.venue)
    if not payload.scans:
        return error_json(DomainError(gettext("The upload holds no scan."), code="empty_batch"))
    if len(payload.scans) > BATCH_MAX:
        message = gettext("One upload may hold at most %(max)s scans; send the rest in the next one.") % {"max": BATCH_MAX}
        return error_json(DomainError(message, code="too_many_scans", details={"max": BATCH_MAX}))
    results = record_uploaded_scans(
        venue=venue,
        scans=payload.scans,
        method=CheckInMethod.API if device else CheckInMethod.SCANNER,
        actor=user,
        device=device,
        client=payload.client.dict() if payload.client is not None else None,
        ip_address=client_ip(request),
    )
    return {"server_time": timezone.now(), "results": results}


@api.get(
    "/scanner/snapshot",
    auth=SCANNERS,
    summary="What a scanner needs to decide offline",
    description=(
        "The session's public key, its check-in window, the tickets that are revoked and, for every active "
        "registration, its ticket version, whether it is expected at this venue and whether it is checked in; "
        "for the people expected here, the least a desk needs to greet them (first name, initial, province, role). "
        "Scanners wipe it when `expires_at` has passed."
    ),
)
def snapshot(request, venue: int | None = None):
    venue_obj, _device, _user = _scanner_venue(request, venue)
    return get_scanner_snapshot(venue_obj)


@api.post("/scanner/heartbeat", auth=SCANNERS, response=ServerTimeOut, summary="A scanner says it is alive and how many scans wait on it")
def heartbeat(request, payload: HeartbeatIn):
    venue, device, user = _scanner_venue(request, payload.venue)
    record_scanner_status(venue=venue, client=payload.client.dict(), device=device, actor=user)
    return {"server_time": timezone.now()}


@api.get(
    "/registrations/lookup",
    response={200: LookupOut, 400: ErrorOut},
    summary="Look a check-in ticket or personal QR code up without checking in",
)
def lookup(request, code: str):
    device = request.auth
    try:
        registration = lookup_registration(device.session, code[:CODE_MAX])
    except CheckinError as error:
        return error_json(error)
    checkin = CheckIn.objects.filter(registration=registration).first()
    return Status(
        200,
        {
            "registration": person_summary(registration),
            "checked_in": checkin is not None,
            "checked_in_at": checkin.checked_in_at if checkin else None,
            "expected_here": is_expected_venue(registration, device.venue),
        },
    )


@api.get("/stats", response=StatsOut, summary="Attendance of the device's session")
def stats(request):
    device = request.auth
    session = device.session
    registrations = Registration.objects.active().filter(session=session)
    totals = registrations.aggregate(
        registered=Count("id"),
        checked_in=Count("checkin"),
        late=Count("checkin", filter=late_filter(session.starts_at, through="checkin__")),
    )
    roles = (
        registrations.values("role__name_th", "role__name_en", "role__order")
        .annotate(registered=Count("id"), checked_in=Count("checkin"))
        .order_by("role__order")
    )
    english = (get_language() or "th").startswith("en")
    registered, checked_in = totals["registered"], totals["checked_in"]
    return {
        "session_id": session.pk,
        "venue_id": device.venue_id,
        "registered": registered,
        "checked_in": checked_in,
        "percent": round(100 * checked_in / registered, 1) if registered else 0.0,
        "on_time": checked_in - totals["late"],
        "late": totals["late"],
        "venue_checked_in": CheckIn.objects.filter(session=session, venue=device.venue).count(),
        "roles": [
            {"role": row["role__name_en"] if english else row["role__name_th"], "registered": row["registered"], "checked_in": row["checked_in"]}
            for row in roles
        ],
    }
