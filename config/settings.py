"""Prachum settings. Everything that varies by deployment comes from the environment."""

import os
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_origins,
    env_redis_url,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        # Only for local development: a fixed key would make signed links forgeable in production.
        SECRET_KEY = "prachum-insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development).")
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")

# Absolute address used in QR codes, e-mails and PDFs, where no request is at hand.
SITE_URL = env_url("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "crispy_forms",
    "crispy_bootstrap5",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "meetings",
    "registration",
    "attendance",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "meetings.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "meetings.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "meetings.context_processors.prachum",
            ],
            "builtins": ["meetings.templatetags.thai_dates"],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {"default": env_database("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the demo's ASGI server take concurrent check-ins; with WAL,
    # synchronous=NORMAL is durable across crashes of the process (not of the power) and spares an fsync per commit.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
else:
    # PostgreSQL. Under ASGI (the production server, docs/DEPLOY.md) Django must not keep
    # connections itself: with DATABASE_POOL_SIZE each worker process keeps a psycopg pool, checks
    # a connection before lending it (one that PostgreSQL dropped is replaced, not handed out) and
    # gives up after DATABASE_POOL_TIMEOUT seconds, so a request answers 503 instead of waiting
    # while the database is away. Under WSGI, DATABASE_CONN_MAX_AGE keeps one connection per
    # thread, checked before reuse.
    _pool_size = env_int("DATABASE_POOL_SIZE", 0)
    _pool_timeout = env_int("DATABASE_POOL_TIMEOUT", 3)
    _conn_max_age = env_int("DATABASE_CONN_MAX_AGE", 0)
    if _pool_size < 0 or _pool_timeout < 1 or _conn_max_age < 0:
        raise ImproperlyConfigured("DATABASE_POOL_SIZE and DATABASE_CONN_MAX_AGE must not be negative; DATABASE_POOL_TIMEOUT must be at least 1.")
    if _pool_size and _conn_max_age:
        raise ImproperlyConfigured("Set DATABASE_POOL_SIZE or DATABASE_CONN_MAX_AGE, not both.")
    if _pool_size:
        # With CONN_HEALTH_CHECKS Django has the pool check each connection before lending it.
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 1, "max_size": _pool_size, "timeout": _pool_timeout}
    DATABASES["default"]["CONN_MAX_AGE"] = _conn_max_age
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

REDIS_URL = env_redis_url("REDIS_URL")
# channels-redis reads a channel with a blocking BZPOPMIN of 5 s (RedisChannelLayer.brpop_timeout).
# The socket timeout must stay above it, or a busy Redis makes redis-py give up on a read that is
# merely waiting (redis-py's default is the same 5 s); connecting fails fast when Redis is down.
REDIS_SOCKET_TIMEOUT = 15
REDIS_CONNECT_TIMEOUT = 3
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": REDIS_SOCKET_TIMEOUT,
                        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                        "socket_keepalive": True,
                    }
                ],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Live dashboards get at most one update per this many seconds per session and server process.
ATTENDANCE_BROADCAST_INTERVAL = env_int("ATTENDANCE_BROADCAST_INTERVAL_MS", 100) / 1000
if ATTENDANCE_BROADCAST_INTERVAL < 0:
    raise ImproperlyConfigured("ATTENDANCE_BROADCAST_INTERVAL_MS must not be negative.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The profile-loading backend first; plain ModelBackend stays so existing sessions remain valid.
AUTHENTICATION_BACKENDS = [
    "meetings.auth.ProfileModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG and SITE_URL.startswith("https"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# Uploads: a spreadsheet of a few thousand rows is well under this.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# Uploaded lists wait here between the preview and the confirmation. Outside MEDIA_ROOT on
# purpose: they hold personal data and must never be served.
IMPORT_STAGING_DIR = Path(os.environ.get("IMPORT_STAGING_DIR") or Path(tempfile.gettempdir()) / "prachum-imports")
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        # WeasyPrint narrates each step of every PDF (and of its own stylesheets when imported) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
