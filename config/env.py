"""Small readers for settings that come from the environment.

Each raises ImproperlyConfigured naming the variable, so a bad deployment
stops at start-up with a message instead of failing later on a request.
"""

import base64
import binascii
import hashlib
import hmac
import ipaddress
import os
import re
from email.utils import parseaddr
from urllib.parse import unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off (got {raw!r}).")


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name):
    """A comma-separated list of IP addresses or CIDR networks (10.0.0.0/8, 192.0.2.7, ::1), as strings."""
    networks = env_list(name)
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name} entries must be IP addresses or networks such as 10.0.0.0/8 (got {network!r}).") from None
    return networks


def env_int(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number (got {raw!r}).") from None


def env_database(name, default):
    raw = os.environ.get(name) or default
    scheme = urlparse(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL (got scheme {scheme!r}).")
    try:
        config = dj_database_url.parse(raw, conn_max_age=0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database (…/dbname).")
    return config


def env_redis_url(name):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"redis", "rediss", "unix"} or not (parsed.hostname or parsed.path):
        raise ImproperlyConfigured(f"{name} must be a redis://host:port/db URL (got {raw!r}).")
    return raw


def env_origins(name):
    origins = env_list(name)
    for origin in origins:
        parsed = urlparse(origin)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ImproperlyConfigured(f"{name} entries must start with http:// or https:// (got {origin!r}).")
    return origins


def env_url(name, default=""):
    raw = os.environ.get(name, default).strip()
    if not raw:
        return ""
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute http(s) URL such as https://prachum.example.go.th (got {raw!r}).")
    return raw.rstrip("/")


def derive_key(secret, purpose):
    """A key for one purpose derived from SECRET_KEY, in Fernet's format (32 bytes, URL-safe base64).
    Only for local development and the test suite: a deployment gives its keys explicitly."""
    return base64.urlsafe_b64encode(hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()).decode("ascii")


def env_fernet_keys(name, default=None):
    """A comma-separated list of Fernet keys (32 random bytes, URL-safe base64, as
    `Fernet.generate_key()` writes them), newest first. Required unless `default` (a list) is given.
    A bad entry is named by its position, never echoed: it is a secret."""
    keys = env_list(name)
    if not keys:
        if default is None:
            raise ImproperlyConfigured(
                f'{name} must be set when DEBUG is off: one or more Fernet keys, comma-separated, newest first (docs/DEPLOY.md, "National ID keys").'
            )
        return list(default)
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ImproperlyConfigured(
                f"{name}: key {position} of {len(keys)} is not a Fernet key (32 bytes in URL-safe base64, "
                'from python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())").'
            )
    if len(set(keys)) != len(keys):
        raise ImproperlyConfigured(f"{name} lists the same key twice.")
    return keys


def env_secret(name, default=None, min_length=32):
    """A secret string of at least `min_length` characters. Required unless `default` is given."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set when DEBUG is off (at least {min_length} random characters).")
        return default
    if len(raw) < min_length:
        raise ImproperlyConfigured(f"{name} must be at least {min_length} characters long.")
    return raw


def env_together(*names):
    """Values (stripped text) that belong together, such as a credential and its secret: all set or all unset."""
    values = tuple(os.environ.get(name, "").strip() for name in names)
    if any(values) and not all(values):
        missing = ", ".join(name for name, value in zip(names, values, strict=True) if not value)
        raise ImproperlyConfigured(f"{' and '.join(names)} go together: set all or none (missing: {missing}).")
    return values


def env_matching(name, pattern, description):
    """Text that must match the regular expression `pattern` when set ("" when unset); `description` says what it is."""
    raw = os.environ.get(name, "").strip()
    if raw and not re.fullmatch(pattern, raw):
        raise ImproperlyConfigured(f"{name} must be {description} (got {raw!r}).")
    return raw


# E-mail: the URL schemes EMAIL_URL takes, each with its (EMAIL_USE_TLS, EMAIL_USE_SSL, default port).
EMAIL_SCHEMES = {"smtp": (False, False, 25), "smtp+tls": (True, False, 587), "smtps": (False, True, 465)}
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"
# The sender when DEFAULT_FROM_EMAIL is unset: fine for the demo; a mail server refuses it (start-up warns).
DEFAULT_SENDER = "Prachum <noreply@localhost>"
_EMAIL_PARTS = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "EMAIL_USE_TLS", "EMAIL_USE_SSL")


def _email_url(raw):
    """(backend, host, port, user, password, use_tls, use_ssl) from EMAIL_URL: smtp://, smtp+tls://
    (STARTTLS), smtps:// (TLS from the first byte), or console:// (mails printed by the worker). The user
    and password are percent-encoded in the URL. A bad part is named, the password never echoed."""
    parsed = urlparse(raw)
    if parsed.scheme == "console":
        return CONSOLE_BACKEND, "", 0, "", "", False, False
    if parsed.scheme not in EMAIL_SCHEMES:
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp://, smtp+tls://, smtps:// or console:// (got scheme {parsed.scheme!r}).")
    use_tls, use_ssl, default_port = EMAIL_SCHEMES[parsed.scheme]
    try:
        port = parsed.port or default_port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number between 1 and 65535.") from None
    if not parsed.hostname:
        raise ImproperlyConfigured("EMAIL_URL must name the SMTP server, e.g. smtp+tls://user:password@smtp.example.go.th:587.")
    return SMTP_BACKEND, parsed.hostname, port, unquote(parsed.username or ""), unquote(parsed.password or ""), use_tls, use_ssl


def env_email(debug):
    """Django's e-mail settings, as a dict of their names, from EMAIL_URL or from EMAIL_HOST and its
    neighbours (not both). No server named: the console backend under DEBUG (the demo prints mails in the
    worker's output); otherwise the SMTP backend with no host, which sends nothing (registration/email.py
    says why on the job's page) and start-up warns (registration/checks.py)."""
    url = os.environ.get("EMAIL_URL", "").strip()
    if url:
        given = [name for name in _EMAIL_PARTS if os.environ.get(name, "").strip()]
        if given:
            raise ImproperlyConfigured(f"Set EMAIL_URL or {', '.join(given)}, not both.")
        backend, host, port, user, password, use_tls, use_ssl = _email_url(url)
    else:
        host = os.environ.get("EMAIL_HOST", "").strip()
        use_tls, use_ssl = env_bool("EMAIL_USE_TLS", False), env_bool("EMAIL_USE_SSL", False)
        port = env_int("EMAIL_PORT", 465 if use_ssl else 587 if use_tls else 25)
        user, password = os.environ.get("EMAIL_HOST_USER", "").strip(), os.environ.get("EMAIL_HOST_PASSWORD", "")
        backend = SMTP_BACKEND if host or not debug else CONSOLE_BACKEND
    if use_tls and use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS, usually port 587) and EMAIL_USE_SSL (TLS from the start, port 465) cannot both be on.")
    if backend == SMTP_BACKEND and not 0 < port < 65536:
        raise ImproperlyConfigured(f"EMAIL_PORT must be between 1 and 65535 (got {port}).")
    if password and not user:
        raise ImproperlyConfigured("EMAIL_HOST_PASSWORD is set without EMAIL_HOST_USER.")
    timeout = env_int("EMAIL_TIMEOUT", 10)
    if timeout < 1:
        raise ImproperlyConfigured(f"EMAIL_TIMEOUT must be at least 1 second (got {timeout}).")
    sender = os.environ.get("DEFAULT_FROM_EMAIL", "").strip()
    if sender:
        _name, address = parseaddr(sender)
        if "@" not in address or address.startswith("@") or address.endswith("@"):
            raise ImproperlyConfigured(f"DEFAULT_FROM_EMAIL must be an address such as Prachum <noreply@example.go.th> (got {sender!r}).")
    return {
        "EMAIL_BACKEND": backend,
        "EMAIL_HOST": host,
        "EMAIL_PORT": port or 25,
        "EMAIL_HOST_USER": user,
        "EMAIL_HOST_PASSWORD": password,
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": timeout,
        "DEFAULT_FROM_EMAIL": sender or DEFAULT_SENDER,
    }
