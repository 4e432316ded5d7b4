"""JSON API for scanner devices (django-ninja). Mounted at /api/; schema at /api/openapi.json,
interactive docs at /api/docs.

Every call carries `Authorization: Bearer <device token>`. A token is issued per venue by
its staff (Check-in → Scanner devices), is shown once, works only for its own session and
venue, and stops working when revoked. Check-ins go through the same service as the desk
scanner, so result codes are the same everywhere.
"""
from datetime import datetime

from django.db.models import Count, Q
from django.http import JsonResponse
from django.utils.translation import get_language
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from attendance.checkin_batch import CheckinJob, submit_checkin
from attendance.db_threads import run_for_request
from attendance.models import CheckIn, CheckInMethod, ScannerDevice
from attendance.services import (
    RESULT_CODES,
    CheckinError,
    authenticate_device,
    is_expected_venue,
    lookup_registration,
)
from meetings.models import Registration


class DeviceBearer(HttpBearer):
    """`Authorization: Bearer <device token>`: an active device of the session.

    With `in_batch=True` (the check-in operation) only the token's form is checked here: the
    token is verified together with the scan, in one batch of database work
    (attendance/checkin_batch.py), and an unknown or revoked token still answers 401 with
    nothing recorded. Other operations look the device up here, on a database thread.
    """

    def __init__(self, in_batch=False):
        self.in_batch = in_batch
        super().__init__()

    async def authenticate(self, request, token):
        if self.in_batch:
            return token if token.startswith(ScannerDevice.TOKEN_PREFIX) else None
        device = await run_for_request(request, authenticate_device, token)
        if device is not None:
            request.device = device
        return device


api = NinjaAPI(
    title="Prachum check-in API",
    version="1",
    description=(
        "Scanner devices check participants in with their personal QR codes. Authenticate with "
        "`Authorization: Bearer <device token>`; a token belongs to one venue of one session. "
        "Result codes: " + ", ".join(f"`{code}`" for code in RESULT_CODES) + "."
    ),
    auth=DeviceBearer(),
    urls_namespace="api",
)


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
    code: str
    message: str


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


def _person(registration):
    return {
        "id": registration.pk, "name": registration.full_name, "province": registration.province.name,
        "role": registration.role.name, "position": registration.position, "organisation": registration.organisation,
    }


@api.get("/device", response=DeviceOut, summary="The device this token belongs to")
def device_info(request):
    device = request.device
    return {"name": device.name, "session_id": device.session_id, "session_title": device.session.title,
            "venue_id": device.venue_id, "venue_name": str(device.venue)}


@api.post(
    "/checkins",
    response={200: CheckinOut, 201: CheckinOut, 400: CheckinOut},
    summary="Check a participant in",
    auth=DeviceBearer(in_batch=True),
    description=(
        "`code` is what the scanner read from the personal QR code (the full personal URL, or the token). "
        "Send a fresh random `nonce` per scan and the same one on retries: a retried request records once "
        "and answers like the first. 201: recorded now (`ok`, or `wrong_venue`: recorded with a warning). "
        "200: `already_checked_in` (with the first time) or a retried request. 400: nothing recorded "
        "(`unknown_token`, `revoked`, `wrong_session`, `not_open`)."
    ),
)
async def create_checkin(request, payload: CheckinIn):
    job = CheckinJob(
        method=CheckInMethod.API, scanned=payload.code[:1000], nonce=payload.nonce, device_token=request.auth,
        ip_address=request.META.get("REMOTE_ADDR"), language=get_language() or "th",
    )
    outcome = await submit_checkin(request, job)
    if not outcome.allowed:
        raise AuthenticationError()
    result = outcome.result
    # `data` is the CheckinOut shape already (the API tests read it back through that schema):
    # sent as is, without a second validation pass on the hot path.
    return JsonResponse(outcome.data, status=201 if result.created else (200 if result.recorded else 400))


@api.get(
    "/registrations/lookup",
    response={200: LookupOut, 400: ErrorOut},
    summary="Look a personal QR code up without checking in",
)
def lookup(request, code: str):
    device = request.device
    try:
        registration = lookup_registration(device.session, code[:1000])
    except CheckinError as error:
        return Status(400, {"code": error.code, "message": str(error.message)})
    checkin = CheckIn.objects.filter(registration=registration).first()
    return Status(200, {
        "registration": _person(registration),
        "checked_in": checkin is not None,
        "checked_in_at": checkin.checked_in_at if checkin else None,
        "expected_here": is_expected_venue(registration, device.venue),
    })


@api.get("/stats", response=StatsOut, summary="Attendance of the device's session")
def stats(request):
    device = request.device
    session = device.session
    registrations = Registration.objects.active().filter(session=session)
    totals = registrations.aggregate(
        registered=Count("id"),
        checked_in=Count("checkin"),
        on_time=Count("checkin", filter=Q(checkin__checked_in_at__lte=session.starts_at)),
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
        "on_time": totals["on_time"],
        "late": checked_in - totals["on_time"],
        "venue_checked_in": CheckIn.objects.filter(session=session, venue=device.venue).count(),
        "roles": [
            {"role": row["role__name_en"] if english else row["role__name_th"], "registered": row["registered"], "checked_in": row["checked_in"]}
            for row in roles
        ],
    }
