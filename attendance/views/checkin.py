"""Desk scanner (camera + manual search), and central staff's manual check-in and undo."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from attendance.forms import ManualCheckinForm, UndoCheckinForm
from attendance.models import CheckIn, CheckInEvent, CheckInMethod
from attendance.search import search_registrations_for_user
from attendance.services import CODE_MAX, CheckinError, perform_checkin, undo_checkin
from attendance.views._common import client_ip, json_body, json_error
from meetings.collation import sorted_venues
from meetings.errors import add_error_message
from meetings.permissions import central_required, is_central, scope_to_user, staff_required
from meetings.selectors import get_session_for_user, get_venue_for_user
from registration.models import Registration


@staff_required
def checkin_home(request, session_pk):
    """Where a venue's staff start: the venues they may scan at, with links to each tool."""
    session = get_session_for_user(request.user, session_pk)
    venues = sorted_venues(scope_to_user(session.venues.select_related("province"), request.user))
    return render(request, "attendance/checkin_home.html", {"session": session, "venues": venues, "can_manage": is_central(request.user)})


@never_cache
@staff_required
def scanner(request, session_pk, venue_pk):
    """The desk scanner: decides green/amber/red on the device from the venue snapshot, keeps
    every scan in an outbox on the device and uploads it when there is a network
    (static/attendance/scanner.js; the service worker and manifest are in views/scanner_app.py)."""
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    # Every text scanner.js shows. Placeholders stay in as %(name)s; the script fills them in.
    strings = {
        "checkIn": _("Check in"),
        "checkedIn": _("Checked in"),
        "noResults": _("Nobody found."),
        "cameraDenied": _("The camera is not available. Allow camera access, or use the search below."),
        "cameraNone": _("This browser cannot open a camera. Use the search below."),
        "pause": _("Pause camera"),
        "resume": _("Resume camera"),
        "networkError": _("No connection to the server. Try again."),
        "searchNeedsNetwork": _("Search needs a connection to the server. Scanning QR codes works without one."),
        "ready": _("Ready to scan"),
        "working": _("Checking…"),
        # The result panel: a title (with an icon, so colour is not the only signal), then the detail.
        "alreadyIn": _("Already checked in"),
        "alreadyInAt": _("First checked in at %(time)s"),
        "alreadyInAtVenue": _("First checked in at %(venue)s at %(time)s"),
        "otherVenue": _("Registered for another venue"),
        "otherVenueMessage": _("Recorded here. This person is expected at another venue."),
        "pendingCheck": _("Will be checked when online"),
        "personalLinkMessage": _("An old badge (personal link). Let the person in; the server checks it when the connection returns."),
        "unknownPersonMessage": _("Not in this desk's participant list yet. Let the person in; the server checks it when the connection returns."),
        "noSnapshotMessage": _("This device has no participant list yet. Let the person in; the server checks it when the connection returns."),
        "notVerified": _("Not verified"),
        "notVerifiedMessage": _("This browser cannot verify tickets. The scan is kept and checked when the connection returns."),
        "invalidTicket": _("Invalid ticket"),
        "invalidTicketMessage": _("This ticket is damaged or forged. Check the person in by name instead."),
        "otherSession": _("Ticket for another session"),
        "otherSessionMessage": _("This ticket belongs to another meeting."),
        "revoked": _("Ticket revoked"),
        "revokedMessage": _("This badge was replaced by a newer one or the registration was cancelled."),
        "unknownCode": _("Not a Prachum ticket"),
        "unknownCodeMessage": _("This QR code is neither a check-in ticket nor a personal link of Prachum."),
        "saveFailed": _("This scan could not be saved on this device. Scan again."),
        # A time of day as the server writes it (meetings.dates.format_time): 08.52 น. in Thai.
        "clock": pgettext("time of day; hours and minutes have two digits", "%(hours)s:%(minutes)s"),
        # Status bar, counters, conflicts and the log.
        "online": _("Online"),
        "offline": _("Offline"),
        "syncing": _("Sending…"),
        "signedOut": _("Signed out: log in again to send the waiting scans."),
        "serverBusy": _("The server is busy; the scans wait on this device and are sent later."),
        "oldestPending": _("oldest waiting for %(age)s"),
        "ageSeconds": _("%(count)s s"),
        "ageMinutes": _("%(count)s min"),
        "ageHours": _("%(count)s h"),
        "counterPending": _("Waiting to send"),
        "counterSynced": _("Sent"),
        "counterConflicts": _("Conflicts"),
        "conflictsTitle": _("Conflicts to check"),
        "scannedAt": _("scanned at %(time)s"),
        "statePending": _("waiting"),
        "stateSynced": _("sent"),
        "stateConflict": _("conflict"),
        "snapshotFresh": _("Participant list of %(count)s people, updated at %(time)s"),
        "snapshotNone": _("No participant list on this device yet."),
        "snapshotExpired": _("Check-in has closed: the participant list was removed from this device."),
        "unknownPerson": _("Participant #%(id)s"),
        # How the War Room dashboard names this desk.
        "deskLabel": _("Desk %(id)s (%(browser)s)"),
    }
    urls = {
        "api": reverse("api:api-root"),
        "scan": reverse("attendance:scan", kwargs={"session_pk": venue.session_id, "venue_pk": venue.pk}),
        "search": reverse("attendance:search", kwargs={"session_pk": venue.session_id, "venue_pk": venue.pk}),
        "serviceWorker": reverse("attendance:scanner_service_worker"),
        # One worker per desk page: it stays out of every other page of the site.
        "serviceWorkerScope": reverse("attendance:scanner", kwargs={"session_pk": venue.session_id, "venue_pk": venue.pk}),
        "manifest": reverse("attendance:scanner_manifest", kwargs={"session_pk": venue.session_id, "venue_pk": venue.pk}),
    }
    return render(
        request,
        "attendance/scanner.html",
        {
            "venue": venue,
            "session": venue.session,
            "scanner_strings": strings,
            "scanner_urls": urls,
        },
    )


@require_POST
@staff_required
def scan(request, session_pk, venue_pk):
    """JSON: {"code": scanned text} or {"registration_id": id} (manual search), plus a client "nonce".

    The desk scanner page sends camera scans through its offline outbox (POST /api/checkins/batch);
    this endpoint serves the search results it checks in by hand, and scanners that check in one
    scan at a time."""
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
            session=venue.session,
            method=CheckInMethod.MANUAL,
            registration_id=registration_id,
            venue=venue,
            actor=request.user,
            nonce=nonce,
            ip_address=client_ip(request),
        )
    else:
        code = data.get("code")
        if not isinstance(code, str) or not code.strip():
            return json_error(_("Nothing was scanned."), "bad_request")
        result = perform_checkin(
            session=venue.session,
            method=CheckInMethod.SCANNER,
            scanned=code[:CODE_MAX],
            venue=venue,
            actor=request.user,
            nonce=nonce,
            ip_address=client_ip(request),
        )
    return JsonResponse(result.as_dict())


@require_GET
@staff_required
def search(request, session_pk, venue_pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    results = search_registrations_for_user(request.user, venue.session, request.GET.get("q"))
    rows = []
    for reg in results:
        checkin = getattr(reg, "checkin", None)
        rows.append(
            {
                "id": reg.pk,
                "name": reg.full_name,
                "province": reg.province.name,
                "role": reg.role.name,
                "organisation": reg.organisation,
                "phone_tail": reg.phone[-4:] if reg.phone else "",
                "checked_in": checkin is not None,
            }
        )
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
    events = CheckInEvent.objects.filter(session=session).select_related("registration", "venue", "user", "device").order_by("-at", "-id")[:50]
    return render(
        request,
        "attendance/checkins.html",
        {
            "session": session,
            "query": query,
            "found": found,
            "recent": recent,
            "events": events,
            "manual_form": ManualCheckinForm(session=session),
            "undo_form": UndoCheckinForm(),
        },
    )


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
        session=session,
        method=CheckInMethod.MANUAL,
        registration_id=registration.pk,
        venue=venue,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        nonce=request.POST.get("nonce", ""),
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
        undo_checkin(registration=registration, actor=request.user, reason=form.cleaned_data["reason"], ip_address=client_ip(request))
    except CheckinError as error:
        add_error_message(request, error)
    else:
        messages.success(request, _("Check-in of %(name)s undone.") % {"name": registration.full_name})
    return redirect("attendance:checkins", session_pk=session.pk)
