"""System checks, run at start-up (runserver, migrate, `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning

SITE_URL_UNSET = "prachum.W001"


def check_site_url(app_configs=None, **kwargs):
    """A deployment (DEBUG off) without SITE_URL: pages still link to the address each request came in on,
    but work without a request (management commands) falls back to the local development address."""
    if settings.SITE_URL or settings.DEBUG:
        return []
    return [
        Warning(
            "SITE_URL is not set: QR codes and links on pages follow each request's host, but management "
            "commands and other work without a request will print http://127.0.0.1:8000.",
            hint="Set SITE_URL to the site's public address, e.g. SITE_URL=https://prachum.example.go.th",
            id=SITE_URL_UNSET,
        )
    ]
