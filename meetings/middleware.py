import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


class ThaiFirstLocaleMiddleware(LocaleMiddleware):
    """Thai unless the user chose another language with the switch (the language cookie).

    Government offices often run browsers set to English; the browser's
    Accept-Language header must not turn a Thai service into an English one.
    """

    def process_request(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached answers 503 with Retry-After, never an HTML 500.

    Scanners and API clients get JSON they can act on (keep the scan queued, retry after the
    pause); people get a short page saying the service is busy. Anything else still fails
    loudly. Both sync and async views pass through here, so it suits WSGI and ASGI alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        return database_unavailable_response(request, exception)


# What a lost or refused database connection raises (psycopg's and sqlite3's, through Django).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5


def database_unavailable_response(request, exception):
    """503 with Retry-After: JSON for API calls and scanners, a short page for people."""
    logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
    message = gettext("The database cannot be reached right now. Nothing was recorded; try again in a few seconds.")
    if wants_json(request):
        body = {"code": "unavailable", "ok": False, "level": "danger", "message": message, "retry_after": RETRY_AFTER_SECONDS}
        response = JsonResponse(body, status=503)
    else:
        response = render(request, "503.html", {"message": message, "retry_after": RETRY_AFTER_SECONDS}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def wants_json(request):
    """API calls, JSON posts and fetch()es that ask for JSON."""
    return request.path.startswith("/api/") or request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")
