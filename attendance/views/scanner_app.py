"""The desk scanner as an installable, offline-first app: its service worker and web manifest.

The service worker is served from the site root, not from STATIC_URL: a worker may only control
pages under its own path (or what Service-Worker-Allowed grants), and the scanner pages live under
/sessions/. Each desk page registers it for its own path, so it stays out of every other page.
Its source is the static file attendance/scanner-sw.js; this view puts in front of it what only
the server knows: the hashed URLs of the assets the scanner needs offline
(ManifestStaticFilesStorage renames them on every deploy) and which paths are scanner pages.
"""

import hashlib
import json
import re
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from meetings.permissions import staff_required
from meetings.selectors import get_venue_for_user

SW_SOURCE = "attendance/scanner-sw.js"
# What the scanner page loads (templates/base.html and templates/attendance/scanner.html, and the
# fonts sarabun.css names): cached on install, so the page works with no network at all.
OFFLINE_ASSETS = (
    "vendor/bootstrap-5.3.9/bootstrap.min.css",
    "vendor/bootstrap-5.3.9/bootstrap.bundle.min.js",
    "css/sarabun.css",
    "css/prachum.css",
    "vendor/sarabun-google-fonts-0.4.1/Sarabun_400Regular.ttf",
    "vendor/sarabun-google-fonts-0.4.1/Sarabun_400Regular_Italic.ttf",
    "vendor/sarabun-google-fonts-0.4.1/Sarabun_700Bold.ttf",
    "attendance/attendance.css",
    "vendor/jsqr-1.4.0/jsQR.js",
    "attendance/scanner.js",
    "attendance/scanner-icon-192.png",
    "attendance/scanner-icon-512.png",
)
THEME_COLOR = "#1d3f72"  # --prachum-blue in css/prachum.css
# Any number, as long as it is unlikely to appear elsewhere in the path.
_PROBE = 987654321


def _scanner_path_pattern():
    """A JavaScript regular expression (source) matching every desk scanner page's path."""
    probe = reverse("attendance:scanner", kwargs={"session_pk": _PROBE, "venue_pk": _PROBE})
    return "^" + re.escape(probe).replace(str(_PROBE), r"\d+") + "$"


@require_GET
def service_worker(request):
    source_path = finders.find(SW_SOURCE)
    if source_path is None:
        raise Http404
    source = Path(source_path).read_text(encoding="utf-8")
    assets = [static(name) for name in OFFLINE_ASSETS]
    fingerprint = hashlib.sha256(source.encode())
    fingerprint.update("\n".join(assets).encode())
    if settings.DEBUG:
        # Unhashed static URLs in development: let an edited file make a new worker version.
        for name in OFFLINE_ASSETS:
            found = finders.find(name)
            if found:
                fingerprint.update(str(Path(found).stat().st_mtime_ns).encode())
    config = {"version": fingerprint.hexdigest()[:16], "assets": assets, "pagePattern": _scanner_path_pattern()}
    body = f"self.PRACHUM_SCANNER = {json.dumps(config)};\n{source}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker on navigation; never let an HTTP cache answer for it.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@staff_required
def manifest(request, session_pk, venue_pk):
    """One app per venue: it opens straight on that venue's desk scanner."""
    venue = get_venue_for_user(request.user, session_pk, venue_pk)
    start_url = reverse("attendance:scanner", kwargs={"session_pk": venue.session_id, "venue_pk": venue.pk})
    data = {
        "id": start_url,
        "name": _("Prachum desk scanner: %(venue)s") % {"venue": venue.name},
        "short_name": _("Check-in desk"),
        "description": _("Check participants in with their QR codes, also without a network."),
        "lang": request.LANGUAGE_CODE,
        "start_url": start_url,
        "scope": start_url,
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("attendance/scanner-icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("attendance/scanner-icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any maskable"},
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response
