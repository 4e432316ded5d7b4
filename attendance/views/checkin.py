"""Desk scanner (camera + manual search), and central staff's manual check-in and undo."""
from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from attendance.checkin_batch import CheckinJob, submit_checkin
from attendance.db_threads import run_for_request
from attendance.forms import ManualCheckinForm, UndoCheckinForm
from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from attendance.scanner_pass import HEADER, RENEW_AFTER, make_scanner_pass, read_scanner_pass
from attendance.search import search_registrations_for_user
from attendance.services import CheckinError, perform_checkin, undo_checkin
from attendance.views._common import client_ip, json_body, json_error
from meetings.models import Registration
from meetings.permissions import central_required, is_central, scope_to_user, staff_required
from meetings.selectors import get_session_for_user, get_venue_for_user


@staff_required
def checkin_home(request, session_pk):
    """Where a venue's staff start: the venues they may scan at, with links to each tool."""
    session = get_session_for_user(request.user, session_pk)
    venues = scope_to_user(session.venues.select_related("province"), request.user)
    return render(request, "attendance/checkin_home.html", {"session": session, "venues": venues, "can_manage": is_central(request.user)})


@never_cache
@staff_required
def scanner(request, session_pk, venue_pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    strings = {
        "checkIn": _("Check in"),
        "checkedIn": _("Checked in"),
        "noResults": _("Nobody found."),
        "cameraDenied": _("The camera is not available. Allow camera access, or use the search below."),
        "cameraNone": _("This browser cannot open a camera. Use the search below."),
        "pause": _("Pause camera"),
        "resume": _("Resume camera"),
        "networkError": _("No connection to the server. Try again."),
        "ready": _("Ready to scan"),
        "working": _("Checking…"),
    }
    return render(request, "attendance/scanner.html", {
        "venue": venue, "session": venue.session, "scanner_strings": strings, "scanner_pass": _scanner_pass(request, venue),
    })


@require_POST
async def scan(request, session_pk, venue_pk):
    """JSON: {"code": scanned text} or {"registration_id": id} (manual search), plus a client "nonce".

    A scanned code with a valid scanner pass (attendance/scanner_pass.py) goes straight to the
    check-in queue; anything else takes the full path, on a database thread."""
    data = json_body(request)
    code = data.get("code")
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    held = read_scanner_pass(request.headers.get(HEADER), session_id=session_pk, venue_id=venue_pk, session_key=session_key)
    if held is not None and data.get("registration_id") is None and isinstance(code, str) and code.strip():
        user_id, age = held
        job = CheckinJob(
            method=CheckInMethod.SCANNER, scanned=code[:1000], nonce=str(data.get("nonce") or "")[:64], venue_id=venue_pk,
            session_id=session_pk, user_id=user_id, ip_address=client_ip(request), language=get_language() or "th",
        )
        outcome = await submit_checkin(request, job)
        if outcome.allowed:
            body = outcome.data
            if age > RENEW_AFTER:
                body = {**body, "scanner_pass": make_scanner_pass(user_id, session_pk, venue_pk, session_key)}
            return JsonResponse(body)
    return await run_for_request(request, _scan, request, session_pk, venue_pk)


@staff_required
def _scan(request, session_pk, venue_pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    data = json_body(request)
    nonce = str(data.get("nonce") or "")[:64]
    registration_id = data.get("registration_id")
    if registration_id is not None:
        try:
            registration_id = int(registration_id)
        except (TypeError, ValueError):
            return json_error(_("Choose a participant from the search results."), "bad_request")
        # A provincial officer may only pick people they can see (their province).
        if not scope_to_user(Registration.objects.filter(pk=registration_id), request.user).exists():
            return json_error(_("Choose a participant from the search results."), "unknown_token", status=404)
        result = perform_checkin(
            session=venue.session, method=CheckInMethod.MANUAL, registration_id=registration_id, venue=venue,
            user=request.user, nonce=nonce, ip_address=client_ip(request),
        )
    else:
        code = data.get("code")
        if not isinstance(code, str) or not code.strip():
            return json_error(_("Nothing was scanned."), "bad_request")
        result = perform_checkin(
            session=venue.session, method=CheckInMethod.SCANNER, scanned=code[:1000], venue=venue,
            user=request.user, nonce=nonce, ip_address=client_ip(request),
        )
    return JsonResponse({**result.as_dict(), "scanner_pass": _scanner_pass(request, venue)})


def _scanner_pass(request, venue):
    return make_scanner_pass(request.user.pk, venue.session_id, venue.pk, request.session.session_key)


@require_GET
@staff_required
def search(request, session_pk, venue_pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    results = search_registrations_for_user(request.user, venue.session, request.GET.get("q"))
    rows = []
    for reg in results:
        checkin = getattr(reg, "checkin", None)
        rows.append({
            "id": reg.pk,
            "name": reg.full_name,
            "province": reg.province.name,
            "role": reg.role.name,
            "organisation": reg.organisation,
            "phone_tail": reg.phone[-4:] if reg.phone else "",
            "checked_in": checkin is not None,
        })
    return JsonResponse({"results": rows})


@never_cache
@central_required
def checkins(request, session_pk):
    """Central staff: latest check-ins with undo, a manual check-in form, and the audit trail."""
    session = get_session_for_user(request.user, session_pk)
    query = request.GET.get("q", "").strip()
    found = search_registrations_for_user(request.user, session, query) if query else []
    recent = (
        CheckIn.objects.filter(session=session)
        .select_related("registration__province", "registration__role", "venue", "recorded_by", "device")
        .order_by("-checked_in_at")[:50]
    )
    events = (
        CheckInEvent.objects.filter(session=session)
        .select_related("registration", "venue", "user", "device")
        .order_by("-at", "-id")[:50]
    )
    return render(request, "attendance/checkins.html", {
        "session": session, "query": query, "found": found, "recent": recent, "events": events,
        "manual_form": ManualCheckinForm(session=session), "undo_form": UndoCheckinForm(),
    })


@require_POST
@central_required
def manual_checkin(request, session_pk):
    session = get_session_for_user(request.user, session_pk)
    form = ManualCheckinForm(request.POST, session=session)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("attendance:checkins", session_pk=session.pk)
    registration = form.cleaned_data["registration"]
    venue = form.cleaned_data["venue"] or registration.venue
    if venue is None:
        venue = session.venues.filter(province=registration.province, is_host=False).first()
    result = perform_checkin(
        session=session, method=CheckInMethod.MANUAL, registration_id=registration.pk, venue=venue,
        user=request.user, reason=form.cleaned_data["reason"], nonce=request.POST.get("nonce", ""),
        ip_address=client_ip(request),
    )
    level = {"success": messages.SUCCESS, "warning": messages.WARNING}.get(result.level, messages.ERROR)
    messages.add_message(request, level, f"{registration.full_name}: {result.message}")
    return redirect("attendance:checkins", session_pk=session.pk)


@require_POST
@central_required
def undo(request, session_pk, registration_pk):
    session = get_session_for_user(request.user, session_pk)
    registration = get_object_or_404(Registration.objects.filter(session=session), pk=registration_pk)
    form = UndoCheckinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for undoing the check-in."))
        return redirect("attendance:checkins", session_pk=session.pk)
    try:
        undo_checkin(registration=registration, user=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request))
    except CheckinError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Check-in of %(name)s undone.") % {"name": registration.full_name})
    return redirect("attendance:checkins", session_pk=session.pk)
