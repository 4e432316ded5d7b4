"""The live attendance dashboard page; its data arrives over the WebSocket (attendance/consumers.py)."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from attendance.selectors import get_dashboard_labels
from meetings.permissions import is_central, staff_required, user_province
from meetings.selectors import get_session_for_user


def _ui_text():
    """Words the page's script writes itself (the rest is in the template)."""
    return {
        "connected": _("Live"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Connection lost: reconnecting…"),
        "login": _("Your login has expired. Reload the page and log in again."),
        "forbidden": _("You may not watch this session."),
        "late": _("late"),
        "wrong_venue": _("at another venue"),
        "checked_in": _("Checked in"),
        "not_yet": _("Not yet"),
        "never": _("never"),
        "silent": _("silent"),
        "ago": _("%(minutes)s min ago"),
        "just_now": _("just now"),
        "scanners": _("%(count)s scanners"),
    }


@never_cache
@staff_required
def live_dashboard(request, session_pk):
    """Central staff watch the whole country; a provincial officer watches their own province."""
    session = get_session_for_user(request.user, session_pk)
    province = None if is_central(request.user) else user_province(request.user)
    return render(
        request,
        "attendance/dashboard.html",
        {
            "session": session,
            "province": province,
            "labels": get_dashboard_labels(),
            "ui_text": _ui_text(),
            "socket_path": f"/ws/sessions/{session.pk}/attendance/",
        },
    )
