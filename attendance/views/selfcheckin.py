"""Self check-in: a venue screen shows a QR that rotates every 15 s; an attendee scans it with
their phone and confirms with their personal link (remembered on the phone)."""

import secrets
import time

from django.core import signing
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from attendance.forms import PersonalLinkForm
from attendance.models import CheckIn
from attendance.services import REVOKED, UNKNOWN_TOKEN, extract_personal_token, perform_self_checkin
from attendance.venue_codes import ROTATION_SECONDS, VenueCodeError, make_venue_code, read_venue_code, seconds_left
from attendance.views._common import client_ip
from meetings.models import SessionStatus, Venue
from meetings.permissions import staff_required
from meetings.qr import qr_svg
from meetings.selectors import get_venue_for_user
from meetings.site import absolute_url
from registration.models import Registration
from registration.personal_cookie import forget_personal_token, remember_personal_token, remembered_personal_token
from registration.tokens import read_personal_token

# A valid scan opens a confirmation form; the form is good for this long (the code itself
# rotates every 15 s, far too short for a person to read and tap). Its ticket carries a random
# key: one ticket checks in one person (attendance.services.perform_self_checkin).
TICKET_SALT = "prachum.attendance.self-checkin-ticket"
TICKET_MAX_AGE = 180


def clock():
    """Seconds since the epoch; tests replace it to walk the rotation windows."""
    return time.time()


def _venue_qr(request, venue, now):
    code = make_venue_code(venue.pk, now)
    return code, absolute_url(reverse("attendance:self_checkin", kwargs={"code": code}), request)


@never_cache
@staff_required
def venue_display(request, session_pk, venue_pk):
    """Full-screen page for a projector or tablet at the venue."""
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    code, url = _venue_qr(request, venue, clock())
    return render(
        request,
        "attendance/venue_display.html",
        {
            "venue": venue,
            "session": venue.session,
            "qr": qr_svg(url),
            "rotation": ROTATION_SECONDS,
            "display_strings": {"present": _("%(count)s checked in here")},
        },
    )


@never_cache
@staff_required
def venue_display_code(request, session_pk, venue_pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    now = clock()
    code, url = _venue_qr(request, venue, now)
    present = CheckIn.objects.filter(venue=venue).count()
    return JsonResponse({"svg": qr_svg(url), "url": url, "expires_in": round(seconds_left(now), 3), "present": present})


def _remembered_registration(request):
    token = remembered_personal_token(request)
    key = read_personal_token(token) if token else None
    if key is None:
        return None, None
    registration = (
        Registration.objects.active().select_related("session", "province", "role", "venue").filter(token_key=key, link_revoked=False).first()
    )
    return (registration, token) if registration else (None, None)


def _refused(request, status, title, message):
    return render(request, "attendance/self_checkin_refused.html", {"title": title, "message": message}, status=status)


@never_cache
def self_checkin(request, code):
    """GET: check the scanned venue code and ask the attendee to confirm. POST: check in."""
    if request.method == "POST":
        return _self_checkin_confirm(request, code)
    try:
        venue_id = read_venue_code(code, clock())
    except VenueCodeError as error:
        if error.code == "expired":
            return _refused(
                request, 410, _("This QR code has expired"), _("This code is old (perhaps a photo). Scan the code on the screen at the venue again.")
            )
        return _refused(
            request, 400, _("This QR code is not valid"), _("This is not a check-in code of Prachum. Scan the code on the screen at the venue.")
        )
    venue = Venue.objects.select_related("session", "province").filter(pk=venue_id).exclude(session__status=SessionStatus.DRAFT).first()
    if venue is None:
        raise Http404("no such venue")
    ticket = signing.TimestampSigner(salt=TICKET_SALT).sign_object({"v": venue.pk, "c": code, "t": secrets.token_urlsafe(16)})
    registration, _token = _remembered_registration(request)
    return render(
        request,
        "attendance/self_checkin.html",
        {
            "venue": venue,
            "session": venue.session,
            "registration": registration,
            "ticket": ticket,
            "nonce": secrets.token_urlsafe(12),
            "link_form": PersonalLinkForm(),
            "code": code,
            "other_session": registration is not None and registration.session_id != venue.session_id,
        },
    )


def _self_checkin_confirm(request, code):
    try:
        ticket = signing.TimestampSigner(salt=TICKET_SALT).unsign_object(request.POST.get("ticket", ""), max_age=TICKET_MAX_AGE)
    except signing.SignatureExpired:
        return _refused(
            request, 410, _("This QR code has expired"), _("Too much time passed since the scan. Scan the code on the screen at the venue again.")
        )
    except signing.BadSignature:
        return _refused(
            request, 400, _("This QR code is not valid"), _("This is not a check-in code of Prachum. Scan the code on the screen at the venue.")
        )
    if ticket.get("c") != code or not isinstance(ticket.get("t"), str) or not ticket["t"]:
        return _refused(
            request, 400, _("This QR code is not valid"), _("This is not a check-in code of Prachum. Scan the code on the screen at the venue.")
        )
    venue = Venue.objects.select_related("session", "province").filter(pk=ticket.get("v")).first()
    if venue is None:
        raise Http404("no such venue")
    remember = False
    form = PersonalLinkForm(request.POST) if "personal_link" in request.POST else None
    if form is not None:
        if not form.is_valid():
            token = None
        else:
            token = extract_personal_token(form.cleaned_data["personal_link"])
            remember = True
    else:
        _registration, token = _remembered_registration(request)
    if not token:
        return _refused(
            request,
            400,
            _("We do not know who you are yet"),
            _("Open your personal link (from your registration message) on this phone once, then scan the code at the venue again."),
        )
    result = perform_self_checkin(
        venue=venue, ticket_key=ticket["t"], scanned=token, nonce=request.POST.get("nonce", ""), ip_address=client_ip(request)
    )
    # Where the attendee goes next: their personal page (agenda, join link, learning modules).
    personal_path = None
    if result.registration is not None and result.code not in (UNKNOWN_TOKEN, REVOKED) and not result.registration.link_revoked:
        personal_path = result.registration.get_personal_path()
    response = render(
        request,
        "attendance/self_checkin_result.html",
        {"result": result, "venue": venue, "session": venue.session, "personal_path": personal_path},
        status=200 if result.recorded else 400,
    )
    if remember and result.registration is not None and result.code not in ("unknown_token", "revoked"):
        remember_personal_token(response, token)
    return response


@require_POST
def self_checkin_forget(request):
    """ "Not you?": forget the personal link remembered on this phone."""
    return forget_personal_token(redirect(request.POST.get("next") if str(request.POST.get("next", "")).startswith("/c/") else "home"))
