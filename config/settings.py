"""Prachum settings. Everything that varies by deployment comes from the environment."""

import datetime
import os
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    derive_key,
    env_bool,
    env_database,
    env_email,
    env_fernet_keys,
    env_int,
    env_list,
    env_matching,
    env_networks,
    env_origins,
    env_redis_url,
    env_secret,
    env_together,
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

# National IDs are stored encrypted (Fernet) with a keyed hash (HMAC-SHA256) beside them for duplicate
# checks (registration/thai_id.py; docs/DEPLOY.md, "National ID keys"). NATIONAL_ID_KEYS: the first key
# encrypts, every key decrypts (rotation: manage.py rotate_national_id_key). Only local development
# (DEBUG) may derive both from SECRET_KEY; the test suite (Makefile) and a deployment must give them.
_DERIVE_KEYS = DEBUG
NATIONAL_ID_KEYS = env_fernet_keys("NATIONAL_ID_KEYS", default=[derive_key(SECRET_KEY, "prachum.national-id.encryption")] if _DERIVE_KEYS else None)
NATIONAL_ID_HASH_KEY = env_secret("NATIONAL_ID_HASH_KEY", default=derive_key(SECRET_KEY, "prachum.national-id.hash") if _DERIVE_KEYS else None)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")
# A refused form gets a page in Thai and English that leads back to it (JSON for API calls).
CSRF_FAILURE_VIEW = "meetings.views.csrf_failure"

# The site's public address for QR codes, PDFs, e-mails and calendar files (meetings/site.py). Unset, links
# follow each request's own host and port; work without a request falls back to the local address, and
# start-up warns when DEBUG is off (meetings/checks.py).
SITE_URL = env_url("SITE_URL", default="")

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
    "axes",  # failed sign-ins, per user and address (AXES_* below)
    "channels",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "django_tasks",
    "django_tasks_db",  # background jobs in the database (meetings/jobs.py; `manage.py worker`)
    "meetings",
    "registration",
    "attendance",
    "training",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",  # after whitenoise: pages get the policy, static files need none
    "django.contrib.sessions.middleware.SessionMiddleware",
    "meetings.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "meetings.ratelimit.TokenRateLimitMiddleware",
    "meetings.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout page
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
# The cache holds the rate limits' counters (meetings/ratelimit.py): in Redis they are shared by every
# server process; without Redis each process counts on its own.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "prachum",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
# Background jobs (meetings/jobs.py): Django's tasks framework with its database backend, on SQLite as on
# PostgreSQL; `manage.py worker` runs them. A running job renews a lease of JOB_LEASE_SECONDS as it
# reports progress; a lapsed lease means its worker died, and the job is queued again. Finished jobs and
# their files (PDFs of personal data) are deleted after JOB_RESULT_HOURS.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", 120)
JOB_RESULT_HOURS = env_int("JOB_RESULT_HOURS", 48)
# A message (e-mail, LINE) that fails for a passing reason is tried this many times in all.
MESSAGE_MAX_ATTEMPTS = env_int("MESSAGE_MAX_ATTEMPTS", 5)
if JOB_LEASE_SECONDS < 10 or JOB_RESULT_HOURS < 1:
    raise ImproperlyConfigured("JOB_LEASE_SECONDS must be at least 10 and JOB_RESULT_HOURS at least 1.")
# E-mail (registration/email.py; docs/DEPLOY.md, "E-mail"): EMAIL_URL (smtp+tls://user:password@host:587)
# or EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS or EMAIL_USE_SSL; EMAIL_TIMEOUT
# (seconds), DEFAULT_FROM_EMAIL. Mails are sent by the worker, never in a request. No server named: the
# demo (DEBUG) prints them in the worker's output; a deployment sends none and start-up warns.
_email = env_email(debug=DEBUG)
EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT = _email["EMAIL_BACKEND"], _email["EMAIL_HOST"], _email["EMAIL_PORT"]
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_USER"], _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS, EMAIL_USE_SSL, EMAIL_TIMEOUT = _email["EMAIL_USE_TLS"], _email["EMAIL_USE_SSL"], _email["EMAIL_TIMEOUT"]
DEFAULT_FROM_EMAIL = _email["DEFAULT_FROM_EMAIL"]
# LINE Messaging API (registration/line.py; docs/DEPLOY.md, "LINE"): the department's Official Account.
# Token and secret together or neither; unset, every LINE feature is hidden and its webhook answers 404.
# LINE_API_HOST is LINE's (tests point it at a local fake); LINE_BOT_BASIC_ID (@prachum) makes the
# "add friend" link and QR code on the personal page.
LINE_CHANNEL_ACCESS_TOKEN, LINE_CHANNEL_SECRET = env_together("LINE_CHANNEL_ACCESS_TOKEN", "LINE_CHANNEL_SECRET")
LINE_API_HOST = env_url("LINE_API_HOST", default="https://api.line.me")
LINE_BOT_BASIC_ID = env_matching("LINE_BOT_BASIC_ID", r"@[A-Za-z0-9._-]{2,30}", "the account's ID with its @, such as @prachum")

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
    "meetings.auth.LoginThrottleBackend",  # first: refuses a locked-out sign-in before any password is checked
    "meetings.auth.ProfileModelBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed sign-ins (django-axes, meetings/auth.py; docs/DEPLOY.md, "Limits"): one user name at one address is
# locked out after LOGIN_FAILURE_LIMIT wrong passwords, and one address for all user names after
# LOGIN_FAILURES_PER_IP, each for LOGIN_COOLOFF_MINUTES after the last failure. The address is the client's as
# meetings.audit.client_ip reads it (TRUSTED_PROXIES).
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURES_PER_IP = env_int("LOGIN_FAILURES_PER_IP", 30)
LOGIN_COOLOFF_MINUTES = env_int("LOGIN_COOLOFF_MINUTES", 15)
for _name in ("LOGIN_FAILURE_LIMIT", "LOGIN_FAILURES_PER_IP", "LOGIN_COOLOFF_MINUTES"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1.")
if LOGIN_FAILURES_PER_IP < LOGIN_FAILURE_LIMIT:
    raise ImproperlyConfigured("LOGIN_FAILURES_PER_IP must not be smaller than LOGIN_FAILURE_LIMIT.")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "meetings.audit.client_ip"
AXES_LOCKOUT_CALLABLE = "meetings.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Sign-ins are not logged by axes (only the failures it counts, deleted after the cool-off).
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Pages reached by a token in their address (personal links, the venue check-in QR, certificate checks;
# meetings/ratelimit.py): per client address and minute, a request costs 1 and one the page refuses (an
# unknown or expired link) RATE_LIMIT_MISS_COST; past RATE_LIMIT_TOKEN_PER_MINUTE the address gets 429.
RATE_LIMIT_TOKEN_PER_MINUTE = env_int("RATE_LIMIT_TOKEN_PER_MINUTE", 1200)
RATE_LIMIT_MISS_COST = env_int("RATE_LIMIT_MISS_COST", 20)
if RATE_LIMIT_TOKEN_PER_MINUTE < 1 or RATE_LIMIT_MISS_COST < 1:
    raise ImproperlyConfigured("RATE_LIMIT_TOKEN_PER_MINUTE and RATE_LIMIT_MISS_COST must be at least 1.")
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
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Served at the site's root by whitenoise, before any view: /favicon.ico and /apple-touch-icon.png, which
# browsers ask for on their own (pages link the hashed copies under STATIC_URL).
WHITENOISE_ROOT = BASE_DIR / "static" / "favicon"
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

# HTTPS (docs/DEPLOY.md, "Security settings"). SITE_URL says whether the site is served over HTTPS;
# the defaults follow it, so the demo on http://127.0.0.1 needs none of this.
SITE_USES_HTTPS = SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG and SITE_USES_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG and SITE_USES_HTTPS)
# The load balancer's health probe may speak plain HTTP to the workers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS is remembered by browsers for this long: opt in once HTTPS works (0 = no header).
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("SECURE_HSTS_SECONDS must not be negative.")
# Behind a TLS proxy Django sees plain HTTP; the proxy's X-Forwarded-Proto says what the browser used.
# Only set this when every request comes through that proxy and it overwrites the header: a client
# that reaches the workers directly could otherwise claim HTTPS.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): every script and stylesheet is a file under static/, so no
# inline script, style attribute or event handler runs. Values go to scripts through data-* attributes
# or json_script. 'self' covers same-origin WebSockets in current browsers; the dashboards' socket
# origin is named too for older ones.
_SITE_HOST = urlparse(SITE_URL).netloc
_SOCKET_ORIGINS = [f"{'wss' if SITE_USES_HTTPS else 'ws'}://{_SITE_HOST}"] if _SITE_HOST else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # QR codes come as data: URIs
        "connect-src": [SELF, *_SOCKET_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Reverse proxies (IP addresses or CIDR networks) whose X-Forwarded-For the audit log believes
# (meetings.audit.client_ip); empty: the address of the direct peer (REMOTE_ADDR) is the client's.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

# Personal data (docs/PRIVACY.md): registrations are anonymised this many days after their session
# ends (manage.py purge_personal_data); the privacy notice names the period and the contact.
PERSONAL_DATA_RETENTION_DAYS = env_int("PERSONAL_DATA_RETENTION_DAYS", 365)
if PERSONAL_DATA_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("PERSONAL_DATA_RETENTION_DAYS must be at least 1.")
PRIVACY_CONTACT = os.environ.get("PRIVACY_CONTACT", "").strip()

# Uploads: a spreadsheet of a few thousand rows is well under this.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# An import (participants, quiz questions) reads at most this many rows and stops there (meetings/spreadsheets.py).
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 5000)
if IMPORT_MAX_ROWS < 1:
    raise ImproperlyConfigured("IMPORT_MAX_ROWS must be at least 1.")
# Uploaded lists wait here between the preview and the confirmation. Outside MEDIA_ROOT on
# purpose: they hold personal data and must never be served.
IMPORT_STAGING_DIR = Path(os.environ.get("IMPORT_STAGING_DIR") or Path(tempfile.gettempdir()) / "prachum-imports")
# Request bodies, refused with 413 before they are read (config/body_limit.py wraps the ASGI and WSGI
# applications): any request up to REQUEST_BODY_MAX_BYTES; a signed-in user's upload (the import pages,
# training attachments) up to UPLOAD_MAX_BYTES. Django's own limits follow: form fields held in memory, and
# files larger than FILE_UPLOAD_MAX_MEMORY_SIZE written to a temporary file instead of memory.
REQUEST_BODY_MAX_BYTES = env_int("REQUEST_BODY_MAX_BYTES", 2 * 1024 * 1024)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
if REQUEST_BODY_MAX_BYTES < 64 * 1024:
    raise ImproperlyConfigured(f"REQUEST_BODY_MAX_BYTES must be at least 65536 (64 KiB; got {REQUEST_BODY_MAX_BYTES}).")
if UPLOAD_MAX_BYTES < REQUEST_BODY_MAX_BYTES:
    raise ImproperlyConfigured(f"UPLOAD_MAX_BYTES ({UPLOAD_MAX_BYTES}) must not be smaller than REQUEST_BODY_MAX_BYTES ({REQUEST_BODY_MAX_BYTES}).")
if not 0 < IMPORT_MAX_BYTES < UPLOAD_MAX_BYTES:
    raise ImproperlyConfigured(
        f"IMPORT_MAX_BYTES ({IMPORT_MAX_BYTES}) must be positive and smaller than UPLOAD_MAX_BYTES ({UPLOAD_MAX_BYTES}): an import's upload carries the file and the form."
    )
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Video-conference participants reports (attendance/vc, docs/ATTENDANCE_VC.md): the largest file and the most
# rows one report may have (a report lists every reconnect, so it runs longer than a list of people), and the
# share of the session a person must be connected for to count as present online.
VC_REPORT_MAX_BYTES = env_int("VC_REPORT_MAX_BYTES", 10 * 1024 * 1024)
VC_REPORT_MAX_ROWS = env_int("VC_REPORT_MAX_ROWS", 20000)
VC_PRESENT_PERCENT = env_int("VC_PRESENT_PERCENT", 80)
if not 0 < VC_REPORT_MAX_BYTES < UPLOAD_MAX_BYTES:
    raise ImproperlyConfigured(
        f"VC_REPORT_MAX_BYTES ({VC_REPORT_MAX_BYTES}) must be positive and smaller than UPLOAD_MAX_BYTES ({UPLOAD_MAX_BYTES})."
    )
if VC_REPORT_MAX_ROWS < 1:
    raise ImproperlyConfigured("VC_REPORT_MAX_ROWS must be at least 1.")
if not 1 <= VC_PRESENT_PERCENT <= 100:
    raise ImproperlyConfigured(f"VC_PRESENT_PERCENT must be between 1 and 100 (got {VC_PRESENT_PERCENT}).")

# Personal links and tickets are masked in every log record (config/log_filters.py).
LOGGING_CONFIG = "config.log_filters.configure_logging"
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
