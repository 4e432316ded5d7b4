"""Settings for benchmark servers: the real settings plus a bare baseline view (bench/urls.py).

Database connections come from the real settings and the environment: bench/servers.py gives
ASGI servers DATABASE_POOL_SIZE and WSGI servers DATABASE_CONN_MAX_AGE, as docs/DEPLOY.md says.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
LOGGING = {"version": 1, "disable_existing_loggers": True}
# Benchmarks render pages but never fetch their static files: no collectstatic, no manifest.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
