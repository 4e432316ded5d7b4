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
from urllib.parse import urlparse

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
