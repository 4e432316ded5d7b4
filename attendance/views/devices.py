"""Scanner devices: bearer tokens for the JSON API, issued per venue by its staff."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from attendance.forms import ScannerDeviceForm
from attendance.services import issue_scanner_device, revoke_scanner_device
from meetings.permissions import staff_required
from meetings.selectors import get_venue_for_user


@never_cache
@staff_required
def devices(request, session_pk, venue_pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    new_token = None
    form = ScannerDeviceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, new_token = issue_scanner_device(venue=venue, name=form.cleaned_data["name"], actor=request.user)
        form = ScannerDeviceForm()
    response = render(
        request,
        "attendance/devices.html",
        {
            "venue": venue,
            "session": venue.session,
            "form": form,
            "new_token": new_token,
            "devices": venue.scanner_devices.select_related("created_by", "revoked_by"),
        },
    )
    return response


@require_POST
@staff_required
def device_revoke(request, session_pk, venue_pk, pk):
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    device = get_object_or_404(venue.scanner_devices, pk=pk)
    revoke_scanner_device(device=device, actor=request.user)
    messages.success(request, _("Device “%(name)s” can no longer check anyone in.") % {"name": device.name})
    return redirect("attendance:devices", session_pk=venue.session_id, venue_pk=venue.pk)
