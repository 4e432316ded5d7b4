"""The site's own absolute address, for links that leave the page: QR codes read by a phone's camera,
PDFs, e-mails, calendar files, a personal link copied from a staff page.

SITE_URL, when set, is that address (a deployment behind a proxy names its public one). Unset, a link
made while answering a request follows the request: the scheme, host and port the browser used, so a
demo served on another host or port prints links that work there. Work without a request (management
commands) uses SITE_URL, else the local development address; with DEBUG off and no SITE_URL, start-up
warns (`meetings.checks`).
"""

from django.conf import settings

# Where `make demo` serves: the address of last resort, for work without a request when SITE_URL is unset.
LOCAL_SITE_URL = "http://127.0.0.1:8000"


def site_url(request=None):
    """The site's base address without a trailing slash: SITE_URL, else the request's, else LOCAL_SITE_URL."""
    if settings.SITE_URL:
        return settings.SITE_URL
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return LOCAL_SITE_URL


def absolute_url(path, request=None):
    """`path` (from reverse(), starting with "/") as an absolute URL on this site."""
    return site_url(request) + path
