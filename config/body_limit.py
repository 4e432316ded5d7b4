"""A limit on the size of request bodies, enforced before Django reads them.

Django's ASGI handler reads the whole body of a request (into a temporary file past
FILE_UPLOAD_MAX_MEMORY_SIZE) before any middleware or view runs, and the multipart parser then reads it
again, so a view cannot refuse a body that is too large before it has cost memory and disk. This wraps
the application instead, on the public ASGI (and WSGI) interface:

- a request whose Content-Length is above its limit is answered 413 at once, before a byte of the body
  is read (the server reads the body only as the application asks for it);
- a body without Content-Length (chunked) is counted as it arrives, and answered 413 as soon as the
  count passes the limit; the application is told the client went away, so it stops.

Every request may send up to settings.REQUEST_BODY_MAX_BYTES. A signed-in user (a session that holds a
user) posting to an upload page (UPLOAD_ROUTES) may send up to settings.UPLOAD_MAX_BYTES; the session is
looked up only for such a request, and only when its body is above the general limit.

The answer is JSON under /api/ (`{"code": "body_too_large", "message", "details": {"limit"}}`, as
meetings.errors.error_json writes), elsewhere a small page in Thai and English. It closes the connection,
so the server does not go on reading what the client still sends.
"""

import html
import json
import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import parse_cookie
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger("prachum.body_limit")

# Pages that take files: up to UPLOAD_MAX_BYTES for a signed-in user (their views check the file itself).
UPLOAD_ROUTES = frozenset({"registration:import", "training:questions_import", "training:attachment_add", "attendance:vc_upload"})


def _is_upload_route(path):
    try:
        return resolve(path).view_name in UPLOAD_ROUTES
    except Resolver404:
        return False


def _session_key(cookie_header):
    return parse_cookie(cookie_header).get(settings.SESSION_COOKIE_NAME) if cookie_header else None


def _session_store(key):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def _content_length(value):
    """The declared length, or None when there is none (chunked) or it is not a number."""
    try:
        length = int(value)
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def refusal(path, limit):
    """(content type, body) of the 413 answer for `path`."""
    with translation.override("th"):
        th_title = gettext("The request is too large")
        th_text = gettext("What was sent is larger than %(limit)s, the most this address accepts. Send a smaller file, or split it into parts.") % {
            "limit": filesizeformat(limit)
        }
    with translation.override("en"):
        en_title = gettext("The request is too large")
        en_text = gettext("What was sent is larger than %(limit)s, the most this address accepts. Send a smaller file, or split it into parts.") % {
            "limit": filesizeformat(limit)
        }
    if path.startswith("/api/"):
        body = {"code": "body_too_large", "message": th_text, "details": {"limit": limit}}
        return "application/json", json.dumps(body, ensure_ascii=False).encode()
    page = (
        '<!doctype html><html lang="th"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(th_title)}</title></head>"
        '<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">'
        f"<h1>{html.escape(th_title)}</h1><p>{html.escape(th_text)}</p>"
        f'<hr><h2 lang="en">{html.escape(en_title)}</h2><p lang="en">{html.escape(en_text)}</p>'
        "</body></html>"
    )
    return "text/html; charset=utf-8", page.encode()


class RequestBodyLimit:
    """ASGI middleware: 413 for a request body above its limit, before the application reads it."""

    def __init__(self, app):
        self.app = app
        self.general = settings.REQUEST_BODY_MAX_BYTES
        self.upload = settings.UPLOAD_MAX_BYTES

    async def _may_upload(self, scope, headers):
        path, root = scope["path"], scope.get("root_path", "")
        if not _is_upload_route(path[len(root) :] if root and path.startswith(root) else path):
            return False
        key = _session_key(headers.get(b"cookie", b"").decode("latin-1"))
        if not key:
            return False
        return bool(await _session_store(key).aget(SESSION_KEY))

    async def _refuse(self, scope, send, limit):
        logger.warning("%s %s refused: body over %s bytes", scope.get("method"), scope["path"], limit)
        content_type, body = refusal(scope["path"], limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or ())
        state = {"limit": self.general, "raised": False, "received": 0, "refused": False, "started": False}

        async def within_limit(size):
            """Whether `size` bytes are allowed; asks once, past the general limit, whether this may be an upload."""
            if size > state["limit"] and not state["raised"]:
                state["raised"] = True
                if await self._may_upload(scope, headers):
                    state["limit"] = self.upload
            return size <= state["limit"]

        declared = _content_length(headers.get(b"content-length"))
        if declared is not None and not await within_limit(declared):
            await self._refuse(scope, send, state["limit"])
            return

        async def receive_within_limit():
            if state["refused"]:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                state["received"] += len(message.get("body", b""))
                if not await within_limit(state["received"]):
                    state["refused"] = True
                    if not state["started"]:
                        await self._refuse(scope, send, state["limit"])
                    return {"type": "http.disconnect"}
            return message

        async def send_unless_refused(message):
            if state["refused"]:
                return  # the 413 went out already
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        await self.app(scope, receive_within_limit, send_unless_refused)


class WSGIRequestBodyLimit:
    """The same limits for the WSGI application. Django reads a WSGI body only up to its Content-Length
    (none: an empty body), so the declared length is all there is to check."""

    def __init__(self, app):
        self.app = app
        self.general = settings.REQUEST_BODY_MAX_BYTES
        self.upload = settings.UPLOAD_MAX_BYTES

    def _may_upload(self, environ):
        if not _is_upload_route(environ.get("PATH_INFO", "")):
            return False
        key = _session_key(environ.get("HTTP_COOKIE", ""))
        return bool(key and _session_store(key).get(SESSION_KEY))

    def __call__(self, environ, start_response):
        declared = _content_length(environ.get("CONTENT_LENGTH")) or 0
        if declared > self.general:
            limit = self.upload if self._may_upload(environ) else self.general
            if declared > limit:
                path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
                logger.warning("%s %s refused: body over %s bytes", environ.get("REQUEST_METHOD"), path, limit)
                content_type, body = refusal(environ.get("PATH_INFO", ""), limit)
                start_response("413 Request Entity Too Large", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
                return [body]
        return self.app(environ, start_response)
