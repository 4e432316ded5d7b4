"""JSON API for scanners (django-ninja). Mounted at /api/; schema at /api/openapi.json,
interactive docs at /api/docs.

Two kinds of scanner call it. A scanner device carries `Authorization: Bearer <device token>`: a
token is issued per venue by its staff (Check-in → Scanner devices), is shown once, works only for
its own session and venue, and stops working when revoked, on the next request. The desk scanner
page calls the scanner endpoints (snapshot, batch upload, heartbeat) with its staff member's
session cookie and CSRF token, for a venue that staff member may see. Every check-in goes through
`attendance.services.perform_checkin`, so result codes are the same everywhere.

A device sees its own venue only: the people expected there (a lookup of anybody else answers as
a code that names nobody) and that venue's figures. Every answer the API gives is in its OpenAPI
schema, errors included: a refusal is `{"code", "message", "details"}` (meetings.errors.error_json)
with 400, 401 (no or a bad token or session), 403 (a staff call without its CSRF token), 404 (a
venue the caller may not see) or 422 (a request that does not fit the schema, `details.errors`
says where); 413 comes from the body-size limit in front of Django and 503 (with Retry-After)
from the database being away.
"""

from datetime import UTC, datetime
from typing import Annotated, Any

from django.db.models import Count
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf
from pydantic import AfterValidator, BaseModel, BeforeValidator, field_validator

from attendance.models import CheckIn, CheckInMethod, ScannerDevice, late_filter
from attendance.reports import people_for_venue
from attendance.selectors import get_scanner_snapshot
from attendance.services import (
    CODE_MAX,
    RESULT_CODES,
    CheckinError,
    authenticate_device,
    is_expected_venue,
    is_storable_text,
    lookup_registration,
    perform_checkin,
    person_summary,
    record_scanner_status,
    record_uploaded_scans,
)
from attendance.views._common import client_ip
from meetings.errors import DomainError, error_json
from meetings.middleware import DATABASE_UNAVAILABLE, RETRY_AFTER_SECONDS, database_unavailable_response
from meetings.models import Venue
from meetings.permissions import is_staff_member
from meetings.selectors import get_venue_for_user

# One upload carries at most this many scans: a full offline morning goes up in a few dozen.
BATCH_MAX = 200
# Ids are PostgreSQL bigints; a larger number is a malformed request (422), never a database error.
ID_MAX = 2**63 - 1
PENDING_MAX = 1_000_000


class DeviceBearer(HttpBearer):
    """`Authorization: Bearer <device token>`: an active device, looked up on every request."""

    def authenticate(self, request, token):
        return authenticate_device(token)


class StaffSession(SessionAuth):
    """The desk scanner page: a logged-in member of staff (session cookie and CSRF token).

    Without a staff login the answer is 401, whatever the CSRF token; a member of staff whose
    request lacks the token gets 403 (ninja would check the token first and answer 403 to all)."""

    def __init__(self):
        super().__init__(csrf=False)

    def authenticate(self, request, key):
        user = request.user
        if not is_staff_member(user):
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "csrf")
        return user


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


# ninja's own refusals answer in the API's one error shape (error_json), in the user's language.
@api.exception_handler(AuthenticationError)
def unauthorized(request, exc):
    message = gettext("Sign in, or send the scanner's token as Authorization: Bearer <token>; this one is missing, wrong or revoked.")
    return error_json(DomainError(message, code="unauthorized"), status=401)


@api.exception_handler(HttpError)
def http_error(request, exc):
    if exc.status_code == 403:
        message = gettext("The request lacks its CSRF token: reload the page and try again.")
        return error_json(DomainError(message, code="csrf_failed"), status=403)
    if exc.status_code == 400:  # ninja could not parse the body: a malformed request like any other
        return _invalid_request([{"loc": ["body"], "msg": "The body is not valid JSON", "type": "json_invalid"}])
    return error_json(DomainError(str(exc), code="http_error"), status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return error_json(DomainError(gettext("Not found, or not yours to see."), code="not_found"), status=404)


@api.exception_handler(ValidationError)
def invalid_request(request, exc):
    return _invalid_request(exc.errors)


def _invalid_request(errors):
    """422: where the request does not fit the schema, as pydantic says it (location, message, type)."""
    listed = [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]
    message = gettext("The request does not fit the API's schema; details.errors says where.")
    return error_json(DomainError(message, code="invalid_request", details={"errors": listed}), status=422)


def _storable(value):
    """Text as the database can store it: JSON allows a NUL character and a lone surrogate, which
    PostgreSQL refuses; the schema allows any string, so they are dropped (replaced) rather than refused."""
    if is_storable_text(value):
        return value
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _json_integer(value):
    """An integer as JSON Schema has it (5 or 5.0), not "5" or true, which pydantic would take."""
    if isinstance(value, bool) or not isinstance(value, int | float) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError("a whole number is expected")
    return int(value)


def _json_text(value):
    """A date-time is ISO 8601 text, not a number of seconds, which pydantic would take."""
    if not isinstance(value, str):
        raise ValueError("an ISO 8601 date-time is expected")
    return value


# What the schema says is what the API takes: pydantic's lax parsing accepts more than the schema
# documents, and a client that relies on it relies on something undocumented. For the same reason the
# request bodies are plain pydantic models: ninja's Schema reads attributes off any object, so a list
# would pass for a client.
Text = Annotated[str, AfterValidator(_storable)]
WholeNumber = Annotated[int, BeforeValidator(_json_integer)]
VenueId = Annotated[int, Field(ge=1, le=ID_MAX), BeforeValidator(_json_integer)]
DateTimeText = Annotated[datetime, BeforeValidator(_json_text)]


class CheckinIn(BaseModel):
    code: str
    nonce: Text = ""


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


class FieldErrorOut(Schema):
    loc: list[str | int]
    msg: str
    type: str


class InvalidDetailsOut(Schema):
    errors: list[FieldErrorOut]


class InvalidRequestOut(Schema):
    """422: the request does not fit the schema (a missing or malformed field, a body that is not JSON)."""

    code: str
    message: str
    details: InvalidDetailsOut


class UnavailableOut(Schema):
    """503 (meetings.middleware.database_unavailable_response): nothing was recorded; send it again after `retry_after` seconds."""

    code: str
    ok: bool
    level: str
    message: str
    retry_after: int


class TooLargeDetailsOut(Schema):
    limit: int


class TooLargeOut(Schema):
    """413 `body_too_large` (config/body_limit.py, in front of Django): the body is over `details.limit` bytes."""

    code: str
    message: str
    details: TooLargeDetailsOut


# Every status an operation may answer with, so the schema documents each body a client can get.
ERROR_BODIES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: TooLargeOut, 422: InvalidRequestOut, 503: UnavailableOut}
RETRY_AFTER = {
    "responses": {
        503: {
            "headers": {
                "Retry-After": {"description": f"Seconds to wait before sending again ({RETRY_AFTER_SECONDS})", "schema": {"type": "integer"}}
            }
        }
    }
}


def errors(*statuses):
    return {status: ERROR_BODIES[status] for status in statuses}


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
    """The people expected at the device's venue: how many are registered, checked in (anywhere), on time
    and late, by role; `venue_checked_in` counts everyone checked in at this venue, expected here or not."""

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


class ClientIn(BaseModel):
    """What a scanner says of itself with each upload or heartbeat."""

    id: Text = ""
    label: Text = ""
    pending: WholeNumber = Field(0, ge=0, le=PENDING_MAX)
    oldest_pending_at: DateTimeText | None = None

    @field_validator("oldest_pending_at")
    @classmethod
    def _in_utc(cls, value):
        """PostgreSQL takes offsets up to ±15:59 (ISO 8601 allows ±23:59): store the instant in UTC."""
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise ValueError("the time is out of range") from None


class BatchIn(BaseModel):
    venue: VenueId | None = None
    client: ClientIn | None = None
    # Each scan is {"code", "nonce", "scanned_at"}; checked one by one so that a bad scan gets
    # its own code and the good ones in the same upload are still recorded.
    scans: list[dict[str, Any]]


class ScanResultOut(CheckinOut):
    nonce: str = ""


class BatchOut(Schema):
    server_time: datetime
    results: list[ScanResultOut]


class HeartbeatIn(BaseModel):
    venue: VenueId | None = None
    client: ClientIn


class SnapshotSessionOut(Schema):
    id: int
    title: str
    starts_at: datetime
    ends_at: datetime
    checkin_opens_at: datetime
    checkin_closes_at: datetime


class SnapshotVenueOut(Schema):
    id: int
    name: str


class SnapshotCheckinOut(Schema):
    at: datetime
    time: str
    venue: str
    here: bool


class SnapshotPersonOut(Schema):
    """An active registration: its badge version `v`, whether it is expected `here`, whether it is `in`;
    only the people expected here carry `name` (first name and initial), `province` and `role`."""

    id: int
    v: int
    here: bool
    checked_in: SnapshotCheckinOut | None = Field(alias="in")
    name: str | None = None
    province: str | None = None
    role: str | None = None


class SnapshotOut(Schema):
    session: SnapshotSessionOut
    venue: SnapshotVenueOut
    public_key: str
    generated_at: datetime
    expires_at: datetime
    people: list[SnapshotPersonOut]
    revoked: list[int]


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


@api.get("/device", response={200: DeviceOut, **errors(401, 503)}, openapi_extra=RETRY_AFTER, summary="The device this token belongs to")
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
    response={200: CheckinOut, 201: CheckinOut, 400: CheckinOut, **errors(401, 413, 422, 503)},
    openapi_extra=RETRY_AFTER,
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
    response={200: BatchOut, **errors(400, 401, 403, 404, 413, 422, 503)},
    openapi_extra=RETRY_AFTER,
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
        client=payload.client.model_dump() if payload.client is not None else None,
        ip_address=client_ip(request),
    )
    return {"server_time": timezone.now(), "results": results}


@api.get(
    "/scanner/snapshot",
    auth=SCANNERS,
    response={200: SnapshotOut, **errors(401, 404, 422, 503)},
    by_alias=True,  # a person's check-in is "in"
    openapi_extra=RETRY_AFTER,
    summary="What a scanner needs to decide offline",
    description=(
        "The session's public key, its check-in window, the tickets that are revoked and, for every active "
        "registration, its ticket version, whether it is expected at this venue and whether it is checked in; "
        "for the people expected here, the least a desk needs to greet them (first name, initial, province, role). "
        "Scanners wipe it when `expires_at` has passed."
    ),
)
def snapshot(request, venue: int | None = Query(None, ge=1, le=ID_MAX)):
    venue_obj, _device, _user = _scanner_venue(request, venue)
    # Sent as it is: SnapshotOut documents it, and a desk fetches it after every upload, too often
    # for ninja to validate thousands of people each time (test_api_contract checks it).
    return JsonResponse(get_scanner_snapshot(venue_obj))


@api.post(
    "/scanner/heartbeat",
    auth=SCANNERS,
    response={200: ServerTimeOut, **errors(401, 403, 404, 413, 422, 503)},
    openapi_extra=RETRY_AFTER,
    summary="A scanner says it is alive and how many scans wait on it",
)
def heartbeat(request, payload: HeartbeatIn):
    venue, device, user = _scanner_venue(request, payload.venue)
    record_scanner_status(venue=venue, client=payload.client.model_dump(), device=device, actor=user)
    return {"server_time": timezone.now()}


@api.get(
    "/registrations/lookup",
    response={200: LookupOut, **errors(400, 401, 422, 503)},
    openapi_extra=RETRY_AFTER,
    summary="Look a check-in ticket or personal QR code up without checking in",
    description=(
        "Only the people expected at the device's venue are found: anyone else answers 400 `unknown_token`, "
        "as a code that names nobody. 400 also for `revoked` and `wrong_session` (naming nobody)."
    ),
)
def lookup(request, code: str):
    device = request.auth
    try:
        registration = lookup_registration(device.session, code[:CODE_MAX], venue=device.venue)
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


@api.get("/stats", response={200: StatsOut, **errors(401, 503)}, openapi_extra=RETRY_AFTER, summary="Attendance at the device's venue")
def stats(request):
    device = request.auth
    session = device.session
    registrations = people_for_venue(device.venue).select_related(None).order_by()
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
