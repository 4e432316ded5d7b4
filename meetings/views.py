from asgiref.sync import sync_to_async
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from attendance.personal_cookie import remember_personal_token
from meetings.health import check_channel_layer, check_database
from meetings.permissions import is_central, staff_required
from meetings.qr import qr_svg
from meetings.selectors import (
    get_registration_by_token,
    get_session_for_user,
    get_sessions_for_user,
    get_venue_for_user,
)


def home(request):
    now = timezone.now()
    sessions = get_sessions_for_user(request.user)
    return render(
        request,
        "meetings/home.html",
        {
            "upcoming": sessions.upcoming(now)[:20],
            "past": sessions.past(now)[:20],
        },
    )


@never_cache
async def healthz(request):
    """200 when the database and the channel layer answer; 503 naming what failed."""
    checks = {
        "database": await sync_to_async(check_database, thread_sensitive=True)(),
        "channel_layer": await check_channel_layer(),
    }
    failed = {name: reason for name, reason in checks.items() if reason}
    body = {
        "status": "ok" if not failed else "fail",
        "checks": {name: (reason or "ok") for name, reason in checks.items()},
    }
    if failed:
        body["failed"] = sorted(failed)
    return JsonResponse(body, status=503 if failed else 200)


def session_detail(request, pk):
    session = get_session_for_user(request.user, pk)
    agenda = session.agenda_items.all()
    host = session.venues.filter(is_host=True).select_related("province").first()
    return render(
        request,
        "meetings/session_detail.html",
        {"session": session, "agenda": agenda, "host_venue": host, "can_manage": is_central(request.user)},
    )


@staff_required
def venue_detail(request, session_pk, pk):
    venue = get_venue_for_user(request.user, session_pk, pk)
    return render(request, "meetings/venue_detail.html", {"venue": venue, "session": venue.session})


@never_cache
def personal_page(request, token):
    """An attendee's own page, reached through the signed link in their QR code (no password)."""
    registration = get_registration_by_token(token)
    session = registration.session
    response = render(
        request,
        "meetings/personal.html",
        {
            "registration": registration,
            "session": session,
            "token": token,
            "venue": registration.venue,
            "agenda": session.agenda_items.all(),
            "qr": qr_svg(registration.get_personal_url()),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    # Remembered on this phone so that scanning a venue's check-in QR needs only a tap.
    remember_personal_token(response, token)
    return response
