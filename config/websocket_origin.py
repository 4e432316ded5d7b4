"""WebSocket connections only from this site's own pages: the Origin header must name the scheme,
host and port the connection itself was made to, exactly (or be in CSRF_TRUSTED_ORIGINS), and the
host must be in ALLOWED_HOSTS.

Browsers send cookies with a WebSocket handshake whatever page opens it, and WebSockets have no
same-origin policy: this check is what keeps another site's page (or another port of the same
host, or the plain-http twin of an https site) from opening a dashboard with a staff member's
login. Channels' AllowedHostsOriginValidator compares host names only. This is the rule Django's
CSRF check applies to a POST (`scheme://host` of the request, or a trusted origin). Behind a proxy
the scheme and host are those the proxy passes on (uvicorn --proxy-headers, the Host header).

A refused handshake is answered HTTP 403 (a close before accepting, per the ASGI spec).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
SOCKET_TO_PAGE_SCHEME = {"ws": "http", "wss": "https"}


def _origin(scheme, netloc):
    """(scheme, host, port) of scheme://netloc with the default port filled in, or None."""
    if scheme not in DEFAULT_PORTS or not netloc:
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is not a number, or out of range
        return None
    if not parts.hostname or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return scheme, parts.hostname, port


def _header(scope, name):
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def origin_allowed(scope):
    """Whether a WebSocket handshake's Origin is this site, as the connection itself names it."""
    origin_header, host = _header(scope, b"origin"), _header(scope, b"host")
    if not origin_header or not host:
        return False
    allowed_hosts = settings.ALLOWED_HOSTS or ([".localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    own = _origin(SOCKET_TO_PAGE_SCHEME.get(scope.get("scheme", "ws")), host)
    if own is None or not validate_host(own[1] if ":" not in own[1] else f"[{own[1]}]", allowed_hosts):
        return False
    parsed = urlsplit(origin_header)
    origin = _origin(parsed.scheme, parsed.netloc) if not parsed.path else None
    if origin is None:
        return False  # "null" (a sandboxed page or a file), or not an origin at all
    if origin == own:
        return True
    trusted = {_origin(urlsplit(item).scheme, urlsplit(item).netloc) for item in settings.CSRF_TRUSTED_ORIGINS}
    return origin in trusted


class WebSocketOriginValidator:
    """ASGI middleware: refuse a WebSocket handshake whose Origin is not this site (see the module)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            message = await receive()  # websocket.connect; closing before accepting answers HTTP 403
            if message["type"] == "websocket.connect":
                await send({"type": "websocket.close", "code": 1000})
            return None
        return await self.app(scope, receive, send)
